"""A rights holder's brand: its rights and products (read), and the appeals against its notices.

Reading only: changing a brand's rights is a sensitive action (step-up) and
stays with the brand pack import and the API for now. Appeals come from the
appeals service the API uses, so a rights holder sees only those on its own
notices and answers them the way the API's answer route does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from marketguard.api.deps import SessionDep
from marketguard.api.pagination import paginate
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.brands import service as brands_service
from marketguard.errors import Conflict, InvalidInput
from marketguard.notices import appeals
from marketguard.notices.models import APPEAL_STATUSES, Appeal
from marketguard.web.guard import CsrfProtected, page_allow
from marketguard.web.routes.notices import PAGE_SIZE
from marketguard.web.templating import add_navigation, render

router = APIRouter(tags=["portal"], include_in_schema=False)

RightsHolder = Annotated[SignedIn, Depends(page_allow(Role.rights_holder))]

add_navigation("Appeals", "/portal/brand/appeals", Role.rights_holder)
add_navigation("Brand", "/portal/brand", Role.rights_holder)

APPEAL_WORDS = {
    "awaiting_rights_holder": "Awaiting your answer",
    "awaiting_decision": "Awaiting a reviewer's decision",
    "granted": "Granted: listing reinstated",
    "rejected": "Rejected: takedown upheld",
}


@router.get("/portal/brand", response_class=HTMLResponse)
def brand_page(request: Request, signed_in: RightsHolder, session: SessionDep) -> Response:
    """The brand's registered rights (with their verification) and its products."""
    principal = signed_in.person
    assert principal.brand_id is not None
    brand = brands_service.get_brand(session, principal=principal, brand_id=principal.brand_id)
    return render(
        request, "brand/brand.html", signed_in, brand=brand,
        rights=brands_service.rights_of(session, [brand.id])[brand.id],
        products=brands_service.products_of(session, [brand.id])[brand.id],
    )


@router.get("/portal/brand/appeals", response_class=HTMLResponse)
def appeals_list(request: Request, signed_in: RightsHolder, session: SessionDep,
                 status: str | None = None, cursor: str | None = None) -> Response:
    """Appeals (counter-notices) against the brand's notices, oldest first, a page at a time."""
    chosen = status if status in APPEAL_STATUSES else None
    stmt = appeals.appeals_query(signed_in.person, status=chosen)
    try:
        rows, next_cursor = paginate(session, stmt, Appeal.id, cursor=cursor, limit=PAGE_SIZE)
    except InvalidInput:
        rows, next_cursor = [], None
    return render(request, "brand/appeals.html", signed_in, appeals=rows, status=chosen,
                  words=APPEAL_WORDS, next_cursor=next_cursor, first_page=cursor is None)


def _appeal_page(request: Request, signed_in: SignedIn, session: SessionDep, appeal_id: str, *,
                 status_code: int = 200, errors: list[str] | None = None,
                 values: dict[str, str] | None = None) -> Response:
    appeal = appeals.visible_appeal(session, principal=signed_in.person, appeal_id=appeal_id)
    return render(request, "brand/appeal.html", signed_in, status_code=status_code,
                  appeal=appeal, words=APPEAL_WORDS, errors=errors or [], values=values or {})


@router.get("/portal/brand/appeals/{appeal_id}", response_class=HTMLResponse)
def appeal_page(request: Request, appeal_id: str, signed_in: RightsHolder,
                session: SessionDep) -> Response:
    """One appeal: the seller's counter-notice, evidence, and the answer form while it waits."""
    return _appeal_page(request, signed_in, session, appeal_id)


@router.post("/portal/brand/appeals/{appeal_id}/answer", dependencies=[CsrfProtected])
def answer(request: Request, appeal_id: str, signed_in: RightsHolder, session: SessionDep,
           position: Annotated[str, Form()] = "",
           explanation: Annotated[str, Form()] = "") -> Response:
    """Maintain or withdraw the notice against the seller's counter-notice."""
    try:
        appeals.answer_appeal(session, actor=signed_in.person, appeal_id=appeal_id,
                              position=position, explanation=explanation)
    except (InvalidInput, Conflict) as error:
        session.rollback()
        return _appeal_page(request, signed_in, session, appeal_id, status_code=error.status,
                            errors=[error.detail],
                            values={"position": position, "explanation": explanation})
    return RedirectResponse(f"/portal/brand/appeals/{appeal_id}", status_code=303)
