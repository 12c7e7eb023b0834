"""``marketguard data ...``: the catalog, the access log and grants at the console."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from marketguard.auth.roles import cli_principal
from marketguard.cli_support import cli_session, console
from marketguard.config import get_settings
from marketguard.dataguard import alerts, service
from marketguard.dataguard.alert_events import log_events
from marketguard.dataguard.models import DataAccessLog, DataAlert, DataGrant
from marketguard.timeutil import format_rfc3339

data_app = typer.Typer(help="Data protection: catalog, grants, access log.", no_args_is_help=True)
LEVEL_NAMES = {1: "public", 2: "internal", 3: "confidential", 4: "secret"}
JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON object a line (JSONL)")]


@data_app.command("catalog")
def catalog(as_json: JsonFlag = False) -> None:
    """Print every classified field of every dataset, then a count per level."""
    settings = get_settings()
    with cli_session() as session:
        entries = service.catalog(session, clearances=settings.data_clearances,
                                  retention=settings.data_retention)
    if as_json:
        for entry in entries:
            typer.echo(orjson.dumps(vars(entry)).decode())
        return
    table = Table("dataset", "field", "level", "category", "owner", "clearances", "purpose",
                  "retention")
    for e in entries:
        table.add_row(e.dataset, e.field, f"{e.level} {LEVEL_NAMES[e.level]}", e.category,
                      e.owner, ", ".join(e.clearances) if e.level >= 3 else "staff", e.purpose,
                      e.retention or ("kept" if e.retention_rule else ""))
    console.print(table)
    counts = Counter(e.level for e in entries)
    summary = ", ".join(f"level {lv} ({LEVEL_NAMES[lv]}) {counts.get(lv, 0)}" for lv in LEVEL_NAMES)
    console.print(f"{len(entries)} fields in {len({e.dataset for e in entries})} datasets: "
                  f"{summary}", highlight=False)


@data_app.command("access-log")
def access_log(
    actor: Annotated[str | None, typer.Option(help="Only this person (token name)")] = None,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows, newest last")] = 1000,
    as_json: JsonFlag = False,
    as_events: Annotated[bool, typer.Option(
        "--events", help="The whole log as risk events (JSONL), for `risk backtest`"
    )] = False,
) -> None:
    """Print who read or exported level-3/4 fields, under which grant and why."""
    if as_events:
        _write_events(None)
        return
    with cli_session() as session:
        stmt = service.access_log_query(actor=actor, dataset=dataset)
        rows = list(session.scalars(stmt.order_by(DataAccessLog.id.desc()).limit(limit)))[::-1]
        if as_json:
            for r in rows:
                typer.echo(orjson.dumps({
                    "at": format_rfc3339(r.at), "actor": r.actor, "dataset": r.dataset,
                    "fields": r.fields, "rows": r.rows, "grant_id": r.grant_id,
                    "purpose": r.purpose, "kind": r.kind,
                }).decode())
            return
        table = Table("at", "actor", "dataset", "fields", "rows", "grant", "purpose", "kind")
        for r in rows:
            table.add_row(format_rfc3339(r.at), r.actor, r.dataset, ", ".join(r.fields),
                          str(r.rows), r.grant_id or "", r.purpose, r.kind)
    console.print(table)


@data_app.command("grants")
def grants(
    active: Annotated[bool, typer.Option(help="Only grants neither revoked nor expired")] = False,
) -> None:
    """Print access grants (newest last)."""
    with cli_session() as session:
        stmt = service.grants_query(cli_principal(), active=True if active else None)
        rows = list(session.scalars(stmt.order_by(DataGrant.id)))
        table = Table("id", "grantee", "dataset", "fields", "expires", "revoked")
        for g in rows:
            table.add_row(g.id, g.grantee, g.dataset, ", ".join(g.fields),
                          format_rfc3339(g.expires_at),
                          format_rfc3339(g.revoked_at) if g.revoked_at else "")
    console.print(table)


def _write_events(out: Path | None) -> int:
    """Write the access log as risk events, in log order, to ``out`` or stdout."""
    count = 0
    with cli_session() as session:
        if out is None:
            for event in log_events(session):
                typer.echo(orjson.dumps(event).decode())
                count += 1
            return count
        with out.open("wb") as handle:
            for event in log_events(session):
                handle.write(orjson.dumps(event) + b"\n")
                count += 1
    return count


@data_app.command("events")
def events(
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write")],
) -> None:
    """Write the access log as risk events (data.read, data.export) for `risk backtest`."""
    count = _write_events(out)
    console.print(f"wrote {count} events to {out}", highlight=False)


@data_app.command("alerts")
def list_alerts(
    status: Annotated[str | None, typer.Option(help="open or acknowledged")] = None,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset")] = None,
    limit: Annotated[int, typer.Option(help="At most this many alerts, newest first")] = 1000,
    as_json: JsonFlag = False,
) -> None:
    """Print alerts on abnormal reads, newest first."""
    alerts.evaluator_for(get_settings()).catch_up()  # evaluate what the API has not yet
    with cli_session() as session:
        stmt = alerts.alerts_query(cli_principal(), status=status, dataset=dataset)
        rows = list(session.scalars(stmt.order_by(DataAlert.id.desc()).limit(limit)))
        if as_json:
            for a in rows:
                typer.echo(orjson.dumps({
                    "id": a.id, "at": format_rfc3339(a.at), "rule": a.rule, "action": a.action,
                    "score": a.score, "actor": a.actor, "dataset": a.dataset, "level": a.level,
                    "rows": a.rows, "log_id": a.log_id, "owners": a.owners, "status": a.status,
                }).decode())
            return
        table = Table("at", "rule", "action", "score", "actor", "dataset", "rows", "owners",
                      "status")
        for a in rows:
            table.add_row(format_rfc3339(a.at), a.rule, a.action, str(a.score), a.actor,
                          a.dataset, str(a.rows), ", ".join(a.owners), a.status)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
