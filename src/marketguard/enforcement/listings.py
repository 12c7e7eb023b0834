"""Take listings down (block, remove, disable, hold) and put them back.

Every takedown records whether it came before the listing's first sale, because
"removed before anyone bought it" is the figure that proves proactive detection
works.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM, Principal
from marketguard.brands import service as brands_service
from marketguard.catalog import service as catalog_service
from marketguard.enforcement import grounds, statements
from marketguard.enforcement.models import LISTING_ACTIONS, Statement
from marketguard.enforcement.settings import DEFAULT_SETTINGS, EnforcementSettings
from marketguard.errors import Conflict, InvalidInput
from marketguard.timeutil import utcnow

LISTING_STATUS = {"block": "blocked", "remove": "removed", "disable": "blocked", "hold": "held"}


def right_facts(session: Session, right_id: str) -> tuple[str, grounds.RightFacts]:
    """Return the brand id and the statement facts of a right."""
    right = brands_service.get_right(session, right_id=right_id)
    brand = brands_service.resolve_brand(session, right.brand_id)
    facts = grounds.RightFacts(
        kind=right.kind,
        number=right.number,
        jurisdiction=right.jurisdiction,
        holder=right.holder,
        brand=brand.name,
    )
    return brand.id, facts


def ground_fields(
    session: Session,
    *,
    ground: str,
    right_id: str | None,
    tos_clause: str | None,
    default_clause: str,
    category: str | None,
    keywords: list[str] | None,
) -> dict[str, Any]:
    """Resolve the legal ground or clause, category and keywords of a statement."""
    fields: dict[str, Any] = {
        "right_id": right_id,
        "brand_id": None,
        "legal_ground": None,
        "tos_clause": None,
        "category": category,
        "keywords": list(keywords or []),
    }
    if right_id is not None:
        brand_id, facts = right_facts(session, right_id)
        fields["brand_id"] = brand_id
        fields["keywords"] = fields["keywords"] or [grounds.KEYWORD_BY_KIND[facts.kind]]
        if ground == "illegal_content":
            fields["legal_ground"] = grounds.legal_ground(facts)
    if ground == "illegal_content":
        if right_id is None:
            raise InvalidInput(
                "an illegal-content restriction must name the right relied on",
                errors=[{"field": "right_id", "reason": "required for illegal_content"}],
            )
        fields["category"] = category or grounds.IP_CATEGORY
    else:
        fields["tos_clause"] = tos_clause or default_clause
        fields["category"] = category or grounds.TOS_CATEGORY
    return fields


def restrict_listing(
    session: Session,
    *,
    actor: Principal,
    listing_id: str,
    action: str,
    ground: str,
    facts: str,
    automated_detection: bool,
    automated_decision: str,
    source: str,
    right_id: str | None = None,
    notice_id: str | None = None,
    notice_item_id: str | None = None,
    evidence: dict[str, Any] | None = None,
    explanation: str | None = None,
    tos_clause: str | None = None,
    category: str | None = None,
    keywords: list[str] | None = None,
    now: datetime | None = None,
    settings: EnforcementSettings = DEFAULT_SETTINGS,
) -> Statement:
    """Restrict one listing and return the statement of reasons stored with it.

    ``action``: block (never goes live), remove, disable (access disabled) or hold
    (pending review). ``ground``: ``illegal_content`` (give ``right_id``) or
    ``terms_of_service`` (``tos_clause``, defaulting to the counterfeit clause).
    """
    if action not in LISTING_ACTIONS:
        raise InvalidInput(f"action must be one of {', '.join(LISTING_ACTIONS)}, got {action!r}")
    decision = statements.normalise_automation(automated_decision)
    moment = now or utcnow()
    listing = catalog_service.get_listing(session, principal=SYSTEM, listing_id=listing_id)
    clause_key = "review_hold" if action == "hold" else "counterfeit"
    fields = ground_fields(
        session,
        ground=ground,
        right_id=right_id,
        tos_clause=tos_clause,
        default_clause=settings.clauses[clause_key],
        category=category,
        keywords=keywords,
    )
    if explanation is None:
        if ground == "illegal_content":
            explanation = f"The listing offers goods that infringe: {fields['legal_ground']}."
        else:
            explanation = f"The listing breaches {fields['tos_clause']}."
    statements.check_common(ground=ground, source=source, facts=facts, explanation=explanation)
    first_sale = catalog_service.first_sale_at(session, listing_id=listing_id)
    statement = statements.create(
        session,
        actor=actor,
        moment=moment,
        settings=settings,
        listings=[listing_id],
        seller_id=listing.seller_id,
        listing_id=listing_id,
        scope="listing",
        action=action,
        ground=ground,
        explanation=explanation,
        facts=facts,
        automated_detection=automated_detection,
        automated_decision=decision,
        source=source,
        notice_id=notice_id,
        notice_item_id=notice_item_id,
        evidence=dict(evidence or {}),
        content_date=listing.created_at,
        first_sale_at=first_sale,
        before_first_sale=first_sale is None or first_sale > moment,
        **fields,
    )
    catalog_service.set_listing_status(
        session,
        actor=actor,
        listing_id=listing_id,
        status=LISTING_STATUS[action],
        reason=f"statement {statement.id}: {action} on {ground}",
    )
    return statement


def reinstate_listing(
    session: Session,
    *,
    actor: Principal,
    statement_id: str,
    reason: str,
    now: datetime | None = None,
) -> Statement:
    """Lift a listing restriction; the listing goes live unless another one still holds."""
    statement = statements.load(session, statement_id)
    if statement.scope != "listing" or statement.listing_id is None:
        raise InvalidInput(f"statement {statement_id} is not a listing restriction")
    if statement.status != "active":
        raise Conflict(f"statement {statement_id} was already lifted ({statement.status})")
    statements.reverse(
        session, actor=actor, statement=statement, reason=reason, moment=now or utcnow()
    )
    remaining = statements.other_active_restrictions(
        session, listing_id=statement.listing_id, except_id=statement.id
    )
    if remaining == 0:
        catalog_service.set_listing_status(
            session,
            actor=actor,
            listing_id=statement.listing_id,
            status="live",
            reason=f"statement {statement.id} lifted: {reason}",
        )
    return statement
