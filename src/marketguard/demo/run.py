"""The demo: simulate a marketplace, import it, run every capability, summarise.

Each capability adds one step here as it lands. The demo runs on a fresh SQLite
file in its own folder so it never touches a user's database.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard import db
from marketguard.audit import service as audit_service
from marketguard.audit.verify import verify_log
from marketguard.auth.roles import cli_principal
from marketguard.brands import service as brands_service
from marketguard.brands.models import Brand
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.demo.alerts_step import run_data_alerts
from marketguard.demo.data_step import run_data_protection
from marketguard.demo.detection_step import scan_new_listings, work_review_queue
from marketguard.demo.exports_step import run_data_leaving
from marketguard.demo.incidents_step import run_incidents
from marketguard.demo.notices_step import run_notices
from marketguard.demo.portal_step import run_portal
from marketguard.demo.progress import progress_bars
from marketguard.demo.risk_step import run_risk
from marketguard.detection.service import hash_references
from marketguard.migrate import upgrade
from marketguard.simulate.service import SimulationConfig, SimulationSummary, simulate
from marketguard.uow import audit_context, unit_of_work

DEMO_START = datetime(2026, 10, 1, tzinfo=UTC)


@dataclass
class DemoSize:
    sellers: int = 200
    listings: int = 2000
    events: int = 300_000
    days: int = 30
    seed: int = 7
    start: datetime = DEMO_START


@dataclass
class DemoContext:
    """What the steps share: where things are and what has happened so far."""

    folder: Path
    settings: Settings
    console: Console
    size: DemoSize
    simulation: SimulationSummary | None = None
    timings: dict[str, float] = field(default_factory=dict)


def demo_settings(folder: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{folder / 'demo.db'}",
        audit_checkpoint_path=folder / "demo.db.audit-head.json",
        data_dir=folder,
    )


def run_demo(folder: Path, size: DemoSize, console: Console) -> DemoContext:
    """Run every step of the demo in ``folder`` (recreated) and print the summary."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    db.dispose_engines()
    ctx = DemoContext(folder=folder, settings=demo_settings(folder), console=console, size=size)
    console.print(Panel.fit("marketguard demo — a simulated month of a marketplace", style="bold"))
    for title, step in STEPS:
        console.rule(f"[bold]{title}")
        started = time.perf_counter()
        step(ctx)
        ctx.timings[title] = time.perf_counter() - started
    _closing(ctx)
    return ctx


def _simulate(ctx: DemoContext) -> None:
    config = SimulationConfig(
        seed=ctx.size.seed,
        out=ctx.folder / "marketplace",
        sellers=ctx.size.sellers,
        listings=ctx.size.listings,
        events=ctx.size.events,
        days=ctx.size.days,
        start=DEMO_START,
    )
    with progress_bars(ctx.console) as progress:
        ctx.simulation = simulate(config, progress=progress)
    summary = ctx.simulation
    table = Table(title="Simulated marketplace (ground truth kept apart)")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name in (
        "brands",
        "products",
        "sellers",
        "listings",
        "counterfeit_listings",
        "orders",
        "events",
    ):
        value = getattr(summary, name, None)
        if value is not None:
            table.add_row(name.replace("_", " "), f"{value:,}")
    ctx.console.print(table)


def _import(ctx: DemoContext) -> None:
    upgrade(ctx.settings.database_url)
    with unit_of_work(ctx.settings) as session:
        audit_service.start_log(session)
    market = ctx.folder / "marketplace"
    actor = cli_principal("demo")
    with unit_of_work(ctx.settings) as session, progress_bars(ctx.console) as progress:
        reports = [
            brands_service.import_packs(session, actor=actor, path=market / "brands"),
            catalog_service.import_sellers(session, actor=actor, path=market / "sellers.jsonl"),
        ]
        hash_references(session, progress=progress)
        for rights in brands_service.rights_of(session, _brand_ids(session)).values():
            for right in rights:  # a platform admin checks each registration
                brands_service.verify_right(
                    session, actor=actor, right_id=right.id, status="verified",
                    reason="registry extract checked",
                )  # fmt: skip
    table = Table(title="Imported")
    for column in ("what", "created", "rejected"):
        table.add_column(column, justify="left" if column == "what" else "right")
    for report in reports:
        table.add_row(report.kind, f"{report.created:,}", str(report.rejected))
    ctx.console.print(table)


def _brand_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Brand.id)))


def _audit(ctx: DemoContext) -> None:
    context = audit_context(ctx.settings)
    with unit_of_work(ctx.settings) as session:
        finding = verify_log(session, context.key, context.checkpoints)
    style = "green" if finding.ok else "red"
    ctx.console.print(f"[{style}]audit log: {finding.message}[/{style}]")


def _closing(ctx: DemoContext) -> None:
    table = Table(title="Time per step")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for title, seconds in ctx.timings.items():
        table.add_row(title, f"{seconds:.1f}")
    ctx.console.print(table)
    db_path = ctx.folder / "demo.db"
    rel = os.path.relpath(db_path)
    ctx.console.print(
        Panel.fit(
            "Open the API on the demo database:\n\n"
            f"  export MARKETGUARD_DATABASE_URL=sqlite:///{rel}\n"
            "  .venv/bin/marketguard token create --name me --role reviewer\n"
            "  .venv/bin/marketguard serve   # then http://127.0.0.1:8000/docs",
            title="next",
        )
    )


STEPS = [
    ("1. Simulate a marketplace", _simulate),
    ("2. Import brand knowledge and sellers", _import),
    ("3. Check every new listing before it goes live", scan_new_listings),
    ("4. A reviewer works the queue; the model learns", work_review_queue),
    ("5. A month of notices, appeals and the transparency report", run_notices),
    ("6. Score the month's logins, orders and payments", run_risk),
    ("7. Protect personal data: masked reads, approved access, the log", run_data_protection),
    ("8. Staff reading in bulk or off purpose raise alerts", run_data_alerts),
    ("9. Hand data to vendors encrypted; trace a leaked fragment", run_data_leaving),
    ("10. Verify the audit log", _audit),
    ("11. Incidents the month opened, ranked by damage", run_incidents),
    ("12. The portal: a brand's agent is invited to sign in with a passkey", run_portal),
]
