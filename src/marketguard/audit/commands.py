"""``marketguard audit ...``: verify the chain, sign the head, read the log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from marketguard.audit import service
from marketguard.audit.verify import verify_chain
from marketguard.cli_support import cli_session, console, err_console
from marketguard.config import get_settings
from marketguard.uow import audit_context

audit_app = typer.Typer(help="The tamper-evident operation log.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Check every record; name the first edited, deleted, reordered or inserted one."""
    context = audit_context(get_settings())
    try:
        head = context.checkpoints.read()
    except ValueError as exc:
        err_console.print(f"TAMPERED: {exc}")
        raise typer.Exit(1) from None
    with cli_session() as session:
        finding = verify_chain(session, context.key, head)
    if finding.ok:
        console.print(f"OK: {finding.message}")
        return
    label = "UNSIGNED" if finding.kind == "unsigned" else "TAMPERED"
    err_console.print(f"{label} ({finding.kind}): {finding.message}", highlight=False)
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Sign the current head of the log (after a restore, or on first install)."""
    with cli_session() as session:
        point = service.checkpoint_now(session)
    console.print(f"signed head at seq {point.seq}" if point else "the log is empty")


@audit_app.command("log")
def log(
    limit: Annotated[int, typer.Option(help="How many records")] = 20,
    object_id: Annotated[str | None, typer.Option(help="Only records about this object")] = None,
) -> None:
    """Show the newest records of the log."""
    with cli_session() as session:
        records = service.list_records(session, limit=limit, object_id=object_id, newest=True)
    table = Table("seq", "at", "actor", "action", "object", "reason")
    for r in records:
        table.add_row(
            str(r.seq),
            f"{r.at:%Y-%m-%d %H:%M:%S}",
            r.actor,
            r.action,
            f"{r.object_type}:{r.object_id}",
            r.reason or "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
