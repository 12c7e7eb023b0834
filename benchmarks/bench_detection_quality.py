"""Detection quality on a simulator seed the detector was never tuned on.

Runs the real pipeline (brand import and hashing, the pre-publication gate, the
full scan with OCR) on a fresh SQLite database and scores where each listing
ended against the simulator's ground truth, per disguise.

    python benchmarks/bench_detection_quality.py [--seed 2027] [--listings 3000]

Definitions: *recall* = counterfeits that never went live (blocked, or held for
a person) / counterfeits; *block recall* = counterfeits blocked outright;
*block precision* = blocked listings that are counterfeit / blocked listings;
*false-positive rate* = genuine listings blocked / genuine listings; *hold rate*
= genuine listings held for review / genuine listings (a person then decides).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from marketguard.audit import service as audit
from marketguard.auth.roles import cli_principal
from marketguard.brands import service as brands_service
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.demo.detection_step import listing_statuses, read_labels, submit_and_scan
from marketguard.demo.progress import progress_bars
from marketguard.detection.service import hash_references
from marketguard.migrate import upgrade
from marketguard.simulate.service import SimulationConfig, simulate
from marketguard.uow import unit_of_work

DOWN = ("blocked", "removed")


def run(seed: int, listings: int, console: Console) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        market = folder / "market"
        settings = Settings(
            database_url=f"sqlite:///{folder / 'bench.db'}",
            audit_checkpoint_path=folder / "head.json",
            data_dir=folder,
        )
        started = time.perf_counter()
        with progress_bars(console) as progress:
            simulate(
                SimulationConfig(seed=seed, out=market, sellers=max(50, listings // 10),
                                 listings=listings, events=1000),
                progress=progress,
            )  # fmt: skip
            upgrade(settings.database_url)
            actor = cli_principal("bench")
            with unit_of_work(settings) as session:
                audit.start_log(session)
                brands_service.import_packs(session, actor=actor, path=market / "brands")
                catalog_service.import_sellers(session, actor=actor, path=market / "sellers.jsonl")
                hash_references(session, progress=progress)
            submit_and_scan(settings, market, progress)
        seconds = time.perf_counter() - started
        statuses = listing_statuses(settings)
        labels = read_labels(market / "labels" / "listings.jsonl")
    by_group: dict[str, Counter[str]] = defaultdict(Counter)
    for listing_id, status in statuses.items():
        truth = labels[listing_id]
        group = truth.get("disguise") if truth.get("counterfeit") else "genuine"
        by_group[str(group)][status] += 1
    table = Table(
        title=f"Detection quality, seed {seed}, {len(statuses):,} listings ({seconds:.0f} s)"
    )
    for column in ("disguise", "listings", "blocked", "held", "live", "recall", "block recall"):
        table.add_column(column, justify="left" if column == "disguise" else "right")
    for group in sorted(by_group, key=lambda g: (g == "genuine", g)):
        counts = by_group[group]
        total = sum(counts.values())
        down = sum(counts[s] for s in DOWN)
        stopped = down + counts["held"]
        recall = f"{stopped / total:.3f}" if group != "genuine" else "—"
        block_recall = f"{down / total:.3f}" if group != "genuine" else "—"
        table.add_row(group, str(total), str(down), str(counts["held"]), str(counts["live"]),
                      recall, block_recall)  # fmt: skip
    console.print(table)
    fakes = [c for g, c in by_group.items() if g != "genuine"]
    genuine = by_group["genuine"]
    fake_total = sum(sum(c.values()) for c in fakes)
    fake_down = sum(sum(c[s] for s in DOWN) for c in fakes)
    fake_held = sum(c["held"] for c in fakes)
    genuine_total = sum(genuine.values())
    genuine_down = sum(genuine[s] for s in DOWN)
    summary = Table(title="Overall")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_column("target", justify="right")
    summary.add_row(
        "recall (blocked or held)", f"{(fake_down + fake_held) / fake_total:.3f}", "≥ 0.95"
    )
    summary.add_row("block recall", f"{fake_down / fake_total:.3f}", "")
    summary.add_row(
        "block precision", f"{fake_down / max(fake_down + genuine_down, 1):.3f}", "≥ 0.98"
    )
    summary.add_row(
        "false-positive rate (genuine blocked)", f"{genuine_down / genuine_total:.3f}", "≤ 0.02"
    )
    summary.add_row(
        "hold rate (genuine held for review)", f"{genuine['held'] / genuine_total:.3f}", ""
    )
    console.print(summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--listings", type=int, default=3000)
    args = parser.parse_args()
    run(args.seed, args.listings, Console())


if __name__ == "__main__":
    main()
