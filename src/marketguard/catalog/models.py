"""Catalog tables: the marketplace's sellers, listings and orders as marketguard sees them.

Why: detection, enforcement and reports need the marketplace's own ids (``S-0007``,
``L-100``) as keys, the listing's life-cycle status, and every field the marketplace
sent — unknown fields are kept in ``extra`` rather than dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.db import Base, JSONType, UTCDateTime

LISTING_STATUSES = ("live", "held", "blocked", "removed")
SELLER_STATUSES = ("active", "suspended", "closed")


class Seller(Base):
    __tablename__ = "sellers"

    seller_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    country: Mapped[str | None] = mapped_column(String(2))
    identifiers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="active")
    source_digest: Mapped[str] = mapped_column(String(64))


class SellerIdentifier(Base):
    """One (kind, value) a seller uses; shared values link sellers into networks."""

    __tablename__ = "seller_identifiers"
    __table_args__ = (Index("ix_seller_identifiers_kind_value", "kind", "value"),)

    seller_id: Mapped[str] = mapped_column(
        ForeignKey("sellers.seller_id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[str] = mapped_column(String(300), primary_key=True)


class Listing(Base):
    __tablename__ = "listings"

    listing_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.seller_id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    price_currency: Mapped[str] = mapped_column(String(3))
    images: Mapped[list[str]] = mapped_column(JSONType, default=list)
    image_root: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="live", index=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_digest: Mapped[str] = mapped_column(String(64))


class Order(Base):
    """An order on a listing; its first one dates the listing's first sale."""

    __tablename__ = "orders"

    order_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.listing_id"), index=True)
    buyer_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
