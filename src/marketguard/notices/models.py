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

from marketguard.dataguard.classification import (
    TRUST_AND_SAFETY,
    Category,
    Level,
    classified,
    owned_by,
)
from marketguard.db import Base, JSONType, UTCDateTime

# How each column is classified (docs/data-protection.md).
_WORKFLOW = classified(Level.internal, Category.business, "run notice and takedown")
_NOTIFIER = classified(Level.confidential, Category.personal, "contact who filed a notice")
_STAFF = classified(Level.internal, Category.personal, "name who acted, for appeals and audits")
_DELIVERY = classified(Level.internal, Category.corporate, "deliver webhook events")
_SALT = classified(Level.confidential, Category.corporate, "derive a webhook signing key")

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
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_WORKFLOW)
    brand_id: Mapped[str] = mapped_column(String(40), index=True, info=_WORKFLOW)
    right_id: Mapped[str] = mapped_column(String(40), index=True, info=_WORKFLOW)
    notifier_id: Mapped[str] = mapped_column(String(40), index=True, info=_WORKFLOW)
    notifier_name: Mapped[str] = mapped_column(String(300), info=_NOTIFIER)
    notifier_email: Mapped[str] = mapped_column(String(320), info=_NOTIFIER)
    explanation: Mapped[str] = mapped_column(Text, info=_WORKFLOW)
    good_faith: Mapped[bool] = mapped_column(Boolean, info=_WORKFLOW)
    channel: Mapped[str] = mapped_column(String(10), info=_WORKFLOW)  # api | bulk
    filed_by: Mapped[str] = mapped_column(String(300), info=_STAFF)
    status: Mapped[str] = mapped_column(String(24), index=True, info=_WORKFLOW)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, info=_WORKFLOW)
    clock_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, info=_WORKFLOW)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    risk: Mapped[int] = mapped_column(Integer, default=0, info=_WORKFLOW)
    queue_key: Mapped[str | None] = mapped_column(String(100), index=True, info=_WORKFLOW)
    fast_lane: Mapped[bool] = mapped_column(Boolean, default=False, info=_WORKFLOW)
    slowed: Mapped[bool] = mapped_column(Boolean, default=False, info=_WORKFLOW)


class NoticeItem(Base):
    """One listing of a notice and its own decision, statement and appeal."""

    __tablename__ = "notice_items"
    __table_args__ = (
        UniqueConstraint("notice_id", "listing_id", name="uq_notice_items_listing"),
        {"info": owned_by(TRUST_AND_SAFETY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_WORKFLOW)
    notice_id: Mapped[str] = mapped_column(String(40), index=True, info=_WORKFLOW)
    listing_id: Mapped[str] = mapped_column(String(100), index=True, info=_WORKFLOW)
    seller_id: Mapped[str] = mapped_column(String(100), index=True, info=_WORKFLOW)
    submitted_as: Mapped[str] = mapped_column(
        Text, info=_WORKFLOW
    )  # the id or URL the notifier gave
    status: Mapped[str] = mapped_column(String(16), index=True, info=_WORKFLOW)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    decided_by: Mapped[str | None] = mapped_column(String(300), info=_STAFF)
    reason: Mapped[str | None] = mapped_column(Text, info=_WORKFLOW)
    manifestly_unfounded: Mapped[bool] = mapped_column(Boolean, default=False, info=_WORKFLOW)
    statement_id: Mapped[str | None] = mapped_column(String(40), info=_WORKFLOW)
    seller_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    appeal_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, info=_WORKFLOW)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)


class NoticeEvent(Base):
    """An append-only step of a notice's life, shown to its rights holder as history."""

    __tablename__ = "notice_events"
    __table_args__ = (
        Index("ix_notice_events_notice_at", "notice_id", "at"),
        {"info": owned_by(TRUST_AND_SAFETY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_WORKFLOW)
    notice_id: Mapped[str] = mapped_column(String(40), info=_WORKFLOW)
    item_id: Mapped[str | None] = mapped_column(String(40), info=_WORKFLOW)
    at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WORKFLOW)
    actor: Mapped[str] = mapped_column(String(300), info=_STAFF)
    kind: Mapped[str] = mapped_column(String(40), info=_WORKFLOW)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_WORKFLOW)


class Notifier(Base):
    """A rights holder's record as a notifier: accuracy, fast lane, sanctions.

    Why counters and not a query: the fast-lane check runs on every notice and
    must be one row read; the counters are updated in the same transaction as
    the decisions they count, and an audit record names each change.
    """

    __tablename__ = "notifiers"
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_WORKFLOW)
    brand_id: Mapped[str] = mapped_column(String(40), unique=True, info=_WORKFLOW)
    takedowns: Mapped[int] = mapped_column(Integer, default=0, info=_WORKFLOW)
    rejections: Mapped[int] = mapped_column(Integer, default=0, info=_WORKFLOW)
    overturned: Mapped[int] = mapped_column(Integer, default=0, info=_WORKFLOW)
    unfounded: Mapped[int] = mapped_column(Integer, default=0, info=_WORKFLOW)
    standing: Mapped[str] = mapped_column(
        String(12), default="normal", info=_WORKFLOW
    )  # see goodfaith.py
    fast_lane: Mapped[bool] = mapped_column(Boolean, default=False, info=_WORKFLOW)
    fast_lane_since: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WORKFLOW)


class Appeal(Base):
    """A seller's appeal (counter-notice) against a restriction, and its outcome."""

    __tablename__ = "appeals"
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_WORKFLOW)
    statement_id: Mapped[str] = mapped_column(String(40), index=True, info=_WORKFLOW)
    notice_item_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_WORKFLOW)
    notice_id: Mapped[str | None] = mapped_column(String(40), info=_WORKFLOW)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_WORKFLOW)
    seller_id: Mapped[str] = mapped_column(String(100), index=True, info=_WORKFLOW)
    listing_id: Mapped[str | None] = mapped_column(String(100), info=_WORKFLOW)
    explanation: Mapped[str] = mapped_column(Text, info=_WORKFLOW)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, info=_WORKFLOW)
    status: Mapped[str] = mapped_column(String(24), index=True, info=_WORKFLOW)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, info=_WORKFLOW)
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    answer_position: Mapped[str | None] = mapped_column(
        String(12), info=_WORKFLOW
    )  # maintain | withdraw
    answer_explanation: Mapped[str | None] = mapped_column(Text, info=_WORKFLOW)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, info=_WORKFLOW)
    decided_by: Mapped[str | None] = mapped_column(String(300), info=_STAFF)
    decision_reason: Mapped[str | None] = mapped_column(Text, info=_WORKFLOW)


class TestBuy(Base):
    """A test purchase of a listing and what the goods turned out to be."""

    __tablename__ = "test_buys"
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}
    __test__ = False  # not a pytest class

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_WORKFLOW)
    listing_id: Mapped[str] = mapped_column(String(100), index=True, info=_WORKFLOW)
    seller_id: Mapped[str] = mapped_column(String(100), index=True, info=_WORKFLOW)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_WORKFLOW)
    recorded_by: Mapped[str] = mapped_column(String(300), info=_STAFF)
    recorder: Mapped[str] = mapped_column(String(16), info=_WORKFLOW)  # rights_holder | platform
    purchased_on: Mapped[date] = mapped_column(Date, info=_WORKFLOW)
    result: Mapped[str] = mapped_column(
        String(16), info=_WORKFLOW
    )  # counterfeit | genuine | inconclusive
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, info=_WORKFLOW)
    notes: Mapped[str | None] = mapped_column(Text, info=_WORKFLOW)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WORKFLOW)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)
    confirmed_by: Mapped[str | None] = mapped_column(String(300), info=_STAFF)
    statement_id: Mapped[str | None] = mapped_column(String(40), info=_WORKFLOW)


class Webhook(Base):
    """A rights holder's endpoint for notice status events.

    Why no secret column: the signing secret is derived from the platform key and
    ``salt`` on demand, so a database leak does not let anyone forge deliveries.
    """

    __tablename__ = "webhooks"
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_WORKFLOW)
    brand_id: Mapped[str] = mapped_column(String(40), index=True, info=_WORKFLOW)
    url: Mapped[str] = mapped_column(Text, info=_WORKFLOW)
    salt: Mapped[str] = mapped_column(String(64), info=_SALT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WORKFLOW)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WORKFLOW)


class WebhookDelivery(Base):
    """One event for one webhook: the outbox row a deliverer sends and retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        {"info": owned_by(TRUST_AND_SAFETY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_DELIVERY)
    webhook_id: Mapped[str] = mapped_column(String(40), index=True, info=_DELIVERY)
    event_id: Mapped[str] = mapped_column(String(40), info=_DELIVERY)
    event_type: Mapped[str] = mapped_column(String(60), info=_DELIVERY)
    body: Mapped[bytes] = mapped_column(LargeBinary, info=_DELIVERY)
    status: Mapped[str] = mapped_column(String(12), info=_DELIVERY)  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0, info=_DELIVERY)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_DELIVERY)
    last_status_code: Mapped[int | None] = mapped_column(Integer, info=_DELIVERY)
    last_error: Mapped[str | None] = mapped_column(Text, info=_DELIVERY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_DELIVERY)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_DELIVERY)
