"""Benchmark the risk stream workers on a real NATS JetStream (and Redis), one table.

Publishes N simulated events (the same rules and events as ``bench_risk.py``:
40 rules, 12 features, seed 7) to a fresh stream, then starts worker processes
(``python -m marketguard.risk.worker``) and times them from the first decision
stored to the last by polling the decisions stream. Scenarios:

* in process, 1 worker on 1 partition; 2 workers on 2 partitions (by ``user_id``);
* Redis state, the same two; and 2 workers sharing 1 partition (a queue group).

Besides the rate, each row gives the CPU time the workers (and nats-server plus
redis-server) spent per event, which does not depend on what else the machine
is doing, and the load average, which says how much else there was.

The ratio column compares each two-worker run with its one-worker run. Every
process (the workers, nats-server, redis-server, this poller) shares the machine.
Streams and Redis keys are deleted afterwards; only loopback traffic.

Run: ``python benchmarks/bench_risk_stream.py [--events 200000] [--redis-events 100000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_risk import make_events, make_rules  # noqa: E402

from marketguard.risk.worker import WorkerConfig, ensure_streams, partition_of  # noqa: E402

NATS_URL = os.environ.get("MARKETGUARD_NATS_URL") or "nats://127.0.0.1:4222"
REDIS_URL = os.environ.get("MARKETGUARD_REDIS_URL") or "redis://127.0.0.1:6379/0"


@dataclass
class Scenario:
    """One run: how many partitions, which partition each worker takes, where state lives."""

    name: str
    partitions: int
    workers: list[int]
    redis: bool


async def publish(lines: list[bytes], config: WorkerConfig) -> None:
    """Publish every line to its partition, 2,000 in flight at a time (order is kept)."""
    import nats

    client = await nats.connect(config.nats_url)
    js = client.jetstream()
    try:
        await ensure_streams(js, config)
        subjects = [f"{config.prefix}.events.{p}" for p in range(config.partitions)]
        for start in range(0, len(lines), 2000):
            chunk = lines[start : start + 2000]
            await asyncio.gather(*(
                js.publish(subjects[partition_of(orjson.loads(raw), config.partitions)], raw)
                for raw in chunk
            ))
    finally:
        await client.close()


async def stored(config: WorkerConfig) -> int:
    """Return how many decisions the decisions stream holds."""
    import nats

    client = await nats.connect(config.nats_url)
    try:
        info = await client.jetstream().stream_info(config.stream + "_DECISIONS")
        return int(info.state.messages)
    finally:
        await client.close()


async def poll(config: WorkerConfig, expected: int, timeout: float) -> tuple[float, int, float]:
    """Poll until every decision is stored; return (first seen time, count then, done time)."""
    import nats

    client = await nats.connect(config.nats_url)
    js = client.jetstream()
    first: tuple[float, int] | None = None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            info = await js.stream_info(config.stream + "_DECISIONS")
            count, now = int(info.state.messages), time.perf_counter()
            if count and first is None:
                first = (now, count)
            if count >= expected:
                assert first is not None
                return first[0], first[1], now
            await asyncio.sleep(0.02)
    finally:
        await client.close()
    raise TimeoutError(f"only part of {expected} decisions arrived in {timeout:.0f} s")


async def delete_streams(config: WorkerConfig) -> None:
    import nats

    client = await nats.connect(config.nats_url)
    js = client.jetstream()
    try:
        for name in (config.stream, config.stream + "_DECISIONS"):
            try:
                await js.delete_stream(name)
            except Exception:  # already gone
                pass
    finally:
        await client.close()


def run(scenario: Scenario, lines: list[bytes], rules_path: Path, folder: Path) -> dict[str, Any]:
    """Publish, start the workers, time them, clean up; return the figures."""
    uid = uuid.uuid4().hex[:8]
    config = WorkerConfig(nats_url=NATS_URL, partitions=scenario.partitions,
                          stream=f"MGBENCH_{uid}", prefix=f"mgbench.{uid}",
                          state_dir=folder / uid)
    namespace = f"mgbench:{uid}"
    asyncio.run(publish(lines, config))
    base = [sys.executable, "-m", "marketguard.risk.worker", "--rules", str(rules_path),
            "--partitions", str(scenario.partitions), "--nats-url", NATS_URL,
            "--stream", config.stream, "--prefix", config.prefix,
            "--state-dir", str(config.state_dir), "--idle-exit", "3"]
    state = ["--redis", REDIS_URL, "--namespace", namespace] if scenario.redis else [
        "--in-process"]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    servers = server_cpu()
    processes = [subprocess.Popen([*base, "--partition", str(p), *state])
                 for p in scenario.workers]
    try:
        first, count, done = asyncio.run(poll(config, len(lines), timeout=1800))
        for process in processes:
            process.wait(timeout=120)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        asyncio.run(delete_streams(config))
        if scenario.redis:
            from marketguard.risk.redis_store import RedisStore

            RedisStore(REDIS_URL, namespace=namespace).clear()
    rate = (len(lines) - count) / (done - first) if done > first else float("nan")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    served = server_cpu() - servers
    return {"name": scenario.name, "events": len(lines), "rate": rate,
            "cpu_us": cpu / len(lines) * 1e6, "server_us": served / len(lines) * 1e6,
            "load": os.getloadavg()[0]}


def server_cpu() -> float:
    """CPU seconds used so far by local nats-server and redis-server processes (Linux)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)
            name = fields[0].split("(", 1)[1]
            if name in ("nats-server", "redis-server"):
                values = fields[1].split()
                total += (int(values[11]) + int(values[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


SCENARIOS = [
    Scenario("in process, 1 worker, 1 partition", 1, [0], False),
    Scenario("in process, 2 workers, 2 partitions", 2, [0, 1], False),
    Scenario("Redis, 1 worker, 1 partition", 1, [0], True),
    Scenario("Redis, 2 workers, 2 partitions", 2, [0, 1], True),
    Scenario("Redis, 2 workers sharing 1 partition", 1, [0, 0], True),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--redis-events", type=int, default=100_000)
    parser.add_argument("--only", default="", help="run scenarios whose name contains this")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rules_path = folder / "rules.yaml"
        rules_path.write_text(make_rules())
        everything = make_events(max(args.events, args.redis_events))
        for scenario in SCENARIOS:
            if args.only and args.only not in scenario.name:
                continue
            lines = everything[: args.redis_events if scenario.redis else args.events]
            rows.append(run(scenario, lines, rules_path, folder))
            print(f"  {rows[-1]['name']}: {rows[-1]['rate']:,.0f} events/s", file=sys.stderr)
    print_table(rows)


def print_table(rows: list[dict[str, Any]]) -> None:
    title = (f"risk stream workers: 40 rules, 12 features (Python {platform.python_version()}, "
             f"{os.cpu_count()} CPUs, {platform.machine()})")
    print(title)
    print("-" * len(title))
    singles = {row["name"].split(",")[0]: row["rate"] for row in rows if "1 worker" in row["name"]}
    print(f"{'scenario':<38} {'events':>8} {'events/s':>9} {'vs 1':>6} {'worker CPU':>11} "
          f"{'server CPU':>11} {'load':>5}")
    for row in rows:
        single = singles.get(row["name"].split(",")[0])
        ratio = "" if "1 worker" in row["name"] or not single else f"{row['rate'] / single:.2f}x"
        print(f"{row['name']:<38} {row['events']:>8,} {row['rate']:>9,.0f} {ratio:>6} "
              f"{row['cpu_us']:>8.0f} µs {row['server_us']:>8.0f} µs {row['load']:>5.1f}")
    print("worker CPU: the workers' CPU time per event (start-up included); server CPU: "
          "nats-server and redis-server; load: 1-minute load average at the end")


if __name__ == "__main__":
    main()
