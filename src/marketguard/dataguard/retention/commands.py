"""``marketguard data retention …`` and ``marketguard data subject …`` at the console."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from marketguard.auth.roles import cli_principal
from marketguard.cli_support import cli_session, console, err_console
from marketguard.config import get_settings
from marketguard.dataguard.retention import subjects, sweep
from marketguard.errors import InvalidInput

retention_app = typer.Typer(help="Retention periods: erase what is past them.",
                            no_args_is_help=True)
subject_app = typer.Typer(help="A seller's rights: everything held about them, erasure.",
                          no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON document instead of a table")]
Seller = Annotated[str, typer.Option("--seller", help="The seller's id (S-0007)")]


@retention_app.command("apply")
def apply(
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Count what is past its period; change nothing")] = False,
    dataset: Annotated[list[str] | None, typer.Option(
        "--dataset", help="Only this dataset (repeatable); default: every one")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Erase or anonymise personal data past its retention period; print counts per dataset.

    Safe to run twice and from cron: a second run finds nothing left to change.
    """
    settings = get_settings()
    sweep.check_datasets(dataset or [])
    with cli_session() as session:
        report = sweep.apply(session, actor=cli_principal(), settings=settings,
                             datasets=dataset or [], dry_run=dry_run)
    if as_json:
        typer.echo(orjson.dumps(report.as_json()).decode())
        return
    verb = "would change" if dry_run else "changed"
    table = Table("dataset", "field", "what", "period", "after", "action", verb,
                  title="Retention" + (" (dry run: nothing changed)" if dry_run else ""))
    for o in report.outcomes:
        table.add_row(o.dataset, o.field, o.what, o.period, o.clock, o.action, str(o.rows))
    console.print(table)
    totals = ", ".join(f"{name} {rows}" for name, rows in report.per_dataset().items())
    console.print(f"{verb}: {totals}", highlight=False)


@subject_app.command("export")
def export(
    seller: Seller,
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON here")] = None,
) -> None:
    """Print (or write) one JSON document of everything held about a seller."""
    with cli_session() as session:
        document = subjects.export(session, actor=cli_principal(), seller_id=seller,
                                   retention=get_settings().data_retention)
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    if out is None:
        typer.echo(data.decode())
        return
    try:
        out.write_bytes(data + b"\n")
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror}") from None
    err_console.print(f"wrote everything held about seller {seller} to {out}", highlight=False)


@subject_app.command("erase")
def erase(
    seller: Seller,
    reason: Annotated[str, typer.Option(help="Why (the request's reference)")] = (
        "erasure request of the data subject"),
    as_json: JsonFlag = False,
) -> None:
    """Erase a seller's personal data where nothing obliges keeping it; say what was kept."""
    with cli_session() as session:
        result = subjects.erase(session, actor=cli_principal(), seller_id=seller, reason=reason,
                                retention=get_settings().data_retention)
    if as_json:
        typer.echo(orjson.dumps(result.as_json()).decode())
        return
    erased = Table("table", "field", "rows", title=f"Erased for seller {seller}")
    for line in result.erased:
        erased.add_row(line.table, line.field, str(line.rows))
    console.print(erased)
    kept = Table("table", "what", "why", title="Kept")
    for item in result.kept:
        kept.add_row(item.table, item.what, item.why)
    console.print(kept)


def register(data_app: typer.Typer) -> None:
    """Add ``retention`` and ``subject`` beside the other ``data`` commands."""
    data_app.add_typer(retention_app, name="retention")
    data_app.add_typer(subject_app, name="subject")
