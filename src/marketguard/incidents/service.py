"""Open, signal, update and list incidents; every change lands on the timeline.

Manual incidents come from responders (``open_incident``); detectors call
``signal``, which opens the incident for a kind and subject or, when one is
already open, adds the signal to its timeline and grows its scope. Status only
moves forward: open → mitigated → resolved → closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal
from marketguard.config import Settings
from marketguard.errors import Conflict, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.incidents.damage import DamageModel
from marketguard.incidents.models import Incident, IncidentEvent
from marketguard.incidents.scope import Scope, merge
from marketguard.timeutil import utcnow

STATUSES = ("open", "mitigated", "resolved", "closed")
ACTIVE = ("open", "mitigated")
KINDS = (
    "audit_tamper",
    "data_leak",
    "data_access_anomaly",
    "risk_spike",
    "counterfeit_surge",
    "notice_backlog",
    "manual",
)
# Called after an incident opens, changes severity or resolves (webhooks subscribe).
Listener = Callable[[Session, Incident, str], None]
_listeners: list[Listener] = []


def on_change(listener: Listener) -> None:
    """Register a function told of ``opened``, ``severity`` and ``resolved`` changes."""
    if listener not in _listeners:
        _listeners.append(listener)


def model_of(settings: Settings) -> DamageModel:
    """The damage model with this deployment's currency, rates and severity thresholds."""
    return DamageModel(
        currency=settings.incident_currency,
        rates=dict(settings.incident_exchange_rates),
        thresholds=dict(settings.incident_severity_thresholds),
    )


def _event(session: Session, incident: Incident, actor: str, kind: str, text: str,
           detail: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    session.add(IncidentEvent(id=new_id("ine"), incident_id=incident.id, at=at or utcnow(),
                              actor=actor, kind=kind, text=text, detail=detail or {}))


def _rescore(incident: Incident, scope: Scope, model: DamageModel) -> str | None:
    """Store the scope and its damage; return the old severity when it changed."""
    incident.scope = scope.as_json()
    incident.damage = model.damage(scope).total
    severity = model.severity(incident.damage).value
    old = incident.severity
    incident.severity = severity
    return old if old != severity else None


def _tell(session: Session, incident: Incident, change: str) -> None:
    for listener in list(_listeners):
        listener(session, incident, change)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"unknown incident kind {kind!r}; kinds: {', '.join(KINDS)}")
    return kind


def open_incident(
    session: Session,
    settings: Settings,
    *,
    actor: Principal,
    title: str,
    kind: str = "manual",
    scope: Scope | None = None,
    summary: str = "",
    subject: str | None = None,
) -> Incident:
    """Open an incident by hand (a responder saw something no detector did)."""
    if not title.strip():
        raise InvalidInput("an incident needs a title")
    _check_kind(kind)
    now = utcnow()
    incident_id = new_id("inc")
    subject = subject or incident_id  # manual incidents never merge with each other
    existing = _active(session, kind, subject)
    if existing is not None:
        raise Conflict(f"incident {existing.id} is already open for {kind} {subject}")
    incident = Incident(
        id=incident_id, kind=kind, subject=subject, open_key=f"{kind}:{subject}",
        title=title.strip(), summary=summary.strip(), status="open", scope={}, damage=0.0,
        severity="SEV4", commander=None, opened_by=actor.actor, opened_at=now, updated_at=now,
    )
    _rescore(incident, scope or Scope(), model_of(settings))
    session.add(incident)
    _event(session, incident, actor.actor, "opened", f"opened: {incident.title}",
           {"scope": incident.scope, "damage": incident.damage,
            "severity": incident.severity}, at=now)
    audit.record(session, actor=actor.actor, action="incident.open", object_type="incident",
                 object_id=incident.id, after={"kind": kind, "severity": incident.severity})
    session.flush()
    _tell(session, incident, "opened")
    return incident


def _active(session: Session, kind: str, subject: str) -> Incident | None:
    return session.scalars(
        select(Incident).where(Incident.open_key == f"{kind}:{subject}")
    ).first()


@dataclass(frozen=True)
class Signal:
    """What a detector saw: the incident's kind and subject, a line for the timeline, the scope."""

    kind: str
    subject: str
    title: str
    text: str
    scope: Scope
    detail: dict[str, Any] | None = None


def signal(session: Session, settings: Settings, seen: Signal, *,
           actor: str = "marketguard:detector", audited: bool = True) -> tuple[Incident, bool]:
    """Open the incident for this kind and subject, or grow the open one; return (it, opened).

    Runs in a savepoint: when another process opened the same incident a
    moment earlier the unique ``open_key`` refuses the second, and the signal
    is added to the first instead (no duplicate, nothing lost).
    """
    _check_kind(seen.kind)
    for _attempt in range(2):
        incident = _active(session, seen.kind, seen.subject)
        if incident is not None:
            _grow(session, settings, incident, seen, actor)
            return incident, False
        try:
            with session.begin_nested():
                incident = _open_from(session, settings, seen, actor, audited)
        except IntegrityError:
            continue  # lost a race: the other process's incident now exists
        _tell(session, incident, "opened")
        return incident, True
    raise Conflict(f"could not open or find the {seen.kind} incident for {seen.subject}")


def _open_from(session: Session, settings: Settings, seen: Signal, actor: str,
               audited: bool) -> Incident:
    now = utcnow()
    incident = Incident(
        id=new_id("inc"), kind=seen.kind, subject=seen.subject,
        open_key=f"{seen.kind}:{seen.subject}", title=seen.title, summary=seen.text,
        status="open", scope={}, damage=0.0, severity="SEV4", commander=None,
        opened_by=actor, opened_at=now, updated_at=now,
    )
    _rescore(incident, seen.scope, model_of(settings))
    session.add(incident)
    session.flush()
    _event(session, incident, actor, "opened", f"opened: {seen.title}",
           {"scope": incident.scope, "damage": incident.damage,
            "severity": incident.severity}, at=now)
    _event(session, incident, actor, "signal", seen.text, seen.detail, at=now)
    if audited:
        audit.record(session, actor=actor, action="incident.open", object_type="incident",
                     object_id=incident.id, after={"kind": seen.kind, "subject": seen.subject,
                                                   "severity": incident.severity})
    session.flush()
    return incident


def _grow(session: Session, settings: Settings, incident: Incident, seen: Signal,
          actor: str) -> None:
    model = model_of(settings)
    scope = merge(Scope.model_validate(incident.scope), seen.scope, model.money_value)
    _event(session, incident, actor, "signal", seen.text, seen.detail)
    old = _rescore(incident, scope, model)
    incident.updated_at = utcnow()
    if old is not None:
        _event(session, incident, actor, "severity", f"severity {old} → {incident.severity}")
        _tell(session, incident, "severity")


def get(session: Session, incident_id: str) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


def timeline(session: Session, incident_id: str) -> list[IncidentEvent]:
    return list(session.scalars(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    ))


def update(
    session: Session,
    settings: Settings,
    *,
    actor: Principal,
    incident_id: str,
    status: str | None = None,
    commander: str | None = None,
    scope: Scope | None = None,
    note: str | None = None,
) -> Incident:
    """Move an incident forward, name its commander, correct its scope, add a note."""
    incident = get(session, incident_id)
    if status is None and commander is None and scope is None and not (note or "").strip():
        raise InvalidInput("nothing to change: give status, commander, scope or note")
    now = utcnow()
    if status is not None:
        _move(session, incident, status, actor, now)
    if commander is not None and commander.strip() != (incident.commander or ""):
        if not commander.strip():
            raise InvalidInput("a commander must be named")
        incident.commander = commander.strip()
        _event(session, incident, actor.actor, "commander", f"commander: {incident.commander}")
    if scope is not None:
        before = incident.scope
        old = _rescore(incident, scope, model_of(settings))
        _event(session, incident, actor.actor, "scope", "scope corrected",
               {"before": before, "after": incident.scope, "damage": incident.damage})
        if old is not None:
            _event(session, incident, actor.actor, "severity",
                   f"severity {old} → {incident.severity}")
            _tell(session, incident, "severity")
    if note and note.strip():
        _event(session, incident, actor.actor, "note", note.strip())
    incident.updated_at = now
    audit.record(session, actor=actor.actor, action="incident.update", object_type="incident",
                 object_id=incident.id, after={"status": incident.status,
                                               "commander": incident.commander,
                                               "severity": incident.severity})
    if status == "resolved":
        _tell(session, incident, "resolved")
    return incident


def _move(session: Session, incident: Incident, status: str, actor: Principal,
          now: datetime) -> None:
    if status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}; statuses: {', '.join(STATUSES)}")
    if STATUSES.index(status) <= STATUSES.index(incident.status):
        raise InvalidInput(
            f"incident {incident.id} is {incident.status}: status only moves forward "
            f"({' → '.join(STATUSES)})"
        )
    old = incident.status
    incident.status = status
    for name in STATUSES[STATUSES.index(old) + 1 : STATUSES.index(status) + 1]:
        if name != "open":
            setattr(incident, f"{name}_at", now)
    if status in ("resolved", "closed"):
        incident.open_key = None  # a new signal opens a new incident
    _event(session, incident, actor.actor, "status", f"status {old} → {status}")


def add_note(session: Session, *, actor: Principal, incident_id: str, note: str) -> IncidentEvent:
    """Add a note to the timeline."""
    if not note.strip():
        raise InvalidInput("a note needs text")
    incident = get(session, incident_id)
    event = IncidentEvent(id=new_id("ine"), incident_id=incident.id, at=utcnow(),
                          actor=actor.actor, kind="note", text=note.strip(), detail={})
    session.add(event)
    incident.updated_at = event.at
    session.flush()
    return event


def ranked(session: Session, *, status: str | None = None) -> Any:
    """The statement listing incidents highest damage first (newest first among equals)."""
    stmt = select(Incident)
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"unknown status {status!r}; statuses: {', '.join(STATUSES)}")
        stmt = stmt.where(Incident.status == status)
    return stmt.order_by(Incident.damage.desc(), Incident.id.desc())
