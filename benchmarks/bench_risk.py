"""Benchmark the risk engine: backtest throughput and single-event latency.

Generates (deterministically, seed 7) a rule set of 40 rules over 12 velocity
features and N simulated marketplace events, then prints one table:

* the rate of merely orjson-decoding the events file (the floor of any JSONL path),
* ``backtest`` throughput over the same file and its ratio to the decode rate,
* ``risk decide``'s path (decide + orjson encode, buffered) over the same lines,
* single-event ``Engine.decide`` latency p50 / p99 in process.

Run: ``python benchmarks/bench_risk.py [--events 1000000]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from marketguard.risk.commands import write_decisions
from marketguard.risk.engine import Engine
from marketguard.risk.service import backtest, batch_mode, decide_stream
from marketguard.risk.validator import loads_rules

TYPES = [
    ("account.login", 30), ("payment.authorized", 20), ("order.created", 20),
    ("listing.published", 10), ("address.changed", 5), ("account.register", 5),
    ("refund.requested", 5), ("account.password_reset", 5),
]
FEATURES = """
  logins_user_10m: {count: account.login, by: user_id, window: 10m}
  failed_logins_ip_10m: {count: account.login, by: ip, window: 10m, where: "outcome == 'failure'"}
  devices_user_24h: {distinct: device_id, of: account.login, by: user_id, window: 24h}
  orders_user_1h: {count: order.created, by: user_id, window: 1h}
  order_value_user_24h: {sum: amount, of: order.created, by: user_id, window: 24h}
  spend_card_24h: {sum: amount, of: payment.authorized, by: payment_instrument_id, window: 24h}
  cards_device_24h: {distinct: payment_instrument_id, of: payment.authorized, by: device_id,
                     window: 24h}
  payments_ip_1h: {count: payment.authorized, by: ip, window: 1h}
  refunds_user_7d: {count: refund.requested, by: user_id, window: 7d}
  address_changes_user_24h: {count: address.changed, by: user_id, window: 24h}
  registrations_device_24h: {count: account.register, by: device_id, window: 24h}
  listings_user_1h: {count: listing.published, by: user_id, window: 1h}
"""
RULE_TEMPLATES = [
    ("account.login", "failed_logins_ip_10m >= {n} and outcome == 'failure'", "challenge"),
    ("account.login", "devices_user_24h > {n}", "review"),
    ("account.login", "logins_user_10m > {n} or country in high_risk_countries", "challenge"),
    ("payment.authorized", "cards_device_24h >= {n} and amount < 500", "block"),
    ("payment.authorized", "spend_card_24h > {n}000000 and country != 'DE'", "review"),
    ("payment.authorized", "payments_ip_1h > {n} and amount >= 100", "review"),
    ("order.created", "orders_user_1h > {n} and amount > 1000", "review"),
    ("order.created", "order_value_user_24h > {n}00000", "block"),
    ("listing.published", "listings_user_1h > {n}0 and lower(category) == 'luxury'", "review"),
    ("refund.requested", "refunds_user_7d >= {n}", "review"),
    ("address.changed", "address_changes_user_24h >= {n}", "challenge"),
    ("account.register", "registrations_device_24h > {n} or startswith(email, 'temp')", "block"),
]


def make_rules(by: str | None = None) -> str:
    """Return a rules file with 40 rules (every fourth in shadow mode).

    ``by`` keys every feature by that one field instead (what a split backtest needs).
    """
    lines = ["version: 1", "lists:", "  high_risk_countries: [KP, IR, SY]", "features:"]
    features = FEATURES
    if by is not None:
        for field in ("user_id", "ip", "device_id", "payment_instrument_id"):
            features = features.replace(f"by: {field},", f"by: {by},")
    lines += features.strip("\n").splitlines()
    lines.append("rules:")
    for index in range(40):
        event_type, when, action = RULE_TEMPLATES[index % len(RULE_TEMPLATES)]
        mode = "shadow" if index % 4 == 3 else "active"
        lines += [
            f"  - name: rule_{index:02d}",
            f"    events: [{event_type}]",
            f"    when: \"{when.format(n=2 + index // len(RULE_TEMPLATES))}\"",
            f"    action: {action}",
            f"    score: {10 + index % 7 * 10}",
            f"    mode: {mode}",
        ]
    return "\n".join(lines) + "\n"


def make_events(count: int, seed: int = 7) -> list[bytes]:
    """Return ``count`` JSONL lines of simulated events, mostly in time order."""
    rng = random.Random(seed)
    types = [name for name, weight in TYPES for _ in range(weight)]
    countries = ["DE"] * 30 + ["FR"] * 20 + ["CN"] * 20 + ["US"] * 20 + ["BR", "IN", "GB"] * 3
    countries.append("KP")
    base = 1_794_355_200  # 2026-11-11T00:00:00Z
    lines = []
    for index in range(count):
        second = base + index // 40 - rng.randrange(3)
        millis = rng.randrange(1000)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)) + f".{millis:03d}Z"
        user = rng.randrange(50_000)
        event: dict[str, Any] = {
            "event_id": f"e-{index}",
            "type": rng.choice(types),
            "ts": stamp,
            "user_id": f"u-{user}",
            "device_id": f"d-{user % 40_000 if rng.random() < 0.97 else rng.randrange(40_000)}",
            "ip": f"10.{user % 256}.{user // 256 % 256}.{rng.randrange(2)}",
            "amount": int(rng.lognormvariate(8, 1.3)),
            "currency": "EUR",
            "country": rng.choice(countries),
            "payment_instrument_id": f"p-{user if rng.random() < 0.97 else rng.randrange(60_000)}",
            "outcome": "failure" if rng.random() < 0.1 else "success",
            "category": rng.choice(["luxury", "bags", "toys"]),
            "email": f"user{user}@example.org",
        }
        lines.append(orjson.dumps(event))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--latency-samples", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="processes for the split backtest rows")
    args = parser.parse_args()
    ruleset = loads_rules(make_rules(), source="bench-rules")
    lines = make_events(args.events)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        rows = run_all(ruleset, path, lines, args.latency_samples)
        rows += run_split(path, args.workers)
    print_table(rows, args.events, len(ruleset.rules), len(ruleset.features))


def run_all(ruleset: Any, path: Path, lines: list[bytes], samples: int) -> list[tuple[str, str]]:
    started = time.perf_counter()
    with path.open("rb") as handle:
        for raw in handle:
            orjson.loads(raw)
    decode = len(lines) / (time.perf_counter() - started)
    summary = backtest(ruleset, path)
    bt_rate = summary["events"] / summary["elapsed_s"]
    started = time.perf_counter()
    with path.open("rb") as handle, open(os.devnull, "wb") as sink, batch_mode():
        write_decisions(decide_stream(ruleset, handle), sink)
    decide_rate = len(lines) / (time.perf_counter() - started)
    engine = Engine(ruleset)
    events = [orjson.loads(raw) for raw in lines[:samples]]
    timings = []
    clock = time.perf_counter_ns
    for number, event in enumerate(events, 1):
        begin = clock()
        engine.decide(event, number)
        timings.append(clock() - begin)
    timings.sort()
    p50 = timings[len(timings) // 2] / 1000
    p99 = timings[int(len(timings) * 0.99)] / 1000
    actions = ", ".join(f"{k} {v}" for k, v in summary["actions"].items())
    ratio = bt_rate / decode
    return [
        ("orjson decode only", f"{decode:,.0f} events/s"),
        ("backtest (decode + decide)", f"{bt_rate:,.0f} events/s ({ratio:.0%} of decode)"),
        ("risk decide path (+ encode)", f"{decide_rate:,.0f} events/s"),
        ("single event decide p50", f"{p50:.1f} µs"),
        ("single event decide p99", f"{p99:.1f} µs"),
        ("action mix", actions),
    ]


def run_split(path: Path, workers: int) -> list[tuple[str, str]]:
    """Backtest rules keyed by one field on 1 and on ``workers`` processes (same output)."""
    keyed = loads_rules(make_rules(by="user_id"), source="bench-rules-by-user")
    one = backtest(keyed, path)
    many = backtest(keyed, path, workers=workers)
    mixed = backtest(loads_rules(make_rules(), source="bench-rules"), path, workers=workers)
    same = {k: v for k, v in one.items() if k not in ("elapsed_s", "events_per_s", "workers")} == {
        k: v for k, v in many.items() if k not in ("elapsed_s", "events_per_s", "workers")}
    speed = many["events_per_s"] / one["events_per_s"]
    return [
        ("backtest, features by user_id, 1 process", f"{one['events_per_s']:,} events/s"),
        (f"same, --workers {workers}",
         f"{many['events_per_s']:,} events/s on {many['workers']} processes ({speed:.2f}x, "
         f"{'identical summary' if same else 'SUMMARY DIFFERS'})"),
        (f"mixed keys (above), --workers {workers}",
         f"{mixed['events_per_s']:,} events/s on {mixed['workers']} process (falls back)"),
    ]


def print_table(rows: list[tuple[str, str]], count: int, rules: int, features: int) -> None:
    title = (f"risk engine: {count:,} events, {rules} rules, {features} features "
             f"(Python {platform.python_version()}, {platform.machine()})")
    width = max(len(name) for name, _ in rows)
    print(title)
    print("-" * len(title))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
