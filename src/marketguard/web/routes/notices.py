"""Rights holders' notice pages: the dashboard, filing (one or a CSV), a notice's own page.

The pages call the notice services the API calls, with the signed-in person
as the principal, so a rights holder sees only its brand's notices (another
brand's is absent, 404, as in the API) and the notifier's contact is masked
as the API masks it. A refused notice re-renders its form with every reason
and files nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import paginate
from marketguard.auth.models import Person
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.brands import service as brands_service
from marketguard.brands.models import Right
from marketguard.errors import Forbidden, InvalidInput
from marketguard.notices import intake, service
from marketguard.notices.models import Notice
from marketguard.notices.settings import NoticeSettings, get_notice_settings
from marketguard.web import notice_views
from marketguard.web.guard import CsrfProtected, page_allow
from marketguard.web.templating import add_navigation, render

router = APIRouter(tags=["portal"], include_in_schema=False)

RightsHolder = Annotated[SignedIn, Depends(page_allow(Role.rights_holder))]
NoticeReader = Annotated[
    SignedIn, Depends(page_allow(Role.rights_holder, Role.reviewer, Role.platform_admin))
]
PolicyDep = Annotated[NoticeSettings, Depends(get_notice_settings)]
PAGE_SIZE = 25

add_navigation("Notices", "/portal/notices", Role.rights_holder)
add_navigation("File a notice", "/portal/notices/new", Role.rights_holder)


@router.get("/portal/notices", response_class=HTMLResponse)
def dashboard(request: Request, signed_in: RightsHolder, session: SessionDep,
              cursor: str | None = None, filed: int | None = None) -> Response:
    """The rights holder's start page: open notices and their clocks, outcomes, standing."""
    principal = signed_in.person
    assert principal.brand_id is not None  # a rights holder's person is scoped to a brand
    stmt = service.notices_query(principal, status="triaged").where(Notice.queue_key.is_not(None))
    try:
        rows, next_cursor = paginate(session, stmt, Notice.queue_key,  # type: ignore[arg-type]
                                     cursor=cursor, limit=PAGE_SIZE)
    except InvalidInput:
        rows, next_cursor = [], None  # a damaged cursor: show the first page's link only
    counts = notice_views.item_counts(session, [n.id for n in rows])
    waiting, waiting_total = notice_views.awaiting(session, principal=principal)
    notifier = notice_views.notifier_of(session, brand_id=principal.brand_id)
    brand = brands_service.get_brand(session, principal=principal, brand_id=principal.brand_id)
    return render(
        request, "notices/dashboard.html", signed_in, brand=brand,
        open_notices=[(n, counts[n.id], notice_views.time_left(n.due_at)) for n in rows],
        next_cursor=next_cursor, first_page=cursor is None, waiting=waiting,
        waiting_total=waiting_total,
        recent=notice_views.recent_outcomes(session, principal=principal),
        notifier=notifier, filed=filed,
    )


def _rights(session: Session, brand_id: str) -> list[Right]:
    return brands_service.rights_of(session, [brand_id])[brand_id]


def _form(request: Request, signed_in: SignedIn, session: Session, *, status_code: int = 200,
          errors: list[str] | None = None, values: dict[str, Any] | None = None,
          bulk_errors: list[str] | None = None) -> Response:
    assert signed_in.person.brand_id is not None
    return render(
        request, "notices/new.html", signed_in, status_code=status_code,
        rights=_rights(session, signed_in.person.brand_id), errors=errors or [],
        bulk_errors=bulk_errors or [], values=values or {}, csv_columns=CSV_HELP,
    )


CSV_HELP = [
    ("right_id", "the id of one of your brand's rights (listed above, in the Right field)"),
    ("listing", "one listing id or listing URL a row"),
    ("explanation", "why the listing infringes the right"),
    ("notifier_name", "who files the notice"),
    ("notifier_email", "where the platform writes back"),
    ("good_faith", "true: you state in good faith that the notice is accurate and complete"),
    ("notice_ref", "optional: rows with the same reference form one notice"),
]


@router.get("/portal/notices/new", response_class=HTMLResponse)
def new_notice(request: Request, signed_in: RightsHolder, session: SessionDep) -> Response:
    """The notice form: a right, the listings (one a line), an explanation, good faith."""
    return _form(request, signed_in, session)


def _reasons(error: InvalidInput) -> list[str]:
    found = error.extra.get("errors") or []
    if not found:
        return [error.detail]
    return [
        (f"Line {e['line']}, " if "line" in e else "")
        + f"{_field_words(str(e.get('field', '')))}: {e.get('reason', '')}"
        for e in found
    ]


def _field_words(name: str) -> str:
    if name.startswith("listing_ids["):
        return f"Listing IDs, line {int(name[12:-1]) + 1}"
    return {"right_id": "Right", "explanation": "Explanation", "good_faith": "Good faith",
            "listing_ids": "Listing IDs", "notifier.name": "Notifier name",
            "notifier.email": "Notifier email"}.get(name, name)


def _person_email(session: Session, signed_in: SignedIn) -> str:
    person = session.get(Person, signed_in.person_id)
    return person.email if person is not None else signed_in.person.name


@router.post("/portal/notices/new", dependencies=[CsrfProtected])
def file_notice(
    request: Request, signed_in: RightsHolder, session: SessionDep, policy: PolicyDep,
    right: Annotated[str, Form()] = "", listing_ids: Annotated[str, Form()] = "",
    explanation: Annotated[str, Form()] = "", notifier_name: Annotated[str, Form()] = "",
    good_faith: Annotated[str | None, Form()] = None,
) -> Response:
    """File one notice and open its page; a refused one re-renders the form with reasons."""
    email = _person_email(session, signed_in)
    submission = intake.Submission(
        right_id=right or None,
        listings=[line.strip() for line in listing_ids.splitlines() if line.strip()],
        explanation=explanation or None,
        notifier_name=notifier_name.strip() or email,
        notifier_email=email,
        good_faith=good_faith == "yes",
    )
    try:
        notice = service.file_notice(session, actor=signed_in.person, submission=submission,
                                     settings=policy)
    except (InvalidInput, Forbidden) as error:
        session.rollback()  # nothing of a refused notice stays (not even a first notifier row)
        reasons = _reasons(error) if isinstance(error, InvalidInput) else [error.detail]
        values = {"right": right, "listing_ids": listing_ids, "explanation": explanation,
                  "notifier_name": notifier_name, "good_faith": good_faith == "yes"}
        return _form(request, signed_in, session, status_code=error.status, errors=reasons,
                     values=values)
    return RedirectResponse(f"/portal/notices/{notice.id}", status_code=303)


@router.post("/portal/notices/bulk", dependencies=[CsrfProtected])
async def file_bulk(request: Request, signed_in: RightsHolder, session: SessionDep,
                    policy: PolicyDep, csv_file: UploadFile) -> Response:
    """File every notice of an uploaded CSV; any bad row files none and is named."""
    body = await csv_file.read(policy.max_bulk_bytes + 1)
    try:
        notices = service.file_bulk(session, actor=signed_in.person, body=body,
                                    content_type="text/csv", settings=policy)
    except (InvalidInput, Forbidden) as error:
        session.rollback()
        reasons = _reasons(error) if isinstance(error, InvalidInput) else [error.detail]
        return _form(request, signed_in, session, status_code=error.status,
                     bulk_errors=reasons)
    if len(notices) == 1:
        return RedirectResponse(f"/portal/notices/{notices[0].id}", status_code=303)
    return RedirectResponse(f"/portal/notices?filed={len(notices)}", status_code=303)


def show_notice(request: Request, signed_in: SignedIn, session: Session, settings: SettingsDep,
                 notice_id: str, *, status_code: int = 200, errors: list[str] | None = None,
                 template: str = "notices/notice.html") -> Response:
    view = notice_views.notice_view(session, principal=signed_in.person, settings=settings,
                                    notice_id=notice_id)
    reviewer = signed_in.person.role in (Role.reviewer, Role.platform_admin)
    return render(request, template, signed_in, status_code=status_code, view=view,
                  notice=view.read, reviewer=reviewer, errors=errors or [],
                  time_left=notice_views.time_left(view.read.due_at),
                  right=session.scalars(select(Right).where(Right.id == view.read.right_id))
                  .first())


@router.get("/portal/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(request: Request, notice_id: str, signed_in: NoticeReader, session: SessionDep,
                settings: SettingsDep) -> Response:
    """A notice: its deadline, one row per listing with status and history; decide buttons
    for a reviewer."""
    return show_notice(request, signed_in, session, settings, notice_id)


@router.get("/portal/notices/{notice_id}/live", response_class=HTMLResponse)
def notice_live(request: Request, notice_id: str, signed_in: NoticeReader, session: SessionDep,
                settings: SettingsDep) -> Response:
    """The part of a notice's page that changes (status, clock, listings), for polling."""
    return show_notice(request, signed_in, session, settings, notice_id,
                        template="notices/_live.html")



