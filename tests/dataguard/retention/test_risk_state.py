"""Retention reaches the risk engine's shared state in the real Redis: window entries
older than the period go, first-seen memories get an expiry, old login places go."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
import redis

from marketguard.auth.roles import cli_principal
from marketguard.config import Settings
from marketguard.dataguard.retention import sweep
from marketguard.errors import ConfigurationError
from marketguard.risk.redis_store import RedisStore
from marketguard.risk.service import decide_stream
from marketguard.timeutil import format_rfc3339, utcnow
from marketguard.uow import unit_of_work
from tests.risk.helpers import make_rules
from tests.risk.services import redis_url, require_redis

pytestmark = pytest.mark.redis

RULES = make_rules("""
    version: 1
    enrich: [first_seen, travel]
    features:
      logins_by_ip: {count: account.login, by: ip, window: 365d}
    rules:
      - {name: r, events: [account.login], when: "logins_by_ip >= 0", action: allow,
         score: 0}
""")
OLD_IP = "198.51.100.201"
NEW_IP = "198.51.100.202"


@pytest.fixture
def namespace() -> Iterator[str]:
    require_redis()
    name = f"mgtest:{uuid.uuid4().hex[:12]}"
    yield name
    RedisStore(redis_url(), namespace=name).clear()


def _login(user: str, ip: str, days_ago: int) -> str:
    ts = format_rfc3339(utcnow() - timedelta(days=days_ago))
    return orjson.dumps({"event_id": f"{user}-{days_ago}", "type": "account.login", "ts": ts,
                         "user_id": user, "ip": ip, "device_id": f"dev-{user}",
                         "country": "DE"}).decode()


def _apply(settings: Settings, *, dry_run: bool = False) -> dict[str, int]:
    with unit_of_work(settings) as session:
        report = sweep.apply(session, actor=cli_principal(), settings=settings,
                             datasets=["risk_events"], dry_run=dry_run)
    out: dict[str, int] = {}
    for o in report.outcomes:
        out[o.what] = out.get(o.what, 0) + o.rows
    return out


def _state(client: redis.Redis, namespace: str) -> dict[str, object]:
    keys = sorted(k.decode() for k in client.scan_iter(match=f"{namespace}:*"))
    return {k: (client.type(k), client.ttl(k), client.dump(k)) for k in keys}


def test_when_risk_state_is_in_redis_then_old_entries_go_and_memories_get_an_expiry(
    database_url: str, tmp_path: Path, namespace: str, settings: Settings
) -> None:
    lines = [_login("u-old", OLD_IP, 200), _login("u-new", NEW_IP, 2)]
    list(decide_stream(RULES, lines, store=RedisStore(redis_url(), namespace=namespace)))
    swept = settings.model_copy(update={"redis_url": redis_url(), "risk_namespace": namespace})
    client = redis.Redis.from_url(redis_url())
    before = _state(client, namespace)

    dry = _apply(swept, dry_run=True)
    assert _state(client, namespace) == before
    done = _apply(swept)
    assert done == dry
    assert done["feature window entries (any field a rule counts by)"] == 1  # the 200-day one
    assert done["last login place per user"] == 1  # u-old's
    assert done["first-seen ip sets per user given an expiry"] == 2

    left = [m for k in client.scan_iter(match=f"{namespace}:f:*") for m in client.zrange(k, 0, -1)]
    assert len(left) == 1  # the recent login, counted by its IP, is still there
    assert client.get(f"{namespace}:e:travel:su-old") is None
    assert client.get(f"{namespace}:e:travel:su-new") is not None
    ttl = client.ttl(f"{namespace}:s:fs_ip:su-new")
    assert 0 < ttl <= int(timedelta(days=180).total_seconds())

    again = _apply(swept)
    assert set(again.values()) == {0}  # nothing left; expiries already set


def test_when_redis_does_not_answer_then_refused_before_anything_changes(
    settings: Settings,
) -> None:
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with pytest.raises(ConfigurationError, match="cannot reach Redis"):
        _apply(down)
