"""Sliding-window features: the store protocol and the in-process store.

Why sorted per-key series: a window is ``(E.ts - window, E.ts]`` over the events
processed so far, and events may arrive up to ten minutes out of order, so each
key keeps its timestamps sorted (appends in the common case, a rare insertion
otherwise) and answers with two binary searches. ``sum`` keeps exact running
totals for integers; ``distinct`` keeps a counter of the values in the current
window and slides it with the window. Entries that no future event can see
(older than ``watermark - 10 min - window``) are dropped lazily, relative to
the ``ts`` of the event being added: the engine makes sure that is never past
the watermark (an event beyond the watermark's step is added with
``prune=False``), since the watermark is what bounds how old a later event may be.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from marketguard.risk.model import LATE_NS, FeatureDef
from marketguard.risk.series import (
    SERIES,
    decode_key,
    encode_key,
    normalize,
)

Adder = Callable[[Any, int, Any], None]
Reader = Callable[[Any, int], "int | float"]
SWEEP_MIN = 1 << 14
"""A feature's table is swept when it doubles in size beyond this many keys."""
_FOREVER = 1 << 100
"""How long an add with ``prune=False`` keeps entries: it drops none."""
_NEVER = 1 << 62
"""The sweep threshold of an add with ``prune=False``: it never sweeps."""


class FeatureStore(Protocol):
    """Where feature windows and enrichment state live (in process or shared)."""

    def bind(self, features: Sequence[FeatureDef]) -> None:
        """Declare the features this store serves; index ``i`` is ``features[i]``."""

    def adder(self, index: int, *, prune: bool = True) -> Adder:
        """Return ``add(key, ts, value)`` recording a qualifying event for feature ``index``.

        With ``prune=False`` the add drops no old entries (the event is past the
        watermark, so its ``ts`` says nothing about what later events still read).
        """

    def reader(self, index: int) -> Reader:
        """Return ``read(key, ts)`` giving feature ``index`` over ``(ts - window, ts]``."""

    def end_event(self) -> None:
        """Make the current event's writes durable (a no-op in process)."""

    def seen(self, namespace: str, key: str, member: str) -> bool:
        """Record ``member`` under ``key``; return True if it was recorded before."""

    def get_state(self, namespace: str, key: str) -> Any:
        """Return enrichment state stored under ``key`` (None when absent)."""

    def set_state(self, namespace: str, key: str, value: Any) -> None:
        """Store JSON-compatible enrichment state under ``key``."""

    def get_meta(self, name: str) -> Any:
        """Return engine bookkeeping such as the latest ts or a stream position."""

    def set_meta(self, name: str, value: Any) -> None:
        """Store engine bookkeeping."""


class MemoryStore:
    """The in-process :class:`FeatureStore`: dictionaries of per-key series."""

    def __init__(self) -> None:
        self.features: list[FeatureDef] = []
        self.series: list[dict[Any, Any]] = []
        self.state: dict[str, dict[str, Any]] = {}
        self.meta: dict[str, Any] = {}

    def bind(self, features: Sequence[FeatureDef]) -> None:
        """Declare the features; state of features bound before is dropped."""
        self.features = list(features)
        self.series = [{} for _ in self.features]

    def adder(self, index: int, *, prune: bool = True) -> Adder:
        """Return the add function of feature ``index`` (a closure, for speed)."""
        feat = self.features[index]
        table = self.series[index]
        get = table.get
        keep = LATE_NS + feat.window_ns if prune else _FOREVER
        factory = SERIES[feat.kind]
        grown = [SWEEP_MIN if prune else _NEVER]
        if feat.kind == "count":
            return self._count_adder(index, keep, prune)

        def add(key: Any, ts: int, value: Any) -> None:
            if type(key) is not str:
                key = normalize(key)
            series = get(key)
            if series is None:
                if len(table) >= grown[0]:
                    grown[0] = max(SWEEP_MIN, 2 * self.sweep_table(index, ts))
                series = table[key] = factory()
            series.add(ts, value, ts - keep)

        return add

    def _count_adder(self, index: int, keep: int, prune: bool) -> Adder:
        """Count windows are plain sorted lists of ts: one call, no method dispatch."""
        table = self.series[index]
        get = table.get
        grown = [SWEEP_MIN if prune else _NEVER]

        def add(key: Any, ts: int, value: Any) -> None:
            if type(key) is not str:
                key = normalize(key)
            t = get(key)
            if t is None:
                if len(table) >= grown[0]:
                    grown[0] = max(SWEEP_MIN, 2 * self.sweep_table(index, ts))
                table[key] = [ts]
                return
            if ts >= t[-1]:
                t.append(ts)
            else:
                insort(t, ts)
            horizon = ts - keep
            if t[0] <= horizon and t[len(t) >> 1] <= horizon:
                del t[: bisect_right(t, horizon)]

        return add

    def add_reader(
        self, index: int, *, prune: bool = True
    ) -> Callable[[Any, int, Any], int | float]:
        """Return ``add(key, ts, value)`` that also returns the feature's new value."""
        feat = self.features[index]
        if feat.kind == "count":
            return self._count_add_reader(index, prune)
        table = self.series[index]
        get = table.get
        window = feat.window_ns
        keep = LATE_NS + window if prune else _FOREVER
        factory = SERIES[feat.kind]
        grown = [SWEEP_MIN if prune else _NEVER]

        def add_read(key: Any, ts: int, value: Any) -> int | float:
            if type(key) is not str:
                key = normalize(key)
            series = get(key)
            if series is None:
                if len(table) >= grown[0]:
                    grown[0] = max(SWEEP_MIN, 2 * self.sweep_table(index, ts))
                series = table[key] = factory()
            result: int | float = series.add_read(ts, value, ts - keep, ts - window)
            return result

        return add_read

    def _count_add_reader(self, index: int, prune: bool) -> Callable[[Any, int, Any], int]:
        """The fused update-and-read of a count window (a plain sorted list of ts)."""
        table = self.series[index]
        get = table.get
        window = self.features[index].window_ns
        keep = LATE_NS + window if prune else _FOREVER
        grown = [SWEEP_MIN if prune else _NEVER]

        def add_read(key: Any, ts: int, value: Any) -> int:
            if type(key) is not str:
                key = normalize(key)
            t = get(key)
            if t is None:
                if len(table) >= grown[0]:
                    grown[0] = max(SWEEP_MIN, 2 * self.sweep_table(index, ts))
                table[key] = [ts]
                return 1
            if ts >= t[-1]:
                t.append(ts)
                horizon = ts - keep
                if t[0] <= horizon and t[len(t) >> 1] <= horizon:
                    del t[: bisect_right(t, horizon)]
                return len(t) - bisect_right(t, ts - window)
            insort(t, ts)
            j = bisect_right(t, ts)
            return j - bisect_right(t, ts - window, 0, j)

        return add_read

    def _count_reader(self, index: int) -> Reader:
        window = self.features[index].window_ns
        get = self.series[index].get

        def read(key: Any, ts: int) -> int:
            t = get(key if type(key) is str else normalize(key))
            if t is None:
                return 0
            if ts >= t[-1]:
                return len(t) - bisect_right(t, ts - window)
            j = bisect_right(t, ts)
            return j - bisect_right(t, ts - window, 0, j)

        return read

    def reader(self, index: int) -> Reader:
        """Return the read function of feature ``index``."""
        if self.features[index].kind == "count":
            return self._count_reader(index)
        window = self.features[index].window_ns
        get = self.series[index].get

        def read(key: Any, ts: int) -> int | float:
            series = get(key if type(key) is str else normalize(key))
            if series is None:
                return 0
            result: int | float = series.read(ts - window, ts)
            return result

        return read

    def sweep_table(self, index: int, ts: int) -> int:
        """Drop the series of feature ``index`` no future event can see; return the size.

        ``ts`` must not be past the watermark (no later event can be older than
        ``watermark - 10 min``).
        """
        table = self.series[index]
        horizon = ts - LATE_NS - self.features[index].window_ns
        if self.features[index].kind == "count":
            dead = [key for key, t in table.items() if t[-1] <= horizon]
        else:
            dead = [key for key, series in table.items() if series.last() <= horizon]
        for key in dead:
            del table[key]
        return len(table)

    def sweep(self, ts: int) -> None:
        """Drop every series no future event can see (all entries older than the horizon)."""
        for index in range(len(self.features)):
            self.sweep_table(index, ts)

    def end_event(self) -> None:
        """Nothing to flush in process."""

    def seen(self, namespace: str, key: str, member: str) -> bool:
        """Check-and-set membership for first-seen enrichment."""
        members = self.state.setdefault(namespace, {}).setdefault(key, {})
        if member in members:
            return True
        members[member] = 1
        return False

    def get_state(self, namespace: str, key: str) -> Any:
        """Return enrichment state."""
        return self.state.get(namespace, {}).get(key)

    def set_state(self, namespace: str, key: str, value: Any) -> None:
        """Store enrichment state."""
        self.state.setdefault(namespace, {})[key] = value

    def get_meta(self, name: str) -> Any:
        """Return bookkeeping."""
        return self.meta.get(name)

    def set_meta(self, name: str, value: Any) -> None:
        """Store bookkeeping."""
        self.meta[name] = value

    def snapshot(self) -> dict[str, Any]:
        """Return the whole state as JSON-compatible data (for worker snapshots)."""
        feats = []
        for feat, table in zip(self.features, self.series, strict=True):
            if feat.kind == "count":
                rows = [[encode_key(key), t] for key, t in table.items()]
            else:
                rows = [[encode_key(key), *series.dump()] for key, series in table.items()]
            feats.append({"signature": feat.signature, "kind": feat.kind, "series": rows})
        return {"features": feats, "state": self.state, "meta": self.meta}

    def adopt(self, other: MemoryStore) -> None:
        """Share the windows of ``other``'s features whose definitions are unchanged.

        Used when a new rule-set version replaces one in a running process, so
        velocity state survives a rules update.
        """
        theirs = {feat.signature: index for index, feat in enumerate(other.features)}
        for index, feat in enumerate(self.features):
            found = theirs.get(feat.signature)
            if found is not None:
                self.series[index].update(other.series[found])
        self.state = other.state
        self.meta = dict(other.meta)

    def restore(self, data: dict[str, Any]) -> None:
        """Load state written by :meth:`snapshot` (features must already be bound)."""
        by_signature = {feat.signature: index for index, feat in enumerate(self.features)}
        for entry in data.get("features", []):
            index = by_signature.get(entry.get("signature", ""))
            if index is None:
                continue  # the feature's definition changed: it starts empty
            table = self.series[index]
            for row in entry["series"]:
                if entry["kind"] == "count":
                    table[_key_from(row[0])] = list(row[1])
                else:
                    table[_key_from(row[0])] = SERIES[entry["kind"]].load(row[1:])
        self.state = data.get("state", {})
        self.meta = data.get("meta", {})


def _key_from(text: str) -> Any:
    key = decode_key(text)
    return key if isinstance(key, str) else tuple(key)


__all__ = ["FeatureStore", "MemoryStore", "decode_key", "encode_key", "normalize"]
