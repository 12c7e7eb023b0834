"""Workers sharing state in Redis decide exactly as one serial run in commit order."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard.risk.engine import Engine
from marketguard.risk.model import RuleSet
from marketguard.risk.redis_store import RedisStore
from marketguard.risk.shared import Applied, SharedEngine
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


def shared(ruleset: RuleSet, namespace: str) -> SharedEngine:
    return SharedEngine(ruleset, redis.Redis.from_url(redis_url()), namespace=namespace,
                        scope="s", tag="t")


def serial_in_commit_order(
    ruleset: RuleSet, lines: list[bytes], applied: list[Applied]
) -> list[Applied]:
    """What one engine decides when fed the events in the order they were committed."""
    engine = Engine(ruleset)
    committed = sorted((a for a in applied if a.commit is not None), key=lambda a: a.commit or 0)
    out = {a.seq: Applied(a.seq, engine.decide_line(lines[a.seq - 1], a.seq), a.commit)
           for a in committed}
    stateless = Engine(ruleset)
    for a in applied:
        if a.commit is None:
            stateless.max_ts = None
            out[a.seq] = Applied(a.seq, stateless.decide_line(lines[a.seq - 1], a.seq))
    return [out[a.seq] for a in applied]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=events_strategy, cuts=st.lists(st.integers(1, 6), max_size=8),
       seed=st.integers(0, 2**16))
def test_two_engines_taking_batches_in_any_order_equal_a_serial_run_in_commit_order(
    namespace: str, items: list[Any], cuts: list[int], seed: int
) -> None:
    lines = [line.encode() for line in to_lines(items)]
    ns = f"{namespace}:{uuid.uuid4().hex[:8]}"
    engines = [shared(RULESET, ns), shared(RULESET, ns)]
    batches: list[list[tuple[bytes, int]]] = []
    position = 0
    for cut in [*cuts, len(lines)]:
        batch = [(lines[i], i + 1) for i in range(position, min(position + cut, len(lines)))]
        position += len(batch)
        if batch:
            batches.append(batch)
    rng = random.Random(seed)
    rng.shuffle(batches)  # a queue group hands batches to workers in no fixed order
    applied: list[Applied] = []
    try:
        for batch in batches:
            applied += engines[rng.randrange(2)].decide_batch(batch)
        commits = sorted(a.commit for a in applied if a.commit is not None)
        assert commits == list(range(1, len(commits) + 1))
        assert applied == serial_in_commit_order(RULESET, lines, applied)
        again = [a for batch in batches for a in engines[0].decide_batch(batch)]
        assert sorted(again, key=lambda a: a.seq) == sorted(applied, key=lambda a: a.seq)
    finally:
        RedisStore(redis_url(), namespace=ns).clear()


ENRICHED = make_rules("""
    version: 1
    enrich: [first_seen, travel]
    features:
      new_devices: {count: e, by: user_id, window: 1h, where: "first_seen_device"}
    rules:
      - {name: new, events: [e], when: "first_seen_device and new_devices >= 1",
         action: challenge, score: 10}
      - {name: fast, events: [account.login], when: "impossible_travel", action: block,
         score: 90}
""")


def raw(**fields: Any) -> bytes:
    return orjson.dumps(event(**fields))


def test_when_a_neighbour_changes_enrichment_state_mid_event_then_the_event_is_recomputed(
    namespace: str,
) -> None:
    first, second = shared(ENRICHED, namespace), shared(ENRICHED, namespace)
    lines = [raw(event_id="1", user_id="u", device_id="d"),
             raw(event_id="2", at=1, user_id="u", device_id="d")]
    planned = first._plan(lines[0], 1)  # reads "device d never seen for u"
    [theirs] = second.decide_batch([(lines[1], 2)])  # a neighbour commits the same pair first
    assert theirs.decision is not None and theirs.decision["rules"] == ["new"]
    assert not isinstance(planned, dict) and planned is not None
    mine = first._apply_one(lines[0], planned)
    assert mine.decision is not None and mine.decision["rules"] == []
    assert [theirs, mine] == serial_in_commit_order(ENRICHED, lines, [theirs, mine])
    assert (theirs.commit, mine.commit) == (1, 2)


def test_a_redelivered_enriched_event_gets_its_first_decision_and_counts_once(
    namespace: str,
) -> None:
    engine = shared(ENRICHED, namespace)
    logins = [raw(event_id="1", event_type="account.login", user_id="u", device_id="d",
                  country="DE"),
              raw(event_id="2", event_type="account.login", at=60, user_id="u", device_id="x",
                  country="AU")]
    first = engine.decide_batch([(logins[0], 1), (logins[1], 2)])
    assert first[1].decision is not None and first[1].decision["rules"] == ["fast"]
    again = shared(ENRICHED, namespace).decide_batch([(logins[1], 2)])
    assert again == [first[1]]
    engine.forget([1, 2])
    third = engine.decide_batch([(raw(event_id="3", user_id="u", device_id="d", at=61), 3)])
    assert third[0].commit == 3


def test_late_and_invalid_events_change_nothing_and_keep_their_errors(namespace: str) -> None:
    engine = shared(RULESET, namespace)
    lines = [raw(event_id="1", event_type="login", at=1000, user="u"),
             raw(event_id="2", event_type="login", at=100, user="u"), b"[1]", b"",
             raw(event_id="3", event_type="login", at=1001, user="u")]
    applied = engine.decide_batch([(line, n) for n, line in enumerate(lines, 1)])
    assert [a.commit for a in applied] == [1, 2, None, None, 3]
    assert applied[3].decision is None
    assert applied == serial_in_commit_order(RULESET, lines, applied)
    assert applied[4].decision is not None
    assert applied[4].decision["features"].get("n_user") == 2
