"""``marketguard simulate``: write a synthetic marketplace with its ground truth apart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from marketguard.errors import InvalidInput
from marketguard.simulate.config import DEFAULT_START
from marketguard.simulate.service import SimulationConfig, SimulationSummary, simulate
from marketguard.simulate.writer import Progress as ProgressCallback
from marketguard.timeutil import parse_rfc3339


def parse_start(text: str) -> datetime:
    """Accept ``2026-10-01`` (midnight UTC) or a full RFC 3339 time."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        return parse_rfc3339(text)
    except ValueError:
        raise InvalidInput(
            f"start must be a date like 2026-10-01 or an RFC 3339 time, not {text!r}"
        ) from None


@contextmanager
def _bars(console: Console) -> Iterator[ProgressCallback]:
    """Yield a progress callback drawing one bar per stage."""
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("  {task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=False,
    ) as progress:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update


def summary_table(summary: SimulationSummary) -> Table:
    """Return the counts of a simulation as a table (ground truth counts included)."""
    table = Table(title=f"Simulated marketplace in {summary.out} (seed {summary.seed})")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name in (
        "brands",
        "products",
        "sellers",
        "listings",
        "counterfeit_listings",
        "listing_images",
        "orders",
        "events",
    ):
        table.add_row(name.replace("_", " "), f"{getattr(summary, name):,}")
    for kind, count in summary.seller_kinds.items():
        table.add_row(f"  sellers: {kind}", f"{count:,}")
    for disguise, count in summary.disguises.items():
        table.add_row(f"  counterfeits: {disguise}", f"{count:,}")
    for pattern, count in summary.fraud_events.items():
        table.add_row(f"  fraud events: {pattern}", f"{count:,}")
    return table


def simulate_command(
    out: Annotated[
        Path,
        typer.Option(
            help="Folder to write (an earlier simulation there is "
            "replaced; any other non-empty folder is refused)"
        ),
    ],
    seed: Annotated[int, typer.Option(help="Same seed and sizes, identical files")] = 7,
    sellers: Annotated[int, typer.Option(help="Sellers (at least 10)")] = 500,
    listings: Annotated[int, typer.Option(help="Listings (at least 20)")] = 5000,
    events: Annotated[int, typer.Option(help="Risk events")] = 200_000,
    days: Annotated[int, typer.Option(help="Length of the simulated period in days")] = 30,
    start: Annotated[str, typer.Option(help="First day (2026-10-01 or an RFC 3339 time)")] = (
        DEFAULT_START.date().isoformat()
    ),
) -> None:
    """Write a synthetic marketplace (brand packs, sellers, listings, orders, risk events).

    The ground truth (which listings are fake, which events are fraud) goes to
    labels/, which the platform never reads.
    """
    console = Console()
    config = SimulationConfig(
        seed=seed,
        out=out,
        sellers=sellers,
        listings=listings,
        events=events,
        days=days,
        start=parse_start(start),
    )
    with _bars(console) as progress:
        summary = simulate(config, progress=progress)
    console.print(summary_table(summary))
    console.print(
        f"labels (ground truth) in {summary.out / 'labels'}; "
        f"next: marketguard brands import {summary.out / 'brands'}"
    )


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to the ``marketguard`` command."""
    app.command("simulate")(simulate_command)
