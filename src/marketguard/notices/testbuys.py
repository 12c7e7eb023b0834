"""Test buys: purchases made to check a listing, and what the goods turned out to be.

A counterfeit result recorded by the platform is confirmed at once; one reported
by a rights holder is confirmed by a reviewer. A confirmed counterfeit test buy
raises the risk of any notice on that listing, is cited in the statement of
reasons, and can itself ground a takedown with a strike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import SYSTEM, Principal, Role
from marketguard.brands import service as brands_service
from marketguard.catalog import service as catalog_service
from marketguard.enforcement import service as enforcement
from marketguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.notices.models import TestBuy
from marketguard.notices.settings import DEFAULT_NOTICE_SETTINGS, NoticeSettings
from marketguard.timeutil import utcnow

RESULTS = ("counterfeit", "genuine", "inconclusive")
STAFF = (Role.reviewer, Role.platform_admin)


def record_test_buy(
    session: Session,
    *,
    actor: Principal,
    listing_id: str,
    purchased_on: date,
    result: str,
    evidence: list[dict[str, Any]],
    notes: str | None = None,
    brand_id: str | None = None,
    now: datetime | None = None,
) -> TestBuy:
    """Record a test purchase (a rights holder for its brand, or the platform)."""
    moment = now or utcnow()
    if actor.role is Role.rights_holder:
        brand_id, recorder = actor.brand_id, "rights_holder"
    elif actor.role in STAFF:
        recorder = "platform"
    else:
        raise Forbidden("only rights holders and the platform record test buys")
    errors = []
    if result not in RESULTS:
        errors.append({"field": "result", "reason": f"one of {', '.join(RESULTS)}"})
    if purchased_on > moment.date():
        errors.append({"field": "purchased_on", "reason": "a purchase date cannot be in future"})
    if result == "counterfeit" and not any(str(e.get("description", "")).strip()
                                           for e in evidence):
        errors.append({"field": "evidence", "reason": "a counterfeit result needs evidence "
                       "(photos, expert report, comparison with genuine goods)"})
    if errors:
        raise InvalidInput("the test buy record is incomplete", errors=errors)
    listing = catalog_service.get_listing(session, principal=SYSTEM, listing_id=listing_id)
    confirmed = recorder == "platform" and result == "counterfeit"
    buy = TestBuy(
        id=new_id("tb"), listing_id=listing_id, seller_id=listing.seller_id, brand_id=brand_id,
        recorded_by=actor.actor, recorder=recorder, purchased_on=purchased_on, result=result,
        evidence=[dict(e) for e in evidence], notes=notes, created_at=moment,
        confirmed_at=moment if confirmed else None,
        confirmed_by=actor.actor if confirmed else None,
    )
    session.add(buy)
    session.flush()
    audit.record(session, actor=actor.actor, action="test_buy.record", object_type="test_buy",
                 object_id=buy.id, after={"listing_id": listing_id, "result": result,
                                          "confirmed": confirmed})
    return buy


def confirm_test_buy(
    session: Session,
    *,
    actor: Principal,
    test_buy_id: str,
    reason: str,
    enforce: bool = True,
    right_id: str | None = None,
    now: datetime | None = None,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
) -> TestBuy:
    """Confirm a counterfeit result and (by default) take the listing down with a strike."""
    moment = now or utcnow()
    buy = session.get(TestBuy, test_buy_id)
    if buy is None:
        raise NotFound(f"no test buy {test_buy_id!r}")
    if buy.result != "counterfeit":
        raise Conflict(f"test buy {test_buy_id} found {buy.result} goods; only a counterfeit "
                       "result can be confirmed as evidence")
    if buy.statement_id is not None:
        raise Conflict(f"test buy {test_buy_id} already grounded statement {buy.statement_id}")
    if not reason.strip():
        raise InvalidInput("confirming a test buy needs a reason")
    if buy.confirmed_at is None:
        buy.confirmed_at, buy.confirmed_by = moment, actor.actor
        audit.record(session, actor=actor.actor, action="test_buy.confirm",
                     object_type="test_buy", object_id=buy.id, reason=reason)
    if not enforce:
        return buy
    right_id = right_id or _verified_right(session, buy.brand_id)
    described = "; ".join(str(e.get("description")) for e in buy.evidence)
    facts = (f"Test buy {buy.id}: the goods bought from listing {buy.listing_id} on "
             f"{buy.purchased_on.isoformat()} were found counterfeit ({reason}). "
             f"Evidence: {described or 'recorded with the test buy'}.")
    statement = enforcement.restrict_listing(
        session, actor=actor, listing_id=buy.listing_id, action="remove",
        ground="illegal_content" if right_id else "terms_of_service",
        facts=facts[:5000], automated_detection=False, automated_decision="not_automated",
        source="test_buy", right_id=right_id, evidence={"test_buy_id": buy.id}, now=moment,
        settings=settings.enforcement,
    )
    buy.statement_id = statement.id
    enforcement.add_strike(session, actor=actor, seller_id=buy.seller_id,
                           statement_id=statement.id, reason=f"test buy {buy.id}", now=moment,
                           settings=settings.enforcement)
    return buy


def _verified_right(session: Session, brand_id: str | None) -> str | None:
    if brand_id is None:
        return None
    rights = brands_service.rights_of(session, [brand_id])[brand_id]
    verified = [r for r in rights if r.verification == "verified"]
    return verified[0].id if verified else None


def test_buys_query(principal: Principal, *, listing_id: str | None) -> Any:
    """The test buys a principal may page through (a rights holder: its brand's)."""
    stmt = select(TestBuy)
    if principal.role is Role.rights_holder:
        stmt = stmt.where(TestBuy.brand_id == principal.brand_id)
    elif principal.role not in STAFF:
        stmt = stmt.where(TestBuy.id.is_(None))
    if listing_id is not None:
        stmt = stmt.where(TestBuy.listing_id == listing_id)
    return stmt


def visible_test_buy(session: Session, *, principal: Principal, test_buy_id: str) -> TestBuy:
    buy = session.get(TestBuy, test_buy_id)
    allowed = buy is not None and (
        principal.role in STAFF
        or (principal.role is Role.rights_holder and buy.brand_id == principal.brand_id)
    )
    if buy is None or not allowed:
        raise NotFound(f"no test buy {test_buy_id!r} visible to this token")
    return buy
