"""Data-owner pages: pending access requests to approve or deny, active grants to revoke.

The page calls the data-protection services the API calls, with the person as
principal, so a data owner scoped to one dataset sees and decides that
dataset's requests only, nobody decides their own request, and level 4 needs
two different approvers. Approving a level-4 request is a sensitive action: it
asks for the passkey again when the last assertion is older than the setting.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import paginate
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.dataguard import service
from marketguard.dataguard.classification import Level
from marketguard.dataguard.models import DataAccessApproval, DataAccessRequest, DataGrant
from marketguard.errors import Conflict, Forbidden, InvalidInput
from marketguard.web.guard import CsrfProtected, page_allow, require_step_up
from marketguard.web.templating import add_navigation, render

router = APIRouter(tags=["portal"], include_in_schema=False)
PAGE_PATH = "/portal/access-requests"
add_navigation("Access requests", PAGE_PATH, Role.data_owner)

PAGE_SIZE = 50
REFUSALS = (InvalidInput, Conflict, Forbidden)

_Owner = Annotated[SignedIn, Depends(page_allow(Role.data_owner))]


def _approvals(session: Session, request_ids: list[str]) -> dict[str, list[DataAccessApproval]]:
    """The approvals given so far on a page of requests, in one query (not one per row)."""
    found: dict[str, list[DataAccessApproval]] = {request_id: [] for request_id in request_ids}
    if request_ids:
        stmt = (select(DataAccessApproval)
                .where(DataAccessApproval.request_id.in_(request_ids))
                .order_by(DataAccessApproval.at, DataAccessApproval.id))
        for approval in session.scalars(stmt):
            found[approval.request_id].append(approval)
    return found


def _context(session: Session, signed_in: SignedIn, cursor: str | None,
             grants_cursor: str | None) -> dict[str, Any]:
    person = signed_in.person
    pending, next_cursor = paginate(session, service.requests_query(person, status="pending"),
                                    DataAccessRequest.id, cursor=cursor, limit=PAGE_SIZE)
    grants, next_grants = paginate(session, service.grants_query(person, active=True),
                                   DataGrant.id, cursor=grants_cursor, limit=PAGE_SIZE)
    approvals = _approvals(session, [r.id for r in pending])
    return {"pending": pending, "approvals": approvals, "next_cursor": next_cursor,
            "grants": grants, "next_grants": next_grants, "me": person.name,
            "first_page": cursor is None and grants_cursor is None,
            "secret_level": int(Level.secret)}


def _page(request: Request, signed_in: SignedIn, session: Session, *, status_code: int = 200,
          error: str | None = None, failed: str | None = None, reason: str = "",
          cursor: str | None = None, grants_cursor: str | None = None) -> HTMLResponse:
    return render(request, "access/requests.html", signed_in, status_code=status_code,
                  error=error, failed=failed, reason=reason,
                  **_context(session, signed_in, cursor, grants_cursor))


@router.get(PAGE_PATH, response_class=HTMLResponse)
def access_requests(request: Request, signed_in: _Owner, session: SessionDep,
                    cursor: str | None = None,
                    grants_cursor: str | None = None) -> HTMLResponse:
    """Pending requests (requester, fields, purpose, duration) and active grants."""
    return _page(request, signed_in, session, cursor=cursor, grants_cursor=grants_cursor)


@router.post(PAGE_PATH + "/{request_id}/decision", dependencies=[CsrfProtected],
             response_model=None)
def decide(request: Request, request_id: str, signed_in: _Owner, session: SessionDep,
           settings: SettingsDep, outcome: Annotated[str, Form()] = "",
           reason: Annotated[str, Form()] = "") -> Response:
    """Approve or deny (a denial needs a reason); a level-4 approval asks for the passkey."""
    found = service.get_request(session, request_id=request_id)
    try:
        if outcome == "deny" and not reason.strip():
            raise InvalidInput("say why you deny the request: the requester reads the reason")
        if outcome == "approve" and found.level >= Level.secret:
            require_step_up(signed_in, settings, PAGE_PATH)
        service.decide(session, principal=signed_in.person, request_id=request_id,
                       outcome=outcome, reason=reason)
    except REFUSALS as exc:
        session.rollback()
        return _page(request, signed_in, session, status_code=exc.status, error=exc.detail,
                     failed=request_id, reason=reason)
    return RedirectResponse(PAGE_PATH, status_code=303)


@router.post("/portal/grants/{grant_id}/revocation", dependencies=[CsrfProtected],
             response_model=None)
def revoke(request: Request, grant_id: str, signed_in: _Owner, session: SessionDep,
           reason: Annotated[str, Form()] = "") -> Response:
    """Revoke an active grant at once."""
    try:
        service.revoke_grant(session, principal=signed_in.person, grant_id=grant_id,
                             reason=reason.strip() or None)
    except REFUSALS as exc:
        session.rollback()
        return _page(request, signed_in, session, status_code=exc.status, error=exc.detail,
                     failed=grant_id, reason=reason)
    return RedirectResponse(PAGE_PATH, status_code=303)
