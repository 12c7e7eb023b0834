"""Risk events as integer columns, and how a column row becomes a JSON event.

Why columns: a million events are generated with numpy, sorted once by time and
serialised in chunks; only the chunk being written exists as Python objects.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TYPES: tuple[str, ...] = (
    "account.register",
    "account.login",
    "account.password_reset",
    "address.changed",
    "order.created",
    "payment.authorized",
    "listing.published",
    "refund.requested",
)
TYPE_CODE = {name: index for index, name in enumerate(TYPES)}
OUTCOMES: tuple[str, ...] = ("success", "failure", "approved", "declined")
OUTCOME_CODE = {name: index for index, name in enumerate(OUTCOMES)}
PATTERNS: tuple[str, ...] = (
    "card_testing",
    "credential_stuffing",
    "account_takeover",
    "promotion_abuse",
    "refund_abuse",
)
PATTERN_CODE = {name: index + 1 for index, name in enumerate(PATTERNS)}  # 0: benign

COLUMNS: dict[str, type[np.integer[Any]]] = {
    "ts": np.int64,
    "type": np.int8,
    "user": np.int32,
    "device": np.int32,
    "ip": np.int32,
    "country": np.int16,
    "amount": np.int64,
    "currency": np.int8,
    "card": np.int32,
    "outcome": np.int8,
    "billing": np.int16,
    "shipping": np.int16,
    "promo": np.int16,
    "email": np.int16,
    "order": np.int32,
    "listing": np.int32,
    "reason": np.int8,
    "pattern": np.int8,
}
Batch = dict[str, np.ndarray]


class Rows:
    """Row-at-a-time builder for the few events made in Python (fraud, listings)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[int]] = {name: [] for name in COLUMNS}

    def __len__(self) -> int:
        return len(self.columns["ts"])

    def add(self, ts: int, kind: str, user: int, pattern: int = 0, **fields: int) -> None:
        """Append one event; fields not given are absent (-1)."""
        columns = self.columns
        columns["ts"].append(ts)
        columns["type"].append(TYPE_CODE[kind])
        columns["user"].append(user)
        columns["pattern"].append(pattern)
        for name in COLUMNS:
            if name not in ("ts", "type", "user", "pattern"):
                columns[name].append(fields.pop(name, -1))
        if fields:
            raise KeyError(f"unknown event columns: {sorted(fields)}")

    def batch(self) -> Batch:
        """Return the rows as numpy columns."""
        return {
            name: np.asarray(values, dtype=COLUMNS[name]) for name, values in self.columns.items()
        }


def concat(batches: list[Batch]) -> Batch:
    """Join batches, filling columns a batch lacks with -1 (0 for ``pattern``)."""
    sizes = [len(b["ts"]) for b in batches]
    joined: Batch = {}
    for name, dtype in COLUMNS.items():
        parts = []
        for batch, size in zip(batches, sizes, strict=True):
            if name in batch:
                parts.append(np.asarray(batch[name], dtype=dtype))
            else:
                parts.append(np.full(size, 0 if name == "pattern" else -1, dtype=dtype))
        joined[name] = np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
    return joined


def take(batch: Batch, order: np.ndarray) -> Batch:
    """Reorder every column of ``batch``."""
    return {name: column[order] for name, column in batch.items()}
