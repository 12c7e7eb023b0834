"""The buyers behind the risk events, and the string tables events refer to.

Events are built as integer columns (numpy) that index into these tables, and
turned into JSON only when written: a million events never exist as a million
Python dicts at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from marketguard.simulate.config import DAY_MS
from marketguard.simulate.rng import IdFactory
from marketguard.simulate.sellers import Seller
from marketguard.simulate.vocab import (
    COUNTRIES,
    CURRENCY_PER_EUR,
    DISPOSABLE_DOMAINS,
    EMAIL_DOMAINS,
    PROMO_CODES,
    REFUND_REASONS,
)

COUNTRY_CODES: tuple[str, ...] = tuple(c[0] for c in COUNTRIES)
COUNTRY_INDEX = {code: i for i, code in enumerate(COUNTRY_CODES)}
OCTETS: dict[str, tuple[int, ...]] = {c[0]: c[4] for c in COUNTRIES}
CURRENCIES: tuple[str, ...] = tuple(CURRENCY_PER_EUR)
CURRENCY_INDEX = {code: i for i, code in enumerate(CURRENCIES)}
EMAILS: tuple[str, ...] = EMAIL_DOMAINS + DISPOSABLE_DOMAINS
EMAIL_INDEX = {domain: i for i, domain in enumerate(EMAILS)}
REASON_INDEX = {reason: i for i, reason in enumerate(REFUND_REASONS)}


@dataclass
class Tables:
    """String tables indexed by the event columns (users, devices, IPs, cards, promo codes)."""

    users: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    cards: list[str] = field(default_factory=list)
    promos: list[str] = field(default_factory=lambda: list(PROMO_CODES))

    @staticmethod
    def _add(table: list[str], value: str) -> int:
        table.append(value)
        return len(table) - 1

    def user(self, value: str) -> int:
        return self._add(self.users, value)

    def device(self, value: str) -> int:
        return self._add(self.devices, value)

    def ip(self, value: str) -> int:
        return self._add(self.ips, value)

    def card(self, value: str) -> int:
        return self._add(self.cards, value)


@dataclass
class Population:
    """Buyers (indices ``0..buyers-1`` of ``tables.users``) as columns, and the sellers."""

    tables: Tables
    buyers: int
    country: np.ndarray
    registered_ms: np.ndarray
    dev_base: np.ndarray
    dev_count: np.ndarray
    ip_base: np.ndarray
    ip_count: np.ndarray
    card_base: np.ndarray
    card_count: np.ndarray
    email: np.ndarray
    weight: np.ndarray
    seller_user: dict[str, int] = field(default_factory=dict)
    seller_device: dict[str, int] = field(default_factory=dict)
    seller_ip: dict[str, int] = field(default_factory=dict)


def buyer_count(listings: int, events: int) -> int:
    """Size the buyer population to the catalogue and to the traffic."""
    return max(300, listings * 2, events // 25)


def _spread(rng: np.random.Generator, count: int, weights: list[float]) -> np.ndarray:
    choices = np.arange(1, len(weights) + 1, dtype=np.int32)
    return rng.choice(choices, size=count, p=np.array(weights) / sum(weights)).astype(np.int32)


def build_population(
    rng: random.Random,
    nrng: np.random.Generator,
    ids: IdFactory,
    buyers: int,
    sellers: list[Seller],
    start_ms: int,
    days: int,
) -> Population:
    """Create ``buyers`` buyers with home countries, devices, IPs, cards and activity."""
    tables = Tables()
    weights = np.array([c[1] for c in COUNTRIES], dtype=np.float64)
    country = nrng.choice(len(COUNTRIES), size=buyers, p=weights / weights.sum()).astype(np.int16)
    new = nrng.random(buyers) < 0.1
    old_ms = start_ms - nrng.integers(1, 1500, size=buyers) * DAY_MS
    new_ms = start_ms + (nrng.random(buyers) * days * 0.9 * DAY_MS).astype(np.int64)
    registered = np.where(new, new_ms, old_ms).astype(np.int64)
    dev_count = _spread(nrng, buyers, [60, 30, 8, 2])
    ip_count = _spread(nrng, buyers, [50, 35, 15])
    card_count = _spread(nrng, buyers, [70, 22, 6, 2])
    for _ in range(buyers):
        tables.user(ids.new("u", 8))
    dev_base = np.concatenate(([0], np.cumsum(dev_count)[:-1])).astype(np.int32)
    tables.devices.extend(ids.many("d", int(dev_count.sum())))
    ip_base = np.concatenate(([0], np.cumsum(ip_count)[:-1])).astype(np.int32)
    for index in range(buyers):
        octets = OCTETS[COUNTRY_CODES[country[index]]]
        for _ in range(int(ip_count[index])):
            tables.ip(ids.ip(octets))
    card_base = np.concatenate(([0], np.cumsum(card_count)[:-1])).astype(np.int32)
    tables.cards.extend(ids.many("p", int(card_count.sum())))
    email = nrng.integers(0, len(EMAIL_DOMAINS), size=buyers).astype(np.int16)
    activity = nrng.lognormal(0.0, 1.0, size=buyers)
    population = Population(
        tables,
        buyers,
        country,
        registered,
        dev_base,
        dev_count,
        ip_base,
        ip_count,
        card_base,
        card_count,
        email,
        activity / activity.sum(),
    )
    for seller in sellers:
        population.seller_user[seller.seller_id] = tables.user(seller.seller_id)
        population.seller_device[seller.seller_id] = tables.device(seller.identifiers["device"][0])
        population.seller_ip[seller.seller_id] = tables.ip(seller.identifiers["ip"][0])
    return population


def pick(
    nrng: np.random.Generator, base: np.ndarray, count: np.ndarray, users: np.ndarray
) -> np.ndarray:
    """Pick one of each user's own devices / IPs / cards (vectorised)."""
    offset = (nrng.random(len(users)) * count[users]).astype(np.int32)
    return (base[users] + offset).astype(np.int32)
