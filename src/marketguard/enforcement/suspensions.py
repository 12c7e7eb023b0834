"""Seller suspension: an account that may not list or sell, for a time or until lifted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM, Principal
from marketguard.catalog import service as catalog_service
from marketguard.enforcement import statements
from marketguard.enforcement.grounds import TOS_CATEGORY
from marketguard.enforcement.models import Statement
from marketguard.enforcement.sellers import load_seller
from marketguard.enforcement.settings import DEFAULT_SETTINGS, EnforcementSettings
from marketguard.errors import Conflict, InvalidInput
from marketguard.timeutil import utcnow


def suspend_seller(
    session: Session,
    *,
    actor: Principal,
    seller_id: str,
    facts: str,
    until: datetime | None,
    explanation: str | None = None,
    tos_clause: str | None = None,
    source: str = "reviewer",
    automated_detection: bool = False,
    automated_decision: str = "not_automated",
    now: datetime | None = None,
    settings: EnforcementSettings = DEFAULT_SETTINGS,
) -> Statement:
    """Suspend a seller account (until a time, or indefinitely) on a terms ground."""
    moment = now or utcnow()
    if until is not None and until <= moment:
        raise InvalidInput("a suspension must end in the future (or give no end)")
    seller = load_seller(session, seller_id)
    if seller.status != "active":
        raise Conflict(f"seller {seller_id} is {seller.status}, not active")
    clause = tos_clause or settings.clauses["suspension"]
    explanation = explanation or f"The account is suspended under {clause}."
    statements.check_common(
        ground="terms_of_service", source=source, facts=facts, explanation=explanation
    )
    statement = statements.create(
        session,
        actor=actor,
        moment=moment,
        settings=settings,
        listings=[],
        seller_id=seller_id,
        listing_id=None,
        scope="seller",
        action="suspend",
        ground="terms_of_service",
        tos_clause=clause,
        category=TOS_CATEGORY,
        keywords=[],
        explanation=explanation,
        facts=facts,
        automated_detection=automated_detection,
        automated_decision=statements.normalise_automation(automated_decision),
        source=source,
        evidence={},
        content_date=seller.created_at,
        ends_at=until,
    )
    catalog_service.set_seller_status(
        session, actor=actor, seller=seller, status="suspended", reason=f"statement {statement.id}"
    )
    return statement


def lift_suspension(
    session: Session,
    *,
    actor: Principal,
    statement_id: str,
    reason: str,
    now: datetime | None = None,
    expired: bool = False,
) -> Statement:
    """End a suspension early (appeal, review) or because its end time came."""
    statement = statements.load(session, statement_id)
    if statement.scope != "seller" or statement.status != "active":
        raise Conflict(f"statement {statement_id} is not an active suspension")
    statements.reverse(
        session,
        actor=actor,
        statement=statement,
        reason=reason,
        moment=now or utcnow(),
        status="expired" if expired else "reversed",
    )
    seller = load_seller(session, statement.seller_id)
    if seller.status == "suspended":
        catalog_service.set_seller_status(
            session, actor=actor, seller=seller, status="active", reason=reason
        )
    return statement


def expire_suspensions(session: Session, *, now: datetime | None = None) -> int:
    """Lift every suspension whose end time has come; return how many."""
    moment = now or utcnow()
    due = list(
        session.scalars(
            select(Statement).where(
                Statement.scope == "seller",
                Statement.status == "active",
                Statement.ends_at.is_not(None),
                Statement.ends_at <= moment,
            )
        )
    )
    for statement in due:
        lift_suspension(
            session,
            actor=SYSTEM,
            statement_id=statement.id,
            reason="the suspension period ended",
            now=moment,
            expired=True,
        )
    return len(due)
