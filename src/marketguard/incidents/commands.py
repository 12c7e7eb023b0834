"""``marketguard incidents list|show|open|update|postmortem``: the responder's console."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from marketguard.auth.roles import cli_principal
from marketguard.cli_support import cli_session, console
from marketguard.config import get_settings
from marketguard.errors import InvalidInput
from marketguard.incidents import postmortem, service
from marketguard.incidents.scope import Scope
from marketguard.timeutil import format_rfc3339

incidents_app = typer.Typer(help="Emergency management: incidents ranked by damage.",
                            no_args_is_help=True)


def _scope(text: str | None) -> Scope | None:
    if text is None:
        return None
    try:
        return Scope.model_validate_json(text)
    except ValueError as exc:
        raise InvalidInput(f"--scope is not a valid scope (FORMATS §8): {exc}") from None


@incidents_app.command("list")
def list_incidents(
    status: Annotated[str | None, typer.Option(help="open, mitigated, resolved or closed")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many to show")] = 50,
) -> None:
    """Incidents, highest damage first."""
    with cli_session() as session:
        rows = list(session.scalars(service.ranked(session, status=status).limit(limit)))
        table = Table("id", "severity", "damage", "status", "kind", "title", "opened")
        for row in rows:
            table.add_row(row.id, row.severity, f"{row.damage:g}", row.status, row.kind,
                          row.title, format_rfc3339(row.opened_at))
    console.print(table if rows else "no incidents")


@incidents_app.command("show")
def show(incident_id: str) -> None:
    """One incident: scope, damage, commander and timeline."""
    settings = get_settings()
    with cli_session() as session:
        incident = service.get(session, incident_id)
        damage = service.model_of(settings).damage(Scope.model_validate(incident.scope))
        console.print(f"[bold]{incident.title}[/bold]  {incident.id}")
        console.print(f"{incident.kind} · {incident.status} · {incident.severity} · damage "
                      f"{incident.damage:g} · commander {incident.commander or '-'}")
        console.print("scope: " + orjson.dumps(incident.scope).decode())
        console.print("damage by field: " + ", ".join(
            f"{k} {v:g}" for k, v in damage.parts.items() if v))
        for note in damage.notes:
            console.print(f"note: {note}")
        for event in service.timeline(session, incident.id):
            console.print(f"  {format_rfc3339(event.at)}  {event.actor}  {event.text}")


@incidents_app.command("open")
def open_incident(
    title: Annotated[str, typer.Option(help="What is happening")],
    scope: Annotated[str | None, typer.Option(help='Scope as JSON: {"users": 40}')] = None,
    summary: Annotated[str, typer.Option(help="What is known so far")] = "",
) -> None:
    """Open an incident by hand."""
    settings = get_settings()
    with cli_session() as session:
        incident = service.open_incident(session, settings, actor=cli_principal(), title=title,
                                         scope=_scope(scope), summary=summary)
        console.print(f"{incident.id} {incident.severity} damage {incident.damage:g}")


@incidents_app.command("update")
def update(
    incident_id: str,
    status: Annotated[str | None, typer.Option(help="mitigated, resolved or closed")] = None,
    commander: Annotated[str | None, typer.Option(help="Who runs the response")] = None,
    scope: Annotated[str | None, typer.Option(help="Corrected scope as JSON")] = None,
    note: Annotated[str | None, typer.Option(help="A line for the timeline")] = None,
) -> None:
    """Move an incident forward, name its commander, correct its scope, add a note."""
    settings = get_settings()
    with cli_session() as session:
        incident = service.update(session, settings, actor=cli_principal(),
                                  incident_id=incident_id, status=status, commander=commander,
                                  scope=_scope(scope), note=note)
        console.print(f"{incident.id} {incident.status} {incident.severity} damage "
                      f"{incident.damage:g}")


@incidents_app.command("postmortem")
def write_postmortem(
    incident_id: str,
    out: Annotated[Path | None, typer.Option(help="Write the Markdown here (default: print)")]
    = None,
) -> None:
    """The postmortem of a resolved incident, in Markdown."""
    settings = get_settings()
    with cli_session() as session:
        incident = service.get(session, incident_id)
        text = postmortem.render(incident, service.timeline(session, incident.id),
                                 service.model_of(settings))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        console.print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")
