"""A Redis-backed :class:`FeatureStore` that several workers can share.

Why sorted sets ordered by member text: a window is an exact nanosecond range,
and nanosecond timestamps do not fit a sorted-set score (a double), so every
entry is the member ``<ts, zero-padded>:<unique id>:<value>`` with score 0 and a
window is a lexicographic range. Writes of one event are buffered and sent with
its first read (or at the end of the event) in one MULTI/EXEC, so each event's
update-then-read is atomic even when several workers share the keys.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Sequence
from math import fsum
from typing import Any

import orjson
import redis

from marketguard.errors import ConfigurationError
from marketguard.risk.features import Adder, Reader
from marketguard.risk.model import LATE_NS, FeatureDef
from marketguard.risk.series import encode_key, normalize

OFFSET = 10**20
"""Added to ts so every padded timestamp is non-negative and 22 digits wide."""
_DAY_MS = 86_400_000


def pad(ts: int) -> str:
    """Return ``ts`` as fixed-width digits, so text order is time order (for lex ranges)."""
    return f"{ts + OFFSET:022d}"


def unpad(text: str) -> int:
    """Invert :func:`pad`."""
    return int(text) - OFFSET


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def default_url() -> str:
    """Return ``MARKETGUARD_REDIS_URL`` or the local default."""
    return os.environ.get("MARKETGUARD_REDIS_URL") or "redis://127.0.0.1:6379/0"


class RedisStore:
    """Feature windows, first-seen sets, enrichment state and bookkeeping in Redis."""

    def __init__(
        self,
        url: str | None = None,
        *,
        namespace: str = "mg:risk",
        scope: str = "default",
        client: redis.Redis | None = None,
    ) -> None:
        try:
            self.client = client or redis.Redis.from_url(url or default_url())
        except ValueError as exc:
            raise ConfigurationError(f"bad Redis URL: {exc}") from None
        self.namespace = namespace
        self.meta_key = f"{namespace}:meta:{scope}"
        self.features: list[FeatureDef] = []
        self.prefixes: list[str] = []
        self.pipe = self.client.pipeline(transaction=True)
        self.pending = 0
        self.uid = secrets.token_hex(6)
        self.counter = 0

    def bind(self, features: Sequence[FeatureDef]) -> None:
        """Name each feature's keys by a hash of its definition (so edits start fresh)."""
        self.features = list(features)
        self.prefixes = []
        for feat in self.features:
            digest = hashlib.sha256(feat.signature.encode()).hexdigest()[:12]
            self.prefixes.append(f"{self.namespace}:f:{digest}:")

    def key(self, index: int, key: Any) -> str:
        """Return the Redis key of feature ``index``'s window for ``key``."""
        return self.prefixes[index] + encode_key(key if type(key) is str else normalize(key))

    def adder(self, index: int, *, prune: bool = True) -> Adder:
        """Return ``add(key, ts, value)``; the write is buffered until the next read.

        With ``prune=False`` (an event past the watermark's step) the window is not trimmed.
        """
        feat = self.features[index]
        keep = LATE_NS + feat.window_ns
        ttl_ms = 2 * keep // 1_000_000 + 7 * _DAY_MS
        kind = feat.kind

        def add(key: Any, ts: int, value: Any) -> None:
            name = self.key(index, key)
            self.counter += 1
            if kind == "count":
                encoded = ""
            elif kind == "sum":
                encoded = repr(value)
            else:
                encoded = encode_key(value if type(value) is str else normalize(value))
            member = f"{pad(ts)}:{self.uid}{self.counter:x}:{encoded}"
            self.pipe.zadd(name, {member: 0})
            if prune:
                self.pipe.zremrangebylex(name, "-", "(" + pad(ts - keep) + ";")
            self.pipe.pexpire(name, ttl_ms)
            self.pending += 1

        return add

    def reader(self, index: int) -> Reader:
        """Return ``read(key, ts)``: sends buffered writes and the read in one round trip."""
        feat = self.features[index]
        window = feat.window_ns

        def read(key: Any, ts: int) -> int | float:
            name = self.key(index, key)
            low, high = "[" + pad(ts - window) + ";", "(" + pad(ts) + ";"
            if feat.kind == "count":
                self.pipe.zlexcount(name, low, high)
                result: int = self._execute()[-1]
                return result
            self.pipe.zrangebylex(name, low, high)
            members = [m.decode().split(":", 2)[2] for m in self._execute()[-1]]
            if feat.kind == "distinct":
                return len(set(members))
            numbers = [_number(text) for text in members]
            if any(type(n) is float for n in numbers):
                return fsum(numbers)
            return sum(numbers)

        return read

    def _execute(self) -> list[Any]:
        results: list[Any] = self.pipe.execute()
        self.pending = 0
        return results

    def end_event(self) -> None:
        """Send the event's buffered writes (and bookkeeping) atomically."""
        if self.pending:
            self._execute()

    def seen(self, namespace: str, key: str, member: str) -> bool:
        """Atomically add ``member`` to the set; True if it was there before."""
        self.pipe.sadd(f"{self.namespace}:s:{namespace}:{key}", member)
        return not self._execute()[-1]

    def get_state(self, namespace: str, key: str) -> Any:
        """Return JSON state stored under ``key``."""
        self.end_event()
        raw = self.client.get(f"{self.namespace}:e:{namespace}:{key}")
        return None if raw is None else orjson.loads(raw)

    def set_state(self, namespace: str, key: str, value: Any) -> None:
        """Buffer a JSON state write (sent with the event's other writes)."""
        self.pipe.set(f"{self.namespace}:e:{namespace}:{key}", orjson.dumps(value))
        self.pending += 1

    def get_meta(self, name: str) -> Any:
        """Return bookkeeping stored for this store's scope."""
        self.end_event()
        raw = self.client.hget(self.meta_key, name)
        return None if raw is None else orjson.loads(raw)

    def set_meta(self, name: str, value: Any) -> None:
        """Buffer a bookkeeping write."""
        self.pipe.hset(self.meta_key, name, orjson.dumps(value))
        self.pending += 1

    def clear(self) -> None:
        """Delete every key of this namespace (tests, resets)."""
        self.end_event()
        keys = list(self.client.scan_iter(match=f"{self.namespace}:*", count=1000))
        for start in range(0, len(keys), 500):
            self.client.delete(*keys[start : start + 500])
