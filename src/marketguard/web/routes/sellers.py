"""Staff page for one seller: standing, strikes, listings, and closing the store.

Closing a store terminates the account and takes every live or held listing
down, so it is a sensitive action: it asks for the passkey again when the last
assertion is older than ``portal_step_up_after``. The page calls the services
``POST /sellers/{id}/closure`` calls, with the same roles (reviewer, admin).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.catalog import service as catalog_service
from marketguard.enforcement import service as enforcement
from marketguard.errors import Conflict, InvalidInput
from marketguard.web.guard import CsrfProtected, page_allow, require_step_up
from marketguard.web.templating import render

router = APIRouter(tags=["portal"], include_in_schema=False)
REFUSALS = (InvalidInput, Conflict)

# The roles the API admits for a closure (enforcement.auth.EnforcementAct).
_Staff = Annotated[SignedIn, Depends(page_allow(Role.reviewer, Role.platform_admin))]


def seller_path(seller_id: str) -> str:
    return f"/portal/sellers/{seller_id}"


def _page(request: Request, signed_in: SignedIn, session: Session, seller_id: str, *,
          status_code: int = 200, error: str | None = None, reason: str = "") -> HTMLResponse:
    seller, listings = catalog_service.get_seller(session, principal=signed_in.person,
                                                  seller_id=seller_id)
    standing = enforcement.standing(session, seller_id=seller_id)
    return render(request, "staff/seller.html", signed_in, status_code=status_code,
                  error=error, reason=reason, seller=seller, listings=listings,
                  standing=standing)


@router.get("/portal/sellers/{seller_id}", response_class=HTMLResponse)
def seller_page(request: Request, seller_id: str, signed_in: _Staff,
                session: SessionDep) -> HTMLResponse:
    """A seller's standing, active strikes and listing count, with the "Close store" form."""
    return _page(request, signed_in, session, seller_id)


@router.post("/portal/sellers/{seller_id}/closure", dependencies=[CsrfProtected],
             response_model=None)
def close_store(request: Request, seller_id: str, signed_in: _Staff, session: SessionDep,
                settings: SettingsDep, reason: Annotated[str, Form()] = "") -> Response:
    """Close the store (the reason becomes the statement's facts), after a fresh passkey."""
    try:
        if not reason.strip():
            raise InvalidInput("say why the store is closed: the seller reads the reason")
        require_step_up(signed_in, settings, seller_path(seller_id))
        enforcement.close_store(
            session, actor=signed_in.person, seller_id=seller_id, ground="terms_of_service",
            facts=reason.strip(), source="reviewer", automated_detection=False,
            automated_decision="not_automated",
        )
    except REFUSALS as exc:
        session.rollback()
        return _page(request, signed_in, session, seller_id, status_code=exc.status,
                     error=exc.detail, reason=reason)
    return RedirectResponse(seller_path(seller_id), status_code=303)
