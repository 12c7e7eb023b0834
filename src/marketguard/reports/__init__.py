"""Transparency: the figures that prove notice and takedown works, and DSA statement exports."""
