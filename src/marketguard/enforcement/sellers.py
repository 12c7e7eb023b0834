"""Strikes, seller suspension and store closure: the repeat-infringer policy.

A confirmed infringement adds a strike; a won appeal removes it. When a seller
holds ``strikes_to_close`` active strikes (within ``strike_window``) the store is
closed automatically, with its own statement of reasons, and that closure is
appealable like any other restriction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import SYSTEM, Principal
from marketguard.catalog import service as catalog_service
from marketguard.catalog.models import Seller
from marketguard.enforcement import statements
from marketguard.enforcement.grounds import TOS_CATEGORY
from marketguard.enforcement.listings import ground_fields
from marketguard.enforcement.models import Statement, Strike
from marketguard.enforcement.settings import DEFAULT_SETTINGS, EnforcementSettings
from marketguard.errors import Conflict
from marketguard.ids import new_id
from marketguard.timeutil import utcnow


@dataclass(frozen=True)
class Standing:
    """A seller's standing under the repeat-infringer policy."""

    seller_id: str
    status: str
    strikes: list[Strike]
    strikes_to_close: int
    window_days: int

    @property
    def strikes_left(self) -> int:
        return max(self.strikes_to_close - len(self.strikes), 0)


def load_seller(session: Session, seller_id: str) -> Seller:
    seller, _count = catalog_service.get_seller(session, principal=SYSTEM, seller_id=seller_id)
    return seller


def active_strikes(session: Session, *, seller_id: str, now: datetime) -> list[Strike]:
    """Return the seller's strikes that count now (not removed, not expired)."""
    stmt = (
        select(Strike)
        .where(Strike.seller_id == seller_id, Strike.removed_at.is_(None))
        .where(Strike.expires_at > now)
        .order_by(Strike.created_at)
    )
    return list(session.scalars(stmt))


def standing(
    session: Session,
    *,
    seller_id: str,
    now: datetime | None = None,
    settings: EnforcementSettings = DEFAULT_SETTINGS,
) -> Standing:
    """Return a seller's status and active strikes."""
    seller = load_seller(session, seller_id)
    return Standing(
        seller_id=seller_id,
        status=seller.status,
        strikes=active_strikes(session, seller_id=seller_id, now=now or utcnow()),
        strikes_to_close=settings.strikes_to_close,
        window_days=settings.strike_window.days,
    )


def add_strike(
    session: Session,
    *,
    actor: Principal,
    seller_id: str,
    statement_id: str,
    reason: str,
    now: datetime | None = None,
    settings: EnforcementSettings = DEFAULT_SETTINGS,
) -> Strike:
    """Count a confirmed infringement; close the store when the policy says so."""
    moment = now or utcnow()
    existing = session.scalars(
        select(Strike).where(Strike.statement_id == statement_id, Strike.removed_at.is_(None))
    ).first()
    if existing is not None:
        return existing
    seller = load_seller(session, seller_id)
    strike = Strike(
        id=new_id("stk"),
        seller_id=seller_id,
        statement_id=statement_id,
        reason=reason,
        created_at=moment,
        expires_at=moment + settings.strike_window,
    )
    session.add(strike)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="enforcement.strike.add",
        object_type="seller",
        object_id=seller_id,
        reason=reason,
        after={"strike": strike.id, "statement": statement_id},
    )
    strikes = active_strikes(session, seller_id=seller_id, now=moment)
    if len(strikes) >= settings.strikes_to_close and seller.status != "closed":
        listed = "; ".join(f"{s.created_at:%Y-%m-%d} {s.reason}" for s in strikes)
        close_store(
            session,
            actor=SYSTEM,
            seller_id=seller_id,
            ground="terms_of_service",
            tos_clause=settings.clauses["repeat_infringer"],
            facts=f"{len(strikes)} confirmed infringements within "
            f"{settings.strike_window.days} days: {listed}"[: statements.MAX_FACTS],
            explanation=f"The seller reached {len(strikes)} strikes; our repeat-infringer "
            f"policy closes a store at {settings.strikes_to_close}.",
            source="policy",
            automated_detection=False,
            automated_decision="fully",
            evidence={"strikes": [s.id for s in strikes]},
            now=moment,
            settings=settings,
        )
    return strike


def remove_strikes(
    session: Session,
    *,
    actor: Principal,
    statement_id: str,
    reason: str,
    now: datetime | None = None,
    settings: EnforcementSettings = DEFAULT_SETTINGS,
) -> list[Strike]:
    """Remove the strikes a statement caused (its appeal was won); reopen if owed."""
    moment = now or utcnow()
    removed = list(
        session.scalars(
            select(Strike).where(Strike.statement_id == statement_id, Strike.removed_at.is_(None))
        )
    )
    for strike in removed:
        strike.removed_at = moment
        strike.removal_reason = reason
        audit.record(
            session,
            actor=actor.actor,
            action="enforcement.strike.remove",
            object_type="seller",
            object_id=strike.seller_id,
            reason=reason,
            before={"strike": strike.id},
        )
    for seller_id in {s.seller_id for s in removed}:
        closure = session.scalars(
            select(Statement).where(
                Statement.seller_id == seller_id,
                Statement.scope == "store",
                Statement.source == "policy",
                Statement.status == "active",
            )
        ).first()
        left = active_strikes(session, seller_id=seller_id, now=moment)
        if closure is not None and len(left) < settings.strikes_to_close:
            reopen_store(
                session,
                actor=actor,
                statement_id=closure.id,
                reason=f"strikes fell below {settings.strikes_to_close} after: {reason}",
                now=moment,
            )
    return removed


def close_store(
    session: Session,
    *,
    actor: Principal,
    seller_id: str,
    ground: str,
    facts: str,
    source: str,
    automated_detection: bool,
    automated_decision: str,
    explanation: str | None = None,
    tos_clause: str | None = None,
    right_id: str | None = None,
    evidence: dict[str, Any] | None = None,
    now: datetime | None = None,
    settings: EnforcementSettings = DEFAULT_SETTINGS,
) -> Statement:
    """Close a store: terminate the account and take every live or held listing down."""
    moment = now or utcnow()
    seller = load_seller(session, seller_id)
    if seller.status == "closed":
        raise Conflict(f"the store of seller {seller_id} is already closed")
    fields = ground_fields(
        session,
        ground=ground,
        right_id=right_id,
        tos_clause=tos_clause,
        default_clause=settings.clauses["repeat_infringer"],
        category=None if ground == "illegal_content" else TOS_CATEGORY,
        keywords=None,
    )
    explanation = explanation or "The store was closed for repeated or serious infringements."
    statements.check_common(ground=ground, source=source, facts=facts, explanation=explanation)
    stmt = catalog_service.listings_query(SYSTEM, seller_id=seller_id, status=None)
    down = sorted(r.listing_id for r in session.scalars(stmt) if r.status in ("live", "held"))
    statement = statements.create(
        session,
        actor=actor,
        moment=moment,
        settings=settings,
        listings=down,
        seller_id=seller_id,
        listing_id=None,
        scope="store",
        action="close",
        ground=ground,
        explanation=explanation,
        facts=facts,
        automated_detection=automated_detection,
        automated_decision=statements.normalise_automation(automated_decision),
        source=source,
        evidence=dict(evidence or {}),
        affected_listings=down,
        content_date=seller.created_at,
        **fields,
    )
    for listing_id in down:
        catalog_service.set_listing_status(
            session,
            actor=actor,
            listing_id=listing_id,
            status="removed",
            reason=f"store closed (statement {statement.id})",
        )
    catalog_service.set_seller_status(
        session, actor=actor, seller=seller, status="closed", reason=f"statement {statement.id}"
    )
    return statement


def reopen_store(
    session: Session,
    *,
    actor: Principal,
    statement_id: str,
    reason: str,
    now: datetime | None = None,
) -> Statement:
    """Lift a store closure: reactivate the seller and restore the listings it took down."""
    statement = statements.load(session, statement_id)
    if statement.scope != "store" or statement.status != "active":
        raise Conflict(f"statement {statement_id} is not an active store closure")
    statements.reverse(
        session, actor=actor, statement=statement, reason=reason, moment=now or utcnow()
    )
    seller = load_seller(session, statement.seller_id)
    catalog_service.set_seller_status(
        session, actor=actor, seller=seller, status="active", reason=f"reopened: {reason}"
    )
    for listing_id in statement.affected_listings:
        if statements.other_active_restrictions(
            session, listing_id=listing_id, except_id=statement.id
        ):
            continue
        catalog_service.set_listing_status(
            session,
            actor=actor,
            listing_id=listing_id,
            status="live",
            reason=f"store reopened (statement {statement.id})",
        )
    return statement
