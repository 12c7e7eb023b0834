"""What an incident touches: counts of people and things, exposed records, money.

Scope is computed from data wherever the platform knows it (a leak's rows and
their level from the export; a risk spike's users and money from decisions); a
responder may still correct it. Repeat signals merge into the open incident's
scope field by field with ``max`` (and the most sensitive data level), so a
scope only grows while an incident is open, and so does its damage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from marketguard.money import Money

COUNTS = ("users", "sellers", "brands", "listings", "orders", "records_exposed")


class Scope(BaseModel):
    """All fields optional and non-negative (FORMATS §8)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    users: int = Field(default=0, ge=0, description="Buyer or staff accounts affected")
    sellers: int = Field(default=0, ge=0, description="Seller accounts affected")
    brands: int = Field(default=0, ge=0, description="Brands affected")
    listings: int = Field(default=0, ge=0, description="Listings affected")
    orders: int = Field(default=0, ge=0, description="Orders affected")
    records_exposed: int = Field(default=0, ge=0, description="Data records that left control")
    data_level: int = Field(
        default=1, ge=1, le=4, description="Level (1-4) of the most sensitive data involved"
    )
    money_at_risk: Money | None = Field(default=None, description="Money that could be lost")

    def as_json(self) -> dict[str, Any]:
        """The stored and served form: money as ``{"amount", "currency"}`` or null."""
        return self.model_dump(mode="json")


def merge(old: Scope, new: Scope, value_of: Callable[[Money], float]) -> Scope:
    """The scope after a repeat signal: every count the larger, the level the higher,
    the money the larger once both are valued in the reference currency (``value_of``)."""
    counts = {name: max(getattr(old, name), getattr(new, name)) for name in COUNTS}
    money = old.money_at_risk
    if new.money_at_risk is not None and (
        money is None or value_of(new.money_at_risk) > value_of(money)
    ):
        money = new.money_at_risk
    return Scope(**counts, data_level=max(old.data_level, new.data_level), money_at_risk=money)
