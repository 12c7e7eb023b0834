"""Shapes of catalog records, in files (FORMATS §2) and over the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from marketguard.money import Money
from marketguard.timeutil import parse_rfc3339


def _aware(value: Any) -> Any:
    if isinstance(value, str):
        return parse_rfc3339(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("time needs a zone (Z or an offset)")
    return value


Identifier = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")


class SellerIn(BaseModel):
    """A seller record; unknown fields are kept, not rejected."""

    model_config = ConfigDict(extra="allow")

    seller_id: str = Identifier
    created_at: datetime
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    identifiers: dict[str, list[str]] = Field(default_factory=dict)

    _times = field_validator("created_at", mode="before")(_aware)

    @model_validator(mode="after")
    def _consent_is_a_choice(self) -> SellerIn:
        """Refuse a ``consent`` that vendor hand-overs could not honour (kept with the rest)."""
        consent = (self.model_extra or {}).get("consent")
        if consent is None:
            return self
        if not isinstance(consent, dict):
            raise ValueError('consent must be an object, e.g. {"third_party_sharing": false}')
        sharing = consent.get("third_party_sharing")
        if sharing is not None and not isinstance(sharing, bool):
            raise ValueError("consent.third_party_sharing must be true or false")
        return self


class ListingIn(BaseModel):
    """A listing record; unknown fields are kept, not rejected."""

    model_config = ConfigDict(extra="allow")

    listing_id: str = Identifier
    seller_id: str = Identifier
    created_at: datetime
    title: str = Field(min_length=1, max_length=1000)
    description: str = Field(default="", max_length=100_000)
    category: str | None = Field(default=None, max_length=100)
    price: Money
    images: list[str] = Field(default_factory=list, max_length=50)
    attributes: dict[str, Any] = Field(default_factory=dict)

    _times = field_validator("created_at", mode="before")(_aware)

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title must not be empty")
        return value


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    order_id: str = Identifier
    listing_id: str = Identifier
    ts: datetime
    user_id: str | None = None
    amount: int | None = None
    currency: str | None = None

    _times = field_validator("ts", mode="before")(_aware)


class ListingRead(BaseModel):
    listing_id: str
    seller_id: str
    status: str
    created_at: datetime
    title: str
    description: str
    category: str | None
    price: Money
    images: list[str]
    attributes: dict[str, Any]


class SellerRead(BaseModel):
    seller_id: str
    status: str
    created_at: datetime
    country: str | None
    listings: int
