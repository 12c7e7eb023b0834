"""Signal: how the seller behaves (account age, listing bursts, history, links).

Why: counterfeit operations open fresh accounts, list hundreds of items in a
day, come back after takedowns and reuse the devices, cards and addresses of
stores already closed. None of that proves a listing fake, so these weigh
little alone; they tip brand-related listings from allow to review, or from
review to block. Evidence here is about the seller, not a brand (``brand_id``
is ``None``).
"""

from __future__ import annotations

from marketguard.detection.context import DetectorSetup, ScanContext
from marketguard.detection.evidence import Evidence


class SellerSignal:
    """Reports risky seller behaviour from the caller's :class:`SellerContext`."""

    name = "seller"

    def __init__(self, setup: DetectorSetup) -> None:
        self.setup = setup

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        """Return one piece of evidence per risky trait of the seller."""
        seller = context.seller
        if seller is None:
            return []
        out = []
        age = seller.account_age_days
        if age is not None and age < 30:
            weight = 0.15 if age < 7 else 0.05
            out.append(self._e(f"seller account is {age:g} days old", weight, age_days=age))
        burst = seller.listings_last_24h
        if burst >= 30:
            weight = 0.2 if burst >= 100 else 0.1
            out.append(
                self._e(f"{burst} listings in the last 24 hours", weight, listings_24h=burst)
            )
        if seller.prior_takedowns > 0:
            weight = min(0.1 + 0.05 * (seller.prior_takedowns - 1), 0.3)
            out.append(
                self._e(f"{seller.prior_takedowns} earlier takedowns", weight,
                        prior_takedowns=seller.prior_takedowns)
            )  # fmt: skip
        if seller.strikes > 0:
            weight = min(0.15 * seller.strikes, 0.45)
            out.append(self._e(f"{seller.strikes} strikes", weight, strikes=seller.strikes))
        links = seller.linked_penalized_sellers
        if links:
            shown = ", ".join(f"{kind} with {other}" for other, kind in links[:3])
            more = f" and {len(links) - 3} more" if len(links) > 3 else ""
            weight = 0.3 if len(links) == 1 else 0.4
            out.append(
                self._e(f"shares identifiers with penalised sellers: {shown}{more}", weight,
                        links=[list(link) for link in links])
            )  # fmt: skip
        return out

    def _e(self, detail: str, weight: float, **data: object) -> Evidence:
        return Evidence(self.name, detail, weight, data=data)
