"""Demo step for the risk engine: the simulated month's events through the rules."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from rich.table import Table

from marketguard.auth.roles import cli_principal
from marketguard.risk import rulesets
from marketguard.risk.service import decide_stream
from marketguard.uow import unit_of_work

EXAMPLE_RULES = "marketplace.yaml"


def example_rules_text() -> str:
    """The starter rule set that ships with marketguard."""
    return resources.files("marketguard.risk.examples").joinpath(EXAMPLE_RULES).read_text()


def run_risk(ctx: Any) -> None:
    """Publish the starter rules, decide every event in order, score against the truth."""
    market: Path = ctx.folder / "marketplace"
    with unit_of_work(ctx.settings) as session:
        row = rulesets.upload(
            session, actor=cli_principal("demo"), name=EXAMPLE_RULES, source=example_rules_text()
        )
        rulesets.set_state(
            session, actor=cli_principal("demo"), version=row.version, state="active"
        )
        active, _ = rulesets.current(session)
    truth: dict[str, str | None] = {}
    with (market / "labels" / "events.jsonl").open("rb") as handle:
        for item in map(orjson.loads, handle):
            truth[item["event_id"]] = item.get("pattern")
    events = market / "events.jsonl"
    started = time.perf_counter()
    outcome: dict[str | None, Counter[str]] = defaultdict(Counter)
    hits: Counter[str] = Counter()
    count = 0
    with events.open("rb") as handle:
        for decision in decide_stream(active, handle):
            count += 1
            pattern = truth.get(str(decision.get("event_id")))
            outcome[pattern][str(decision.get("action", "error"))] += 1
            hits.update(decision.get("rules", []))
    seconds = time.perf_counter() - started
    table = Table(title=f"{count:,} events decided by rule set {active.version} "
                  f"({count / seconds:,.0f} events/s)")  # fmt: skip
    for column in ("pattern (ground truth)", "events", "block", "review", "challenge", "allow"):
        table.add_column(column, justify="left" if column.startswith("pattern") else "right")
    for pattern in sorted(outcome, key=lambda p: (p is None, p or "")):
        counts = outcome[pattern]
        table.add_row(
            pattern or "benign",
            f"{sum(counts.values()):,}",
            *(f"{counts[a]:,}" for a in ("block", "review", "challenge", "allow")),
        )
    ctx.console.print(table)
    ctx.console.print(
        "rules that fired most: " + ", ".join(f"{name} ({n:,})" for name, n in hits.most_common(6))
    )
