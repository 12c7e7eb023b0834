"""What every CLI command shares: the console, the unit of work, report printing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from marketguard.config import get_settings
from marketguard.ingest import ImportReport
from marketguard.uow import unit_of_work

console = Console()
err_console = Console(stderr=True)

EXIT_REJECTED = 1  # the command ran but rejected some input records
EXIT_ERROR = 2  # the command could not run (bad flag, missing file, bad config)


@contextmanager
def cli_session() -> Iterator[Session]:
    """Open the unit of work of one CLI command on the configured database."""
    with unit_of_work(get_settings()) as session:
        yield session


def print_reports(reports: list[ImportReport], *, max_errors: int = 20) -> None:
    """Print import outcomes as a table, then every rejected record (up to a cap)."""
    table = Table(title="Import")
    for column in ("what", "created", "updated", "unchanged", "rejected"):
        table.add_column(column, justify="left" if column == "what" else "right")
    for report in reports:
        table.add_row(
            report.kind,
            str(report.created),
            str(report.updated),
            str(report.unchanged),
            str(report.rejected),
        )
    console.print(table)
    errors = [e for r in reports for e in r.errors]
    for error in errors[:max_errors]:
        err_console.print(f"[red]rejected[/red] {error}", highlight=False, soft_wrap=True)
    if len(errors) > max_errors:
        err_console.print(f"... and {len(errors) - max_errors} more rejected records")


def exit_for(reports: list[ImportReport]) -> None:
    """Exit non-zero when any record was rejected, so scripts notice."""
    if any(not r.ok for r in reports):
        raise typer.Exit(EXIT_REJECTED)
