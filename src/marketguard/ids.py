"""Opaque, sortable identifiers (ULID), so no autoincrement counter leaks volumes."""

from __future__ import annotations

from ulid import ULID


def new_id(prefix: str = "") -> str:
    """Return a new ULID string, optionally prefixed (``ntc_01J...``) for readability."""
    value = str(ULID())
    return f"{prefix}_{value}" if prefix else value
