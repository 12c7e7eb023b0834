"""Benchmark the memory of risk feature state: 1,000,000 active keys, in process and in Redis.

For each aggregation (count, sum, distinct) one feature keyed by ``user_id``
with a 24 h window receives one event for each of N distinct users (N active
keys, one entry each; sums are integer amounts, distinct values card ids):

* in process: the resident set size (RSS) of a fresh child process before and
  after deciding the N events through an :class:`Engine` (the events are
  generated one at a time, so only the store's growth is counted);
* Redis: ``INFO memory`` ``used_memory`` before and after writing the same
  entries in the layout the Redis stores use (one sorted set per feature and
  key), under a throw-away namespace that is deleted afterwards.

Run: ``python benchmarks/bench_risk_memory.py [--keys 1000000]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
import sys
import uuid

RULES = {
    "count": "{count: e, by: user_id, window: 24h}",
    "sum": "{sum: amount, of: e, by: user_id, window: 24h}",
    "distinct": "{distinct: card, of: e, by: user_id, window: 24h}",
}
REDIS_URL = os.environ.get("MARKETGUARD_REDIS_URL") or "redis://127.0.0.1:6379/0"


def ruleset(kind: str) -> object:
    from marketguard.risk.validator import loads_rules

    return loads_rules(
        f"version: 1\nfeatures:\n  f: {RULES[kind]}\n"
        "rules:\n  - {name: r, events: [e], when: 'f > 100', action: review, score: 10}\n"
    )


def event(index: int) -> dict[str, object]:
    seconds = index * 60 // 1_000_000  # a million events within one hour
    return {"event_id": f"e{index}", "type": "e", "ts": f"2026-11-11T00:{seconds:02d}:00Z",
            "user_id": f"u-{index:07d}", "amount": 1000 + index % 5000, "card": f"c-{index}"}


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def probe_memory(kind: str, keys: int) -> int:
    """In a fresh process: return the RSS growth from deciding ``keys`` events."""
    from marketguard.risk.engine import Engine

    engine = Engine(ruleset(kind))  # type: ignore[arg-type]
    gc.collect()
    gc.disable()
    before = rss_bytes()
    decide = engine.decide
    for index in range(keys):
        decide(event(index), index + 1)
    gc.enable()
    gc.collect()
    assert sum(len(table) for table in engine.store.series) == keys  # type: ignore[attr-defined]
    return rss_bytes() - before


def in_process(kind: str, keys: int) -> int:
    """Run :func:`probe_memory` in a child so earlier runs leave no freed pages behind."""
    done = subprocess.run([sys.executable, __file__, "--probe", kind, "--keys", str(keys)],
                          check=True, capture_output=True, text=True)
    return int(done.stdout.strip().splitlines()[-1])


def in_redis(kind: str, keys: int) -> int:
    """Write ``keys`` entries in the Redis stores' layout; return the ``used_memory`` growth."""
    import redis

    from marketguard.risk.redis_store import RedisStore
    from marketguard.risk.timestamps import parse_ts

    namespace = f"mgbench:{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(REDIS_URL)
    store = RedisStore(client=client, namespace=namespace)
    rules = ruleset(kind)
    store.bind(rules.features)  # type: ignore[attr-defined]
    add = store.adder(0)
    field = {"count": None, "sum": "amount", "distinct": "card"}[kind]
    before = int(client.info("memory")["used_memory"])
    try:
        for index in range(keys):
            item = event(index)
            ts = parse_ts(item["ts"])
            assert ts is not None
            add(item["user_id"], ts, item[field] if field else None)
            if store.pending >= 5000:
                store.end_event()
        store.end_event()
        return int(client.info("memory")["used_memory"]) - before
    finally:
        store.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--probe", choices=sorted(RULES), help=argparse.SUPPRESS)
    parser.add_argument("--skip-redis", action="store_true")
    args = parser.parse_args()
    if args.probe:
        print(probe_memory(args.probe, args.keys))
        return
    title = (f"risk feature state: {args.keys:,} active keys, one entry each "
             f"(Python {platform.python_version()}, {platform.machine()})")
    print(title)
    print("-" * len(title))
    print(f"{'feature':<10} {'in process (RSS)':>22} {'Redis (used_memory)':>24}")
    for kind in RULES:
        memory = in_process(kind, args.keys)
        shared = None if args.skip_redis else in_redis(kind, args.keys)
        cells = [f"{memory / 2**20:,.0f} MiB ({memory / args.keys:,.0f} B/key)"]
        cells.append("-" if shared is None else
                     f"{shared / 2**20:,.0f} MiB ({shared / args.keys:,.0f} B/key)")
        print(f"{kind:<10} {cells[0]:>22} {cells[1]:>24}")


if __name__ == "__main__":
    main()
