"""``marketguard audit ...``: verify the chain, sign the head, read the log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from marketguard.audit import service
from marketguard.audit.verify import verify_log
from marketguard.auth.roles import cli_principal
from marketguard.cli_support import cli_session, console, err_console
from marketguard.config import get_settings
from marketguard.errors import InvalidInput
from marketguard.incidents.detectors import audit_verification_failed
from marketguard.uow import audit_context

audit_app = typer.Typer(help="The tamper-evident operation log.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Check every record and the signed head; name the first problem, exit 1 if any."""
    context = audit_context(get_settings())
    with cli_session() as session:
        finding = verify_log(session, context.key, context.checkpoints)
    if finding.ok:
        console.print(f"OK: {finding.message}", highlight=False, soft_wrap=True)
        return
    with cli_session() as session:
        incident = audit_verification_failed(
            session, get_settings(), kind=finding.kind, message=finding.message,
            records=finding.records, record_id=finding.record_id)
        opened = f"incident {incident.id} opened or updated, {incident.severity}"
    label = {"head": "NO USABLE HEAD", "unsigned": "UNSIGNED"}.get(finding.kind, "TAMPERED")
    # One line, as scripts expect: the finding, then the incident it opened or grew.
    err_console.print(f"{label} ({finding.kind}): {finding.message} ({opened})",
                      highlight=False, soft_wrap=True)  # fmt: skip
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint(
    init: Annotated[
        bool, typer.Option("--init", help="Sign the head of a new, empty log (fresh install)")
    ] = False,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset",
            help="Re-anchor the head on the log as it stands (after a restore from backup, a "
            "lost head file or a key rotation); recorded in the log with --reason",
        ),
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why the head is reset (required)")] = None,
) -> None:
    """Move the signed head to the newest record, if the log continues from it.

    Plain ``checkpoint`` never re-signs a log that does not continue from the stored
    head; ``--init`` and ``--reset`` are the only ways to create a new head.
    """
    if init and reset:
        raise InvalidInput("give --init or --reset, not both")
    if reason is not None and not reset:
        raise InvalidInput("--reason goes with --reset")
    path = get_settings().checkpoint_path()
    with cli_session() as session:
        if init:
            service.start_log(session)
            message = f"signed the head of the new, empty audit log at {path}"
        elif reset:
            if not reason or not reason.strip():
                raise InvalidInput("--reset needs --reason: the reset is recorded in the log")
            entry = service.reset_head(session, actor=cli_principal().actor, reason=reason)
            message = f"reset the signed head to seq {entry.seq} (record {entry.id}) at {path}"
        else:
            status = service.advance_head(session)
            verb = "moved the signed head to" if status.moved else "the signed head is at"
            message = f"{verb} {status.head.describe()}"
    console.print(message, highlight=False, soft_wrap=True)


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
