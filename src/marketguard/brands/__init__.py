"""Brands, their IP rights and what they know about their genuine products."""
