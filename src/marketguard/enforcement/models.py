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

from marketguard.db import Base, JSONType, UTCDateTime

LISTING_ACTIONS = ("block", "remove", "disable", "hold")
SELLER_ACTIONS = ("suspend", "close")
GROUNDS = ("illegal_content", "terms_of_service")
SOURCES = ("proactive", "notice", "test_buy", "policy", "reviewer")
AUTOMATION = ("fully", "partially", "not_automated")


class Statement(Base):
    """A restriction (listing, seller or store) and the statement of reasons for it."""

    __tablename__ = "enforcement_statements"
    __table_args__ = (Index("ix_enforcement_statements_source_created", "source", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    seller_id: Mapped[str] = mapped_column(String(100), index=True)
    listing_id: Mapped[str | None] = mapped_column(String(100), index=True)
    scope: Mapped[str] = mapped_column(String(10))  # listing | seller | store
    action: Mapped[str] = mapped_column(String(12))  # block remove disable hold suspend close
    ground: Mapped[str] = mapped_column(String(20))  # illegal_content | terms_of_service
    legal_ground: Mapped[str | None] = mapped_column(Text)  # which right and which law
    tos_clause: Mapped[str | None] = mapped_column(Text)  # which clause of the terms
    explanation: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(80))
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    automated_detection: Mapped[bool] = mapped_column(Boolean)
    automated_decision: Mapped[str] = mapped_column(String(16))  # fully | partially | not_...
    source: Mapped[str] = mapped_column(String(12))
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True)
    right_id: Mapped[str | None] = mapped_column(String(40))
    notice_id: Mapped[str | None] = mapped_column(String(40), index=True)
    notice_item_id: Mapped[str | None] = mapped_column(String(40))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    affected_listings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    content_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_sale_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    before_first_sale: Mapped[bool | None] = mapped_column(Boolean)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_until: Mapped[datetime] = mapped_column(UTCDateTime)
    redress: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="active", index=True)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reversal_reason: Mapped[str | None] = mapped_column(Text)


class Strike(Base):
    """One confirmed infringement counted against a seller; a won appeal removes it."""

    __tablename__ = "enforcement_strikes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seller_id: Mapped[str] = mapped_column(String(100), index=True)
    statement_id: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removal_reason: Mapped[str | None] = mapped_column(Text)


class StatementListing(Base):
    """Which listings a statement restricted: one for a takedown, all of a closed store.

    Why: a seller asking about one listing must find every statement that took it
    down, and a reinstatement must know whether another restriction still holds.
    """

    __tablename__ = "enforcement_statement_listings"

    statement_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    listing_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
