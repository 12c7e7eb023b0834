"""``marketguard report ...``: the transparency report and DSA statement exports."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from marketguard.cli_support import EXIT_REJECTED, cli_session, console, err_console
from marketguard.errors import InvalidInput
from marketguard.reports import dsa, service
from marketguard.reports.dsa_schema import validate

report_app = typer.Typer(help="Transparency reports and statement exports.",
                         no_args_is_help=True)


@report_app.command("transparency")
def transparency(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="Last day (included), YYYY-MM-DD")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Print the notice-and-takedown figures for a period."""
    with cli_session() as session:
        report = service.transparency(session, start=service.parse_bound(start, end=False),
                                      end=service.parse_bound(end, end=True))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        console.print(service.render(report))


@report_app.command("statements")
def statements(
    since: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (or RFC 3339)")],
    output_format: Annotated[str, typer.Option("--format", help="dsa")] = "dsa",
    out: Annotated[Path | None, typer.Option(help="Write to this file (default: stdout)")] = None,
) -> None:
    """Write one DSA Transparency Database submission (JSON) per statement, a line each."""
    if output_format != "dsa":
        raise InvalidInput(f"unknown --format {output_format!r}: the only format is dsa")
    start = service.parse_bound(since, end=False)
    written = invalid = 0
    handle = out.open("wb") if out else sys.stdout.buffer
    try:
        with cli_session() as session:
            for submission in dsa.export(session, since=start):
                problems = validate(submission)
                if problems:  # never write what the database would refuse
                    invalid += 1
                    err_console.print(f"[red]not exported[/red] {submission.get('puid')}: "
                                      + "; ".join(problems), highlight=False)
                    continue
                handle.write(orjson.dumps(submission) + b"\n")
                written += 1
    finally:
        if out:
            handle.close()
        else:
            handle.flush()
    err_console.print(f"{written} statements written" + (f" to {out}" if out else ""))
    if invalid:
        raise typer.Exit(EXIT_REJECTED)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
