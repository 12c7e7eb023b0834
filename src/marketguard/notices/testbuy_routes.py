"""Test-buy routes: record a test purchase, list and read them, confirm the result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from marketguard.api.deps import SessionDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.auth.roles import Role
from marketguard.errors import Forbidden
from marketguard.notices import testbuys
from marketguard.notices.auth import NoticesDecide, NoticesRead, TestBuysWrite
from marketguard.notices.models import TestBuy
from marketguard.notices.schemas import (
    ConfirmationIn,
    TestBuyCreate,
    TestBuyRead,
)
from marketguard.notices.settings import NoticeSettings, get_notice_settings

router = APIRouter()
PolicyDep = Annotated[NoticeSettings, Depends(get_notice_settings)]


def _buy(buy: TestBuy) -> TestBuyRead:
    return TestBuyRead.model_validate(buy, from_attributes=True)


@router.post("/test-buys", response_model=TestBuyRead, status_code=201, tags=["test buys"])
def record_test_buy(body: TestBuyCreate, principal: TestBuysWrite,
                    session: SessionDep) -> TestBuyRead:
    """Record a test purchase: listing, date, result and evidence."""
    if body.brand_id is not None and principal.role is Role.rights_holder:
        raise Forbidden("a rights holder records test buys for its own brand only")
    buy = testbuys.record_test_buy(
        session, actor=principal, listing_id=body.listing_id, purchased_on=body.purchased_on,
        result=body.result, evidence=[e.model_dump() for e in body.evidence], notes=body.notes,
        brand_id=body.brand_id,
    )
    return _buy(buy)


@router.get("/test-buys", response_model=Page[TestBuyRead], tags=["test buys"])
def list_test_buys(principal: NoticesRead, session: SessionDep, listing_id: str | None = None,
                   cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[TestBuyRead]:
    """Page through test buys (a rights holder sees its own brand's)."""
    stmt = testbuys.test_buys_query(principal, listing_id=listing_id)
    rows, next_cursor = paginate(session, stmt, TestBuy.id, cursor=cursor, limit=limit)
    return Page[TestBuyRead](items=[_buy(b) for b in rows], next=next_cursor)


@router.get("/test-buys/{test_buy_id}", response_model=TestBuyRead, tags=["test buys"])
def get_test_buy(test_buy_id: str, principal: NoticesRead, session: SessionDep) -> TestBuyRead:
    """Return one test buy."""
    return _buy(testbuys.visible_test_buy(session, principal=principal, test_buy_id=test_buy_id))


@router.post("/test-buys/{test_buy_id}/confirmation", response_model=TestBuyRead,
             tags=["test buys"])
def confirm_test_buy(test_buy_id: str, body: ConfirmationIn, principal: NoticesDecide,
                     session: SessionDep, policy: PolicyDep) -> TestBuyRead:
    """Confirm a counterfeit result as evidence; by default take the listing down."""
    buy = testbuys.confirm_test_buy(session, actor=principal, test_buy_id=test_buy_id,
                                    reason=body.reason, enforce=body.enforce,
                                    right_id=body.right_id, settings=policy)
    return _buy(buy)
