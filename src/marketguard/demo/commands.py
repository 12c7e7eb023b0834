"""``marketguard demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marketguard.cli_support import console
from marketguard.demo.run import DemoSize, run_demo


def demo(
    folder: Annotated[Path, typer.Option(help="Working folder (recreated)")] = Path("demo-data"),
    seed: Annotated[int, typer.Option(help="Simulation seed")] = 7,
    listings: Annotated[int, typer.Option(help="Listings to simulate")] = 2000,
    events: Annotated[int, typer.Option(help="Risk events to simulate")] = 300_000,
) -> None:
    """Simulate a marketplace month and run every capability over it (SQLite, in-process)."""
    size = DemoSize(listings=listings, events=events, seed=seed, sellers=max(50, listings // 10))
    run_demo(folder, size, console)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
