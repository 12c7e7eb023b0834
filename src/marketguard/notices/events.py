"""Record a step of a notice's life: history row, audit record, webhook event.

Why one function: the issue asks for every step to be timestamped, audited and
trackable by the rights holder; doing all three here means no step can do only
one of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.ids import new_id
from marketguard.notices import webhooks
from marketguard.notices.models import Notice, NoticeEvent, NoticeItem
from marketguard.timeutil import format_rfc3339


def _iso(moment: datetime | None) -> str | None:
    return format_rfc3339(moment) if moment else None


def record(
    session: Session,
    *,
    notice: Notice,
    kind: str,
    actor: str,
    now: datetime,
    item: NoticeItem | None = None,
    detail: dict[str, Any] | None = None,
    reason: str | None = None,
) -> NoticeEvent:
    """Append one event to a notice, audit it and queue it for the rights holder's webhooks."""
    info = dict(detail or {})
    event = NoticeEvent(
        id=new_id("nev"),
        notice_id=notice.id,
        item_id=item.id if item else None,
        at=now,
        actor=actor,
        kind=kind,
        detail={**info, **({"listing_id": item.listing_id} if item else {})},
    )
    session.add(event)
    audit.record(
        session,
        actor=actor,
        action=f"notice.{kind}",
        object_type="notice",
        object_id=notice.id,
        reason=reason,
        after={
            "status": notice.status,
            "listing_id": item.listing_id if item else None,
            "item_status": item.status if item else None,
        },
    )
    data: dict[str, Any] = {
        "notice_id": notice.id,
        "status": notice.status,
        "due_at": _iso(notice.due_at),
        "detail": info,
    }
    if item is not None:
        data["item"] = {
            "listing_id": item.listing_id,
            "status": item.status,
            "reason": item.reason,
            "statement_id": item.statement_id,
        }
    webhooks.enqueue(
        session, brand_id=notice.brand_id, event_type=f"notice.{kind}", data=data, now=now
    )
    return event
