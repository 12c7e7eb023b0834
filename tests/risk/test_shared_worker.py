"""Two stream workers sharing one partition and Redis state, one killed and restarted.

Whatever the workers did, the decisions stream must hold exactly one decision per
event, the commit numbers must run 1..N without a gap (nothing applied twice),
and one engine fed the events in commit order must decide exactly the same.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from marketguard.risk.engine import Engine
from marketguard.risk.redis_store import RedisStore
from tests.risk.services import redis_url, require_nats, require_redis
from tests.risk.test_properties import RULESET
from tests.risk.test_worker import Harness, make_lines

pytestmark = [pytest.mark.nats, pytest.mark.redis]


@pytest.fixture
def shared_harness(tmp_path: Path) -> Iterator[tuple[Harness, str]]:
    require_nats()
    require_redis()
    harness = Harness(tmp_path, partitions=1)
    namespace = f"mgtest:{uuid.uuid4().hex[:12]}"
    yield harness, namespace
    harness.cleanup()
    RedisStore(redis_url(), namespace=namespace).clear()


def serial(lines: list[bytes], seqs: list[int], got: list[tuple[int, int | None, Any]]) -> Any:
    """One engine over the events in commit order; stateless errors decided alone."""
    raw = dict(zip(seqs, lines, strict=True))
    engine, alone = Engine(RULESET), Engine(RULESET)
    out = {}
    for seq, commit, _ in sorted(got, key=lambda g: (g[1] is None, g[1] or 0)):
        if commit is None:
            alone.max_ts = None
            out[seq] = (seq, commit, alone.decide_line(raw[seq], seq))
        else:
            out[seq] = (seq, commit, engine.decide_line(raw[seq], seq))
    return [out[seq] for seq, _, _ in got]


def test_two_shared_workers_one_killed_decide_each_event_once_as_a_serial_run(
    shared_harness: tuple[Harness, str],
) -> None:
    harness, namespace = shared_harness
    lines = make_lines(8000, seed=23)
    seqs = harness.publish(lines)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    shared = ("--redis", redis_url(), "--namespace", namespace, "--ack-wait", "2")
    steady = subprocess.Popen(harness.command(*shared, "--idle-exit", "4"), env=env)
    victim = subprocess.Popen(harness.command(*shared), env=env)
    try:
        deadline = time.monotonic() + 60
        while harness.count() < 1500 and time.monotonic() < deadline:
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        assert harness.count() < len(lines) - 100, "the kill should land mid-stream"
        restarted = subprocess.run(harness.command(*shared, "--idle-exit", "4"), env=env,
                                   timeout=120)
        assert restarted.returncode == 0
        assert steady.wait(timeout=120) == 0
    finally:
        for process in (steady, victim):
            if process.poll() is None:
                process.kill()
                process.wait()
    got = harness.decisions_with_commits()
    expected_seqs = [seq for seq, line in zip(seqs, lines, strict=True) if line.strip()]
    assert sorted(seq for seq, _, _ in got) == expected_seqs
    commits = sorted(commit for _, commit, _ in got if commit is not None)
    assert commits == list(range(1, len(commits) + 1))
    assert got == serial(lines, seqs, got)
    decided = [d for _, _, d in got]
    assert sum("error" not in d and d["rules"] != [] for d in decided) > 1000


def test_worker_command_reads_the_redis_url_from_settings(
    shared_harness: tuple[Harness, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from marketguard.config import get_settings
    from tests.risk.test_commands import app

    harness, namespace = shared_harness
    harness.publish([orjson.dumps({"event_id": "e1", "type": "login",
                                   "ts": "2026-11-11T00:00:00Z", "user": "u"})])
    monkeypatch.setenv("MARKETGUARD_REDIS_URL", redis_url())
    get_settings.cache_clear()
    c = harness.config
    try:
        done = CliRunner().invoke(app(), [
            "risk", "worker", "--rules", str(harness.rules_path), "--nats-url", c.nats_url,
            "--stream", c.stream, "--prefix", c.prefix, "--namespace", namespace,
            "--idle-exit", "1", "--state-dir", str(c.state_dir)])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    assert [commit for _, commit, _ in harness.decisions_with_commits()] == [1]
    assert not c.state_dir.exists(), "shared workers keep no snapshots"


def test_a_worker_dying_between_its_state_change_and_its_ack_is_redelivered_exactly(
    shared_harness: tuple[Harness, str],
) -> None:
    import asyncio

    from marketguard.risk.redis_worker import SharedWorker

    harness, namespace = shared_harness
    lines = make_lines(1500, seed=3)
    seqs = harness.publish(lines)
    config = harness.config
    config.redis_url, config.namespace, config.ack_wait = redis_url(), namespace, 1.0
    config.batch = 200

    class Crash(Exception):
        pass

    class DiesBeforeAck(SharedWorker):
        """Applies its second batch in Redis, publishes half its decisions, then dies."""

        batches = 0

        async def handle(self, js: Any, messages: list[Any]) -> None:
            self.batches += 1
            if self.batches < 2:
                await super().handle(js, messages)
                return
            assert self.shared is not None
            await self.forget_acked(js)  # as the real handle does first
            applied = self.shared.decide_batch(
                [(m.data, m.metadata.sequence.stream) for m in messages])
            for outcome in applied[: len(applied) // 2]:
                if outcome.decision is not None:
                    await js.publish(config.decisions_subject, orjson.dumps(outcome.decision),
                                     headers={"Nats-Msg-Id": f"0:{outcome.seq}",
                                              "Mg-Event-Seq": str(outcome.seq),
                                              "Mg-Commit": str(outcome.commit or "")})
            raise Crash

    async def die_then_resume() -> None:
        with pytest.raises(Crash):
            await DiesBeforeAck(RULESET, config).run()
        config.idle_exit = 2.5
        await SharedWorker(RULESET, config).run()

    asyncio.run(die_then_resume())
    got = harness.decisions_with_commits()
    assert sorted(seq for seq, _, _ in got) == [
        seq for seq, line in zip(seqs, lines, strict=True) if line.strip()]
    commits = sorted(commit for _, commit, _ in got if commit is not None)
    assert commits == list(range(1, len(commits) + 1))
    assert got == serial(lines, seqs, got)
    leftover = RedisStore(redis_url(), namespace=namespace).client.keys(f"{namespace}:applied:*")
    assert leftover == [], "markers of acked events are dropped"
