"""Retention for risk events: what the risk engine keeps of them in Redis.

Risk events are decided, not stored in the database; their personal fields
(``user_id``, ``device_id``, ``ip``, ``payment_instrument_id``, card fields)
outlive the event only in the engine's feature state. In process (the default
profile) that state lives in each API process's memory and dies with it. Shared
in Redis (``MARKETGUARD_REDIS_URL``; ``MARKETGUARD_RISK_STATE=redis`` or
``risk worker --redis``) it is kept under ``MARKETGUARD_RISK_NAMESPACE`` as:

* feature windows (``<ns>:f:…``), keyed by whatever field a rule counts by, each
  entry stamped with its event time: entries older than the shortest risk-event
  period are removed (exactly, by time);
* first-seen sets (``<ns>:s:fs_<field>:<user>``), which remember which devices,
  IPs and payment instruments a user was seen with but not when: each set
  without an expiry gets the field's period, so a user's first-seen memory
  reaches back at most one period after the sweep that first met it;
* the last login place per user (``<ns>:e:travel:<user>``), stamped with its
  event time: deleted once older than the ``user_id`` period.

The windows' own expiry (twice the window plus a week) and the sweep together
bound how long any event value stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson
import redis

from marketguard.config import Settings
from marketguard.dataguard.retention.outcome import Outcome
from marketguard.dataguard.retention.policy import RULES_BY_FIELD, RetentionPolicy
from marketguard.errors import ConfigurationError
from marketguard.risk.enrich import FIRST_SEEN
from marketguard.risk.redis_store import pad

BATCH = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _client(settings: Settings) -> redis.Redis:
    assert settings.redis_url is not None
    return redis.Redis.from_url(settings.redis_url)


def check_reachable(settings: Settings) -> None:
    """Refuse (before anything changes) when the configured Redis does not answer."""
    if settings.redis_url is None:
        return
    try:
        _client(settings).ping()
    except redis.RedisError as exc:
        raise ConfigurationError(
            f"cannot reach Redis ({exc}): the risk engine's state there holds risk events' "
            "personal fields, so retention was not applied and nothing changed; start Redis "
            "or pass --dataset for the other datasets"
        ) from None


def _ns(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _rule(name: str) -> str:
    named = f"risk_events.{name}"
    return named if named in RULES_BY_FIELD else "risk_events.*"


def _keys(client: redis.Redis, pattern: str) -> Iterator[list[bytes]]:
    """Yield the keys matching ``pattern`` in batches (SCAN: never blocks the server)."""
    batch: list[bytes] = []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _trim_windows(client: redis.Redis, namespace: str, cutoff_ns: int, dry_run: bool) -> int:
    low, high = "-", "(" + pad(cutoff_ns) + ";"
    removed = 0
    for batch in _keys(client, f"{namespace}:f:*"):
        pipe = client.pipeline(transaction=False)
        for key in batch:
            if dry_run:
                pipe.zlexcount(key, low, high)
            else:
                pipe.zremrangebylex(key, low, high)
        removed += sum(int(n) for n in pipe.execute())
    return removed


def _expire_unbounded(
    client: redis.Redis, pattern: str, period: timedelta, dry_run: bool
) -> int:
    given = 0
    for batch in _keys(client, pattern):
        pipe = client.pipeline(transaction=False)
        for key in batch:
            pipe.ttl(key)
        endless = [key for key, ttl in zip(batch, pipe.execute(), strict=True) if ttl == -1]
        given += len(endless)
        if endless and not dry_run:
            pipe = client.pipeline(transaction=False)
            for key in endless:
                pipe.expire(key, period)
            pipe.execute()
    return given


def _drop_places(client: redis.Redis, namespace: str, cutoff_ns: int, dry_run: bool) -> int:
    dropped = 0
    for batch in _keys(client, f"{namespace}:e:travel:*"):
        old = []
        for key, raw in zip(batch, client.mget(batch), strict=True):
            try:
                ts = int(orjson.loads(raw)["ts"]) if raw is not None else None
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                ts = None  # not the engine's shape: not ours to judge
            if ts is not None and ts <= cutoff_ns:
                old.append(key)
        dropped += len(old)
        if old and not dry_run:
            client.delete(*old)
    return dropped


def sweep(
    settings: Settings, policy: RetentionPolicy, *, now: datetime, dry_run: bool
) -> list[Outcome]:
    """Trim, expire and delete the risk engine's state past the risk-event periods."""
    rules = [r for r in RULES_BY_FIELD if r.startswith("risk_events.")]
    shortest = min(rules, key=policy.period)

    def line(rule: str, rows: int, what: str, action: str | None = None) -> Outcome:
        found = RULES_BY_FIELD[rule]
        return Outcome("risk_events", rule, action or found.action, policy.iso(rule),
                       found.clock, rows, what)

    if settings.redis_url is None:
        return [line(shortest, 0, "not stored: decided in each API process's memory "
                     "(MARKETGUARD_REDIS_URL is unset)")]
    client = _client(settings)
    namespace = settings.risk_namespace
    out = [line(shortest, _trim_windows(client, namespace,
                                        _ns(policy.cutoff(shortest, now)), dry_run),
                "feature window entries (any field a rule counts by)")]
    user = policy.period("risk_events.user_id")
    for field in FIRST_SEEN:
        rule = _rule(field)
        given = _expire_unbounded(client, f"{namespace}:s:fs_{field}:*",
                                  min(policy.period(rule), user), dry_run)
        out.append(line(rule, given, f"first-seen {field} sets per user given an expiry",
                        action="expiry set"))
    out.append(line("risk_events.user_id",
                    _drop_places(client, namespace,
                                 _ns(policy.cutoff("risk_events.user_id", now)), dry_run),
                    "last login place per user"))
    return out
