"""Several API processes on Redis-shared feature state decide as one stream."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import redis
from fastapi.testclient import TestClient

from marketguard.app import create_app
from marketguard.config import Settings
from marketguard.risk.live import LiveRules, live_rules
from marketguard.risk.service import decide_stream, reset_engines
from marketguard.risk.shared_api import RedisDecider
from marketguard.risk.validator import loads_rules
from tests.factories import auth, token
from tests.risk.helpers import event
from tests.risk.services import redis_url, require_redis
from tests.risk.test_api import RULES, STRICTER, _publish


@pytest.fixture
def namespace() -> Iterator[str]:
    """A namespace of our own on the real Redis, deleted afterwards."""
    require_redis()
    name = f"mg:test:{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(redis_url())
    for key in client.scan_iter(f"{name}*", count=1000):
        client.unlink(key)


def _process(settings: Settings, namespace: str) -> TestClient:
    """An API process whose risk state is in Redis under ``namespace``."""
    app = create_app(settings)
    app.state.live_rules = LiveRules(
        settings.database_url, decider=RedisDecider(redis_url(), namespace=namespace)
    )
    return TestClient(app)


def test_when_two_processes_share_redis_then_their_decisions_equal_one_stream(
    settings: Settings, namespace: str
) -> None:
    reset_engines()
    first, second = _process(settings, namespace), _process(settings, namespace)
    headers = auth(token(settings, "analyst"))
    _publish(first, headers, RULES, "active")
    _publish(first, headers, STRICTER, "shadow")
    events: list[Any] = [event(str(i), at=i, k="a" if i % 3 else "b") for i in range(12)]
    events.insert(4, {"event_id": "no-type"})
    events.insert(7, 42)
    answers = []
    for index, start in enumerate(range(0, len(events), 3)):
        api = (first, second)[index % 2]  # the load balancer alternates
        answer = api.post("/api/v1/risk/decisions", json=events[start : start + 3], headers=headers)
        assert answer.status_code == 200, answer.text
        answers.append(answer.json()["decisions"])
    got = [d for batch in answers for d in batch]
    second.get("/api/v1/risk/shadow-report", headers=headers)  # flushes its own counts
    (row,) = first.get("/api/v1/risk/shadow-report", headers=headers).json()
    # the shadow version (n >= 1: block) disagrees on every valid event, counted once each
    assert (row["events"], row["stricter"]) == (len(events), 12)
    # one API process with in-process state, the same calls: the reference
    with TestClient(create_app(settings)) as alone:
        expected = [
            d
            for start in range(0, len(events), 3)
            for d in alone.post(
                "/api/v1/risk/decisions", json=events[start : start + 3], headers=headers
            ).json()["decisions"]
        ]
    stream = list(decide_stream(loads_rules(RULES), [orjson.dumps(e) for e in events]))
    assert [d.get("action") for d in expected] == [d.get("action") for d in stream]
    assert got == expected


def test_when_settings_ask_for_redis_state_then_the_api_uses_it(settings: Settings) -> None:
    require_redis()
    shared = settings.model_copy(update={"risk_state": "redis", "redis_url": redis_url()})
    state = create_app(shared).state
    assert isinstance(live_rules(state).decider, RedisDecider)
    with pytest.raises(ValueError, match="needs MARKETGUARD_REDIS_URL"):
        Settings(risk_state="redis", redis_url=None)
