"""The postmortem document of a resolved incident, in Markdown.

Written from the record, not from memory: the summary, the scope and the
damage it was ranked by, the timeline with who and when, and what was done
(every status change, scope correction and note on the timeline).
"""

from __future__ import annotations

from marketguard.errors import Conflict
from marketguard.incidents.damage import DamageModel
from marketguard.incidents.models import Incident, IncidentEvent
from marketguard.incidents.scope import COUNTS, Scope
from marketguard.timeutil import format_rfc3339

_DONE = ("status", "scope", "commander", "note")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(incident: Incident, events: list[IncidentEvent], model: DamageModel) -> str:
    """Return the postmortem; refused until the incident is resolved."""
    if incident.status not in ("resolved", "closed"):
        raise Conflict(f"incident {incident.id} is {incident.status}: a postmortem is written "
                       "once it is resolved")
    scope = Scope.model_validate(incident.scope)
    damage = model.damage(scope)
    lines = [
        f"# Postmortem: {incident.title}",
        "",
        f"- Incident: `{incident.id}` ({incident.kind}, {incident.severity}, damage "
        f"{incident.damage:g})",
        f"- Opened: {format_rfc3339(incident.opened_at)} by {incident.opened_by}",
    ]
    for name in ("mitigated", "resolved", "closed"):
        moment = getattr(incident, f"{name}_at")
        if moment is not None:
            lines.append(f"- {name.capitalize()}: {format_rfc3339(moment)}")
    lines += [f"- Commander: {incident.commander or 'none named'}", "", "## Summary", "",
              incident.summary or "(no summary was written)", "", "## Scope", "",
              "| field | value | damage |", "| --- | --- | --- |"]
    for name in COUNTS:
        lines.append(f"| {name} | {getattr(scope, name)} | {damage.parts[name]:g} |")
    lines.append(f"| data_level | {scope.data_level} | (weighs records_exposed) |")
    money = scope.money_at_risk
    shown = f"{money.amount} {money.currency} (minor units)" if money else "none"
    lines += [f"| money_at_risk | {shown} | {damage.parts['money_at_risk']:g} |", ""]
    lines += [f"> {note}" for note in damage.notes]
    lines += ["", "## Timeline", "", "| when | who | what |", "| --- | --- | --- |"]
    for event in events:
        lines.append(f"| {format_rfc3339(event.at)} | {_cell(event.actor)} | "
                     f"{_cell(event.text)} |")
    done = [e for e in events if e.kind in _DONE]
    lines += ["", "## What was done", ""]
    lines += [f"- {format_rfc3339(e.at)} — {e.text} ({e.actor})" for e in done] or [
        "- nothing was recorded beyond the signals"]
    return "\n".join(lines) + "\n"
