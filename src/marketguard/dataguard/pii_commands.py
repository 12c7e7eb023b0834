"""``marketguard data scan FILE``: find personal data where nobody declared it.

Why thin: the command parses its options, calls :func:`marketguard.dataguard.scan.scan_file`
and prints; :func:`register` adds it to the ``data`` group next to the other ``data``
commands. The scanner is imported when the command runs, so other commands do not pay
for loading Presidio and spaCy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.table import Table

from marketguard.cli_support import EXIT_REJECTED, console, err_console

if TYPE_CHECKING:
    from marketguard.dataguard.scan import ScanReport

MAX_ERRORS = 20


def register(data_app: typer.Typer) -> None:
    """Add ``scan`` to the ``data`` command group."""
    data_app.command("scan")(scan)


def scan(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV file to scan (read as a stream)")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per field instead of a table")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="jsonl or csv (default: from the file name)"),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Scan only the first N records")
    ] = None,
) -> None:
    """Report, per field, the personal data found: phones, e-mail, IP, cards, IBANs, addresses.

    Each field gets counts, a few masked examples (never a raw value) and a suggested
    level (FORMATS §7). Exits 1 when some lines could not be read (each is reported
    with its number; the rest is scanned), 2 when the file cannot be scanned at all.
    """
    from marketguard.dataguard.scan import scan_file  # Presidio and spaCy load on first use

    report = scan_file(file, fmt=fmt, limit=limit)
    if as_json:
        for stats in report.fields.values():
            typer.echo(orjson.dumps(stats.to_dict()).decode())
    else:
        _print_table(report)
    for error in report.errors[:MAX_ERRORS]:
        err_console.print(f"[red]unreadable[/red] {error}", highlight=False, soft_wrap=True)
    if len(report.errors) > MAX_ERRORS:
        err_console.print(f"... and {len(report.errors) - MAX_ERRORS} more unreadable lines")
    if not report.ok:
        raise typer.Exit(EXIT_REJECTED)


def _print_table(report: ScanReport) -> None:
    from marketguard.dataguard.pii import KINDS

    table = Table(title=f"Personal data in {report.path} ({report.records} records)")
    for column in ("field", "values", "found", "examples (masked)", "suggested level"):
        table.add_column(column, justify="right" if column == "values" else "left")
    for stats in report.fields.values():
        found = sorted(stats.found.items(), key=lambda item: -item[1].values)
        kinds = "\n".join(f"{kind.value}: {f.values}" for kind, f in found) or "-"
        examples = "\n".join(", ".join(f.examples) for _, f in found) or "-"
        level = stats.level
        suggested = "-" if level is None else f"{level} personal"
        if level is not None:
            labels = ", ".join(KINDS[kind].label.split(" ", 1)[1] for kind, _ in found)
            suggested += f" ({labels})"
        table.add_row(stats.path, str(stats.values), kinds, examples, suggested)
    console.print(table)
    if not report.fields:
        console.print("no values to scan")
