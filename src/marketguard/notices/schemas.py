"""API shapes of notice and takedown (FORMATS §6, extended, never narrowed)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class NotifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, description="The notifier's name (required)")
    email: str | None = Field(default=None, description="The notifier's email (required)")


class NoticeCreate(BaseModel):
    """A notice (DSA Art. 16). Every element is required; each missing one is named."""

    model_config = ConfigDict(extra="forbid")

    right_id: str | None = Field(default=None, description="A registered right of your brand")
    listing_ids: list[Any] | None = Field(
        default=None, description="The exact listings: listing ids or listing URLs"
    )
    explanation: str | None = Field(default=None, description="Why the listings infringe")
    notifier: NotifierIn | None = None
    good_faith: Any = Field(
        default=None, description="true: the notice is accurate and complete, in good faith"
    )


class ItemRead(BaseModel):
    listing_id: str
    status: str
    submitted_as: str
    decided_at: datetime | None
    reason: str | None
    manifestly_unfounded: bool
    statement_id: str | None
    seller_notified_at: datetime | None
    appeal_until: datetime | None


class NoticeRead(BaseModel):
    id: str
    status: str
    brand_id: str
    right_id: str
    received_at: datetime
    clock_started_at: datetime | None
    due_at: datetime | None
    triaged_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    breached_at: datetime | None
    risk: int
    fast_lane: bool
    channel: str
    notifier: dict[str, str | None]
    masked: list[str] = Field(
        default_factory=list,
        description="Level-3/4 fields masked for this caller (no live grant or standing "
        "clearance), e.g. notifier.email",
    )
    explanation: str
    items: list[ItemRead]


class EventRead(BaseModel):
    at: datetime
    kind: str
    by: str = Field(description="The role that acted (system, reviewer, rights_holder, seller)")
    listing_id: str | None
    detail: dict[str, Any]


class NoticeDetail(NoticeRead):
    history: list[EventRead]


class BulkFiled(BaseModel):
    notices: list[NoticeRead]
    listings: int


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listing_id: str
    outcome: Literal["takedown", "reject"]
    reason: str = Field(min_length=1, max_length=2000)
    manifestly_unfounded: bool = Field(
        default=False, description="reject only: the notice is manifestly unfounded (DSA Art. 23)"
    )


class QueueEntry(BaseModel):
    id: str
    brand_id: str
    due_at: datetime
    risk: int
    pending: int
    escalated: bool
    overdue: bool
    fast_lane: bool
    slowed: bool
    received_at: datetime


class SweepRead(BaseModel):
    released: int
    escalated: int
    breached: int
    finalised: int
    suspensions_lifted: int


class NotifierRead(BaseModel):
    brand_id: str
    decided: int
    upheld: int
    rejected: int
    overturned: int
    upheld_share: float
    overturned_share: float
    manifestly_unfounded: int
    standing: str
    fast_lane: bool
    fast_lane_since: datetime | None
    suspended_until: datetime | None


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=2000)
    url: str | None = Field(default=None, max_length=2000)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class AppealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listing_id: str | None = Field(default=None, description="A restricted listing of yours")
    statement_id: str | None = Field(
        default=None, description="Or any statement of reasons of yours (e.g. a store closure)"
    )
    explanation: str = Field(min_length=1, max_length=5000)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=20)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: Literal["maintain", "withdraw"]
    explanation: str = Field(min_length=1, max_length=5000)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["reinstate", "uphold"]
    reason: str = Field(min_length=1, max_length=2000)


class AppealRead(BaseModel):
    id: str
    status: str
    statement_id: str
    listing_id: str | None
    seller_id: str
    notice_id: str | None
    explanation: str
    evidence: list[dict[str, Any]]
    filed_at: datetime
    answer_due_at: datetime | None
    answer_position: str | None
    answer_explanation: str | None
    answered_at: datetime | None
    decided_at: datetime | None
    decision_reason: str | None


class TestBuyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listing_id: str
    purchased_on: date
    result: str = Field(description="counterfeit | genuine | inconclusive")
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=50)
    notes: str | None = Field(default=None, max_length=5000)
    brand_id: str | None = Field(default=None, description="staff only: the brand concerned")


class TestBuyRead(BaseModel):
    __test__ = False

    id: str
    listing_id: str
    brand_id: str | None
    recorder: str
    purchased_on: date
    result: str
    evidence: list[dict[str, Any]]
    notes: str | None
    created_at: datetime
    confirmed_at: datetime | None
    statement_id: str | None


class ConfirmationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
    enforce: bool = Field(default=True, description="take the listing down with a strike")
    right_id: str | None = None


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000)


class WebhookRead(BaseModel):
    id: str
    url: str
    created_at: datetime
    revoked_at: datetime | None


class WebhookIssued(WebhookRead):
    secret: str = Field(description="Verifies Marketguard-Signature; shown only in this answer")


class DeliveryRead(BaseModel):
    id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
