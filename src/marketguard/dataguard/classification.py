"""Four-level data classification, declared next to the columns it describes.

Why next to the models: a classification kept in a separate list drifts from the
schema and a new column is silently unclassified. Every ``mapped_column`` carries
``info=classified(...)`` and every table ``__table_args__`` carries
``{"info": owned_by(team)}``; a test migrates a fresh database and fails naming
any column or table that lacks them.

This module imports nothing from the rest of marketguard, so every domain's
``models.py`` can use it without import cycles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

CLASSIFICATION_KEY = "classification"
OWNER_KEY = "owner"


class Level(IntEnum):
    """How much harm a leak does: 1 public … 4 secret. Stricter is always allowed."""

    public = 1
    internal = 2
    confidential = 3
    secret = 4


class Category(StrEnum):
    """Whose data it is: about a person, made on the platform, or the operator's own."""

    personal = "personal"
    business = "business"
    corporate = "corporate"


@dataclass(frozen=True)
class Classification:
    """One field's level, category and the purpose it is kept for.

    ``fields`` classifies the keys of a JSON column whose keys are data (a
    seller's ``identifiers``: phone, payment, …); a key not named there takes the
    column's own classification, so an unknown kind is never less protected.
    """

    level: Level
    category: Category
    purpose: str
    fields: Mapping[str, Classification] = field(default_factory=dict)

    def for_key(self, key: str) -> Classification:
        """Return the classification of a JSON sub-field (the column's own if unnamed)."""
        return self.fields.get(key, self)


def classification(
    level: Level | int, category: Category | str, purpose: str
) -> Classification:
    """Build a classification, refusing an empty purpose or an unknown level/category."""
    if not purpose.strip():
        raise ValueError("a classification needs a purpose")
    return Classification(Level(level), Category(category), purpose)


def classified(
    level: Level | int,
    category: Category | str,
    purpose: str,
    fields: Mapping[str, Classification] | None = None,
) -> dict[str, Any]:
    """Return the ``info`` dict for ``mapped_column(..., info=...)``.

    A fresh dict each call, so no two columns share a mutable ``info``.
    """
    base = classification(level, category, purpose)
    if fields:
        base = Classification(base.level, base.category, base.purpose, dict(fields))
    return {CLASSIFICATION_KEY: base}


def owned_by(team: str) -> dict[str, Any]:
    """Return the table ``info`` naming the team that owns (and approves access to) it."""
    if not team.strip():
        raise ValueError("a table owner must be a team name")
    return {OWNER_KEY: team}


def column_classification(column: Any) -> Classification | None:
    """Return a column's declared classification, or None when it has none."""
    found = getattr(column, "info", {}).get(CLASSIFICATION_KEY)
    return found if isinstance(found, Classification) else None


def table_owner(table: Any) -> str | None:
    """Return a table's declared owner, or None when it has none."""
    found = getattr(table, "info", {}).get(OWNER_KEY)
    return found if isinstance(found, str) else None


# Teams that own data; a data_owner token may be scoped to one dataset of theirs.
TRUST_AND_SAFETY = "trust-and-safety"
BRAND_PROTECTION = "brand-protection"
RISK = "risk"
SECURITY = "security"
