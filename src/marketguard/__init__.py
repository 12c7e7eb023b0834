"""marketguard: an open-source trust & safety platform for online marketplaces."""

__version__ = "0.1.0"
