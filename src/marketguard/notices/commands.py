"""``marketguard notices ...``: the clock sweep, webhook delivery, the queue, bulk filing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from marketguard.auth.roles import Principal, Role, cli_principal
from marketguard.brands.service import resolve_brand
from marketguard.cli_support import cli_session, console
from marketguard.config import get_settings
from marketguard.errors import InvalidInput
from marketguard.incidents.detectors import notice_backlog
from marketguard.ingest import require_file
from marketguard.notices import clock, service, webhooks
from marketguard.notices.settings import DEFAULT_NOTICE_SETTINGS
from marketguard.timeutil import format_rfc3339

notices_app = typer.Typer(help="Notice and takedown: clock, queue, webhooks.",
                          no_args_is_help=True)


@notices_app.command("sweep")
def sweep() -> None:
    """Advance every clock now: release verified notices, escalate, record breaches."""
    with cli_session() as session:
        report = clock.sweep(session)
        backlog = [f"notice backlog: incident {i.id} ({i.severity})" for i in notice_backlog(
            session, get_settings(), within=DEFAULT_NOTICE_SETTINGS.escalate_before)]
    console.print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in vars(report).items()))
    for line in backlog:
        console.print(line)


@notices_app.command("deliver-webhooks")
def deliver_webhooks(
    loop: Annotated[bool, typer.Option(help="Keep delivering until interrupted")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between passes with --loop")] = 5.0,
) -> None:
    """Send due webhook deliveries (signed), retrying failures with backoff."""
    settings = get_settings()
    while True:
        report = webhooks.deliver_due(settings, policy=DEFAULT_NOTICE_SETTINGS)
        console.print(f"delivered {report.delivered}, retrying {report.retried}, "
                      f"dead {report.dead}")
        if not loop:
            return
        time.sleep(interval)


@notices_app.command("queue")
def queue(limit: Annotated[int, typer.Option(help="How many notices")] = 20) -> None:
    """Show the review queue: soonest due and riskiest first."""
    with cli_session() as session:
        rows = list(session.scalars(clock.queue_query().order_by("queue_key").limit(limit)))
        table = Table("notice", "brand", "due", "risk", "pending", "escalated")
        for notice in rows:
            pending = sum(1 for i in service.items_of(session, notice.id)
                          if i.status == "pending")
            table.add_row(notice.id, notice.brand_id,
                          format_rfc3339(notice.due_at) if notice.due_at else "",
                          str(notice.risk), str(pending), "yes" if notice.escalated_at else "")
    console.print(table)


@notices_app.command("show")
def show(notice_id: Annotated[str, typer.Argument(help="The notice id")]) -> None:
    """Print a notice, each listing's status and its history."""
    with cli_session() as session:
        notice = service.get_notice(session, principal=cli_principal(), notice_id=notice_id)
        console.print(f"{notice.id}: {notice.status}, received "
                      f"{format_rfc3339(notice.received_at)}"
                      + (f", due {format_rfc3339(notice.due_at)}" if notice.due_at else ""))
        for item in service.items_of(session, notice.id):
            console.print(f"  {item.listing_id}: {item.status} {item.reason or ''}")
        for event in service.history(session, notice.id):
            console.print(f"  {format_rfc3339(event.at)} {event.kind}", highlight=False)


@notices_app.command("decide")
def decide(
    notice_id: Annotated[str, typer.Argument(help="The notice id")],
    listing: Annotated[str, typer.Option(help="The listing decided")],
    outcome: Annotated[str, typer.Option(help="takedown | reject")],
    reason: Annotated[str, typer.Option(help="Why (shown to the seller and the brand)")],
    unfounded: Annotated[bool, typer.Option(help="reject: manifestly unfounded")] = False,
) -> None:
    """Decide one listing of a notice, as a reviewer at the console."""
    with cli_session() as session:
        item = service.decide(session, actor=cli_principal(), notice_id=notice_id,
                              listing_id=listing, outcome=outcome, reason=reason,
                              manifestly_unfounded=unfounded)
    console.print(f"{notice_id} {listing}: {item.status}")


@notices_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A CSV or JSON Lines file of notices")],
    brand: Annotated[str, typer.Option(help="The brand filing (id or exact name)")],
) -> None:
    """File a brand's bulk notices from a file (all or nothing), as that rights holder."""
    require_file(path, "notices")
    kinds = {".csv": "text/csv", ".jsonl": "application/x-ndjson",
             ".ndjson": "application/x-ndjson"}
    if path.suffix.lower() not in kinds:
        raise InvalidInput("the notices file must end in .csv, .jsonl or .ndjson")
    with cli_session() as session:
        brand_id = resolve_brand(session, brand).id
        actor = Principal(token_id="cli", name="cli", role=Role.rights_holder, brand_id=brand_id)
        notices = service.file_bulk(session, actor=actor, body=path.read_bytes(),
                                    content_type=kinds[path.suffix.lower()])
    console.print(f"filed {len(notices)} notices")


def register(app: typer.Typer) -> None:
    app.add_typer(notices_app, name="notices")
