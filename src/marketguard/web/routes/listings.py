"""Seller pages: their listings and standing, one listing's restriction, and the appeal.

A seller sees only their own listings: the pages call the catalog, enforcement
and appeal services with the signed-in person as the principal, so another
seller's listing is absent (404) exactly as it is through the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from marketguard.api.deps import SessionDep
from marketguard.api.pagination import paginate
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.catalog import service as catalog
from marketguard.catalog.models import LISTING_STATUSES, Listing
from marketguard.enforcement import service as enforcement
from marketguard.enforcement.models import Statement
from marketguard.errors import Conflict, InvalidInput, NotFound
from marketguard.notices import appeals
from marketguard.notices.models import Appeal
from marketguard.notices.settings import NoticeSettings, get_notice_settings
from marketguard.web.guard import CsrfProtected, page_allow
from marketguard.web.templating import add_navigation, render

router = APIRouter(tags=["portal"], include_in_schema=False)
add_navigation("My listings", "/portal/listings", Role.seller)

PAGE_SIZE = 50
OPEN_APPEALS = ("awaiting_rights_holder", "awaiting_decision")
APPEALS_SHOWN = 20  # the newest appeals against one decision (an open one is the newest)
# Words a seller reads instead of the catalog's status codes (shown with the code).
STATUS_WORDS = {
    "live": "Live: buyers see it",
    "held": "Held for review: not visible until a person decides",
    "blocked": "Blocked: not visible",
    "removed": "Removed: not visible",
}

_Seller = Annotated[SignedIn, Depends(page_allow(Role.seller))]
_Policy = Annotated[NoticeSettings, Depends(get_notice_settings)]


@router.get("/portal/listings", response_class=HTMLResponse)
def my_listings(request: Request, signed_in: _Seller, session: SessionDep,
                status: str | None = None, cursor: str | None = None) -> HTMLResponse:
    """The seller's listings with their status (a page at a time), strikes and standing."""
    person = signed_in.person
    chosen = status if status in LISTING_STATUSES else None
    stmt = catalog.listings_query(person, seller_id=None, status=chosen)
    rows, next_cursor = paginate(session, stmt, Listing.listing_id, cursor=cursor,
                                 limit=PAGE_SIZE)
    standing = (enforcement.standing(session, seller_id=person.seller_id)
                if person.seller_id else None)
    return render(request, "seller/listings.html", signed_in, listings=rows,
                  next_cursor=next_cursor, status=chosen, statuses=LISTING_STATUSES,
                  words=STATUS_WORDS, standing=standing, first_page=cursor is None)


def _listing_context(session: Session, signed_in: SignedIn, listing_id: str) -> dict[str, Any]:
    """What the listing page shows: the listing, its restriction, appeals against it."""
    listing = catalog.get_listing(session, principal=signed_in.person, listing_id=listing_id)
    statement = enforcement.statement_for_listing(session, listing_id=listing_id)
    if statement is not None and statement.seller_id != signed_in.person.seller_id:
        statement = None
    filed: list[Appeal] = []
    if statement is not None:
        stmt = appeals.appeals_query(signed_in.person, status=None).where(
            Appeal.statement_id == statement.id)
        filed = list(session.scalars(stmt.order_by(Appeal.filed_at.desc()).limit(APPEALS_SHOWN)))
    open_appeal = next((a for a in filed if a.status in OPEN_APPEALS), None)
    return {
        "listing": listing, "statement": statement,
        "words": STATUS_WORDS,
        "described": enforcement.describe(statement) if statement is not None else None,
        "evidence": _evidence_lines(statement),
        "appeals": filed, "open_appeal": open_appeal,
        "can_appeal": statement is not None and open_appeal is None,
    }


def _evidence_lines(statement: Statement | None) -> list[tuple[str, str]]:
    """The evidence of a restriction as (what, detail) lines a seller can read."""
    if statement is None:
        return []
    evidence = statement.evidence or {}
    lines = [(str(r.get("signal", "")).replace("_", " "), str(r.get("detail", "")))
             for r in evidence.get("reasons", []) if isinstance(r, dict)]
    for key in ("reason", "notice_id", "submitted_as"):
        if evidence.get(key):
            lines.append((key.replace("_", " "), str(evidence[key])))
    return lines


@router.get("/portal/listings/{listing_id}", response_class=HTMLResponse)
def listing_page(request: Request, listing_id: str, signed_in: _Seller,
                 session: SessionDep) -> HTMLResponse:
    """A listing's status; when restricted, the statement of reasons, evidence and appeal."""
    context = _listing_context(session, signed_in, listing_id)
    return render(request, "seller/listing.html", signed_in, **context)


@router.get("/portal/listings/{listing_id}/appeal", response_class=HTMLResponse)
def appeal_form(request: Request, listing_id: str, signed_in: _Seller,
                session: SessionDep) -> HTMLResponse:
    """The appeal form: the seller explains why the decision is wrong."""
    context = _listing_context(session, signed_in, listing_id)
    return render(request, "seller/appeal.html", signed_in, explanation="", error=None,
                  **context)


@router.post("/portal/listings/{listing_id}/appeal", dependencies=[CsrfProtected],
             response_model=None)
def submit_appeal(request: Request, listing_id: str, signed_in: _Seller, session: SessionDep,
                  policy: _Policy, explanation: Annotated[str, Form()] = "") -> Response:
    """File the appeal (the API's service); a refusal re-renders the form and changes nothing."""
    catalog.get_listing(session, principal=signed_in.person, listing_id=listing_id)
    try:
        appeals.file_appeal(session, actor=signed_in.person, listing_id=listing_id,
                            explanation=explanation, settings=policy)
    except (InvalidInput, Conflict, NotFound) as exc:
        session.rollback()
        context = _listing_context(session, signed_in, listing_id)
        return render(request, "seller/appeal.html", signed_in, status_code=exc.status,
                      explanation=explanation, error=exc.detail, **context)
    return RedirectResponse(f"/portal/listings/{listing_id}", status_code=303)
