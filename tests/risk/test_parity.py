"""Every path decides the same: stream, HTTP API, NATS workers and backtest.

The same generated events (ties, window edges, disorder, late, invalid lines,
stray events far ahead: 9999-12-31, and jumps past the watermark's step) go
through ``decide_stream`` (the reference path here; it is checked against a
brute-force reference in ``test_properties``), through the HTTP API split into
arbitrary POST batches with the rule set uploaded and activated over HTTP (with
feature state in process and shared in Redis), through
the in-process and the Redis-backed stream workers, and through ``backtest``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard.config import Settings
from marketguard.risk.model import RuleSet, TimeLimits
from marketguard.risk.redis_store import RedisStore
from marketguard.risk.service import backtest, decide_stream, reset_engines
from marketguard.risk.worker import Worker, WorkerConfig
from tests.factories import auth, token
from tests.risk.services import nats_url, redis_url, require_nats, require_redis
from tests.risk.test_properties import LIMITS, RULES, RULESET, events_strategy, to_lines

cuts_strategy = st.lists(st.integers(1, 9), max_size=12)


def object_lines(lines: list[str]) -> list[tuple[int, Any]]:
    """The lines an API client can send as events: JSON objects, with their line numbers."""
    return [(n, orjson.loads(line)) for n, line in enumerate(lines, 1) if line[:1] == "{"]


def split(items: list[Any], cuts: list[int]) -> list[list[Any]]:
    """Cut ``items`` into consecutive chunks of the given sizes (the rest in one)."""
    chunks, position = [], 0
    for cut in [*cuts, len(items)]:
        chunk = items[position : position + cut]
        position += len(chunk)
        if chunk:
            chunks.append(chunk)
    return chunks


def _over_http(
    client: TestClient, analyst: dict[str, str], lines: list[str], cuts: list[int]
) -> list[dict[str, Any]]:
    """POST the object lines in chunks (a lone event as an object); errors renumbered."""
    decisions: list[dict[str, Any]] = []
    for chunk in split(object_lines(lines), cuts):
        body = chunk[0][1] if len(chunk) == 1 else [event for _, event in chunk]
        answer = client.post("/api/v1/risk/decisions", json=body, headers=analyst)
        assert answer.status_code == 200, answer.text
        assert answer.json()["rules_version"] == RULESET.version
        for (number, _), decision in zip(chunk, answer.json()["decisions"], strict=True):
            decisions.append({**decision, "line": number} if "error" in decision else decision)
    return decisions


def _sendable(stream: list[dict[str, Any]], lines: list[str]) -> list[dict[str, Any]]:
    """The stream's decisions of the lines an API client can send."""
    return [d for d in stream if "line" not in d or lines[d["line"] - 1][:1] == "{"]


@pytest.fixture
def analyst(client: TestClient, settings: Settings) -> dict[str, str]:
    """An analyst whose rule set (the property tests' RULES) is uploaded and active."""
    headers = auth(token(settings, "analyst"))
    answer = client.post("/api/v1/risk/rulesets", json={"name": "parity", "source": RULES},
                         headers=headers)
    assert answer.status_code == 201, answer.text
    version = answer.json()["version"]
    moved = client.post(f"/api/v1/risk/rulesets/{version}/state", json={"state": "active"},
                        headers=headers)
    assert moved.status_code == 200, moved.text
    return headers


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=events_strategy, cuts=cuts_strategy)
def test_http_batches_stream_and_backtest_agree(
    client: TestClient, analyst: dict[str, str], tmp_path: Path, items: list[Any],
    cuts: list[int],
) -> None:
    reset_engines()  # engine state is process-wide per rule-set version: start each example fresh
    lines = to_lines(items)
    stream = list(decide_stream(RULESET, lines))
    assert _over_http(client, analyst, lines, cuts) == _sendable(stream, lines)
    path = tmp_path / f"events-{uuid.uuid4().hex}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = path.with_suffix(".out")
    backtest(RULESET, path, out=out)
    assert [orjson.loads(x) for x in out.read_bytes().splitlines()] == stream
    reset_engines()


@LIMITS
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=events_strategy, cuts=cuts_strategy)
def test_http_on_redis_shared_state_agrees_with_the_stream(
    client: TestClient, analyst: dict[str, str], settings: Settings, limits: TimeLimits,
    items: list[Any], cuts: list[int],
) -> None:
    """The API with ``MARKETGUARD_RISK_STATE=redis`` decides exactly as in process."""
    require_redis()
    import redis

    from marketguard.risk.live import LiveRules
    from marketguard.risk.shared_api import RedisDecider

    namespace = f"mg:test:{uuid.uuid4().hex[:10]}"
    client.app.state.live_rules = LiveRules(  # type: ignore[attr-defined]
        settings.database_url,
        decider=RedisDecider(redis_url(), namespace=namespace, limits=limits))
    try:
        lines = to_lines(items)
        stream = list(decide_stream(RULESET, lines, limits=limits))
        assert _over_http(client, analyst, lines, cuts) == _sendable(stream, lines)
    finally:
        keys = redis.Redis.from_url(redis_url())
        for key in keys.scan_iter(f"{namespace}*", count=1000):
            keys.unlink(key)


async def _through_worker(
    lines: list[str], tmp_path: Path, redis_namespace: str | None,
    limits: TimeLimits | None = None, ruleset: RuleSet = RULESET,
) -> Any:
    """Publish lines to a fresh stream, let one worker decide them, read the decisions back."""
    import nats

    from marketguard.risk.redis_worker import SharedWorker
    from marketguard.risk.worker import ensure_streams, publish_events

    uid = uuid.uuid4().hex[:10]
    config = WorkerConfig(
        nats_url=nats_url(), state_dir=tmp_path / uid, stream=f"MGPAR_{uid}",
        prefix=f"mgpar.{uid}", batch=7, fetch_timeout=0.05, redis_url=None,
    )
    if limits is not None:
        config.limits = limits
    if redis_namespace is not None:
        config.redis_url, config.namespace = redis_url(), redis_namespace
    client = await nats.connect(config.nats_url)
    js = client.jetstream()
    try:
        await ensure_streams(js, config)
        seqs = await publish_events(js, [line.encode() for line in lines], config)
        assert seqs == list(range(1, len(lines) + 1))  # stream seq = line number
        worker = SharedWorker(ruleset, config) if redis_namespace else Worker(ruleset, config)
        task = asyncio.create_task(worker.run())
        deadline = time.monotonic() + 30
        while worker.processed < len(lines) and not task.done():
            assert time.monotonic() < deadline, "the worker made no progress"
            await asyncio.sleep(0.005)
        worker.stop.set()
        await task
        sub = await js.pull_subscribe(config.decisions_subject, durable=None,
                                      stream=config.stream + "_DECISIONS")
        out: list[Any] = []
        while True:
            try:
                batch = await sub.fetch(100, timeout=0.2)
            except TimeoutError:  # nats' own subclass or the base class
                break
            out += [orjson.loads(msg.data) for msg in batch]
        return out
    finally:
        for name in (config.stream, config.stream + "_DECISIONS"):
            await js.delete_stream(name)
        await client.close()


@pytest.mark.nats
@pytest.mark.redis
@LIMITS
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=events_strategy)
def test_in_process_and_redis_workers_agree_with_the_stream(
    tmp_path: Path, limits: TimeLimits, items: list[Any]
) -> None:
    """The workers judge "ahead" by the stream's clock, the stream here by the wall clock:
    the generated events are far from either's lead, so both agree."""
    require_nats()
    require_redis()
    lines = to_lines(items)
    stream = list(decide_stream(RULESET, lines, limits=limits))
    assert asyncio.run(_through_worker(lines, tmp_path, None, limits)) == stream
    namespace = f"mgtest:{uuid.uuid4().hex[:12]}"
    try:
        assert asyncio.run(_through_worker(lines, tmp_path, namespace, limits)) == stream
    finally:
        RedisStore(redis_url(), namespace=namespace).clear()
