"""Incident routes (FORMATS §8): open, list by damage, show, update, note, postmortem."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from sqlalchemy import and_, or_

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import (
    DEFAULT_LIMIT,
    Page,
    check_limit,
    decode_cursor,
    encode_cursor,
)
from marketguard.auth.deps import allow
from marketguard.auth.roles import Principal, Role
from marketguard.errors import InvalidInput
from marketguard.incidents import postmortem, service
from marketguard.incidents.models import Incident
from marketguard.incidents.schemas import (
    DamageRead,
    EventRead,
    IncidentCreate,
    IncidentDetail,
    IncidentPatch,
    IncidentRead,
    NoteIn,
)
from marketguard.incidents.scope import Scope

router = APIRouter(prefix="/incidents", tags=["incidents"])

Respond = Annotated[Principal, Depends(allow(Role.responder, Role.platform_admin))]
Work = Annotated[Principal, Depends(allow(Role.responder))]
Read = Annotated[Principal, Depends(allow(Role.responder, Role.platform_admin, Role.auditor))]


def _read(incident: Incident) -> IncidentRead:
    return IncidentRead.model_validate(incident, from_attributes=True)


@router.post("", status_code=201, response_model=IncidentRead)
def open_incident(body: IncidentCreate, principal: Respond, session: SessionDep,
                  settings: SettingsDep) -> IncidentRead:
    """Open an incident by hand; damage and severity come from its scope."""
    incident = service.open_incident(session, settings, actor=principal, title=body.title,
                                     kind=body.kind, scope=body.scope, summary=body.summary)
    return _read(incident)


def _after(cursor: str) -> tuple[float, str]:
    damage, _, incident_id = decode_cursor(cursor).partition("|")
    try:
        return float(damage), incident_id
    except ValueError:
        raise InvalidInput(f"the cursor {cursor!r} is not one this API handed out") from None


@router.get("", response_model=Page[IncidentRead])
def list_incidents(
    _principal: Read,
    session: SessionDep,
    status: Annotated[str | None, Query(description="open, mitigated, resolved or closed")] = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[IncidentRead]:
    """Incidents, highest damage first."""
    limit = check_limit(limit)
    stmt = service.ranked(session, status=status)
    if cursor:
        damage, last = _after(cursor)
        stmt = stmt.where(or_(Incident.damage < damage,
                              and_(Incident.damage == damage, Incident.id < last)))
    rows = list(session.scalars(stmt.limit(limit + 1)))
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = encode_cursor(f"{rows[-1].damage!r}|{rows[-1].id}")
    return Page[IncidentRead](items=[_read(r) for r in rows], next=following)


def _detail(session: SessionDep, settings: SettingsDep, incident: Incident) -> IncidentDetail:
    damage = service.model_of(settings).damage(Scope.model_validate(incident.scope))
    events = service.timeline(session, incident.id)
    return IncidentDetail(
        **_read(incident).model_dump(),
        summary=incident.summary,
        opened_by=incident.opened_by,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        damage_breakdown=DamageRead(total=damage.total, parts=damage.parts, notes=damage.notes),
        timeline=[EventRead.model_validate(e, from_attributes=True) for e in events],
    )


@router.get("/{incident_id}", response_model=IncidentDetail)
def show_incident(incident_id: str, _principal: Read, session: SessionDep,
                  settings: SettingsDep) -> IncidentDetail:
    """One incident with its scope, damage breakdown, commander and timeline."""
    return _detail(session, settings, service.get(session, incident_id))


@router.patch("/{incident_id}", response_model=IncidentDetail)
def update_incident(incident_id: str, body: IncidentPatch, principal: Work,
                    session: SessionDep, settings: SettingsDep) -> IncidentDetail:
    """Move forward, name a commander, correct the scope, add a note; all on the timeline."""
    incident = service.update(session, settings, actor=principal, incident_id=incident_id,
                              status=body.status, commander=body.commander, scope=body.scope,
                              note=body.note)
    session.flush()
    return _detail(session, settings, incident)


@router.post("/{incident_id}/timeline", status_code=201, response_model=EventRead)
def add_note(incident_id: str, body: NoteIn, principal: Work, session: SessionDep) -> EventRead:
    """Add a note to the timeline."""
    event = service.add_note(session, actor=principal, incident_id=incident_id, note=body.note)
    return EventRead.model_validate(event, from_attributes=True)


@router.get("/{incident_id}/postmortem", response_class=PlainTextResponse,
            responses={200: {"content": {"text/markdown": {}}}})
def incident_postmortem(incident_id: str, _principal: Read, session: SessionDep,
                        settings: SettingsDep) -> PlainTextResponse:
    """The postmortem in Markdown (summary, scope, timeline, what was done); once resolved."""
    incident = service.get(session, incident_id)
    text = postmortem.render(incident, service.timeline(session, incident.id),
                             service.model_of(settings))
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
