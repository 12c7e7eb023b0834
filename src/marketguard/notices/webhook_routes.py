"""Webhook routes: register, list and revoke a notifier's webhooks, read its deliveries."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.errors import NotFound
from marketguard.notices import webhooks
from marketguard.notices.auth import WebhooksManage
from marketguard.notices.models import Webhook, WebhookDelivery
from marketguard.notices.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookIssued,
    WebhookRead,
)

router = APIRouter()


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
