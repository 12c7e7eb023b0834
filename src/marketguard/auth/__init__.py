"""Principals, roles and bearer tokens."""
