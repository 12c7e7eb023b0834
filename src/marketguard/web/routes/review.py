"""Reviewer pages: held listings with their evidence, photos, decisions, and appeals.

The pages call the review-queue and appeal services the API calls
(``detection.review``, ``notices.appeals``). Photos are never linked by file
path: a listing photo is served by its position in the listing and a
reference image by its id, through routes that admit reviewers only and read
the file the way the scanner does (confined, regular files, capped).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.api.deps import SessionDep
from marketguard.api.pagination import paginate
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.brands.models import ReferenceImage
from marketguard.catalog.models import Listing
from marketguard.detection import review
from marketguard.detection.image_files import ImageError, read_image_file
from marketguard.detection.models import ReviewCase, ScanDecision
from marketguard.detection.price import money
from marketguard.enforcement import service as enforcement
from marketguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketguard.notices import appeals
from marketguard.notices.models import Appeal
from marketguard.notices.settings import NoticeSettings, get_notice_settings
from marketguard.web.guard import CsrfProtected, page_allow
from marketguard.web.routes.review_evidence import gather
from marketguard.web.templating import add_navigation, render

router = APIRouter(tags=["portal"], include_in_schema=False)
add_navigation("Held listings", "/portal/review/listings", Role.reviewer, Role.platform_admin)
add_navigation("Appeals", "/portal/review/appeals", Role.reviewer, Role.platform_admin)

PAGE_SIZE = 50
APPEAL_STATES = ("awaiting_decision", "awaiting_rights_holder")
REFUSALS = (InvalidInput, Conflict, Forbidden)
# Image types the browser is told about; anything else is not served.
MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
         (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))

_Reviewer = Annotated[SignedIn, Depends(page_allow(Role.reviewer, Role.platform_admin))]
_Policy = Annotated[NoticeSettings, Depends(get_notice_settings)]


@router.get("/portal/review/listings", response_class=HTMLResponse)
def held_listings(request: Request, signed_in: _Reviewer, session: SessionDep,
                  cursor: str | None = None) -> HTMLResponse:
    """Listings held for a person, oldest first, a page at a time."""
    stmt = review.queue_query(status="open")
    cases, next_cursor = paginate(session, stmt, ReviewCase.id, cursor=cursor, limit=PAGE_SIZE)
    ids = [c.listing_id for c in cases]
    listings = {row.listing_id: row for row in
                session.scalars(select(Listing).where(Listing.listing_id.in_(ids)))} if ids else {}
    return render(request, "review/listings.html", signed_in, cases=cases, listings=listings,
                  next_cursor=next_cursor, first_page=cursor is None)


def _case_context(session: Session, case_id: str) -> dict[str, Any]:
    case = review.get_case(session, case_id=case_id)
    listing = session.get(Listing, case.listing_id)
    if listing is None:
        raise NotFound(f"listing {case.listing_id} is gone")
    decision = session.get(ScanDecision, case.decision_id)
    evidence = gather(listing, list(decision.reasons) if decision is not None else [])
    refs = {r.id: r for r in session.scalars(select(ReferenceImage).where(
        ReferenceImage.id.in_([p.ref_id for p in evidence.pairs])))} if evidence.pairs else {}
    price = money(listing.price_amount, listing.price_currency)
    return {"case": case, "listing": listing, "decision": decision, "evidence": evidence,
            "refs": refs, "price": price, "photos": list(range(len(listing.images or [])))}


@router.get("/portal/review/listings/{case_id}", response_class=HTMLResponse)
def held_listing(request: Request, case_id: str, signed_in: _Reviewer,
                 session: SessionDep) -> HTMLResponse:
    """One held listing with its evidence and the decide buttons."""
    return render(request, "review/listing.html", signed_in, reason="", error=None,
                  **_case_context(session, case_id))


@router.post("/portal/review/listings/{case_id}/decision", dependencies=[CsrfProtected],
             response_model=None)
def decide_held(request: Request, case_id: str, signed_in: _Reviewer, session: SessionDep,
                outcome: Annotated[str, Form()] = "",
                reason: Annotated[str, Form()] = "") -> Response:
    """Confirm (block) or overturn (publish) a held listing, as the API does."""
    try:
        review.decide_case(session, actor=signed_in.person, case_id=case_id, outcome=outcome,
                           reason=reason)
    except REFUSALS as exc:
        session.rollback()
        return render(request, "review/listing.html", signed_in, status_code=exc.status,
                      reason=reason, error=exc.detail, **_case_context(session, case_id))
    return RedirectResponse(f"/portal/review/listings/{case_id}", status_code=303)


def _image(data: bytes) -> Response:
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return Response(data, media_type=media_type, headers={
                "Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"})
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Response(data, media_type="image/webp",
                        headers={"Cache-Control": "private, max-age=300",
                                 "X-Content-Type-Options": "nosniff"})
    raise NotFound("this file is not an image the portal shows")


@router.get("/portal/review/listings/{case_id}/photos/{position}", response_model=None)
def listing_photo(case_id: str, position: int, signed_in: _Reviewer,
                  session: SessionDep) -> Response:
    """A held listing's photo by its position (the name is confined to the listing's folder)."""
    case = review.get_case(session, case_id=case_id)
    listing = session.get(Listing, case.listing_id)
    images = list(listing.images or []) if listing is not None else []
    if listing is None or not 0 <= position < len(images):
        raise NotFound(f"no photo {position} of this listing")
    try:
        data = read_image_file(images[position], root=listing.image_root or ".")
    except ImageError:
        raise NotFound(f"photo {position} of this listing cannot be read") from None
    return _image(data)


@router.get("/portal/review/references/{ref_id}", response_model=None)
def reference_photo(ref_id: str, signed_in: _Reviewer, session: SessionDep) -> Response:
    """A brand's reference image by id (its stored path never reaches the browser)."""
    ref = session.get(ReferenceImage, ref_id)
    if ref is None:
        raise NotFound(f"no reference image {ref_id!r}")
    path = Path(ref.path)
    try:
        data = read_image_file(path.name, root=path.parent)
    except ImageError:
        raise NotFound(f"reference image {ref_id} cannot be read") from None
    return _image(data)


@router.get("/portal/review/appeals", response_class=HTMLResponse)
def appeal_queue(request: Request, signed_in: _Reviewer, session: SessionDep,
                 status: str = "awaiting_decision", cursor: str | None = None) -> HTMLResponse:
    """Appeals to decide (or awaiting the rights holder), oldest first."""
    chosen = status if status in APPEAL_STATES else "awaiting_decision"
    stmt = appeals.appeals_query(signed_in.person, status=chosen)
    rows, next_cursor = paginate(session, stmt, Appeal.id, cursor=cursor, limit=PAGE_SIZE)
    return render(request, "review/appeals.html", signed_in, appeals=rows, status=chosen,
                  states=APPEAL_STATES, next_cursor=next_cursor, first_page=cursor is None)


def _appeal_context(session: Session, signed_in: SignedIn, appeal_id: str) -> dict[str, Any]:
    appeal = appeals.visible_appeal(session, principal=signed_in.person, appeal_id=appeal_id)
    statement = enforcement.get_statement(session, statement_id=appeal.statement_id)
    return {"appeal": appeal, "statement": statement,
            "described": enforcement.describe(statement)}


@router.get("/portal/review/appeals/{appeal_id}", response_class=HTMLResponse)
def appeal_page(request: Request, appeal_id: str, signed_in: _Reviewer,
                session: SessionDep) -> HTMLResponse:
    """One appeal: the decision contested, the seller's explanation, the rights holder's answer."""
    return render(request, "review/appeal.html", signed_in, reason="", error=None,
                  **_appeal_context(session, signed_in, appeal_id))


@router.post("/portal/review/appeals/{appeal_id}/decision", dependencies=[CsrfProtected],
             response_model=None)
def decide_appeal(request: Request, appeal_id: str, signed_in: _Reviewer, session: SessionDep,
                  policy: _Policy, outcome: Annotated[str, Form()] = "",
                  reason: Annotated[str, Form()] = "") -> Response:
    """Reinstate or uphold (the API's service); a refusal re-renders the page, nothing changed."""
    appeals.visible_appeal(session, principal=signed_in.person, appeal_id=appeal_id)
    try:
        appeals.decide_appeal(session, actor=signed_in.person, appeal_id=appeal_id,
                              outcome=outcome, reason=reason, settings=policy)
    except REFUSALS as exc:
        session.rollback()
        return render(request, "review/appeal.html", signed_in, status_code=exc.status,
                      reason=reason, error=exc.detail,
                      **_appeal_context(session, signed_in, appeal_id))
    return RedirectResponse(f"/portal/review/appeals/{appeal_id}", status_code=303)
