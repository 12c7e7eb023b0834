"""Desensitize records before they leave: pseudonyms, coarser facts, k-anonymity.

Three steps, in this order:

1. **Quasi-identifiers are generalised.** Facts that are harmless alone but
   single a person out together — when an account was opened, where someone
   lives — are made coarser: times become months (``2024-05``), places become
   countries (an address becomes the seller's country). Which fields are
   quasi-identifiers is declared in :data:`QUASI_IDENTIFIERS`, per dataset.
2. **Personal fields become keyed pseudonyms.** Every other field whose
   category is ``personal`` (any level) is replaced by
   ``HMAC-SHA256(key, recipient, dataset.field, value)``, shortened: the same
   phone number gives the same pseudonym in every file one recipient receives
   (so a vendor can still join its files), a different one for every other
   recipient (so two recipients cannot join theirs), and nobody without the
   platform's key can compute or reverse it. A list is pseudonymised element by
   element.
3. **k-anonymity.** Rows whose combination of generalised quasi-identifiers
   occurs fewer than ``k`` times would single a person out: they are suppressed
   and counted. When suppression would remove more than ``max_suppressed`` of
   the rows, the export is refused (:class:`DesensitizeRefused`) — it would
   either say little or be a request aimed at a few people.

Business and corporate fields (a seller id, a listing's title) pass unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from marketguard.dataguard.classification import Category
from marketguard.dataguard.datasets import Dataset
from marketguard.dataguard.exports.files import value_at
from marketguard.errors import InvalidInput
from marketguard.timeutil import parse_rfc3339

Generalise = Literal["month", "country"]
PSEUDONYM_PREFIX = "p_"
PSEUDONYM_CHARS = 20  # 100 bits of base32: no two values of a dataset collide in practice

# Fields that single a person out in combination, per dataset, and how each is coarsened.
QUASI_IDENTIFIERS: dict[str, dict[str, Generalise]] = {
    "sellers": {"created_at": "month", "country": "country", "identifiers.address": "country"},
    "orders": {"ts": "month"},
    "notices": {"received_at": "month"},
    "risk_events": {"ts": "month", "country": "country"},
}
# Where a record carries the country a place is generalised to.
COUNTRY_FIELD = "country"


class DesensitizeRefused(InvalidInput):
    """Desensitizing would suppress too much, or cannot protect what was asked for."""


@dataclass(frozen=True)
class Desensitized:
    """Desensitized records (flat, keyed by the export's fields), and what was suppressed."""

    records: list[dict[str, Any]]
    suppressed: int
    quasi_identifiers: tuple[str, ...]


def pseudonym(value: Any, *, key: bytes, recipient: str, field: str) -> str:
    """Return the keyed pseudonym of one value for one recipient and field."""
    text = value if isinstance(value, str) else str(value)
    message = b"\x00".join((recipient.encode(), field.encode(), text.encode()))
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return PSEUDONYM_PREFIX + base64.b32encode(digest).decode().lower()[:PSEUDONYM_CHARS]


def month_of(value: Any) -> str | None:
    """Return a time's month (``2024-05``), or None when it is not a time."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m")
    if isinstance(value, str):
        try:
            return parse_rfc3339(value.strip()).strftime("%Y-%m")
        except ValueError:
            return None
    return None


def _generalise(how: Generalise, path: str, value: Any, record: Mapping[str, Any]) -> Any:
    if how == "month":
        if isinstance(value, list):
            return sorted({m for m in (month_of(v) for v in value) if m})
        return month_of(value)
    if path == COUNTRY_FIELD or path.endswith("." + COUNTRY_FIELD):
        return value
    if value is None or value == []:
        return None
    country = value_at(record, COUNTRY_FIELD)
    return country if isinstance(country, str) and country else None


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def personal_fields(dataset: Dataset, fields: Sequence[str]) -> list[str]:
    """Return the fields to pseudonymise: personal (or unclassified) and not generalised."""
    quasi = QUASI_IDENTIFIERS.get(dataset.name, {})
    chosen: list[str] = []
    for path in fields:
        found = dataset.classify(path)
        if path not in quasi and (found is None or found.category == Category.personal):
            chosen.append(path)
    return chosen


def desensitize(
    records: Sequence[Mapping[str, Any]],
    *,
    dataset: Dataset,
    fields: Sequence[str],
    key: bytes,
    recipient: str,
    k: int = 5,
    max_suppressed: float = 0.5,
) -> Desensitized:
    """Generalise, pseudonymise and k-anonymise records (see the module docstring)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if not recipient.strip():
        raise ValueError("pseudonyms need a recipient")
    quasi_table = QUASI_IDENTIFIERS.get(dataset.name, {})
    quasi = tuple(f for f in fields if f in quasi_table)
    personal = set(personal_fields(dataset, fields))
    out: list[dict[str, Any]] = []
    for record in records:
        row: dict[str, Any] = {}
        for path in fields:
            value = value_at(record, path)
            if path in quasi_table:
                row[path] = _generalise(quasi_table[path], path, value, record)
            elif path in personal:
                row[path] = _pseudonymise(value, key=key, recipient=recipient,
                                          field=f"{dataset.name}.{path}")
            else:
                row[path] = value
        out.append(row)
    if not quasi or not out:
        return Desensitized(records=out, suppressed=0, quasi_identifiers=quasi)
    groups = Counter(tuple(_hashable(r[f]) for f in quasi) for r in out)
    kept = [r for r in out if groups[tuple(_hashable(r[f]) for f in quasi)] >= k]
    suppressed = len(out) - len(kept)
    if not kept or suppressed > max_suppressed * len(out):
        raise DesensitizeRefused(
            f"desensitizing would suppress {suppressed} of {len(out)} rows (more than "
            f"{max_suppressed:.0%}) so that every combination of {', '.join(quasi)} occurs at "
            f"least {k} times; export fewer of these fields or more rows"
        )
    return Desensitized(records=kept, suppressed=suppressed, quasi_identifiers=quasi)


def _pseudonymise(value: Any, *, key: bytes, recipient: str, field: str) -> Any:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [None if v is None else pseudonym(v, key=key, recipient=recipient, field=field)
                for v in value]
    if isinstance(value, dict):
        return {k: _pseudonymise(v, key=key, recipient=recipient, field=f"{field}.{k}")
                for k, v in value.items()}
    return pseudonym(value, key=key, recipient=recipient, field=field)
