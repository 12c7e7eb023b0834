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

from marketguard.dataguard.classification import (
    TRUST_AND_SAFETY,
    Category,
    Level,
    classification,
    classified,
    owned_by,
)
from marketguard.db import Base, JSONType, UTCDateTime

# How each column is classified (docs/data-protection.md).
_LISTED = classified(Level.public, Category.business, "show and check a listing")
_ACCOUNT = classified(Level.internal, Category.business, "run the marketplace's accounts")
_IDENTIFIERS = classified(
    Level.confidential,
    Category.personal,
    "link seller accounts into networks",
    fields={
        "phone": classification(Level.confidential, Category.personal, "contact a seller"),
        "address": classification(Level.confidential, Category.personal, "link sellers"),
        "ip": classification(Level.confidential, Category.personal, "link sellers"),
        "device": classification(Level.confidential, Category.personal, "link sellers"),
        "payment": classification(Level.secret, Category.personal, "link sellers by payment"),
    },
)
_INSTRUMENT = classified(Level.secret, Category.personal, "link sellers sharing an identifier")
_UNKNOWN = classified(Level.confidential, Category.personal, "keep unknown input fields")
_BUYER = classified(Level.confidential, Category.personal, "tell buyers apart")
_BOOKKEEPING = classified(Level.internal, Category.corporate, "track imports and files")

LISTING_STATUSES = ("live", "held", "blocked", "removed")
SELLER_STATUSES = ("active", "suspended", "closed")


class Seller(Base):
    __tablename__ = "sellers"
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}

    seller_id: Mapped[str] = mapped_column(String(100), primary_key=True, info=_ACCOUNT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_ACCOUNT)
    country: Mapped[str | None] = mapped_column(String(2), info=_ACCOUNT)
    identifiers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_IDENTIFIERS)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_UNKNOWN)
    status: Mapped[str] = mapped_column(String(20), default="active", info=_ACCOUNT)
    source_digest: Mapped[str] = mapped_column(String(64), info=_BOOKKEEPING)


class SellerIdentifier(Base):
    """One (kind, value) a seller uses; shared values link sellers into networks."""

    __tablename__ = "seller_identifiers"
    __table_args__ = (
        Index("ix_seller_identifiers_kind_value", "kind", "value"),
        {"info": owned_by(TRUST_AND_SAFETY)},
    )

    seller_id: Mapped[str] = mapped_column(
        ForeignKey("sellers.seller_id", ondelete="CASCADE"), primary_key=True, info=_ACCOUNT
    )
    kind: Mapped[str] = mapped_column(String(30), primary_key=True, info=_ACCOUNT)
    value: Mapped[str] = mapped_column(String(300), primary_key=True, info=_INSTRUMENT)


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}

    listing_id: Mapped[str] = mapped_column(String(100), primary_key=True, info=_LISTED)
    seller_id: Mapped[str] = mapped_column(
        ForeignKey("sellers.seller_id"), index=True, info=_LISTED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, info=_LISTED)
    title: Mapped[str] = mapped_column(Text, info=_LISTED)
    description: Mapped[str] = mapped_column(Text, default="", info=_LISTED)
    category: Mapped[str | None] = mapped_column(String(100), index=True, info=_LISTED)
    price_amount: Mapped[int] = mapped_column(BigInteger, info=_LISTED)
    price_currency: Mapped[str] = mapped_column(String(3), info=_LISTED)
    images: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_LISTED)
    image_root: Mapped[str | None] = mapped_column(Text, info=_BOOKKEEPING)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_LISTED)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_UNKNOWN)
    status: Mapped[str] = mapped_column(String(20), default="live", index=True, info=_LISTED)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_LISTED)
    source_digest: Mapped[str] = mapped_column(String(64), info=_BOOKKEEPING)


class Order(Base):
    """An order on a listing; its first one dates the listing's first sale."""

    __tablename__ = "orders"
    __table_args__ = {"info": owned_by(TRUST_AND_SAFETY)}

    order_id: Mapped[str] = mapped_column(String(100), primary_key=True, info=_ACCOUNT)
    listing_id: Mapped[str] = mapped_column(
        ForeignKey("listings.listing_id"), index=True, info=_ACCOUNT
    )
    buyer_id: Mapped[str | None] = mapped_column(String(100), info=_BUYER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, info=_ACCOUNT)
    amount: Mapped[int | None] = mapped_column(BigInteger, info=_ACCOUNT)
    currency: Mapped[str | None] = mapped_column(String(3), info=_ACCOUNT)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_UNKNOWN)
