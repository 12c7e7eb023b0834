"""The 24-hour clock: release verified notices, escalate, record breaches, close windows.

Why a sweep: time passes without requests. ``sweep`` is run by
``marketguard notices sweep`` (cron) or ``POST /review/sweep``; it is idempotent,
and a breach, once recorded, is never cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM
from marketguard.enforcement import service as enforcement
from marketguard.notices import events
from marketguard.notices.models import Notice, NoticeItem
from marketguard.notices.service import release, settle
from marketguard.notices.settings import DEFAULT_NOTICE_SETTINGS, NoticeSettings
from marketguard.timeutil import format_rfc3339, utcnow


@dataclass
class SweepReport:
    """What one sweep changed."""

    released: int = 0
    escalated: int = 0
    breached: int = 0
    finalised: int = 0
    suspensions_lifted: int = 0


def sweep(
    session: Session, *, now: datetime | None = None,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
) -> SweepReport:
    """Advance every clock to ``now``; safe to run as often as wanted."""
    moment = now or utcnow()
    report = SweepReport()
    waiting = session.scalars(select(Notice).where(Notice.status == "awaiting_verification"))
    for notice in list(waiting):
        report.released += int(release(session, notice=notice, now=moment, settings=settings))
    soon = session.scalars(
        select(Notice).where(Notice.status == "triaged", Notice.escalated_at.is_(None))
        .where(Notice.due_at <= moment + settings.escalate_before)
    )
    for notice in list(soon):
        notice.escalated_at = moment
        assert notice.due_at is not None
        events.record(session, notice=notice, kind="escalated", actor=SYSTEM.actor, now=moment,
                      detail={"due_at": format_rfc3339(notice.due_at)},
                      reason="due within the escalation window and not yet decided")
        report.escalated += 1
    late = session.scalars(
        select(Notice).where(Notice.status == "triaged", Notice.breached_at.is_(None))
        .where(Notice.due_at < moment)
    )
    for notice in list(late):
        notice.breached_at = notice.due_at
        assert notice.due_at is not None
        events.record(session, notice=notice, kind="breached", actor=SYSTEM.actor, now=moment,
                      detail={"due_at": format_rfc3339(notice.due_at)},
                      reason="not decided by its due time")
        report.breached += 1
    report.finalised = _close_appeal_windows(session, now=moment)
    report.suspensions_lifted = enforcement.expire_suspensions(session, now=moment)
    return report


def _close_appeal_windows(session: Session, *, now: datetime) -> int:
    """Make takedowns final (upheld) once their appeal window passed unused."""
    count = 0
    taken = session.scalars(
        select(NoticeItem).where(NoticeItem.status == "taken_down", NoticeItem.appeal_until <= now)
    )
    for item in list(taken):
        item.status, item.final_at = "upheld", now
        notice = session.get(Notice, item.notice_id)
        assert notice is not None
        events.record(session, notice=notice, kind="upheld", actor=SYSTEM.actor, now=now,
                      item=item, reason="the appeal window closed without an appeal")
        settle(session, notice=notice, now=now)
        count += 1
    return count


def at_risk_by_brand(
    session: Session, *, within: timedelta, now: datetime | None = None, at_least: int = 1
) -> list[tuple[str, int, int]]:
    """Brands with undecided notices due within ``within`` (or overdue).

    Returns ``(brand_id, notices, listings)`` for brands with ``at_least`` such
    notices, most notices first; listings counts the notices' listings.
    """
    moment = now or utcnow()
    stmt = (
        select(Notice.brand_id, func.count(func.distinct(Notice.id)), func.count(NoticeItem.id))
        .join(NoticeItem, NoticeItem.notice_id == Notice.id)
        .where(Notice.status == "triaged", Notice.due_at <= moment + within)
        .group_by(Notice.brand_id)
    )
    rows = [(str(b), int(n), int(items)) for b, n, items in session.execute(stmt)]
    return sorted((r for r in rows if r[1] >= at_least), key=lambda r: (-r[1], r[0]))


def queue_query() -> Any:
    """The review queue: notices with a running clock, soonest due and riskiest first."""
    return select(Notice).where(Notice.status == "triaged", Notice.queue_key.is_not(None))


@dataclass(frozen=True)
class NoticeFigures:
    """Notice figures for one period, as the transparency report shows them."""

    received: int
    listings: int
    decided: int
    within_sla: int
    measured: int
    breached: int
    average_hours: float | None
    fast_lane: int
    takedown_items: int
    rejected_items: int


def figures(
    session: Session, *, start: datetime, end: datetime,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
) -> NoticeFigures:
    """Count notices received in [start, end) and how fast they were processed.

    A notice counts towards the 24-hour share once it is decided, or once its due
    time has passed undecided by ``end`` (then it was not within the clock).
    """
    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    decided = Notice.decided_at.is_not(None)
    in_period = (Notice.received_at >= start, Notice.received_at < end)
    took = _seconds(session, Notice.clock_started_at, Notice.decided_at)
    row = session.execute(
        select(
            func.count(),
            count(decided),
            count(and_(decided, took <= settings.sla.total_seconds())),
            count(and_(Notice.decided_at.is_(None), Notice.due_at < end)),
            count(Notice.breached_at.is_not(None)),
            count(Notice.fast_lane.is_(True)),
            func.sum(case((decided, took), else_=0)),
        ).where(*in_period)
    ).one()
    received, done, within, overdue, breached, fast = (int(v or 0) for v in row[:6])
    seconds = float(row[6] or 0)
    items = session.execute(
        select(
            func.count(),
            count(and_(NoticeItem.decided_at.is_not(None), NoticeItem.statement_id.is_not(None))),
            count(and_(NoticeItem.decided_at.is_not(None), NoticeItem.statement_id.is_(None))),
        )
        .select_from(NoticeItem)
        .join(Notice, Notice.id == NoticeItem.notice_id)
        .where(*in_period)
    ).one()
    listings, taken, rejected = (int(v or 0) for v in items)
    return NoticeFigures(
        received=received,
        listings=listings,
        decided=done,
        within_sla=within,
        measured=done + overdue,
        breached=breached,
        average_hours=(seconds / done / 3600) if done else None,
        fast_lane=fast,
        takedown_items=taken,
        rejected_items=rejected,
    )


def _seconds(session: Session, start: Any, end: Any) -> Any:
    """Seconds between two timestamp columns, in the database's own arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0
