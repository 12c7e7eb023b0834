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

from marketguard.dataguard.classification import (
    BRAND_PROTECTION,
    Category,
    Level,
    classified,
    owned_by,
)
from marketguard.db import Base, JSONType, UTCDateTime

# How each column is classified (docs/data-protection.md).
_DECISION = classified(Level.internal, Category.business, "explain and review a scan decision")
_STAFF = classified(Level.internal, Category.personal, "name who decided, for appeals")
_MODEL = classified(Level.internal, Category.corporate, "version the detection model")

STAGES = ("gate", "full")
REVIEW_STATES = ("open", "confirmed", "overturned")


class ScanDecision(Base):
    """One decision about one listing at one stage (the fast gate, or the full scan)."""

    __tablename__ = "scan_decisions"
    __table_args__ = {"info": owned_by(BRAND_PROTECTION)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_DECISION)
    listing_id: Mapped[str] = mapped_column(
        ForeignKey("listings.listing_id"), index=True, info=_DECISION
    )
    stage: Mapped[str] = mapped_column(String(10), info=_DECISION)
    action: Mapped[str] = mapped_column(String(10), index=True, info=_DECISION)
    score: Mapped[float] = mapped_column(Float, info=_DECISION)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_DECISION)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, info=_DECISION)
    versions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_DECISION)
    applied: Mapped[bool] = mapped_column(Boolean, default=False, info=_DECISION)
    after_first_sale: Mapped[bool | None] = mapped_column(Boolean, info=_DECISION)
    pending_full_scan: Mapped[bool] = mapped_column(
        Boolean, default=False, index=True, info=_DECISION
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, info=_DECISION)


class ReviewCase(Base):
    """A listing held for a person; the outcome teaches the detector."""

    __tablename__ = "review_cases"
    __table_args__ = {"info": owned_by(BRAND_PROTECTION)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_DECISION)
    listing_id: Mapped[str] = mapped_column(
        ForeignKey("listings.listing_id"), index=True, info=_DECISION
    )
    decision_id: Mapped[str] = mapped_column(ForeignKey("scan_decisions.id"), info=_DECISION)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_DECISION)
    score: Mapped[float] = mapped_column(Float, info=_DECISION)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True, info=_DECISION)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_DECISION)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_DECISION)
    decided_by: Mapped[str | None] = mapped_column(String(200), info=_STAFF)
    reason: Mapped[str | None] = mapped_column(Text, info=_DECISION)


class DetectionLabel(Base):
    """Ground truth learned from people: a reviewer's call or an upheld notice."""

    __tablename__ = "detection_labels"
    __table_args__ = {"info": owned_by(BRAND_PROTECTION)}

    listing_id: Mapped[str] = mapped_column(
        ForeignKey("listings.listing_id"), primary_key=True, info=_DECISION
    )
    counterfeit: Mapped[bool] = mapped_column(Boolean, info=_DECISION)
    source: Mapped[str] = mapped_column(String(20), info=_DECISION)
    brand_id: Mapped[str | None] = mapped_column(String(40), info=_DECISION)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_DECISION)


class DetectionModel(Base):
    """A trained classifier version; exactly one may be active."""

    __tablename__ = "detection_models"
    __table_args__ = {"info": owned_by(BRAND_PROTECTION)}

    version: Mapped[str] = mapped_column(String(64), primary_key=True, info=_MODEL)
    path: Mapped[str] = mapped_column(Text, info=_MODEL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_MODEL)
    examples: Mapped[int] = mapped_column(info=_MODEL)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_MODEL)
    active: Mapped[bool] = mapped_column(Boolean, default=False, info=_MODEL)
