"""API shapes of the pre-publication gate and the review queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ReasonRead(BaseModel):
    signal: str
    detail: str
    weight: float


class CheckRead(BaseModel):
    """The gate's answer: FORMATS §3 fields plus where the listing now stands."""

    listing_id: str
    action: Literal["allow", "review", "block"]
    score: float
    brand: str | None
    reasons: list[ReasonRead]
    status: str = Field(description="live, held or blocked after this decision")
    decision_id: str
    full_scan: Literal["pending", "not_needed"] = Field(
        description="whether the slower pass (text in photos) will still look at it"
    )
    versions: dict[str, Any]


class DecisionRead(BaseModel):
    id: str
    listing_id: str
    stage: str
    action: str
    score: float
    brand_id: str | None
    reasons: list[dict[str, Any]]
    versions: dict[str, Any]
    after_first_sale: bool | None
    created_at: datetime


class ReviewCaseRead(BaseModel):
    id: str
    listing_id: str
    brand_id: str | None
    score: float
    status: str
    opened_at: datetime
    decided_at: datetime | None
    reason: str | None
    reasons: list[dict[str, Any]] = Field(default_factory=list)


class ReviewDecisionIn(BaseModel):
    outcome: Literal["confirm", "overturn"]
    reason: str = Field(min_length=1, max_length=4000)
