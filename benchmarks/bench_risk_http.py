"""Benchmark single-event risk decisions over HTTP at a steady request rate, one table.

Sets up a fresh database (SQLite file, and PostgreSQL when it answers), creates
an integration token with ``marketguard token create``, starts ``marketguard
serve`` (uvicorn, one process) on 127.0.0.1, uploads and activates the
``bench_risk.py`` rule set (40 rules, 12 features) over the API, then runs an
open-loop load: request *i* is due at ``start + i / rate`` whether or not earlier
ones have answered, each ``POST /api/v1/risk/decisions`` with one event. Latency
is measured from the due time to the end of the answer, so a server (or a
client) falling behind shows up as latency instead of a quietly lower rate.

The client is a small HTTP/1.1 client on raw asyncio streams with a pool of
keep-alive connections (light enough to leave the CPU to the server); it runs
in this process, the server in another, on the same machine. A warm-up of
``--warmup`` seconds at the same rate comes first and is not counted.

Run: ``python benchmarks/bench_risk_http.py [--rates 1000,200] [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_risk import make_events, make_rules  # noqa: E402

BASELINE = "GET /healthz"
"""Same HTTP stack and client, no work: what the decisions route adds is the difference."""
POSTGRES_ADMIN = os.environ.get("MARKETGUARD_TEST_POSTGRES_URL",
                                "postgresql://postgres@127.0.0.1:5432/postgres")


class Pool:
    """Keep-alive HTTP/1.1 connections to one server; one request at a time each."""

    def __init__(self, port: int, size: int) -> None:
        self.port = port
        self.size = size
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue())

    async def open(self) -> None:
        for _ in range(self.size):
            self.idle.put_nowait(await asyncio.open_connection("127.0.0.1", self.port))

    async def request(self, method: str, path: str, body: bytes, token: str) -> tuple[int, bytes]:
        reader, writer = await self.idle.get()
        try:
            head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            writer.write(head + body)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            payload = await reader.readexactly(length)
            return int(status_line.split()[1]), payload
        finally:
            self.idle.put_nowait((reader, writer))

    async def close(self) -> None:
        while not self.idle.empty():
            _, writer = self.idle.get_nowait()
            writer.close()


async def load(pool: Pool, token: str, bodies: list[bytes], rate: float,
               route: str = "POST /api/v1/risk/decisions") -> list[tuple[float, int]]:
    """Send ``bodies`` open-loop at ``rate``; return (latency from due time, status) each."""
    method, path = route.split()
    results: list[tuple[float, int]] = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def one(due: float, body: bytes) -> None:
        status, _ = await pool.request(method, path, body, token)
        results.append((loop.time() - due, status))

    tasks = []
    gc.collect()
    gc.disable()  # the client's own collections would count as server latency
    for index, body in enumerate(bodies):
        due = start + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, body)))
    await asyncio.gather(*tasks)
    gc.enable()
    results.append((loop.time() - start, -1))  # the elapsed time rides along at the end
    return results


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "marketguard.cli", *args], env=env,
                          check=True, capture_output=True, text=True)
    return done.stdout


async def setup(pool: Pool, token: str) -> None:
    """Upload and activate the benchmark rule set over the API."""
    body = orjson.dumps({"name": "bench", "source": make_rules()})
    status, answer = await pool.request("POST", "/api/v1/risk/rulesets", body, token)
    assert status == 201, answer
    version = orjson.loads(answer)["version"]
    status, answer = await pool.request(
        "POST", f"/api/v1/risk/rulesets/{version}/state", b'{"state": "active"}', token)
    assert status == 200, answer


def run_profile(
    name: str, url: str, args: argparse.Namespace, folder: Path, *, workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Start a server on ``url``, load it at each rate, stop it; return the figures."""
    env = {**os.environ, "MARKETGUARD_DATABASE_URL": url, "MARKETGUARD_DATA_DIR": str(folder),
           "MARKETGUARD_ENVIRONMENT": "development", **(extra_env or {})}
    cli(env, "db", "upgrade")
    admin = cli(env, "token", "create", "--name", "bench-admin", "--role", "analyst")
    token = admin.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "marketguard.cli", "serve", "--host",
                               "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                              env=env, stdout=subprocess.DEVNULL)
    try:
        return asyncio.run(drive(name, port, token, args))
    finally:
        server.terminate()
        server.wait(timeout=30)


async def drive(
    name: str, port: int, token: str, args: argparse.Namespace
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
    pool = Pool(port, args.connections)
    await pool.open()
    rows = []
    try:
        await setup(pool, token)
        rates = [float(rate) for rate in args.rates.split(",")]
        bodies = make_events(int(sum(rates) * (args.warmup + args.seconds)) + 1, seed=11)
        position = 0
        for rate in rates:
            warm, count = int(rate * args.warmup), int(rate * args.seconds)
            await load(pool, token, bodies[position : position + warm], rate)
            results = await load(pool, token, bodies[position + warm : position + warm + count],
                                 rate)
            position += warm + count
            rows.append(figures(name, "decisions", rate, results))
            await asyncio.sleep(1.0)  # let a backlog drain before the next rate
        # the baseline: the same server and client, a route that does nothing
        rate = rates[0]
        empty = [b""] * int(rate * (args.warmup + args.seconds))
        await load(pool, token, empty[: int(rate * args.warmup)], rate, BASELINE)
        results = await load(pool, token, empty[int(rate * args.warmup) :], rate, BASELINE)
        rows.append(figures(name, "healthz", rate, results))
    finally:
        await pool.close()
    return rows


def figures(name: str, route: str, rate: float, results: list[tuple[float, int]]
            ) -> dict[str, Any]:
    """Latency percentiles (ms from the due time), errors and the achieved rate."""
    elapsed = results.pop()[0]
    latencies = sorted(latency for latency, _ in results)
    errors = sum(status != 200 for _, status in results)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000

    return {"name": name, "route": route, "target": rate, "requests": len(results),
            "errors": errors, "rate": len(results) / elapsed, "p50": pct(0.5), "p99": pct(0.99),
            "max": latencies[-1] * 1000}


def drop_keys(url: str, namespace: str) -> None:
    """Delete the benchmark's own Redis keys."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{namespace}*", count=1000):
        client.unlink(key)


def postgres_database() -> tuple[str, Any] | None:
    """Create a throw-away PostgreSQL database; None when the server does not answer."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=2)
    except Exception:  # no server: the PostgreSQL profile is skipped
        return None
    name = f"mg_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1000,200", help="target requests/s, in turn")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=8,
                        help="keep-alive connections (below the server's database pool)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--redis", default=os.environ.get("MARKETGUARD_REDIS_URL",
                                                          "redis://127.0.0.1:6379/0"),
                        help="also run 2 API processes sharing risk state here ('' to skip)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        rows += run_profile("SQLite", f"sqlite:///{folder / 'bench.db'}", args, folder)
        if args.redis:
            namespace = f"mg:bench:{uuid.uuid4().hex[:8]}"
            shared = {"MARKETGUARD_RISK_STATE": "redis", "MARKETGUARD_REDIS_URL": args.redis,
                      "MARKETGUARD_RISK_NAMESPACE": namespace}
            try:
                rows += run_profile("SQLite, Redis, 2 procs",
                                    f"sqlite:///{folder / 'shared.db'}", args, folder, workers=2,
                                    extra_env=shared)
            finally:
                drop_keys(args.redis, namespace)
        created = None if args.skip_postgres else postgres_database()
        if created is not None:
            url, drop = created
            try:
                rows += run_profile("PostgreSQL", url, args, folder)
            finally:
                drop()
    title = (f"risk decisions over HTTP: one event a request, open loop, {args.seconds:g} s a "
             f"rate, one uvicorn process unless named (Python {platform.python_version()}, "
             f"{os.cpu_count()} CPUs)")
    print(title)
    print("-" * len(title))
    print(f"{'database':<22} {'route':<10} {'target/s':>9} {'requests':>9} {'errors':>7} "
          f"{'achieved/s':>11} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for row in rows:
        print(f"{row['name']:<22} {row['route']:<10} {row['target']:>9,.0f} "
              f"{row['requests']:>9,} {row['errors']:>7} {row['rate']:>11,.0f} "
              f"{row['p50']:>9.1f} {row['p99']:>9.1f} {row['max']:>9.1f}")


if __name__ == "__main__":
    main()
