"""``marketguard data trace FILE``: which export a leaked file came from, at the console."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from marketguard.cli_support import EXIT_REJECTED, cli_session, console
from marketguard.config import get_settings
from marketguard.dataguard.exports.trace import trace_report
from marketguard.errors import InvalidInput
from marketguard.incidents.detectors import export_traced
from marketguard.timeutil import format_rfc3339


def trace_command(
    file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True,
        help="The leaked CSV or JSONL file (or a fragment)")],
    limit: Annotated[int, typer.Option(min=1, max=50, help="At most this many matches")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON")] = False,
) -> None:
    """Name the export a leaked file came from (who exported it, when, for whom).

    Exits 1 when no recorded export matches.
    """
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror or exc}") from None
    with cli_session() as session:
        report = trace_report(session, data, limit=limit, settings=get_settings())
        export_traced(session, get_settings(), report.matches)  # opens the data_leak incident
    if as_json:
        typer.echo(orjson.dumps({
            "matches": [{
                "export_id": m.export_id, "recipient": m.recipient, "score": m.score,
                "exporter": m.exporter, "created_at": format_rfc3339(m.created_at),
                "dataset": m.dataset, "fields": m.fields, "rows_matched": m.rows_matched,
                "membership": m.membership,
                "watermark": {"observed": m.watermark_observed,
                              "agreeing": m.watermark_agreeing},
            } for m in report.matches],
            "rows_read": report.rows_read, "truncated": report.truncated,
            "exports_searched": report.exports_searched,
            "exports_other_key": report.exports_other_key,
        }).decode())
    elif report.matches:
        table = Table("score", "export", "recipient", "exported by", "when", "dataset",
                      "rows matched", "watermark")
        for m in report.matches:
            table.add_row(f"{m.score:.2f}", m.export_id,
                          f"{m.recipient['kind']} {m.recipient['name']}", m.exporter,
                          format_rfc3339(m.created_at), m.dataset,
                          f"{m.rows_matched}/{report.rows_read}",
                          f"{m.watermark_agreeing}/{m.watermark_observed} agree"
                          if m.watermark_observed else "none kept")
        console.print(table)
        best = report.matches[0]
        console.print(
            f"{file} most likely comes from export {best.export_id}, made by {best.exporter} "
            f"on {format_rfc3339(best.created_at)} for {best.recipient['kind']} "
            f"{best.recipient['name']}", highlight=False, soft_wrap=True)
        if len(report.matches) > 1 and report.matches[1].score == best.score:
            console.print("the file keeps no watermark that tells the top matches apart: "
                          "each of them may be its source", highlight=False)
    else:
        console.print(
            f"no recorded export matches {file} ({report.rows_read} rows read, "
            f"{report.exports_searched} exports searched)", highlight=False)
    if report.exports_other_key:
        console.print(f"{report.exports_other_key} exports were fingerprinted under an earlier "
                      "secret key and could not be searched", highlight=False)
    if not report.matches:
        raise typer.Exit(EXIT_REJECTED)
