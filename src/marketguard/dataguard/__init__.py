"""Data protection: classification, personal data discovery, access grants, exports."""
