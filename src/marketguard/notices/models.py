"""Notice-and-takedown tables.

Why: a rights holder's notice is a legal act (DSA Art. 16) whose every step must
be provable afterwards — when it arrived, when the clock ran out, who decided
each listing and why, what the seller answered. Events are appended, never
edited; the notifier's record of accuracy drives its fast lane or its sanctions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.db import Base, JSONType, UTCDateTime

NOTICE_STATUSES = (
    "awaiting_verification",  # the right relied on is not verified yet; no clock
    "triaged",  # in the review queue, clock running
    "decided",  # every listing decided (taken down or rejected)
    "closed",  # every listing final (rejected, upheld or reinstated)
    "refused",  # the right was rejected at verification
)
ITEM_STATUSES = ("pending", "taken_down", "rejected", "appealed", "reinstated", "upheld")
APPEAL_STATUSES = ("awaiting_rights_holder", "awaiting_decision", "granted", "rejected")


class Notice(Base):
    """One notice: a right, a reasoned explanation, a notifier, listings, a due time."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    brand_id: Mapped[str] = mapped_column(String(40), index=True)
    right_id: Mapped[str] = mapped_column(String(40), index=True)
    notifier_id: Mapped[str] = mapped_column(String(40), index=True)
    notifier_name: Mapped[str] = mapped_column(String(300))
    notifier_email: Mapped[str] = mapped_column(String(320))
    explanation: Mapped[str] = mapped_column(Text)
    good_faith: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(10))  # api | bulk
    filed_by: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(24), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    clock_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    risk: Mapped[int] = mapped_column(Integer, default=0)
    queue_key: Mapped[str | None] = mapped_column(String(100), index=True)
    fast_lane: Mapped[bool] = mapped_column(Boolean, default=False)
    slowed: Mapped[bool] = mapped_column(Boolean, default=False)


class NoticeItem(Base):
    """One listing of a notice and its own decision, statement and appeal."""

    __tablename__ = "notice_items"
    __table_args__ = (UniqueConstraint("notice_id", "listing_id", name="uq_notice_items_listing"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    notice_id: Mapped[str] = mapped_column(String(40), index=True)
    listing_id: Mapped[str] = mapped_column(String(100), index=True)
    seller_id: Mapped[str] = mapped_column(String(100), index=True)
    submitted_as: Mapped[str] = mapped_column(Text)  # the id or URL the notifier gave
    status: Mapped[str] = mapped_column(String(16), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(Text)
    manifestly_unfounded: Mapped[bool] = mapped_column(Boolean, default=False)
    statement_id: Mapped[str | None] = mapped_column(String(40))
    seller_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeEvent(Base):
    """An append-only step of a notice's life, shown to its rights holder as history."""

    __tablename__ = "notice_events"
    __table_args__ = (Index("ix_notice_events_notice_at", "notice_id", "at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    notice_id: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Notifier(Base):
    """A rights holder's record as a notifier: accuracy, fast lane, sanctions.

    Why counters and not a query: the fast-lane check runs on every notice and
    must be one row read; the counters are updated in the same transaction as
    the decisions they count, and an audit record names each change.
    """

    __tablename__ = "notifiers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    brand_id: Mapped[str] = mapped_column(String(40), unique=True)
    takedowns: Mapped[int] = mapped_column(Integer, default=0)
    rejections: Mapped[int] = mapped_column(Integer, default=0)
    overturned: Mapped[int] = mapped_column(Integer, default=0)
    unfounded: Mapped[int] = mapped_column(Integer, default=0)
    standing: Mapped[str] = mapped_column(String(12), default="normal")  # see goodfaith.py
    fast_lane: Mapped[bool] = mapped_column(Boolean, default=False)
    fast_lane_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Appeal(Base):
    """A seller's appeal (counter-notice) against a restriction, and its outcome."""

    __tablename__ = "appeals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(40), index=True)
    notice_item_id: Mapped[str | None] = mapped_column(String(40), index=True)
    notice_id: Mapped[str | None] = mapped_column(String(40))
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True)
    seller_id: Mapped[str] = mapped_column(String(100), index=True)
    listing_id: Mapped[str | None] = mapped_column(String(100))
    explanation: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(24), index=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_position: Mapped[str | None] = mapped_column(String(12))  # maintain | withdraw
    answer_explanation: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    decided_by: Mapped[str | None] = mapped_column(String(300))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class TestBuy(Base):
    """A test purchase of a listing and what the goods turned out to be."""

    __tablename__ = "test_buys"
    __test__ = False  # not a pytest class

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    listing_id: Mapped[str] = mapped_column(String(100), index=True)
    seller_id: Mapped[str] = mapped_column(String(100), index=True)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True)
    recorded_by: Mapped[str] = mapped_column(String(300))
    recorder: Mapped[str] = mapped_column(String(16))  # rights_holder | platform
    purchased_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(16))  # counterfeit | genuine | inconclusive
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(300))
    statement_id: Mapped[str | None] = mapped_column(String(40))


class Webhook(Base):
    """A rights holder's endpoint for notice status events.

    Why no secret column: the signing secret is derived from the platform key and
    ``salt`` on demand, so a database leak does not let anyone forge deliveries.
    """

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    brand_id: Mapped[str] = mapped_column(String(40), index=True)
    url: Mapped[str] = mapped_column(Text)
    salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One event for one webhook: the outbox row a deliverer sends and retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(40), index=True)
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(60))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12))  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
