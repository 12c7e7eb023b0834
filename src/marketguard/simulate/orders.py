"""Orders on listings: when each listing sold, to whom, for how much.

They date each listing's first sale, which the transparency report needs ("share
of counterfeits removed before a first sale"). Cheap fakes sell faster than the
genuine article; a second-hand item sells at most once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from marketguard.simulate.listings import Listing
from marketguard.simulate.writer import rfc3339_ms

MINUTE_MS = 60_000
DAY_MS = 86_400_000
# Expected orders per listing over 30 days, by kind.
RATE: dict[str, float] = {
    "genuine": 8.0,
    "secondhand": 0.7,
    "unbranded": 6.0,
    "nominative": 6.0,
    "common_word": 4.0,
    "replica_unbranded": 3.0,
    "counterfeit": 10.0,
}


@dataclass
class OrderBook:
    """Every order, listing-driven or made by a fraud pattern, as parallel lists."""

    listing: list[int] = field(default_factory=list)
    ts: list[int] = field(default_factory=list)
    buyer: list[int] = field(default_factory=list)
    amount: list[int] = field(default_factory=list)
    currency: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def add(self, listing: int, ts: int, buyer: int, amount: int, currency: str) -> int:
        """Record an order; return its internal index (ids are given once all are known)."""
        self.listing.append(listing)
        self.ts.append(ts)
        self.buyer.append(buyer)
        self.amount.append(amount)
        self.currency.append(currency)
        return len(self.ts) - 1

    def __len__(self) -> int:
        return len(self.ts)

    def number(self) -> list[int]:
        """Give ids ``O-0000001``... in time order; return the internal indices in that order."""
        order = sorted(range(len(self.ts)), key=lambda i: (self.ts[i], i))
        width = max(7, len(str(len(order))))
        self.ids = [""] * len(order)
        for rank, index in enumerate(order, start=1):
            self.ids[index] = f"O-{rank:0{width}d}"
        return order

    def records(self, listings: list[Listing], users: list[str]) -> list[dict[str, Any]]:
        """Return the ``orders.jsonl`` lines in time order."""
        return [
            {
                "order_id": self.ids[i],
                "listing_id": listings[self.listing[i]].listing_id,
                "user_id": users[self.buyer[i]],
                "ts": rfc3339_ms(self.ts[i]),
                "amount": self.amount[i],
                "currency": self.currency[i],
            }
            for i in self.number()
        ]


def _poisson(rng: random.Random, mean: float) -> int:
    """Draw a Poisson count (Knuth; means here are small)."""
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def listing_orders(
    rng: random.Random, listings: list[Listing], registered_ms: np.ndarray, end_ms: int
) -> OrderBook:
    """Draw the orders each listing receives between its creation and the end."""
    book = OrderBook()
    buyers = len(registered_ms)
    registered = registered_ms.tolist()
    for index, listing in enumerate(listings):
        kind = "counterfeit" if listing.counterfeit else listing.kind
        open_ms = end_ms - listing.created_ms - 10 * MINUTE_MS
        if open_ms <= 0:
            continue
        popularity = rng.lognormvariate(0.0, 0.8)
        mean = RATE[kind] * popularity * open_ms / (30 * DAY_MS)
        count = _poisson(rng, mean)
        if kind == "secondhand":
            count = min(count, 1)
        times = sorted(
            listing.created_ms + 10 * MINUTE_MS + rng.randrange(open_ms) for _ in range(count)
        )
        for ts in times:
            buyer = rng.randrange(buyers)
            while registered[buyer] > ts - 10 * MINUTE_MS:  # only registered users buy
                buyer = rng.randrange(buyers)
            book.add(index, ts, buyer, listing.price_amount, listing.currency)
    return book
