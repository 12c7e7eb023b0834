"""Brand knowledge tables.

Why: every detection and every notice stands on what a brand has proven it owns
(rights, verified by the platform) and taught us about its genuine goods
(products, official images, authorised sellers, its own red-flag terms).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
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
_PUBLIC = classified(Level.public, Category.business, "recognise a brand and its products")
_KNOWLEDGE = classified(Level.internal, Category.business, "detect counterfeits of a brand")
_HOLDER = classified(Level.internal, Category.personal, "name who holds a right")
_UNKNOWN = classified(Level.confidential, Category.personal, "keep unknown pack fields")
_BOOKKEEPING = classified(Level.internal, Category.corporate, "track imports and files")

RIGHT_KINDS = ("trademark", "design", "patent", "copyright")
VERIFICATION_STATES = ("pending", "verified", "rejected")


class Brand(Base):
    __tablename__ = "brands"
    __table_args__ = {"info": owned_by(BRAND_PROTECTION)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_PUBLIC)
    name: Mapped[str] = mapped_column(String(200), unique=True, info=_PUBLIC)
    aliases: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_PUBLIC)
    authorized_sellers: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_KNOWLEDGE)
    counterfeit_terms: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_KNOWLEDGE)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_UNKNOWN)
    source_digest: Mapped[str] = mapped_column(String(64), info=_BOOKKEEPING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_BOOKKEEPING)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_BOOKKEEPING)


class Right(Base):
    """An IP right a brand relies on; notices may cite only verified rights."""

    __tablename__ = "rights"
    __table_args__ = (
        UniqueConstraint("brand_id", "kind", "number", "jurisdiction", name="uq_rights_identity"),
        {"info": owned_by(BRAND_PROTECTION)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_PUBLIC)
    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), index=True, info=_PUBLIC
    )
    kind: Mapped[str] = mapped_column(String(20), info=_PUBLIC)
    number: Mapped[str] = mapped_column(String(100), info=_PUBLIC)
    jurisdiction: Mapped[str] = mapped_column(String(20), info=_PUBLIC)
    holder: Mapped[str | None] = mapped_column(String(300), info=_HOLDER)
    valid_until: Mapped[date | None] = mapped_column(Date, info=_PUBLIC)
    description: Mapped[str | None] = mapped_column(Text, info=_PUBLIC)
    verification: Mapped[str] = mapped_column(String(20), default="pending", info=_KNOWLEDGE)
    verification_reason: Mapped[str | None] = mapped_column(Text, info=_KNOWLEDGE)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_KNOWLEDGE)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("brand_id", "name", name="uq_products_brand_name"),
        {"info": owned_by(BRAND_PROTECTION)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_PUBLIC)
    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), index=True, info=_PUBLIC
    )
    name: Mapped[str] = mapped_column(String(300), info=_PUBLIC)
    model_numbers: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_PUBLIC)
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_PUBLIC)
    category: Mapped[str | None] = mapped_column(String(100), info=_PUBLIC)
    msrp_amount: Mapped[int | None] = mapped_column(BigInteger, info=_PUBLIC)
    msrp_currency: Mapped[str | None] = mapped_column(String(3), info=_PUBLIC)


class ReferenceImage(Base):
    """An image we compare listing photos against.

    ``kind`` is ``official`` (from a brand pack), ``design`` (a registered design)
    or ``counterfeit`` (a photo of a confirmed counterfeit, learned from reviews).
    ``pdq`` is filled by the detection layer when the image is hashed.
    """

    __tablename__ = "reference_images"
    __table_args__ = {"info": owned_by(BRAND_PROTECTION)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_KNOWLEDGE)
    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), index=True, info=_KNOWLEDGE
    )
    product_id: Mapped[str | None] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True, info=_KNOWLEDGE
    )
    kind: Mapped[str] = mapped_column(String(20), default="official", info=_KNOWLEDGE)
    label: Mapped[str] = mapped_column(String(300), info=_KNOWLEDGE)
    path: Mapped[str] = mapped_column(Text, info=_BOOKKEEPING)
    sha256: Mapped[str] = mapped_column(String(64), index=True, info=_KNOWLEDGE)
    pdq: Mapped[str | None] = mapped_column(String(64), info=_KNOWLEDGE)
    pdq_quality: Mapped[int | None] = mapped_column(BigInteger, info=_KNOWLEDGE)
    pdq_variants: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_KNOWLEDGE)
    hash_error: Mapped[str | None] = mapped_column(Text, info=_BOOKKEEPING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_KNOWLEDGE)
