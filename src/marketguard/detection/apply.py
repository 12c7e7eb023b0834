"""Turn a detection decision into the listing's fate, with a statement of reasons.

``block`` keeps a new listing from ever going live (``blocked``) or takes a live
one down (``removed``); ``review`` holds it for a person (``held``) and queues a
case; ``allow`` publishes it. Every restriction goes through enforcement, so the
seller gets a statement of reasons naming the ground, the facts (the evidence),
that detection was automated, and how to appeal — and the statement records
whether the listing had already sold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM, Principal
from marketguard.brands import service as brands_service
from marketguard.catalog import service as catalog
from marketguard.catalog.models import Listing
from marketguard.detection.models import ReviewCase, ScanDecision
from marketguard.enforcement import service as enforcement
from marketguard.enforcement.models import Statement
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

MAX_FACTS = 6


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
    now: datetime | None = None,
) -> str:
    """Restrict, hold or publish the listing for ``action``; return its new status."""
    holds = _active_holds(session, listing.listing_id)
    if action in ("block", "review"):
        kind = "hold" if action == "review" else ("remove" if listing.status == "live" else "block")
        if kind == "hold" and holds:
            statement = holds[0]
        else:
            statement = _restrict(session, actor, listing, kind, decision, reason, automated, now)
        if kind != "hold":
            for hold in holds:  # the stricter restriction replaces the hold
                enforcement.reinstate_listing(
                    session, actor=actor, statement_id=hold.id, reason=f"superseded: {reason}",
                    now=now,
                )  # fmt: skip
            if decision is not None:
                decision.after_first_sale = not statement.before_first_sale
        if action == "review" and decision is not None:
            open_case(session, decision=decision)
        if not automated and kind != "hold":
            enforcement.add_strike(
                session,
                actor=actor,
                seller_id=listing.seller_id,
                statement_id=statement.id,
                reason=f"counterfeit confirmed by a reviewer: {reason}",
                now=now,
            )
    elif holds:
        for hold in holds:
            enforcement.reinstate_listing(
                session, actor=actor, statement_id=hold.id, reason=reason, now=now
            )
    else:
        catalog.set_listing_status(
            session, actor=actor, listing_id=listing.listing_id, status="live", reason=reason
        )
    if decision is not None:
        decision.applied = True
    return listing.status


def _restrict(
    session: Session,
    actor: Principal,
    listing: Listing,
    kind: str,
    decision: ScanDecision | None,
    reason: str,
    automated: bool,
    now: datetime | None,
) -> Statement:
    reasons: list[dict[str, Any]] = decision.reasons if decision is not None else []
    facts = "; ".join(str(r.get("detail")) for r in reasons[:MAX_FACTS]) or reason
    right_id = _verified_right(session, decision.brand_id if decision is not None else None)
    evidence: dict[str, Any] = {"reason": reason}
    if decision is not None:
        evidence.update(
            decision_id=decision.id, stage=decision.stage, score=decision.score,
            versions=decision.versions, reasons=reasons,
        )  # fmt: skip
    return enforcement.restrict_listing(
        session,
        actor=actor,
        listing_id=listing.listing_id,
        action=kind,
        ground="illegal_content" if right_id else "terms_of_service",
        facts=facts,
        automated_detection=True,
        automated_decision="fully" if automated else "partially",
        source="proactive",
        right_id=right_id,
        evidence=evidence,
        now=now,
    )


def _verified_right(session: Session, brand_id: str | None) -> str | None:
    """The brand's first verified right: a block then rests on illegal content."""
    if brand_id is None:
        return None
    rights = brands_service.rights_of(session, [brand_id]).get(brand_id, [])
    return next((r.id for r in rights if r.verification == "verified"), None)


def _active_holds(session: Session, listing_id: str) -> list[Statement]:
    stmt = enforcement.query(SYSTEM, listing_id=listing_id, seller_id=None)
    return [
        s
        for s in session.scalars(stmt.order_by(Statement.id))
        if s.status == "active" and s.action == "hold"
    ]
