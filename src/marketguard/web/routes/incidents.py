"""Responder pages: open incidents ranked by damage, one incident's scope and timeline.

The same service functions as ``/api/v1/incidents``: the list is the API's
ranking (highest damage first), notes and status changes land on the same
timeline with the person as actor.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy import and_, or_

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import decode_cursor, encode_cursor
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.errors import InvalidInput
from marketguard.incidents import postmortem, service
from marketguard.incidents.models import Incident
from marketguard.incidents.scope import Scope
from marketguard.web.guard import CsrfProtected, page_allow
from marketguard.web.templating import add_navigation, render

router = APIRouter(tags=["portal"], include_in_schema=False)
PAGE_PATH = "/portal/incidents"
add_navigation("Incidents", PAGE_PATH, Role.responder)
PAGE_SIZE = 50

_Reader = Annotated[SignedIn, Depends(page_allow(Role.responder, Role.platform_admin,
                                                 Role.auditor))]
_Responder = Annotated[SignedIn, Depends(page_allow(Role.responder))]


@router.get(PAGE_PATH, response_class=HTMLResponse)
def incidents_page(request: Request, signed_in: _Reader, session: SessionDep,
                   status: str = "active", cursor: str | None = None) -> Response:
    """Incidents, highest damage first: open and mitigated by default, or one status."""
    stmt = service.ranked(session, status=None if status in ("active", "all") else status)
    if status == "active":
        stmt = stmt.where(Incident.status.in_(service.ACTIVE))
    if cursor:
        damage, _, last = decode_cursor(cursor).partition("|")
        try:
            stmt = stmt.where(or_(Incident.damage < float(damage),
                                  and_(Incident.damage == float(damage), Incident.id < last)))
        except ValueError:
            raise InvalidInput("that page link is not one the portal handed out") from None
    rows = list(session.scalars(stmt.limit(PAGE_SIZE + 1)))
    following = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        following = encode_cursor(f"{rows[-1].damage!r}|{rows[-1].id}")
    return render(request, "incidents/list.html", signed_in, incidents=rows, status=status,
                  next_cursor=following, statuses=("active", *service.STATUSES, "all"))


def _detail(session: SessionDep, settings: SettingsDep, incident_id: str) -> dict[str, Any]:
    incident = service.get(session, incident_id)
    damage = service.model_of(settings).damage(Scope.model_validate(incident.scope))
    return {"incident": incident, "damage": damage,
            "timeline": service.timeline(session, incident.id),
            "forward": service.STATUSES[service.STATUSES.index(incident.status) + 1:]}


@router.get(PAGE_PATH + "/{incident_id}", response_class=HTMLResponse)
def incident_page(incident_id: str, request: Request, signed_in: _Reader, session: SessionDep,
                  settings: SettingsDep) -> Response:
    """One incident: scope with each field's share of the damage, timeline, actions."""
    return render(request, "incidents/detail.html", signed_in,
                  **_detail(session, settings, incident_id))


@router.get(PAGE_PATH + "/{incident_id}/postmortem")
def postmortem_page(incident_id: str, signed_in: _Reader, session: SessionDep,
                    settings: SettingsDep) -> PlainTextResponse:
    """The postmortem in Markdown, once resolved (as the API's)."""
    incident = service.get(session, incident_id)
    text = postmortem.render(incident, service.timeline(session, incident.id),
                             service.model_of(settings))
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


@router.post(PAGE_PATH + "/{incident_id}", response_class=HTMLResponse,
             dependencies=[CsrfProtected])
def update_incident(
    incident_id: str,
    request: Request,
    signed_in: _Responder,
    session: SessionDep,
    settings: SettingsDep,
    status: Annotated[str, Form()] = "",
    commander: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Move the incident forward, name its commander, add a note; back to its page."""
    try:
        service.update(session, settings, actor=signed_in.person, incident_id=incident_id,
                       status=status or None, commander=commander or None, note=note or None)
    except InvalidInput as exc:
        session.rollback()
        return render(request, "incidents/detail.html", signed_in, status_code=422,
                      error=exc.detail, **_detail(session, settings, incident_id))
    return RedirectResponse(f"{PAGE_PATH}/{incident_id}", status_code=303)
