"""Turn a detection decision into the listing's fate, and remember when it happened.

``block`` keeps a new listing from ever going live (status ``blocked``) or takes
a live one down (``removed``); ``review`` holds it for a person (``held``) and
queues a case; ``allow`` publishes it. A takedown records whether the listing
had already sold — "removed before a first sale" is what proactive monitoring
is judged on.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.auth.roles import Principal
from marketguard.catalog import service as catalog
from marketguard.catalog.models import Listing
from marketguard.detection.models import ReviewCase, ScanDecision
from marketguard.ids import new_id
from marketguard.timeutil import utcnow


def open_case(session: Session, *, decision: ScanDecision) -> ReviewCase:
    """Queue a held listing for review (one open case per listing)."""
    existing = session.scalars(
        select(ReviewCase).where(
            ReviewCase.listing_id == decision.listing_id, ReviewCase.status == "open"
        )
    ).first()
    if existing is not None:
        existing.decision_id = decision.id
        existing.score = decision.score
        return existing
    case = ReviewCase(
        id=new_id("rev"),
        listing_id=decision.listing_id,
        decision_id=decision.id,
        brand_id=decision.brand_id,
        score=decision.score,
        status="open",
        opened_at=utcnow(),
    )
    session.add(case)
    return case


def apply_action(
    session: Session,
    *,
    actor: Principal,
    listing: Listing,
    action: str,
    decision: ScanDecision | None,
    reason: str,
    automated: bool = True,
) -> str:
    """Set the listing's status for ``action``; return the new status."""
    if action == "block":
        status = "removed" if listing.status == "live" else "blocked"
        if decision is not None:
            sold = catalog.first_sale_at(session, listing_id=listing.listing_id)
            decision.after_first_sale = sold is not None
    elif action == "review":
        status = "held" if listing.status != "removed" else listing.status
        if decision is not None:
            open_case(session, decision=decision)
    else:
        status = "live"
    catalog.set_listing_status(
        session, actor=actor, listing_id=listing.listing_id, status=status, reason=reason
    )
    if decision is not None:
        decision.applied = True
    return status
