"""The Redis feature store against the real server: same answers, shared state."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from marketguard.risk.engine import Engine
from marketguard.risk.redis_store import RedisStore
from marketguard.risk.service import decide_stream
from tests.risk.helpers import event, make_rules
from tests.risk.services import redis_url, require_redis
from tests.risk.test_properties import RULESET, events_strategy, to_lines

pytestmark = pytest.mark.redis


@pytest.fixture
def namespace() -> Iterator[str]:
    require_redis()
    name = f"mgtest:{uuid.uuid4().hex[:12]}"
    yield name
    RedisStore(redis_url(), namespace=name).clear()


def redis_run(ruleset: Any, lines: list[str], namespace: str, scope: str = "t") -> list[Any]:
    store = RedisStore(redis_url(), namespace=namespace, scope=scope)
    return list(decide_stream(ruleset, lines, store=store))


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(items=events_strategy)
def test_redis_store_gives_the_same_decisions_as_memory(namespace: str, items: list[Any]) -> None:
    lines = to_lines(items)
    scope = uuid.uuid4().hex
    ns = f"{namespace}:{scope}"
    try:
        assert redis_run(RULESET, lines, ns) == list(decide_stream(RULESET, lines))
    finally:
        RedisStore(redis_url(), namespace=ns).clear()


RULES = make_rules("""
    version: 1
    features:
      n: {count: e, by: k, window: 1h}
      total: {sum: amount, of: e, by: k, window: 1h}
      cards: {distinct: card, of: e, by: k, window: 1h}
    rules:
      - {name: r, events: [e], when: "n >= 0 and total >= 0 and cards >= 0", action: allow,
         score: 0}
""")


def test_two_workers_sharing_a_namespace_see_each_others_events(namespace: str) -> None:
    first = Engine(RULES, RedisStore(redis_url(), namespace=namespace, scope="w1"))
    second = Engine(RULES, RedisStore(redis_url(), namespace=namespace, scope="w2"))
    first.decide(event("1", k="a", amount=5, card="x"), 1)
    out = second.decide(event("2", at=1, k="a", amount=2.5, card=1), 1)
    assert out["features"] == {"n": 2, "total": 7.5, "cards": 2}


def test_engine_resumes_latest_ts_from_redis(namespace: str) -> None:
    lines = [orjson.dumps(event("1", at=1000, k="a")).decode()]
    redis_run(RULES, lines, namespace, scope="w")
    again = redis_run(RULES, [orjson.dumps(event("2", at=100, k="a")).decode()], namespace,
                      scope="w")
    assert "late" in again[0]["error"]


def test_first_seen_state_and_meta(namespace: str) -> None:
    store = RedisStore(redis_url(), namespace=namespace)
    assert store.seen("device", "u1", "d1") is False
    assert store.seen("device", "u1", "d1") is True
    store.set_state("travel", "u1", {"ts": 5, "lat": 1.5})
    store.set_meta("hwm", 12)
    store.end_event()
    assert store.get_state("travel", "u1") == {"ts": 5, "lat": 1.5}
    assert store.get_meta("hwm") == 12 and store.get_meta("missing") is None


def test_big_and_float_sums_round_trip(namespace: str) -> None:
    events = [event("1", k="a", amount=2**70), event("2", k="a", amount=1),
              event("3", k="a", amount=0.5)]
    memory = Engine(RULES)
    out = [memory.decide(e, 1) for e in events]
    engine = Engine(RULES, RedisStore(redis_url(), namespace=namespace))
    got = [engine.decide(e, 1) for e in events]
    assert got == out and got[1]["features"]["total"] == 2**70 + 1
