"""Brand pack format (FORMATS §1) and brand API shapes."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from marketguard.money import Money

NonEmpty = Field(min_length=1, max_length=300)


class RightIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["trademark", "design", "patent", "copyright"]
    number: str = NonEmpty
    jurisdiction: str = Field(min_length=2, max_length=20)
    holder: str | None = None
    valid_until: date | None = None
    description: str | None = None


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = NonEmpty
    model_numbers: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    category: str | None = None
    msrp: Money | None = None
    images: list[str] = Field(default_factory=list)


class BrandPackIn(BaseModel):
    """One brand and what it knows about its genuine goods."""

    model_config = ConfigDict(extra="allow")

    brand: str = NonEmpty
    aliases: list[str] = Field(default_factory=list)
    rights: list[RightIn] = Field(default_factory=list)
    authorized_sellers: list[str] = Field(default_factory=list)
    products: list[ProductIn] = Field(default_factory=list)
    counterfeit_terms: list[str] = Field(default_factory=list)

    @field_validator("brand")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("brand name must not be blank")
        return value.strip()

    @model_validator(mode="after")
    def _no_duplicates(self) -> BrandPackIn:
        """A product (by name) or a right (kind, number, jurisdiction) appears once."""
        problems: list[str] = []
        products: dict[str, int] = {}
        for index, product in enumerate(self.products):
            first = products.setdefault(product.name, index)
            if first != index:
                problems.append(f"products[{index}]: duplicate product {product.name!r} "
                                f"(first at products[{first}])")
        rights: dict[tuple[str, str, str], int] = {}
        for index, right in enumerate(self.rights):
            key = (right.kind, right.number, right.jurisdiction)
            first = rights.setdefault(key, index)
            if first != index:
                problems.append(f"rights[{index}]: duplicate {right.kind} {right.number} "
                                f"({right.jurisdiction}) (first at rights[{first}])")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class RightRead(BaseModel):
    id: str
    kind: str
    number: str
    jurisdiction: str
    holder: str | None
    valid_until: date | None
    verification: Literal["pending", "verified", "rejected"]


class ProductRead(BaseModel):
    id: str
    name: str
    model_numbers: list[str]
    keywords: list[str]
    category: str | None
    msrp: Money | None


class BrandRead(BaseModel):
    id: str
    name: str
    aliases: list[str]
    authorized_sellers: list[str]
    counterfeit_terms: list[str]
    rights: list[RightRead]
    products: list[ProductRead]


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["verified", "rejected"]
    reason: str = Field(min_length=1, max_length=2000)
