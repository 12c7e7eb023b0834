"""How notices read on a page: clocks in words, listings with their history, outcome counts.

Why a module of its own: the rights holder's pages and the reviewer's queue
show the same clock and the same per-listing history, and a person must read
a status in words, never from a colour alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketguard.auth.roles import Principal
from marketguard.config import Settings
from marketguard.notices import service
from marketguard.notices.api import notice_reads
from marketguard.notices.models import Notice, NoticeItem, Notifier
from marketguard.notices.schemas import NoticeRead
from marketguard.timeutil import utcnow

OPEN_STATUSES = ("awaiting_verification", "triaged")
ITEM_WORDS = {
    "pending": "Pending decision",
    "taken_down": "Taken down",
    "rejected": "Rejected",
    "appealed": "Appealed by the seller",
    "reinstated": "Reinstated on appeal",
    "upheld": "Takedown upheld",
}
NOTICE_WORDS = {
    "awaiting_verification": "Awaiting verification of the right (no clock yet)",
    "triaged": "In review, clock running",
    "decided": "Every listing decided",
    "closed": "Closed",
    "refused": "Refused: the right was rejected at verification",
}
EVENT_WORDS = {
    "received": "received",
    "awaiting_verification": "waiting for the right's verification",
    "triaged": "clock started",
    "item_decided": "decided",
    "seller_notified": "seller notified",
    "appeal_filed": "seller appealed",
    "rights_holder_answered": "rights holder answered the appeal",
    "appeal_decided": "appeal decided",
    "final": "final",
    "escalated": "escalated",
    "breached": "decided after its due time",
    "decided": "all listings decided",
    "closed": "closed",
    "refused": "refused",
}


def time_left(due_at: datetime | None, now: datetime | None = None) -> str:
    """Say how long a clock has left ("5 h 12 min left", "overdue by 2 h 3 min")."""
    if due_at is None:
        return "no clock"
    delta = due_at - (now or utcnow())
    words = _span(abs(delta))
    return f"{words} left" if delta >= timedelta(0) else f"overdue by {words}"


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


@dataclass
class ListingRow:
    """One listing of a notice as its page shows it: status in words and its history."""

    listing_id: str
    submitted_as: str
    status: str
    status_words: str
    decided_at: datetime | None
    reason: str | None
    appeal_until: datetime | None
    history: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return self.status == "pending"


@dataclass
class NoticeView:
    """A notice shaped for its page (masked like the API) with its listings and history."""

    read: NoticeRead
    rows: list[ListingRow]
    history: list[tuple[datetime, str]]

    @property
    def status_words(self) -> str:
        return NOTICE_WORDS.get(self.read.status, self.read.status)

    @property
    def version(self) -> str:
        """A digest of everything the live part of the page shows, for polling."""
        parts = [self.read.status, str(self.read.due_at)] + [
            f"{r.listing_id}:{r.status}:{len(r.history)}" for r in self.rows
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _event_words(kind: str, detail: dict[str, Any]) -> str:
    words = EVENT_WORDS.get(kind, kind.replace("_", " "))
    outcome = detail.get("outcome")
    if kind == "item_decided" and outcome:
        words = "taken down" if outcome == "takedown" else "rejected"
    return words


def notice_view(session: Session, *, principal: Principal, settings: Settings,
                notice_id: str) -> NoticeView:
    """Load a notice the principal may read (another brand's is absent, as in the API)."""
    notice = service.get_notice(session, principal=principal, notice_id=notice_id)
    [read] = notice_reads(session, [notice], principal=principal, settings=settings)
    rows = {
        i.listing_id: ListingRow(
            listing_id=i.listing_id, submitted_as=i.submitted_as, status=i.status,
            status_words=ITEM_WORDS.get(i.status, i.status), decided_at=i.decided_at,
            reason=i.reason, appeal_until=i.appeal_until,
        )
        for i in read.items
    }
    history: list[tuple[datetime, str]] = []
    for event in service.history(session, notice.id):
        words = _event_words(event.kind, event.detail)
        listing_id = event.detail.get("listing_id")
        if listing_id in rows:
            rows[listing_id].history.append((event.at, words))
        else:
            history.append((event.at, words))
    return NoticeView(read=read, rows=list(rows.values()), history=history)


def item_counts(session: Session, notice_ids: list[str]) -> dict[str, dict[str, int]]:
    """Count each notice's listings by status, in one query."""
    out: dict[str, dict[str, int]] = {i: {} for i in notice_ids}
    if notice_ids:
        stmt = (select(NoticeItem.notice_id, NoticeItem.status, func.count())
                .where(NoticeItem.notice_id.in_(notice_ids))
                .group_by(NoticeItem.notice_id, NoticeItem.status))
        for notice_id, status, count in session.execute(stmt):
            out[notice_id][status] = int(count)
    return out


def notifier_of(session: Session, *, brand_id: str) -> Notifier | None:
    """The brand's good-faith record, or None before its first notice (read, never created)."""
    return session.scalars(select(Notifier).where(Notifier.brand_id == brand_id)).first()


def recent_outcomes(session: Session, *, principal: Principal, limit: int = 10) -> list[Notice]:
    """The brand's most recently decided notices, newest first."""
    stmt = (service.notices_query(principal, status=None)
            .where(Notice.status.in_(("decided", "closed", "refused")),
                   Notice.decided_at.is_not(None))
            .order_by(Notice.decided_at.desc()).limit(limit))
    return list(session.scalars(stmt))


def awaiting(
    session: Session, *, principal: Principal, limit: int = 20
) -> tuple[list[Notice], int]:
    """The brand's notices waiting for their right's verification (first ``limit``, total)."""
    stmt = service.notices_query(principal, status="awaiting_verification")
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Notice.received_at).limit(limit)))
    return rows, int(total)
