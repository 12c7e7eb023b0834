"""Signal: the seller is one the brand authorised to sell its genuine goods.

Why: brands name their authorised resellers; those may use official photos and
sell at list price, and their listings must not be held back. This signal only
states the fact (weight 0) for each brand the listing involves; the scorer then
multiplies that brand's score by ``policy.authorized_seller_factor``. Being
evidence, it is stored with the decision and seen by the learned model too.
"""

from __future__ import annotations

from marketguard.detection.context import DetectorSetup, ScanContext
from marketguard.detection.evidence import Evidence


class AuthorizationSignal:
    """Reports the brands that authorised the listing's seller."""

    name = "authorization"

    def __init__(self, setup: DetectorSetup) -> None:
        self.setup = setup

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        """Return one statement per involved brand that authorised this seller."""
        factor = self.setup.policy.authorized_seller_factor
        seller = context.listing.seller_id
        return [
            Evidence(
                self.name,
                f"seller {seller} is an authorised seller of {self.setup.brands[b].name!r}: "
                f"its score for this brand is multiplied by {factor:g}",
                0.0,
                b,
            )
            for b in context.involved_brand_ids()
            if context.is_authorized(b)
        ]
