"""API shapes of enforcement: statements of reasons, strikes, reviewer actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class StatementRead(BaseModel):
    """A statement of reasons as the seller (and staff) see it."""

    id: str
    created_at: datetime
    seller_id: str
    listing_id: str | None
    scope: str
    action: str
    status: str
    ground: str
    legal_ground: str | None
    tos_clause: str | None
    category: str
    keywords: list[str]
    automated_detection: bool
    automated_decision: str
    source: str
    notice_id: str | None
    affected_listings: list[str]
    before_first_sale: bool | None
    ends_at: datetime | None
    appeal_until: datetime
    reversed_at: datetime | None
    reversal_reason: str | None
    statement: dict[str, str] = Field(
        description="In plain words: restriction, ground, explanation, facts, automation, "
        "how_to_appeal"
    )
    evidence: dict[str, Any]


class StrikeRead(BaseModel):
    id: str
    statement_id: str
    reason: str
    created_at: datetime
    expires_at: datetime


class StandingRead(BaseModel):
    seller_id: str
    status: str
    strikes: list[StrikeRead]
    strikes_to_close: int
    window_days: int
    strikes_left: int


class RestrictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["block", "remove", "disable", "hold"]
    ground: Literal["illegal_content", "terms_of_service"]
    facts: str = Field(min_length=1, max_length=5000)
    right_id: str | None = None
    tos_clause: str | None = Field(default=None, max_length=500)
    explanation: str | None = Field(default=None, max_length=2000)
    add_strike: bool = False


class SuspensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: str = Field(min_length=1, max_length=5000)
    until: datetime | None = None
    tos_clause: str | None = Field(default=None, max_length=500)
    explanation: str | None = Field(default=None, max_length=2000)


class ClosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ground: Literal["illegal_content", "terms_of_service"] = "terms_of_service"
    facts: str = Field(min_length=1, max_length=5000)
    right_id: str | None = None
    tos_clause: str | None = Field(default=None, max_length=500)
    explanation: str | None = Field(default=None, max_length=2000)


class ReversalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
