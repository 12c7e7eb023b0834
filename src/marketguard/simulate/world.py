"""What the event generators share: the period, the people, the listings, the orders."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

import numpy as np

from marketguard.simulate.listings import Listing
from marketguard.simulate.orders import OrderBook
from marketguard.simulate.population import CURRENCY_INDEX, Population
from marketguard.simulate.rng import IdFactory
from marketguard.simulate.vocab import CURRENCY_PER_EUR


@dataclass
class World:
    """The simulated month as the event generators see it."""

    start_ms: int
    end_ms: int
    population: Population
    listings: list[Listing]
    book: OrderBook
    ids: IdFactory

    def __post_init__(self) -> None:
        self.listing_ms = [listing.created_ms for listing in self.listings]
        self.listing_orders = len(self.book)  # fraud patterns add theirs after these

    def listings_before(self, ts: int) -> int:
        """How many listings exist at ``ts`` (listings are ordered by creation)."""
        return bisect.bisect_left(self.listing_ms, ts)

    def pick_listing(self, rng: random.Random, ts: int, *, dear: bool | None = None) -> int | None:
        """Pick a listing live at ``ts``: any, the dearest of a few, or the cheapest of a few."""
        live = self.listings_before(ts)
        if live == 0:
            return None
        candidates = [rng.randrange(live) for _ in range(1 if dear is None else 12)]
        if dear is None:
            return candidates[0]
        worth = [self.eur(i) for i in candidates]
        best = max(worth) if dear else min(worth)
        return candidates[worth.index(best)]

    def eur(self, listing: int) -> float:
        """The listing's price in EUR (to compare prices across currencies)."""
        item = self.listings[listing]
        major = item.price_amount / (1 if item.currency == "JPY" else 100)
        return major / CURRENCY_PER_EUR[item.currency]

    def order(self, listing: int, ts: int, buyer: int) -> tuple[int, int, int]:
        """Record an order on ``listing``; return ``(order index, amount, currency index)``."""
        item = self.listings[listing]
        index = self.book.add(listing, ts, buyer, item.price_amount, item.currency)
        return index, item.price_amount, CURRENCY_INDEX[item.currency]

    def first_listing_ms(self) -> int:
        """When the first listing goes live (fraud that orders must come after it)."""
        return self.listing_ms[0] if self.listing_ms else self.end_ms


def diurnal() -> np.ndarray:
    """Relative traffic per UTC hour: quiet at night, busy in the evening (European)."""
    weights = np.array(
        [2, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 7, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4], dtype=np.float64
    )
    return weights / weights.sum()
