"""Per-key window series for count, sum and distinct features.

Why three small classes with ``__slots__``: one instance exists per (feature,
key), so millions may be alive; each keeps its timestamps sorted so a window
``(lo, hi]`` is two binary searches, and drops its dead prefix only once half of
it is dead, which keeps eviction amortised O(1) per event.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from math import fsum
from typing import Any

import orjson


def normalize(value: Any) -> Any:
    """Return a hashable identity for a key or a distinct value.

    Strings stand for themselves; numbers compare numerically (``1 == 1.0``);
    booleans never equal numbers; lists and objects compare by canonical JSON.
    """
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return ("b", value)
    if kind is int or kind is float:
        return ("n", value)
    try:
        return ("j", orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())
    except TypeError:  # integers beyond 64 bits (possible over the API): exact stdlib JSON
        import json

        return ("j", json.dumps(value, sort_keys=True, separators=(",", ":")))


def encode_key(value: Any) -> str:
    """Return a normalized value as a string (shared stores and snapshots)."""
    if type(value) is str:
        return "s" + value
    tag, inner = value
    if tag == "n":
        inner = int(inner) if float(inner).is_integer() and abs(inner) < 2**53 else inner
        return "n" + repr(inner)
    return tag + (repr(inner) if tag == "b" else inner)


def decode_key(text: str) -> Any:
    """Invert :func:`encode_key`."""
    tag, rest = text[0], text[1:]
    if tag == "s":
        return rest
    if tag == "b":
        return ("b", rest == "True")
    if tag == "n":
        return ("n", orjson.loads(rest) if rest not in ("inf", "-inf") else float(rest))
    return ("j", rest)


class CountSeries:
    """Timestamps of qualifying events."""

    __slots__ = ("ts",)

    def __init__(self) -> None:
        self.ts: list[int] = []

    def add(self, ts: int, value: Any, horizon: int) -> None:
        """Record an event at ``ts``; forget entries at or before ``horizon``."""
        t = self.ts
        if not t or ts >= t[-1]:
            t.append(ts)
        else:
            insort(t, ts)
        if t[0] <= horizon and t[len(t) >> 1] <= horizon:
            del t[: bisect_right(t, horizon)]

    def read(self, lo: int, hi: int) -> int:
        """Count entries with ``lo < ts <= hi``."""
        t = self.ts
        if not t:
            return 0
        j = len(t) if hi >= t[-1] else bisect_right(t, hi)
        return j - bisect_right(t, lo, 0, j)

    def add_read(self, ts: int, value: Any, horizon: int, lo: int) -> int:
        """:meth:`add`, then :meth:`read` of ``(lo, ts]``."""
        self.add(ts, value, horizon)
        return self.read(lo, ts)

    def last(self) -> int:
        """Return the newest timestamp (for sweeping dead series)."""
        return self.ts[-1] if self.ts else -(1 << 80)

    def dump(self) -> list[Any]:
        """Return JSON-compatible state."""
        return [self.ts]

    @classmethod
    def load(cls, data: list[Any]) -> CountSeries:
        """Rebuild from :meth:`dump` output."""
        series = cls()
        series.ts = list(data[0])
        return series


class SumSeries:
    """Timestamps and numeric values; exact running totals of the integers."""

    __slots__ = ("ts", "vals", "cum", "base", "nfloat")

    def __init__(self) -> None:
        self.ts: list[int] = []
        self.vals: list[int | float] = []
        self.cum: list[int] = []
        self.base = 0
        self.nfloat = 0

    def add(self, ts: int, value: int | float, horizon: int) -> None:
        """Record ``value`` at ``ts`` (the caller passes numbers only)."""
        t, cum = self.ts, self.cum
        whole = 0
        if type(value) is float:
            self.nfloat += 1
        else:
            whole = int(value)
        if not t or ts >= t[-1]:
            t.append(ts)
            self.vals.append(value)
            cum.append((cum[-1] if cum else self.base) + whole)
        else:
            i = bisect_right(t, ts)
            t.insert(i, ts)
            self.vals.insert(i, value)
            cum.insert(i, (cum[i - 1] if i else self.base) + whole)
            if whole:
                for k in range(i + 1, len(cum)):
                    cum[k] += whole
        if t[0] <= horizon and t[len(t) >> 1] <= horizon:
            self._evict(horizon)

    def _evict(self, horizon: int) -> None:
        """Forget the entries at or before ``horizon`` (half or more of them are)."""
        t, cum = self.ts, self.cum
        cut = bisect_right(t, horizon)
        self.base = cum[cut - 1]
        self.nfloat -= sum(1 for v in self.vals[:cut] if type(v) is float)
        del t[:cut], self.vals[:cut], cum[:cut]

    def add_read(self, ts: int, value: int | float, horizon: int, lo: int) -> int | float:
        """:meth:`add`, then :meth:`read` of ``(lo, ts]``.

        Why a fused method: in the common case (an integer arriving in order
        while the series holds no float) the new window sum is the running
        total minus the total before the window, one binary search.
        """
        t = self.ts
        if type(value) is not int or self.nfloat or (t and ts < t[-1]):
            self.add(ts, value, horizon)
            return self.read(lo, ts)
        cum = self.cum
        total = (cum[-1] if cum else self.base) + value
        t.append(ts)
        self.vals.append(value)
        cum.append(total)
        if t[0] <= horizon and t[len(t) >> 1] <= horizon:
            self._evict(horizon)
        i = bisect_right(t, lo)
        return total - (cum[i - 1] if i else self.base)

    def read(self, lo: int, hi: int) -> int | float:
        """Sum values with ``lo < ts <= hi`` (integers exactly, floats correctly rounded)."""
        t = self.ts
        if not t:
            return 0
        j = len(t) if hi >= t[-1] else bisect_right(t, hi)
        i = bisect_right(t, lo, 0, j)
        if i >= j:
            return 0
        if self.nfloat:
            seg = self.vals[i:j]
            if any(type(v) is float for v in seg):
                return fsum(seg)
            return sum(seg)
        return self.cum[j - 1] - (self.cum[i - 1] if i else self.base)

    def last(self) -> int:
        """Return the newest timestamp."""
        return self.ts[-1] if self.ts else -(1 << 80)

    def dump(self) -> list[Any]:
        """Return JSON-compatible state."""
        return [self.ts, self.vals]

    @classmethod
    def load(cls, data: list[Any]) -> SumSeries:
        """Rebuild from :meth:`dump` output."""
        series = cls()
        for ts, value in zip(data[0], data[1], strict=True):
            series.add(ts, value, -(1 << 80))
        return series


class DistinctSeries:
    """Timestamps and normalized values, with a counter over the current window."""

    __slots__ = ("ts", "vals", "counter", "p", "lo")

    def __init__(self) -> None:
        self.ts: list[int] = []
        self.vals: list[Any] = []
        self.counter: dict[Any, int] = {}
        self.p = 0
        self.lo = -(1 << 80)

    def add(self, ts: int, value: Any, horizon: int) -> None:
        """Record a non-null ``value`` at ``ts``."""
        v = value if type(value) is str else normalize(value)
        t = self.ts
        if not t or ts >= t[-1]:
            t.append(ts)
            self.vals.append(v)
        else:
            i = bisect_right(t, ts)
            t.insert(i, ts)
            self.vals.insert(i, v)
        if ts > self.lo:
            self.counter[v] = self.counter.get(v, 0) + 1
        else:
            self.p += 1
        if t[0] <= horizon and t[len(t) >> 1] <= horizon:
            self._evict(bisect_right(t, horizon), horizon)

    def add_read(self, ts: int, value: Any, horizon: int, lo: int) -> int:
        """:meth:`add`, then :meth:`read` of ``(lo, ts]``.

        Why a fused method: when the value arrives in order (the common case)
        the window's counter only has to slide its lower edge up to ``lo``.
        """
        t = self.ts
        if t and ts < t[-1]:
            self.add(ts, value, horizon)
            return self.read(lo, ts)
        v = value if type(value) is str else normalize(value)
        t.append(ts)
        vals, counter = self.vals, self.counter
        vals.append(v)
        if ts > self.lo:
            counter[v] = counter.get(v, 0) + 1
        else:
            self.p += 1
        if t[0] <= horizon and t[len(t) >> 1] <= horizon:
            self._evict(bisect_right(t, horizon), horizon)
        p = self.p
        if lo < self.lo:
            return self.read(lo, ts)
        n = len(t)
        while p < n and t[p] <= lo:
            self._drop(vals[p])
            p += 1
        self.p, self.lo = p, lo
        return len(counter)

    def _evict(self, cut: int, horizon: int) -> None:
        if cut > self.p:
            for v in self.vals[self.p : cut]:
                self._drop(v)
            self.p = 0
            self.lo = max(self.lo, horizon)
        else:
            self.p -= cut
        del self.ts[:cut], self.vals[:cut]

    def _drop(self, v: Any) -> None:
        left = self.counter[v] - 1
        if left:
            self.counter[v] = left
        else:
            del self.counter[v]

    def read(self, lo: int, hi: int) -> int:
        """Count distinct values with ``lo < ts <= hi``."""
        t = self.ts
        if not t:
            return 0
        if hi < t[-1]:
            return len(set(self.vals[bisect_right(t, lo) : bisect_right(t, hi)]))
        p, vals, counter = self.p, self.vals, self.counter
        if lo >= self.lo:
            n = len(t)
            while p < n and t[p] <= lo:
                self._drop(vals[p])
                p += 1
        else:
            while p > 0 and t[p - 1] > lo:
                p -= 1
                counter[vals[p]] = counter.get(vals[p], 0) + 1
        self.p, self.lo = p, lo
        return len(counter)

    def last(self) -> int:
        """Return the newest timestamp."""
        return self.ts[-1] if self.ts else -(1 << 80)

    def dump(self) -> list[Any]:
        """Return JSON-compatible state (values encoded as strings)."""
        return [self.ts, [encode_key(v) for v in self.vals]]

    @classmethod
    def load(cls, data: list[Any]) -> DistinctSeries:
        """Rebuild from :meth:`dump` output."""
        series = cls()
        for ts, text in zip(data[0], data[1], strict=True):
            key = decode_key(text)
            series.add(ts, key if isinstance(key, str) else _raw(key), -(1 << 80))
        return series


def _raw(key: Any) -> Any:
    """Turn a decoded normalized key back into a value that normalizes to it."""
    tag, inner = key
    return orjson.loads(inner) if tag == "j" else inner


SERIES: dict[str, Any] = {"count": CountSeries, "sum": SumSeries, "distinct": DistinctSeries}
