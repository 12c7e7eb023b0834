"""Signal: the seller's store is closed or suspended, so it cannot publish.

Why: a closed store was terminated (repeat or serious infringement) and a
suspended account may not list or sell until the suspension ends; a new listing
from either must not go live, whatever it contains. This signal states the fact
(weight 1: it decides alone) and the scorer then blocks the listing outright,
so the API gate, imports and scans refuse it alike, and the evidence is stored
with the decision and cited in the statement of reasons. The status is given
only when a listing asks to go live (see :class:`SellerContext`).
"""

from __future__ import annotations

from marketguard.detection.context import DetectorSetup, ScanContext
from marketguard.detection.evidence import Evidence


class SellerStatusSignal:
    """Reports a store that may not publish."""

    name = "seller_status"

    def __init__(self, setup: DetectorSetup) -> None:
        self.setup = setup

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        """Return the refusal when the seller's store is not active, else nothing."""
        seller = context.seller
        if seller is None or seller.may_publish:
            return []
        status = seller.status
        detail = f"seller {seller.seller_id} is {status}: a {status} store cannot publish"
        return [Evidence(self.name, detail, 1.0, data={"status": status})]
