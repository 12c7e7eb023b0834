"""Data protection: classification, masked reads, time-limited approved access, access log."""
