"""Time: events far ahead of the clock are refused; one event moves the watermark a step.

One event stamped 9999-12-31 used to become the latest processed time, after
which every event was refused as late. Each path is checked here: the event
gets the "ahead" error and the next normal event is decided normally.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from marketguard.config import Settings
from marketguard.risk.engine import Engine, fixed_clock
from marketguard.risk.model import TimeLimits
from marketguard.risk.redis_store import RedisStore, pad
from marketguard.risk.service import decide_stream, reset_engines
from marketguard.risk.shared import SharedEngine
from marketguard.risk.shared_api import RedisDecider
from marketguard.risk.timestamps import parse_ts
from tests.factories import auth, token
from tests.risk.helpers import make_rules
from tests.risk.services import redis_url, require_nats, require_redis
from tests.risk.test_commands import app

RULES = """\
version: 1
features:
  n: {count: e, by: k, window: 2d}
rules:
  - {name: seen_twice, events: [e], when: "n >= 2", action: review, score: 40}
"""
RULESET = make_rules(RULES)
FAR = "9999-12-31T00:00:00Z"
AHEAD = ("ahead: ts 9999-12-31T00:00:00Z is more than 5m ahead of the clock "
         "(MARKETGUARD_RISK_MAX_CLOCK_LEAD)")
DAY = 86_400 * 10**9


def ev(event_id: str, ts: str, key: str = "a") -> dict[str, Any]:
    return {"event_id": event_id, "type": "e", "ts": ts, "k": key}


FAR_THEN_NORMAL = [
    ev("1", "2026-11-11T00:00:00Z"),
    ev("2", FAR),
    ev("3", "2026-11-11T00:01:00Z"),
]
"""Decided: 1 allow (n=1), 2 ahead, 3 review (n=2: the far event changed nothing)."""


def lines_of(events: list[dict[str, Any]]) -> list[str]:
    return [orjson.dumps(e).decode() for e in events]


def check_far_then_normal(decisions: list[dict[str, Any]]) -> None:
    assert decisions[0]["action"] == "allow"
    assert decisions[1] == {"event_id": "2", "line": 2, "error": AHEAD}
    assert decisions[2]["action"] == "review" and decisions[2]["features"] == {"n": 2}


def test_when_an_event_is_far_ahead_of_the_clock_then_it_is_refused_and_changes_nothing() -> None:
    check_far_then_normal(list(decide_stream(RULESET, lines_of(FAR_THEN_NORMAL))))


def test_when_an_event_is_just_past_the_lead_then_it_is_ahead_and_at_the_lead_it_is_not() -> None:
    now = parse_ts("2026-12-04T12:00:00Z") or 0
    lead = 90 * 10**9
    events = [ev("1", "2026-12-04T12:01:30Z"), ev("2", "2026-12-04T12:01:30.000000001Z")]
    out = list(decide_stream(RULESET, lines_of(events), clock=fixed_clock(now),
                             limits=TimeLimits(max_lead_ns=lead)))
    assert out[0]["action"] == "allow"
    assert out[1]["error"] == ("ahead: ts 2026-12-04T12:01:30.000000001Z is more than 90s "
                               "ahead of the clock (MARKETGUARD_RISK_MAX_CLOCK_LEAD)")


def test_when_the_clock_moves_on_then_an_event_once_ahead_is_accepted() -> None:
    """The clock is read lazily, but never judges by a stale reading."""
    readings = [parse_ts("2026-12-04T12:00:00Z") or 0]
    calls = []

    def clock() -> int:
        calls.append(1)
        return readings[0]

    engine = Engine(RULESET, clock=clock)
    for number in range(1, 1001):
        assert "error" not in engine.decide(ev(str(number), "2026-12-04T11:00:00Z"), number)
    assert len(calls) == 1  # normal traffic reads no clock
    later = ev("x", "2026-12-04T12:10:00Z")
    assert engine.decide(later, 1001)["error"].startswith("ahead:")
    readings[0] += 10 * 60 * 10**9
    assert "error" not in engine.decide(later, 1002)
    assert len(calls) == 3


def historical_replay() -> list[dict[str, Any]]:
    """A replay of October: a stray event 30 days ahead of it (still in the clock's past)."""
    return [
        ev("1", "2026-10-01T00:00:00Z"),
        ev("2", "2026-10-01T00:00:01Z"),
        ev("3", "2026-10-31T00:00:00Z"),  # 30 days ahead: the watermark moves one day
        ev("4", "2026-10-01T23:55:00Z"),  # behind the stray event, not behind the watermark
        ev("5", "2026-10-02T00:30:00Z"),
        ev("6", "2026-10-01T12:00:00Z"),  # more than 10 minutes behind the watermark: late
        ev("7", "2026-10-31T00:00:00Z"),  # the stray event is in its window
    ]


def check_historical_replay(decisions: list[dict[str, Any]]) -> None:
    """Without the step, 4 and 5 would be late (30 days behind); with pruning relative
    to the stray event's ts, they would not count events 1 and 2."""
    assert [d.get("features", {}).get("n") for d in decisions[:5]] == [None, 2, None, 3, 4]
    assert [d.get("action") for d in decisions[:5]] == [
        "allow", "review", "allow", "review", "review"]
    assert decisions[5]["error"] == ("late: ts 2026-10-01T12:00:00Z is more than 10 minutes "
                                     "behind the latest processed ts 2026-10-02T00:30:00Z")
    assert decisions[6]["features"] == {"n": 2}  # the stray event and this one


def test_when_a_replay_jumps_thirty_days_then_the_watermark_moves_one_day() -> None:
    """The following events are judged against one day ahead, not thirty; and the
    stray event, added past the watermark, drops none of the entries they read."""
    now = parse_ts("2026-12-04T00:00:00Z") or 0
    engine = Engine(RULESET, clock=fixed_clock(now))
    check_historical_replay([engine.decide(e, n) for n, e in enumerate(historical_replay(), 1)])
    assert engine.max_ts == (parse_ts("2026-10-03T00:30:00Z") or 0)  # one more step


def test_when_the_step_is_configured_then_one_event_moves_the_watermark_by_it() -> None:
    engine = Engine(RULESET, limits=TimeLimits(max_step_ns=3600 * 10**9))
    engine.decide(ev("1", "2026-10-01T00:00:00Z"), 1)
    engine.decide(ev("2", "2026-10-31T00:00:00Z"), 2)
    assert engine.max_ts == parse_ts("2026-10-01T01:00:00Z")
    assert engine.decide(ev("3", "2026-10-01T00:50:00Z"), 3)["action"] == "review"
    assert engine.decide(ev("4", "2026-10-01T00:49:59Z"), 4)["error"].startswith("late:")


# --- the command line ---------------------------------------------------------------


def write(tmp_path: Path, events: list[dict[str, Any]]) -> tuple[Path, Path]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines_of(events)) + "\n")
    return rules, path


def test_risk_decide_refuses_a_far_future_event_and_decides_the_next(tmp_path: Path) -> None:
    rules, path = write(tmp_path, FAR_THEN_NORMAL)
    result = CliRunner().invoke(app(), ["risk", "decide", "--rules", str(rules)],
                                input=path.read_text())
    assert result.exit_code == 0, result.output
    check_far_then_normal([orjson.loads(x) for x in result.stdout.splitlines()])


def test_risk_decide_reads_the_clock_lead_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketguard.config import get_settings

    monkeypatch.setenv("MARKETGUARD_RISK_MAX_CLOCK_LEAD", "1d")
    get_settings.cache_clear()
    try:
        rules, path = write(tmp_path, FAR_THEN_NORMAL)
        result = CliRunner().invoke(app(), ["risk", "decide", "--rules", str(rules)],
                                    input=path.read_text())
    finally:
        get_settings.cache_clear()
    assert "is more than 1d ahead of the clock" in result.stdout


@pytest.mark.parametrize(
    "options",
    [[], ["--out", "{out}"], ["--candidate", "{rules}"], ["--workers", "2"],
     ["--workers", "2", "--out", "{out}", "--candidate", "{rules}"]],
    ids=["summary", "out", "candidate", "workers", "workers-out-candidate"],
)
def test_risk_backtest_refuses_a_far_future_event_and_decides_the_next(
    tmp_path: Path, options: list[str]
) -> None:
    rules, path = write(tmp_path, FAR_THEN_NORMAL)
    out = tmp_path / "out.jsonl"
    extra = [o.format(out=out, rules=rules) for o in options]
    result = CliRunner().invoke(app(), ["risk", "backtest", "--rules", str(rules), "--events",
                                        str(path), "--json", *extra])
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.stdout)
    assert summary["errors"] == 1
    assert summary["actions"] == {"allow": 1, "challenge": 0, "review": 1, "block": 0}
    if summary["candidate"] is not None:
        assert summary["candidate"]["errors"] == 1 and summary["candidate"]["disagreements"] == 0
    if "--out" in options:
        check_far_then_normal([orjson.loads(x) for x in out.read_bytes().splitlines()])
    if "--workers" in options:
        assert summary["workers"] == 2


def test_backtest_of_a_historical_replay_moves_the_watermark_one_day(tmp_path: Path) -> None:
    from marketguard.risk.service import backtest

    _, path = write(tmp_path, historical_replay())
    for workers in (1, 2):
        out = tmp_path / f"out{workers}.jsonl"
        summary = backtest(RULESET, path, out=out, workers=workers)
        assert summary["workers"] == workers
        check_historical_replay([orjson.loads(x) for x in out.read_bytes().splitlines()])


# --- HTTP, in process and on Redis ----------------------------------------------------


@pytest.fixture
def analyst(client: TestClient, settings: Settings) -> Iterator[dict[str, str]]:
    """An analyst whose rule set (``RULES``) is uploaded and active."""
    reset_engines()
    headers = auth(token(settings, "analyst"))
    answer = client.post("/api/v1/risk/rulesets", json={"name": "time", "source": RULES},
                         headers=headers)
    assert answer.status_code == 201, answer.text
    version = answer.json()["version"]
    moved = client.post(f"/api/v1/risk/rulesets/{version}/state", json={"state": "active"},
                        headers=headers)
    assert moved.status_code == 200, moved.text
    yield headers
    reset_engines()


def post_one_by_one(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    decisions = []
    for position, event in enumerate(FAR_THEN_NORMAL, 1):
        answer = client.post("/api/v1/risk/decisions", json=event, headers=headers)
        assert answer.status_code == 200, answer.text
        decision = answer.json()["decisions"][0]
        decisions.append({**decision, "line": position} if "error" in decision else decision)
    return decisions


def test_http_refuses_a_far_future_event_and_decides_the_next(
    client: TestClient, analyst: dict[str, str]
) -> None:
    check_far_then_normal(post_one_by_one(client, analyst))


@pytest.fixture
def namespace() -> Iterator[str]:
    require_redis()
    name = f"mgtest:{uuid.uuid4().hex[:12]}"
    yield name
    RedisStore(redis_url(), namespace=name).clear()


def test_http_on_redis_state_refuses_a_far_future_event_and_decides_the_next(
    client: TestClient, analyst: dict[str, str], settings: Settings, namespace: str
) -> None:
    from marketguard.risk.live import LiveRules

    client.app.state.live_rules = LiveRules(  # type: ignore[attr-defined]
        settings.database_url, decider=RedisDecider(redis_url(), namespace=namespace))
    check_far_then_normal(post_one_by_one(client, analyst))


def test_redis_decider_refuses_a_far_future_event_and_decides_the_next(namespace: str) -> None:
    decider = RedisDecider(redis_url(), namespace=namespace)
    decisions = [decider.decide(RULESET, [e], shadow=False)[0] for e in FAR_THEN_NORMAL]
    check_far_then_normal([{**d, "line": 2} if "error" in d else d for d in decisions])


def test_redis_script_moves_the_watermark_one_step_and_keeps_the_windows(
    namespace: str,
) -> None:
    """The Lua script's exact 22-digit arithmetic, and no trimming by a stray event."""
    engine = SharedEngine(RULESET, redis.Redis.from_url(redis_url()), namespace=namespace,
                          scope="s", tag="t",
                          clock=fixed_clock(parse_ts("2026-12-04T00:00:00Z") or 0))
    lines = lines_of(historical_replay())
    applied = engine.decide_batch([(line.encode(), n) for n, line in enumerate(lines, 1)])
    check_historical_replay([a.decision or {} for a in applied])
    stored = redis.Redis.from_url(redis_url()).hget(f"{namespace}:meta:s", "max_ts_lex")
    assert stored == pad((parse_ts("2026-10-02T00:30:00Z") or 0) + DAY).encode()


# --- the stream workers (real NATS; Redis for the shared one) ---------------------------


@pytest.mark.nats
@pytest.mark.redis
@pytest.mark.parametrize("state", ["process", "redis"])
def test_stream_workers_refuse_a_far_future_event_and_decide_the_next(
    tmp_path: Path, state: str
) -> None:
    """Judged by the message's stream time (now, at publication)."""
    from tests.risk.test_parity import _through_worker

    require_nats()
    name = None
    if state == "redis":
        require_redis()
        name = f"mgtest:{uuid.uuid4().hex[:12]}"
    try:
        lines = lines_of(FAR_THEN_NORMAL)
        decisions = asyncio.run(_through_worker(lines, tmp_path, name, ruleset=RULESET))
    finally:
        if name is not None:
            RedisStore(redis_url(), namespace=name).clear()
    check_far_then_normal(decisions)


def test_stream_worker_judges_by_the_message_time_not_the_wall_clock() -> None:
    """A replayed message is judged against the same time as when it was first delivered."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from marketguard.risk.worker import message_time_ns

    stored = datetime(2026, 10, 1, 12, 0, 0, 123456, tzinfo=UTC)
    msg = SimpleNamespace(metadata=SimpleNamespace(timestamp=stored))
    assert message_time_ns(msg) == parse_ts("2026-10-01T12:00:00.123456Z")
    engine = Engine(RULESET, clock=None)
    engine.at(message_time_ns(msg))
    assert engine.decide(ev("1", "2026-10-01T12:06:00Z"), 1)["error"].startswith("ahead:")
    assert engine.decide(ev("2", "2026-10-01T12:04:00Z"), 2)["action"] == "allow"


# --- settings -------------------------------------------------------------------------


def test_settings_read_the_limits_in_window_syntax(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().risk_time_limits == TimeLimits(300 * 10**9, DAY)
    monkeypatch.setenv("MARKETGUARD_RISK_MAX_CLOCK_LEAD", "90s")
    monkeypatch.setenv("MARKETGUARD_RISK_MAX_WATERMARK_STEP", "6h")
    assert Settings().risk_time_limits == TimeLimits(90 * 10**9, 6 * 3600 * 10**9)


def test_settings_refuse_a_watermark_step_of_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("MARKETGUARD_RISK_MAX_WATERMARK_STEP", "0s")
    with pytest.raises(ValidationError):
        Settings()
