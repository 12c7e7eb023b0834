"""An aged marketplace for retention and subject-rights tests.

S-0001's store was closed 400 days ago (past every period), S-0003's 30 days ago
(inside them), S-0002 is open. One order and one settled notice are old, one of
each recent; one stored answer to a retry is old, one recent. Moving a record's
clock into the past is done on its stored timestamps, as time would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marketguard.api.models import IdempotencyRecord
from marketguard.audit.models import AuditRecord
from marketguard.auth.roles import Principal, Role
from marketguard.catalog import service as catalog_service
from marketguard.catalog.models import Listing, Order, Seller, SellerIdentifier
from marketguard.config import Settings
from marketguard.enforcement import service as enforcement
from marketguard.notices import service as notices_service
from marketguard.notices.models import Notice
from marketguard.timeutil import format_rfc3339, utcnow
from marketguard.uow import unit_of_work
from tests.dataguard.helpers import DataWorld, seed
from tests.factories import listing, seller, write_jsonl
from tests.notices.helpers import principal, submission

DAY = timedelta(days=1)
OLD_BUYER = "buyer-old-77120"
NEW_BUYER = "buyer-new-88231"
OLD_KEPT = "OLD-ORDER-KEPT-5521"
REVIEWER = principal(Role.reviewer, "retention-reviewer")


@dataclass(frozen=True)
class Aged:
    world: DataWorld
    now: datetime
    ids: dict[str, Any]


def close(session: Session, seller_id: str, at: datetime) -> str:
    statement = enforcement.close_store(
        session, actor=REVIEWER, seller_id=seller_id, ground="terms_of_service",
        facts="Repeated counterfeit listings confirmed by test buys.", source="reviewer",
        automated_detection=False, automated_decision="not_automated", now=at,
    )
    return statement.id


def aged(settings: Settings, folder: Path) -> Aged:
    """Seed the data world, then age its records as described in the module docstring."""
    world = seed(settings, folder)
    now = utcnow()
    admin = Principal(token_id="t-admin", name="admin", role=Role.platform_admin)
    sellers = write_jsonl(folder / "third.jsonl", [
        seller("S-0003", identifiers={"phone": ["+4915100000003"], "device": ["d-3"]},
               vat_number="DE-333"),
    ])
    listings = write_jsonl(folder / "kept.jsonl", [
        listing("L-9", "S-0001", warehouse_note="shelf 9"),
        listing("L-10", "S-0003", warehouse_note="shelf 10"),
    ])
    orders = write_jsonl(folder / "orders.jsonl", [
        {"order_id": "O-old", "listing_id": "L-2", "ts": format_rfc3339(now - 800 * DAY),
         "user_id": OLD_BUYER, "amount": 2900, "currency": "EUR", "buyer_phone": OLD_KEPT},
        {"order_id": "O-new", "listing_id": "L-2", "ts": format_rfc3339(now - 10 * DAY),
         "user_id": NEW_BUYER, "amount": 2900, "currency": "EUR", "buyer_phone": "NEW-1"},
    ])
    ids: dict[str, Any] = dict(world.ids)
    with unit_of_work(settings) as session:
        catalog_service.import_sellers(session, actor=admin, path=sellers)
        catalog_service.import_listings(session, actor=admin, path=listings)
        catalog_service.import_orders(session, actor=admin, path=orders)
        ids["closure_old"] = close(session, "S-0001", now - 400 * DAY)
        ids["closure_recent"] = close(session, "S-0003", now - 30 * DAY)
        recent = notices_service.file_notice(
            session, actor=_acme(world),
            submission=submission(world.ids["acme_right"], ["L-3"],
                                  notifier_name="Recent Notifier",
                                  notifier_email="recent@acme.example"))
        ids["notice_recent"] = recent.id
        session.flush()
        for notice_id, days in ((world.ids["notice"], 400), (recent.id, 10)):
            session.execute(update(Notice).where(Notice.id == notice_id).values(
                status="closed", closed_at=now - days * DAY))
        for key, days in (("old", 9), ("new", 1)):
            session.add(IdempotencyRecord(
                scope="s", key=key, method="POST", path="/api/v1/notices", request_hash="h",
                state="done", status_code=201, content_type="application/json",
                body=b'{"notifier": "someone"}', created_at=now - days * DAY))
    return Aged(world=world, now=now, ids=ids)


def _acme(world: DataWorld) -> Principal:
    return Principal(token_id="t-acme", name="acme-legal", role=Role.rights_holder,
                     brand_id=world.ids["acme"])


def snapshot(settings: Settings) -> dict[str, Any]:
    """Every personal column the sweep may touch, and the audit log's length."""
    with unit_of_work(settings) as session:
        return {
            "sellers": sorted((s.seller_id, s.identifiers, s.extra)
                              for s in session.scalars(select(Seller))),
            "seller_identifiers": sorted(
                (i.seller_id, i.kind, i.value) for i in session.scalars(select(SellerIdentifier))),
            "listings": sorted((x.listing_id, x.extra) for x in session.scalars(select(Listing))),
            "orders": sorted((o.order_id, o.buyer_id, o.extra)
                             for o in session.scalars(select(Order))),
            "notices": sorted((n.id, n.notifier_name, n.notifier_email)
                              for n in session.scalars(select(Notice))),
            "idempotency": sorted(session.scalars(select(IdempotencyRecord.key))),
            "audit": session.scalar(select(func.count()).select_from(AuditRecord)),
        }
