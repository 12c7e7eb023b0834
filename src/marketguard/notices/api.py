"""Notice routes: file (single and bulk), track, decide, the review queue, notifiers."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Body, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from marketguard.api.deps import LoggedReadSessionDep, SessionDep, SettingsDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.auth.roles import Principal, Role
from marketguard.config import Settings
from marketguard.dataguard.service import shield
from marketguard.errors import NotFound
from marketguard.incidents.detectors import notice_backlog
from marketguard.notices import clock, goodfaith, intake, service
from marketguard.notices.api_appeals import router as appeals_router
from marketguard.notices.auth import NoticesDecide, NoticesFile, NoticesRead, NoticesReadLogged
from marketguard.notices.models import Notice, NoticeItem, Notifier
from marketguard.notices.schemas import (
    BulkFiled,
    DecisionIn,
    EventRead,
    ItemRead,
    NoticeCreate,
    NoticeDetail,
    NoticeRead,
    NotifierRead,
    QueueEntry,
    SweepRead,
)
from marketguard.notices.settings import NoticeSettings, get_notice_settings
from marketguard.notices.testbuy_routes import router as testbuy_router
from marketguard.notices.webhook_routes import router as webhook_router
from marketguard.timeutil import utcnow

router = APIRouter(tags=["notices"])
router.include_router(appeals_router)
router.include_router(testbuy_router)
router.include_router(webhook_router)
PolicyDep = Annotated[NoticeSettings, Depends(get_notice_settings)]
BULK_TYPES = ["text/csv", "application/x-ndjson"]


def _items(session: Session, notice_ids: list[str]) -> dict[str, list[NoticeItem]]:
    out: dict[str, list[NoticeItem]] = {i: [] for i in notice_ids}
    if notice_ids:
        stmt = select(NoticeItem).where(NoticeItem.notice_id.in_(notice_ids))
        for item in session.scalars(stmt.order_by(NoticeItem.id)):
            out[item.notice_id].append(item)
    return out


def notice_reads(
    session: Session, notices: list[Notice], *, principal: Principal, settings: Settings
) -> list[NoticeRead]:
    """Shape notices for a caller: the notifier's contact masked unless cleared or granted."""
    items = _items(session, [n.id for n in notices])
    shown = shield(session, principal=principal, settings=settings, dataset="notices", records=[
        {"notifier": {"name": n.notifier_name, "email": n.notifier_email}} for n in notices
    ])
    return [
        NoticeRead(
            id=n.id, status=n.status, brand_id=n.brand_id, right_id=n.right_id,
            received_at=n.received_at, clock_started_at=n.clock_started_at, due_at=n.due_at,
            triaged_at=n.triaged_at, decided_at=n.decided_at, closed_at=n.closed_at,
            escalated_at=n.escalated_at, breached_at=n.breached_at, risk=n.risk,
            fast_lane=n.fast_lane, channel=n.channel,
            notifier=record["notifier"], masked=record["masked"],
            explanation=n.explanation,
            items=[ItemRead.model_validate(i, from_attributes=True) for i in items[n.id]],
        )
        for n, record in zip(notices, shown, strict=True)
    ]


def _by(actor: str) -> str:
    return "system" if "(token system)" in actor else actor.split(":", 1)[0]


def _detail(
    session: Session, notice: Notice, *, principal: Principal, settings: Settings
) -> NoticeDetail:
    [read] = notice_reads(session, [notice], principal=principal, settings=settings)
    history = [
        EventRead(at=e.at, kind=e.kind, by=_by(e.actor), listing_id=e.detail.get("listing_id"),
                  detail={k: v for k, v in e.detail.items() if k != "listing_id"})
        for e in service.history(session, notice.id)
    ]
    return NoticeDetail(**read.model_dump(), history=history)


@router.post("/notices", response_model=NoticeRead, status_code=201)
def file_notice(body: NoticeCreate, principal: NoticesFile, session: SessionDep,
                policy: PolicyDep, settings: SettingsDep) -> NoticeRead:
    """File a notice; an incomplete one is refused with a reason per missing element."""
    notifier = body.notifier or None
    submission = intake.Submission(
        right_id=body.right_id,
        listings=list(body.listing_ids or []),
        explanation=body.explanation,
        notifier_name=notifier.name if notifier else None,
        notifier_email=notifier.email if notifier else None,
        good_faith=body.good_faith,
    )
    notice = service.file_notice(session, actor=principal, submission=submission,
                                 settings=policy)
    return notice_reads(session, [notice], principal=principal, settings=settings)[0]


@router.post(
    "/notices:bulk", response_model=BulkFiled, status_code=201,
    openapi_extra={"requestBody": {"content": {t: {"schema": {"type": "string"}}
                                               for t in BULK_TYPES}}},
)
def file_bulk(request: Request, body: Annotated[bytes, Body(media_type="text/csv")],
              principal: NoticesFile, session: SessionDep, policy: PolicyDep,
              settings: SettingsDep) -> BulkFiled:
    """File many notices from CSV or JSON Lines (one listing a row); any bad row files none."""
    notices = service.file_bulk(session, actor=principal, body=body, settings=policy,
                                content_type=request.headers.get("content-type", ""))
    reads = notice_reads(session, notices, principal=principal, settings=settings)
    return BulkFiled(notices=reads, listings=sum(len(r.items) for r in reads))


@router.get("/notices/{notice_id}", response_model=NoticeDetail)
def get_notice(notice_id: str, principal: NoticesReadLogged, session: LoggedReadSessionDep,
               settings: SettingsDep) -> NoticeDetail:
    """Return a notice with each listing's status and its full history."""
    notice = service.get_notice(session, principal=principal, notice_id=notice_id)
    return _detail(session, notice, principal=principal, settings=settings)


@router.get("/notices", response_model=Page[NoticeRead])
def list_notices(principal: NoticesReadLogged, session: LoggedReadSessionDep, settings: SettingsDep,
                 status: str | None = None, cursor: str | None = None,
                 limit: int = DEFAULT_LIMIT) -> Page[NoticeRead]:
    """Page through notices (a rights holder sees only its own brand's)."""
    stmt = service.notices_query(principal, status=status)
    rows, next_cursor = paginate(session, stmt, Notice.id, cursor=cursor, limit=limit)
    reads = notice_reads(session, rows, principal=principal, settings=settings)
    return Page[NoticeRead](items=reads, next=next_cursor)


@router.post("/notices/{notice_id}/decision", response_model=NoticeRead)
def decide(notice_id: str, body: DecisionIn, principal: NoticesDecide,
           session: SessionDep, policy: PolicyDep, settings: SettingsDep) -> NoticeRead:
    """Decide one listing of a notice: take it down (with a statement) or reject it."""
    service.decide(session, actor=principal, notice_id=notice_id, listing_id=body.listing_id,
                   outcome=body.outcome, reason=body.reason,
                   manifestly_unfounded=body.manifestly_unfounded, settings=policy)
    notice = service.get_notice(session, principal=principal, notice_id=notice_id)
    return notice_reads(session, [notice], principal=principal, settings=settings)[0]


@router.get("/review/notices", response_model=Page[QueueEntry])
def review_queue(principal: NoticesDecide, session: SessionDep, policy: PolicyDep,
                 cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[QueueEntry]:
    """The review queue: notices with a running clock, soonest due and riskiest first."""
    key = cast(InstrumentedAttribute[str], Notice.queue_key)  # never null in the queue
    rows, next_cursor = paginate(session, clock.queue_query(), key, cursor=cursor, limit=limit)
    now = utcnow()
    items = _items(session, [n.id for n in rows])
    entries = []
    for n in rows:
        assert n.due_at is not None
        entries.append(QueueEntry(
            id=n.id, brand_id=n.brand_id, due_at=n.due_at, risk=n.risk,
            pending=sum(1 for i in items[n.id] if i.status == "pending"),
            escalated=n.escalated_at is not None or n.due_at - now <= policy.escalate_before,
            overdue=n.due_at < now, fast_lane=n.fast_lane, slowed=n.slowed,
            received_at=n.received_at,
        ))
    return Page[QueueEntry](items=entries, next=next_cursor)


@router.post("/review/sweep", response_model=SweepRead)
def sweep(principal: NoticesDecide, session: SessionDep, settings: SettingsDep,
          policy: PolicyDep) -> SweepRead:
    """Advance the clocks now: release verified notices, escalate, record breaches.

    Brands with several notices about to miss their clock get a ``notice_backlog``
    incident.
    """
    report = clock.sweep(session, settings=policy)
    notice_backlog(session, settings, within=policy.escalate_before)
    return SweepRead(**vars(report))


def _notifier_read(notifier: Notifier) -> NotifierRead:
    record = goodfaith.accuracy(notifier)
    return NotifierRead(
        brand_id=notifier.brand_id, decided=record.decided, upheld=record.upheld,
        rejected=record.rejected, overturned=record.overturned,
        upheld_share=round(record.upheld_share, 4),
        overturned_share=round(record.overturned_share, 4),
        manifestly_unfounded=notifier.unfounded, standing=notifier.standing,
        fast_lane=notifier.fast_lane, fast_lane_since=notifier.fast_lane_since,
        suspended_until=notifier.suspended_until,
    )


@router.get("/notifiers", response_model=Page[NotifierRead])
def list_notifiers(principal: NoticesRead, session: SessionDep, cursor: str | None = None,
                   limit: int = DEFAULT_LIMIT) -> Page[NotifierRead]:
    """Notifier accuracy and standing (a rights holder sees only its own record)."""
    stmt = select(Notifier)
    if principal.role is Role.rights_holder:
        stmt = stmt.where(Notifier.brand_id == principal.brand_id)
    rows, next_cursor = paginate(session, stmt, Notifier.brand_id, cursor=cursor, limit=limit)
    return Page[NotifierRead](items=[_notifier_read(n) for n in rows], next=next_cursor)


@router.get("/notifiers/{brand_id}", response_model=NotifierRead)
def get_notifier(brand_id: str, principal: NoticesRead, session: SessionDep) -> NotifierRead:
    """One brand's notifier record (a rights holder: only its own)."""
    if principal.role is Role.rights_holder and principal.brand_id != brand_id:
        raise NotFound(f"no notifier record for brand {brand_id!r} visible to this token")
    found = session.scalars(select(Notifier).where(Notifier.brand_id == brand_id)).first()
    if found is None:
        raise NotFound(f"brand {brand_id!r} has not filed any notice yet")
    return _notifier_read(found)
