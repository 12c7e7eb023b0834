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

from marketguard.db import Base, JSONType, UTCDateTime

RIGHT_KINDS = ("trademark", "design", "patent", "copyright")
VERIFICATION_STATES = ("pending", "verified", "rejected")


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    aliases: Mapped[list[str]] = mapped_column(JSONType, default=list)
    authorized_sellers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    counterfeit_terms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    source_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Right(Base):
    """An IP right a brand relies on; notices may cite only verified rights."""

    __tablename__ = "rights"
    __table_args__ = (
        UniqueConstraint("brand_id", "kind", "number", "jurisdiction", name="uq_rights_identity"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(100))
    jurisdiction: Mapped[str] = mapped_column(String(20))
    holder: Mapped[str | None] = mapped_column(String(300))
    valid_until: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    verification: Mapped[str] = mapped_column(String(20), default="pending")
    verification_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("brand_id", "name", name="uq_products_brand_name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    model_numbers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    category: Mapped[str | None] = mapped_column(String(100))
    msrp_amount: Mapped[int | None] = mapped_column(BigInteger)
    msrp_currency: Mapped[str | None] = mapped_column(String(3))


class ReferenceImage(Base):
    """An image we compare listing photos against.

    ``kind`` is ``official`` (from a brand pack), ``design`` (a registered design)
    or ``counterfeit`` (a photo of a confirmed counterfeit, learned from reviews).
    ``pdq`` is filled by the detection layer when the image is hashed.
    """

    __tablename__ = "reference_images"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str | None] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="official")
    label: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdq: Mapped[str | None] = mapped_column(String(64))
    pdq_quality: Mapped[int | None] = mapped_column(BigInteger)
    pdq_variants: Mapped[list[str]] = mapped_column(JSONType, default=list)
    hash_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
