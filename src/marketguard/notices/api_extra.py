"""Test buy and webhook routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.auth.roles import Role
from marketguard.errors import Forbidden, NotFound
from marketguard.notices import testbuys, webhooks
from marketguard.notices.auth import NoticesDecide, NoticesRead, TestBuysWrite, WebhooksManage
from marketguard.notices.models import TestBuy, Webhook, WebhookDelivery
from marketguard.notices.schemas import (
    ConfirmationIn,
    DeliveryRead,
    TestBuyCreate,
    TestBuyRead,
    WebhookCreate,
    WebhookIssued,
    WebhookRead,
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


def _hook(webhook: Webhook) -> WebhookRead:
    return WebhookRead.model_validate(webhook, from_attributes=True)


@router.post("/webhooks", response_model=WebhookIssued, status_code=201, tags=["webhooks"])
def register_webhook(body: WebhookCreate, principal: WebhooksManage,
                     session: SessionDep, settings: SettingsDep) -> WebhookIssued:
    """Register an endpoint for your notices' events; the signing secret is shown once."""
    webhook, secret = webhooks.register(
        session, actor=principal, brand_id=principal.brand_id or "", url=body.url,
        secret_key=settings.secret_key.get_secret_value(),
        allow_private=settings.webhook_allow_private,
    )
    return WebhookIssued(**_hook(webhook).model_dump(), secret=secret)


@router.get("/webhooks", response_model=Page[WebhookRead], tags=["webhooks"])
def list_webhooks(principal: WebhooksManage, session: SessionDep, cursor: str | None = None,
                  limit: int = DEFAULT_LIMIT) -> Page[WebhookRead]:
    """Your brand's webhook endpoints."""
    stmt = select(Webhook).where(Webhook.brand_id == principal.brand_id)
    rows, next_cursor = paginate(session, stmt, Webhook.id, cursor=cursor, limit=limit)
    return Page[WebhookRead](items=[_hook(w) for w in rows], next=next_cursor)


@router.post("/webhooks/{webhook_id}/revocation", response_model=WebhookRead, tags=["webhooks"])
def revoke_webhook(webhook_id: str, principal: WebhooksManage,
                   session: SessionDep) -> WebhookRead:
    """Stop deliveries to an endpoint at once."""
    return _hook(webhooks.revoke(session, actor=principal, brand_id=principal.brand_id,
                                 webhook_id=webhook_id))


@router.get("/webhooks/{webhook_id}/deliveries", response_model=Page[DeliveryRead],
            tags=["webhooks"])
def list_deliveries(webhook_id: str, principal: WebhooksManage, session: SessionDep,
                    cursor: str | None = None,
                    limit: int = DEFAULT_LIMIT) -> Page[DeliveryRead]:
    """An endpoint's deliveries: status, attempts and the last error of each."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.brand_id != principal.brand_id:
        raise NotFound(f"no webhook {webhook_id!r} visible to this token")
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    rows, next_cursor = paginate(session, stmt, WebhookDelivery.id, cursor=cursor, limit=limit)
    return Page[DeliveryRead](
        items=[DeliveryRead.model_validate(d, from_attributes=True) for d in rows],
        next=next_cursor,
    )
