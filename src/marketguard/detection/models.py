"""Detection tables: decisions with their evidence, the review queue, learned labels.

Why: every automated decision must explain itself later — to the seller who
appeals, the reviewer who checks it and the auditor who replays it — so the
signals, scores and versions that produced it are stored with it. Reviewer and
notice outcomes become labels, so every confirmed counterfeit makes the next
scan better.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.db import Base, JSONType, UTCDateTime

STAGES = ("gate", "full")
REVIEW_STATES = ("open", "confirmed", "overturned")


class ScanDecision(Base):
    """One decision about one listing at one stage (the fast gate, or the full scan)."""

    __tablename__ = "scan_decisions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.listing_id"), index=True)
    stage: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(10), index=True)
    score: Mapped[float] = mapped_column(Float)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    versions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    applied: Mapped[bool] = mapped_column(Boolean, default=False)
    after_first_sale: Mapped[bool | None] = mapped_column(Boolean)
    pending_full_scan: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ReviewCase(Base):
    """A listing held for a person; the outcome teaches the detector."""

    __tablename__ = "review_cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.listing_id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("scan_decisions.id"))
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True)
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)


class DetectionLabel(Base):
    """Ground truth learned from people: a reviewer's call or an upheld notice."""

    __tablename__ = "detection_labels"

    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.listing_id"), primary_key=True)
    counterfeit: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(20))
    brand_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DetectionModel(Base):
    """A trained classifier version; exactly one may be active."""

    __tablename__ = "detection_models"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    examples: Mapped[int] = mapped_column()
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
