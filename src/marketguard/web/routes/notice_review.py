"""Reviewers' notice pages: the queue of open notices (soonest due first) and deciding.

The queue is the API's (``notices.api.review_queue``: same order, same flags)
and a decision goes through the same service as the API's decide route, so a
statement of reasons, a strike and the notifier's record follow as they do there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.brands.models import Brand
from marketguard.errors import Conflict, InvalidInput
from marketguard.notices import service
from marketguard.notices.api import review_queue
from marketguard.web import notice_views
from marketguard.web.guard import CsrfProtected, page_allow
from marketguard.web.routes.notices import PAGE_SIZE, PolicyDep, show_notice
from marketguard.web.templating import add_navigation, render

router = APIRouter(tags=["portal"], include_in_schema=False)

Reviewer = Annotated[SignedIn, Depends(page_allow(Role.reviewer, Role.platform_admin))]

add_navigation("Notice queue", "/portal/review/notices", Role.reviewer, Role.platform_admin)


@router.get("/portal/review/notices", response_class=HTMLResponse)
def queue(request: Request, signed_in: Reviewer, session: SessionDep, policy: PolicyDep,
          cursor: str | None = None) -> Response:
    """Open notices with a running clock, soonest due first (then riskiest), a page at a time."""
    try:
        page = review_queue(signed_in.person, session, policy, cursor=cursor, limit=PAGE_SIZE)
    except InvalidInput:
        page = review_queue(signed_in.person, session, policy, cursor=None, limit=PAGE_SIZE)
        cursor = None
    brand_ids = {e.brand_id for e in page.items}
    names: dict[str, str] = {}
    if brand_ids:
        for brand in session.scalars(select(Brand).where(Brand.id.in_(sorted(brand_ids)))):
            names[brand.id] = brand.name
    return render(
        request, "notices/queue.html", signed_in,
        entries=[(e, names.get(e.brand_id, e.brand_id), notice_views.time_left(e.due_at))
                 for e in page.items],
        next_cursor=page.next, first_page=cursor is None,
    )


@router.post("/portal/notices/{notice_id}/decision", dependencies=[CsrfProtected])
def decide(
    request: Request, notice_id: str, signed_in: Reviewer, session: SessionDep,
    settings: SettingsDep, policy: PolicyDep,
    listing_id: Annotated[str, Form()] = "", outcome: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Take one listing down or reject the notice for it, then show the notice again."""
    try:
        service.decide(session, actor=signed_in.person, notice_id=notice_id,
                       listing_id=listing_id, outcome=outcome, reason=reason, settings=policy)
    except (InvalidInput, Conflict) as error:
        session.rollback()
        return show_notice(request, signed_in, session, settings, notice_id,
                            status_code=error.status,
                            errors=[f"Listing {listing_id}: {error.detail}"])
    return RedirectResponse(f"/portal/notices/{notice_id}", status_code=303)
