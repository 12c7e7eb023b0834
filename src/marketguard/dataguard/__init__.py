"""Data protection: classification, personal data discovery, masked reads, time-limited
approved access and the access log."""
