"""The damage model: one number from a scope, and a severity from that number.

Why logarithms: damage grows with the order of magnitude of what is touched (ten
accounts taken over is an incident, ten thousand is a crisis, and the ten
thousandth account adds little over the nine thousandth), and a sum of
logarithms keeps one huge field from drowning the others. Why weights per data
level: one exposed level-4 record (a card number, a password hash) must count
as much as a hundred level-2 records.

    damage = Σ weight[f] · log10(1 + x_f)
    x_records = records_exposed · LEVEL_WEIGHT[data_level]
    x_money   = money_at_risk in major units of the reference currency

Every term is non-decreasing in its field, so damage never decreases when a
scope field grows (property-tested). Worked examples are in docs/incidents.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from marketguard.incidents.scope import COUNTS, Scope
from marketguard.money import MINOR_UNITS, Money

WEIGHTS: dict[str, float] = {
    "users": 10.0,
    "sellers": 8.0,
    "brands": 6.0,
    "listings": 4.0,
    "orders": 6.0,
    "records_exposed": 10.0,
    "money_at_risk": 10.0,
}
# How many level-2 records one record of each level counts as.
LEVEL_WEIGHT: dict[int, float] = {1: 0.0, 2: 1.0, 3: 10.0, 4: 100.0}


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"


@dataclass(frozen=True)
class Damage:
    """The total and each field's share, so a responder sees why an incident ranks where it does."""

    total: float
    parts: dict[str, float]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DamageModel:
    """Weights are the documented constants; currency and thresholds come from settings."""

    currency: str = "EUR"
    rates: dict[str, float] = field(default_factory=dict)  # units of `currency` per 1 major unit
    thresholds: dict[str, float] = field(
        default_factory=lambda: {"SEV1": 80.0, "SEV2": 50.0, "SEV3": 25.0}
    )

    def money_value(self, money: Money) -> float:
        """Money in major units of the reference currency (at par when no rate is set)."""
        major = money.amount / (10 ** MINOR_UNITS[money.currency])
        if money.currency == self.currency:
            return major
        return major * self.rates.get(money.currency, 1.0)

    def damage(self, scope: Scope) -> Damage:
        """The damage of a scope (see the module docstring for the formula)."""
        parts: dict[str, float] = {}
        notes: list[str] = []
        for name in COUNTS:
            amount = float(getattr(scope, name))
            if name == "records_exposed":
                amount *= LEVEL_WEIGHT[scope.data_level]
            parts[name] = WEIGHTS[name] * math.log10(1.0 + amount)
        money = scope.money_at_risk
        value = self.money_value(money) if money is not None else 0.0
        if money is not None and money.currency != self.currency and (
            money.currency not in self.rates
        ):
            notes.append(f"{money.currency} counted at par with {self.currency}: no rate set "
                         "in MARKETGUARD_INCIDENT_EXCHANGE_RATES")
        parts["money_at_risk"] = WEIGHTS["money_at_risk"] * math.log10(1.0 + value)
        total = round(sum(parts.values()), 3)
        return Damage(total, {k: round(v, 3) for k, v in parts.items()}, notes)

    def severity(self, damage: float) -> Severity:
        """SEV1 at or above the first threshold, SEV4 below the last."""
        for name in ("SEV1", "SEV2", "SEV3"):
            if damage >= self.thresholds[name]:
                return Severity(name)
        return Severity.SEV4
