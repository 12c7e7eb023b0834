"""The JetStream worker against a real NATS: kill it mid-stream, restart, compare.

A worker killed with SIGKILL (or a cancelled task) must lose no event and count
nothing twice: after a restart its decisions stream holds exactly one decision
per event, equal to a batch run of the same partition's events in stream order.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from marketguard.risk.engine import Engine
from marketguard.risk.worker import Worker, WorkerConfig, partition_of, publish_events
from tests.risk.services import nats_url, require_nats
from tests.risk.test_properties import RULES, RULESET, to_lines

pytestmark = pytest.mark.nats


def make_lines(count: int, seed: int) -> list[bytes]:
    """Deterministic events in the property tests' shape (with invalid and late lines)."""
    rng = random.Random(seed)
    items: list[Any] = []
    for _ in range(count):
        if rng.random() < 0.02:
            items.append(rng.choice(["not json", "[1]", '{"event_id": "", "type": "x"}']))
            continue
        items.append({
            "type": rng.choice(["login", "pay", "other"]),
            # forward with jitter; now and then one event 700 s behind (late), then back
            "dt": rng.choice([0, 0, 1, 1, 2, 5, -3]),
            "user": f"u{rng.randrange(40)}",
            "ip": f"i{rng.randrange(10)}",
            "device": f"d{rng.randrange(30)}",
            "card": f"c{rng.randrange(60)}",
            "amount": rng.choice([1, 2, 3.5, 9]),
            "outcome": rng.choice(["fail", "ok"]),
            "tag": rng.choice(["x", 3, True, None]),
        })
    for index in range(5, len(items) - 1, 97):
        if isinstance(items[index], dict) and isinstance(items[index + 1], dict):
            items[index]["dt"] -= 700
            items[index + 1]["dt"] += 700
    return [line.encode() for line in to_lines(items)]


class Harness:
    """One test's streams (unique names) and helpers to publish and read back."""

    def __init__(self, tmp_path: Path, partitions: int = 2) -> None:
        uid = uuid.uuid4().hex[:10]
        self.config = WorkerConfig(
            nats_url=nats_url(), partition=0, partitions=partitions,
            state_dir=tmp_path / "state", stream=f"MGTEST_{uid}", prefix=f"mgtest.{uid}",
            snapshot_every=150, snapshot_seconds=0.2,
        )
        self.rules_path = tmp_path / "rules.yaml"
        self.rules_path.write_text(RULES)

    async def _js(self) -> Any:
        import nats

        client = await nats.connect(self.config.nats_url)
        return client, client.jetstream()

    def publish(self, lines: list[bytes]) -> list[int]:
        from marketguard.risk.worker import ensure_streams

        async def go() -> list[int]:
            client, js = await self._js()
            try:
                await ensure_streams(js, self.config)
                return await publish_events(js, lines, self.config)
            finally:
                await client.close()

        return asyncio.run(go())

    def decisions(self) -> list[tuple[int, Any]]:
        return [(seq, decision) for seq, _, decision in self.decisions_with_commits()]

    def decisions_with_commits(self) -> list[tuple[int, int | None, Any]]:
        """Every stored decision: (event seq, commit number or None, decision)."""

        async def go() -> list[tuple[int, int | None, Any]]:
            client, js = await self._js()
            try:
                sub = await js.pull_subscribe(self.config.decisions_subject, durable=None,
                                              stream=self.config.stream + "_DECISIONS")
                out = []
                while True:
                    try:
                        batch = await sub.fetch(500, timeout=1.0)
                    except TimeoutError:  # nats' own subclass or the base class
                        return out
                    for msg in batch:
                        commit = msg.headers.get("Mg-Commit")
                        out.append((int(msg.headers["Mg-Event-Seq"]),
                                    int(commit) if commit else None, orjson.loads(msg.data)))
                        await msg.ack()
            finally:
                await client.close()

        return asyncio.run(go())

    def count(self) -> int:
        async def go() -> int:
            client, js = await self._js()
            try:
                info = await js.stream_info(self.config.stream + "_DECISIONS")
                return int(info.state.messages)
            finally:
                await client.close()

        return asyncio.run(go())

    def cleanup(self) -> None:
        async def go() -> None:
            client, js = await self._js()
            try:
                for name in (self.config.stream, self.config.stream + "_DECISIONS"):
                    try:
                        await js.delete_stream(name)
                    except Exception:  # already gone
                        pass
            finally:
                await client.close()

        asyncio.run(go())

    def expected(self, lines: list[bytes], seqs: list[int]) -> list[tuple[int, Any]]:
        """The batch run: this partition's events, in stream order, lines = stream seqs."""
        engine = Engine(RULESET)
        out = []
        for raw, seq in zip(lines, seqs, strict=True):
            try:
                event = orjson.loads(raw)
            except orjson.JSONDecodeError:
                event = None
            if partition_of(event, self.config.partitions) != self.config.partition:
                continue
            decision = engine.decide_line(raw, seq)
            if decision is not None:
                out.append((seq, decision))
        return out

    def command(self, *extra: str) -> list[str]:
        c = self.config
        return [sys.executable, "-m", "marketguard.risk.worker", "--rules", str(self.rules_path),
                "--partition", str(c.partition), "--partitions", str(c.partitions),
                "--nats-url", c.nats_url, "--state-dir", str(c.state_dir), "--stream", c.stream,
                "--prefix", c.prefix, "--snapshot-every", str(c.snapshot_every), *extra]

    def in_process(self, *extra: str) -> list[str]:
        """The in-process worker's command, even when MARKETGUARD_REDIS_URL is set."""
        return self.command("--in-process", *extra)


@pytest.fixture
def harness(tmp_path: Path) -> Any:
    require_nats()
    h = Harness(tmp_path)
    yield h
    h.cleanup()


def test_killed_worker_process_loses_nothing_and_counts_nothing_twice(harness: Harness) -> None:
    lines = make_lines(6000, seed=11)
    seqs = harness.publish(lines)
    expected = harness.expected(lines, seqs)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.Popen(harness.in_process(), env=env)
    try:
        deadline = time.monotonic() + 30
        while harness.count() < 400 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        first.kill()
        first.wait()
    assert 0 < harness.count() < len(expected), "the kill should land mid-stream"
    second = subprocess.run(harness.in_process("--idle-exit", "1.5"), env=env, timeout=120)
    assert second.returncode == 0
    got = harness.decisions()
    assert [seq for seq, _ in got] == [seq for seq, _ in expected]
    assert got == expected


def test_cancelled_worker_task_resumes_from_its_snapshot(harness: Harness) -> None:
    lines = make_lines(3000, seed=5)
    seqs = harness.publish(lines)
    expected = harness.expected(lines, seqs)

    async def crash_then_resume() -> None:
        worker = Worker(RULESET, harness.config)
        task = asyncio.create_task(worker.run())
        deadline = time.monotonic() + 60
        while worker.processed < 700:
            assert not task.done(), task.exception()
            assert time.monotonic() < deadline, "the worker made no progress"
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        harness.config.idle_exit = 1.0
        await Worker(RULESET, harness.config).run()

    asyncio.run(crash_then_resume())
    assert harness.decisions() == expected
