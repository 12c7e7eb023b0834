"""``marketguard scan``, ``marketguard detection ...`` and ``marketguard model train``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from marketguard.auth.roles import cli_principal
from marketguard.cli_support import cli_session, console, exit_for, print_reports
from marketguard.config import get_settings
from marketguard.demo.progress import progress_bars
from marketguard.detection import service, training
from marketguard.detection.scan_file import scan_file
from marketguard.ingest import require_file

detection_app = typer.Typer(help="Listing detection: full scans, backfills.", no_args_is_help=True)
model_app = typer.Typer(help="The learned detection model.", no_args_is_help=True)


def scan(
    listings: Annotated[Path, typer.Option(help="listings.jsonl to check (FORMATS §2)")],
    out: Annotated[Path, typer.Option(help="Where to write one decision a listing")],
    ocr: Annotated[bool, typer.Option(help="Also read text painted on photos (slower)")] = True,
) -> None:
    """Check every listing before it goes live and write decisions in input order."""
    require_file(listings, "listings")
    settings = get_settings()
    with cli_session() as session, progress_bars(console) as progress:
        service.hash_references(session, progress=progress)
        report, counts = scan_file(
            session,
            actor=cli_principal(),
            settings=settings,
            listings_path=listings,
            out=out,
            ocr=ocr,
            progress=progress,
        )
    table = Table(title=f"Decisions written to {out}")
    table.add_column("action")
    table.add_column("listings", justify="right")
    for action, count in counts.items():
        table.add_row(action, str(count))
    console.print(table)
    print_reports([report])
    exit_for([report])


@detection_app.command("full-scan")
def full_scan(
    limit: Annotated[int, typer.Option(help="At most this many listings")] = 10_000,
) -> None:
    """Run the slow pass (text in photos) for listings the gate left pending."""
    with cli_session() as session, progress_bars(console) as progress:
        outcome = service.run_full_scans(
            session, actor=cli_principal(), settings=get_settings(), limit=limit, progress=progress
        )
    console.print(f"full scan of {len(outcome.decisions)} listings: {outcome.actions}")


@detection_app.command("backfill")
def backfill() -> None:
    """Rescan every live listing against the current brand knowledge."""
    with cli_session() as session, progress_bars(console) as progress:
        service.hash_references(session, progress=progress)
        outcome = service.backfill(
            session, actor=cli_principal(), settings=get_settings(), progress=progress
        )
    console.print(f"rescanned {len(outcome.decisions)} live listings: {outcome.actions}")


@model_app.command("train")
def train() -> None:
    """Train the classifier on reviewer and notice outcomes and make it active."""
    with cli_session() as session:
        result = training.train(session, actor=cli_principal(), settings=get_settings())
    console.print(
        f"model {result.version}: {result.examples} examples ({result.positives} counterfeit), "
        f"saved to {result.path}"
    )


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
    app.add_typer(detection_app, name="detection")
    app.add_typer(model_app, name="model")
