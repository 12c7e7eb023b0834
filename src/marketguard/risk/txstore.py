"""The feature store of shared workers: an event's state changes, planned then applied.

Why plan instead of write: on shared state an event's changes must be applied by
one atomic script (see :mod:`marketguard.risk.shared`), but the rules that decide
what changes run in Python. This store lets the unchanged engine run twice: once
recording what the event writes, once answering reads from the script's results.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import orjson

from marketguard.risk.features import Adder, Reader
from marketguard.risk.model import FeatureDef
from marketguard.risk.redis_store import RedisStore


class TxStore:
    """A :class:`FeatureStore` that plans an event's state changes instead of making them.

    In ``capture`` mode writes are recorded (reads answer 0, enrichment reads go
    to Redis and are remembered as expectations); in ``replay`` mode reads
    answer from the script's results and enrichment from the recorded answers.
    """

    def __init__(self, base: RedisStore) -> None:
        self.base = base
        self.features: list[FeatureDef] = []
        self.replaying = False
        self.uid = secrets.token_hex(6)
        self.counter = 0
        self.reset()

    def reset(self) -> None:
        """Start a new event."""
        self.checks: list[tuple[str, str, str, str]] = []
        self.writes: list[tuple[str, str, str]] = []
        self.adds: list[tuple[int, Any, int, Any]] = []
        self.answers: list[Any] = []
        self.overlay: dict[Any, Any] = {}
        self.results: dict[int, int | float] = {}
        self.cursor = 0

    def bind(self, features: Sequence[FeatureDef]) -> None:
        """Name each feature's keys as :class:`RedisStore` does (the same layout)."""
        self.features = list(features)
        self.base.bind(features)

    def adder(self, index: int, *, prune: bool = True) -> Adder:
        """Return ``add(key, ts, value)``: recorded while capturing, ignored in replay.

        ``prune`` is the script's business: it trims a window only when the event
        does not jump past the watermark's step (see :mod:`marketguard.risk.shared`).
        """

        def add(key: Any, ts: int, value: Any) -> None:
            if not self.replaying:
                self.adds.append((index, key, ts, value))

        return add

    def add_reader(self, index: int, *, prune: bool = True) -> Any:
        """Return the fused add-and-read: records the add, answers the script's value."""

        def add_read(key: Any, ts: int, value: Any) -> int | float:
            if self.replaying:
                return self.results[index]
            self.adds.append((index, key, ts, value))
            return 0

        return add_read

    def reader(self, index: int) -> Reader:
        """Return ``read(key, ts)``: 0 while capturing, the script's value in replay."""

        def read(key: Any, ts: int) -> int | float:
            return self.results[index] if self.replaying else 0

        return read

    def end_event(self) -> None:
        """Nothing to flush: the script applies the event."""

    def _answer(self, value: Any) -> Any:
        self.answers.append(value)
        return value

    def _replayed(self) -> Any:
        value = self.answers[self.cursor]
        self.cursor += 1
        return value

    def seen(self, namespace: str, key: str, member: str) -> bool:
        """First-seen check: read now, verified and written by the script."""
        if self.replaying:
            return bool(self._replayed())
        name = f"{self.base.namespace}:s:{namespace}:{key}"
        marked = (name, member)
        if marked in self.overlay:
            return bool(self._answer(True))
        was = bool(self.base.client.sismember(name, member))
        self.checks.append(("M", name, member, "1" if was else "0"))
        if not was:
            self.writes.append(("S", name, member))
        self.overlay[marked] = True
        return bool(self._answer(was))

    def get_state(self, namespace: str, key: str) -> Any:
        """Enrichment state: read now, verified unchanged by the script."""
        if self.replaying:
            return self._replayed()
        name = f"{self.base.namespace}:e:{namespace}:{key}"
        if name in self.overlay:
            return self._answer(self.overlay[name])
        raw: bytes | None = self.base.client.get(name)
        if raw is None:
            self.checks.append(("G", name, "", "1"))
            value = None
        else:
            self.checks.append(("G", name, raw.decode(), "0"))
            value = orjson.loads(raw)
        self.overlay[name] = value
        return self._answer(value)

    def set_state(self, namespace: str, key: str, value: Any) -> None:
        """Record an enrichment write (the script applies it)."""
        if self.replaying:
            return
        name = f"{self.base.namespace}:e:{namespace}:{key}"
        self.overlay[name] = value
        self.writes.append(("T", name, orjson.dumps(value).decode()))

    def get_meta(self, name: str) -> Any:
        """Bookkeeping lives in the script (the latest ts): nothing here."""
        return None

    def set_meta(self, name: str, value: Any) -> None:
        """Bookkeeping lives in the script."""
