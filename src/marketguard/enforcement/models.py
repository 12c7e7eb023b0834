"""Enforcement tables: every restriction with its statement of reasons, and strikes.

Why: a seller must learn exactly why something was restricted and how to appeal
(DSA Art. 17), a regulator receives the same statement (Art. 24(5)), and the
repeat-infringer policy needs a durable, reversible count of confirmed
infringements. A restriction and its statement are one row, so neither can exist
without the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, String, Text
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
_ENFORCEMENT = classified(Level.internal, Category.business, "state the reasons for a restriction")

LISTING_ACTIONS = ("block", "remove", "disable", "hold")
SELLER_ACTIONS = ("suspend", "close")
GROUNDS = ("illegal_content", "terms_of_service")
SOURCES = ("proactive", "notice", "test_buy", "policy", "reviewer")
AUTOMATION = ("fully", "partially", "not_automated")


class Statement(Base):
    """A restriction (listing, seller or store) and the statement of reasons for it."""

    __tablename__ = "enforcement_statements"
    __table_args__ = (
        Index("ix_enforcement_statements_source_created", "source", "created_at"),
        {"info": owned_by(TRUST_AND_SAFETY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ENFORCEMENT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, info=_ENFORCEMENT)
    seller_id: Mapped[str] = mapped_column(String(100), index=True, info=_ENFORCEMENT)
    listing_id: Mapped[str | None] = mapped_column(String(100), index=True, info=_ENFORCEMENT)
    scope: Mapped[str] = mapped_column(String(10), info=_ENFORCEMENT)  # listing | seller | store
    action: Mapped[str] = mapped_column(
        String(12), info=_ENFORCEMENT
    )  # block remove disable hold suspend close
    ground: Mapped[str] = mapped_column(
        String(20), info=_ENFORCEMENT
    )  # illegal_content | terms_of_service
    legal_ground: Mapped[str | None] = mapped_column(
        Text, info=_ENFORCEMENT
    )  # which right and which law
    tos_clause: Mapped[str | None] = mapped_column(
        Text, info=_ENFORCEMENT
    )  # which clause of the terms
    explanation: Mapped[str] = mapped_column(Text, info=_ENFORCEMENT)
    facts: Mapped[str] = mapped_column(Text, info=_ENFORCEMENT)
    category: Mapped[str] = mapped_column(String(80), info=_ENFORCEMENT)
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_ENFORCEMENT)
    automated_detection: Mapped[bool] = mapped_column(Boolean, info=_ENFORCEMENT)
    automated_decision: Mapped[str] = mapped_column(
        String(16), info=_ENFORCEMENT
    )  # fully | partially | not_...
    source: Mapped[str] = mapped_column(String(12), info=_ENFORCEMENT)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_ENFORCEMENT)
    right_id: Mapped[str | None] = mapped_column(String(40), info=_ENFORCEMENT)
    notice_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_ENFORCEMENT)
    notice_item_id: Mapped[str | None] = mapped_column(String(40), info=_ENFORCEMENT)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_ENFORCEMENT)
    affected_listings: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_ENFORCEMENT)
    content_date: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_ENFORCEMENT)
    first_sale_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_ENFORCEMENT)
    before_first_sale: Mapped[bool | None] = mapped_column(Boolean, info=_ENFORCEMENT)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_ENFORCEMENT)
    appeal_until: Mapped[datetime] = mapped_column(UTCDateTime, info=_ENFORCEMENT)
    redress: Mapped[str] = mapped_column(Text, info=_ENFORCEMENT)
    status: Mapped[str] = mapped_column(String(12), default="active", index=True, info=_ENFORCEMENT)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, info=_ENFORCEMENT)
    reversal_reason: Mapped[str | None] = mapped_column(Text, info=_ENFORCEMENT)


class Strike(Base):
    """One confirmed infringement counted against a seller; a won appeal removes it."""

    __tablename__ = "enforcement_strikes"
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ENFORCEMENT)
    seller_id: Mapped[str] = mapped_column(String(100), index=True, info=_ENFORCEMENT)
    statement_id: Mapped[str] = mapped_column(String(40), index=True, info=_ENFORCEMENT)
    reason: Mapped[str] = mapped_column(Text, info=_ENFORCEMENT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_ENFORCEMENT)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_ENFORCEMENT)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_ENFORCEMENT)
    removal_reason: Mapped[str | None] = mapped_column(Text, info=_ENFORCEMENT)


class StatementListing(Base):
    """Which listings a statement restricted: one for a takedown, all of a closed store.

    Why: a seller asking about one listing must find every statement that took it
    down, and a reinstatement must know whether another restriction still holds.
    """

    __tablename__ = "enforcement_statement_listings"
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}

    statement_id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ENFORCEMENT)
    listing_id: Mapped[str] = mapped_column(
        String(100), primary_key=True, index=True, info=_ENFORCEMENT
    )
