"""Create and read statements of reasons (the rows every restriction is stored in)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal, Role
from marketguard.enforcement import grounds
from marketguard.enforcement.models import (
    AUTOMATION,
    GROUNDS,
    SOURCES,
    Statement,
    StatementListing,
)
from marketguard.enforcement.settings import EnforcementSettings
from marketguard.errors import InvalidInput, NotFound
from marketguard.ids import new_id

_AUTOMATION_ALIASES = {
    "fully": "fully",
    "automated_decision_fully": "fully",
    "partially": "partially",
    "automated_decision_partially": "partially",
    "not_automated": "not_automated",
    "none": "not_automated",
    "automated_decision_not_automated": "not_automated",
}
MAX_FACTS = 5000  # the DSA Transparency Database's limit for decision_facts
MAX_EXPLANATION = 2000  # ... and for illegal/incompatible content explanations


def normalise_automation(value: str) -> str:
    """Accept ``fully``/``partially``/``not_automated`` or the DSA keys; return the short form."""
    found = _AUTOMATION_ALIASES.get(value.strip().lower())
    if found is None:
        raise InvalidInput(
            f"automated_decision must be one of {', '.join(AUTOMATION)} "
            f"(or the DSA AUTOMATED_DECISION_* keys), got {value!r}"
        )
    return found


def check_common(*, ground: str, source: str, facts: str, explanation: str) -> None:
    """Refuse a restriction whose statement would be incomplete or too long."""
    errors = []
    if ground not in GROUNDS:
        errors.append({"field": "ground", "reason": f"must be one of {', '.join(GROUNDS)}"})
    if source not in SOURCES:
        errors.append({"field": "source", "reason": f"must be one of {', '.join(SOURCES)}"})
    if not facts.strip():
        errors.append({"field": "facts", "reason": "state the facts the decision relies on"})
    if len(facts) > MAX_FACTS:
        errors.append({"field": "facts", "reason": f"at most {MAX_FACTS} characters"})
    if len(explanation) > MAX_EXPLANATION:
        errors.append(
            {"field": "explanation", "reason": f"at most {MAX_EXPLANATION} characters"}
        )
    if errors:
        raise InvalidInput("the restriction cannot carry a complete statement", errors=errors)


def create(
    session: Session,
    *,
    actor: Principal,
    moment: datetime,
    settings: EnforcementSettings,
    listings: list[str],
    **fields: Any,
) -> Statement:
    """Store a statement and the listings it restricts, audited; return it."""
    until = moment + settings.appeal_window
    statement = Statement(
        id=new_id("sor"),
        created_at=moment,
        appeal_until=until,
        redress=settings.appeal_instructions.format(until=until.date().isoformat()),
        status="active",
        **fields,
    )
    session.add(statement)
    session.add_all(StatementListing(statement_id=statement.id, listing_id=i) for i in listings)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action=f"enforcement.{statement.scope}.{statement.action}",
        object_type="statement",
        object_id=statement.id,
        reason=statement.explanation,
        after={
            "seller_id": statement.seller_id,
            "listing_id": statement.listing_id,
            "ground": statement.ground,
            "source": statement.source,
            "listings": len(listings),
        },
    )
    return statement


def reverse(
    session: Session, *, actor: Principal, statement: Statement, reason: str, moment: datetime,
    status: str = "reversed",
) -> Statement:
    """Mark a statement's restriction as lifted (kept, never deleted), audited."""
    if not reason.strip():
        raise InvalidInput("lifting a restriction needs a reason")
    before = statement.status
    statement.status = status
    statement.reversed_at = moment
    statement.reversal_reason = reason
    audit.record(
        session,
        actor=actor.actor,
        action=f"enforcement.{statement.scope}.lift",
        object_type="statement",
        object_id=statement.id,
        reason=reason,
        before={"status": before},
        after={"status": status},
    )
    return statement


def other_active_restrictions(session: Session, *, listing_id: str, except_id: str) -> int:
    """Count active restrictions on a listing other than ``except_id``."""
    stmt = (
        select(Statement.id)
        .join(StatementListing, StatementListing.statement_id == Statement.id)
        .where(
            StatementListing.listing_id == listing_id,
            Statement.status == "active",
            Statement.id != except_id,
            Statement.action != "suspend",
        )
    )
    return len(list(session.scalars(stmt)))


def load(session: Session, statement_id: str) -> Statement:
    statement = session.get(Statement, statement_id)
    if statement is None:
        raise NotFound(f"no statement {statement_id!r}")
    return statement


def issued_by(session: Session, *, statement_id: str) -> str | None:
    """Return who issued a statement (its audit actor), i.e. who took the decision."""
    for record in audit.list_records(session, object_id=statement_id, limit=10):
        if record.object_type == "statement" and record.action.startswith("enforcement."):
            return record.actor
    return None


def can_see(principal: Principal, statement: Statement) -> bool:
    """A seller sees its own statements; staff see all."""
    if principal.role is Role.seller:
        return principal.seller_id == statement.seller_id
    return principal.role in {Role.reviewer, Role.platform_admin, Role.auditor, Role.analyst}


def visible(session: Session, *, principal: Principal, statement_id: str) -> Statement:
    """Return a statement the principal may read; others look absent."""
    statement = session.get(Statement, statement_id)
    if statement is None or not can_see(principal, statement):
        raise NotFound(f"no statement {statement_id!r} visible to this token")
    return statement


def query(principal: Principal, *, listing_id: str | None, seller_id: str | None) -> Any:
    """Build the query of statements this principal may page through."""
    stmt = select(Statement)
    if principal.role is Role.seller:
        stmt = stmt.where(Statement.seller_id == principal.seller_id)
    elif principal.role not in {Role.reviewer, Role.platform_admin, Role.auditor, Role.analyst}:
        stmt = stmt.where(Statement.id.is_(None))
    if seller_id is not None:
        stmt = stmt.where(Statement.seller_id == seller_id)
    if listing_id is not None:
        linked = select(StatementListing.statement_id).where(
            StatementListing.listing_id == listing_id
        )
        stmt = stmt.where(Statement.id.in_(linked))
    return stmt


def describe(statement: Statement) -> dict[str, str]:
    """The statement in plain words for the seller: what, why, facts, automation, redress."""
    if statement.ground == "illegal_content":
        ground = f"Illegal content: {statement.legal_ground}"
    else:
        ground = f"Incompatible with our terms of service: {statement.tos_clause}"
    return {
        "restriction": grounds.action_words(statement.scope, statement.action),
        "ground": ground,
        "explanation": statement.explanation,
        "facts": statement.facts,
        "automation": grounds.automation_words(
            statement.automated_detection, statement.automated_decision
        ),
        "how_to_appeal": statement.redress,
    }
