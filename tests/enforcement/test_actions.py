"""Every restriction carries a complete statement of reasons; the scanner's door."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.enforcement import service as enforcement
from marketguard.enforcement.models import Statement
from marketguard.errors import Conflict, InvalidInput, NotFound
from marketguard.uow import unit_of_work
from tests.factories import write_jsonl
from tests.notices.helpers import HOUR, T0, make_world


def _status(session: Session, listing_id: str) -> str:
    return catalog_service.get_listing(session, principal=SYSTEM, listing_id=listing_id).status


def _block(session: Session, listing_id: str, **overrides: Any) -> Statement:
    kwargs: dict[str, Any] = dict(
        actor=SYSTEM, listing_id=listing_id, action="block", ground="terms_of_service",
        facts="Text match 'acme style'; PDQ distance 12 to official image; price 15% of MSRP.",
        automated_detection=True, automated_decision="AUTOMATED_DECISION_FULLY",
        source="proactive", evidence={"score": 0.97, "model": "v3"}, now=T0,
    )
    kwargs.update(overrides)
    return enforcement.restrict_listing(session, **kwargs)


def test_when_the_scanner_blocks_a_listing_then_the_statement_explains_the_automated_decision(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    make_world(settings, tmp_path)
    statement = _block(session, "L-1")
    assert _status(session, "L-1") == "blocked"
    words = enforcement.describe(statement)
    assert words["restriction"] == "The listing was blocked before it went live."
    assert "counterfeit and replica goods" in words["ground"]
    assert words["automation"] == (
        "The content was detected by automated means and decided fully automatically."
    )
    assert statement.evidence == {"score": 0.97, "model": "v3"}
    assert statement.before_first_sale is True


def test_when_a_listing_sold_before_its_takedown_then_the_takedown_is_not_before_first_sale(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    make_world(settings, tmp_path)
    orders = write_jsonl(tmp_path / "orders.jsonl", [
        {"order_id": "O-1", "listing_id": "L-2", "ts": "2026-11-05T12:00:00Z", "amount": 2900,
         "currency": "EUR"},
    ])
    with unit_of_work(settings) as other:
        catalog_service.import_orders(other, actor=SYSTEM, path=orders)
    statement = _block(session, "L-2", action="remove")
    assert statement.before_first_sale is False
    assert statement.first_sale_at == datetime(2026, 11, 5, 12, tzinfo=UTC)


def test_when_one_of_two_restrictions_is_lifted_then_the_listing_stays_down(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    first = _block(session, "L-1", action="hold", now=T0)
    second = _block(session, "L-1", action="remove", ground="illegal_content",
                    right_id=world.ids["acme_right"], source="reviewer",
                    automated_detection=False, automated_decision="not_automated",
                    now=T0 + HOUR)
    enforcement.reinstate_listing(session, actor=world.reviewer, statement_id=first.id,
                                  reason="hold resolved", now=T0 + 2 * HOUR)
    assert _status(session, "L-1") == "removed"
    enforcement.reinstate_listing(session, actor=world.reviewer, statement_id=second.id,
                                  reason="licence shown", now=T0 + 3 * HOUR)
    assert _status(session, "L-1") == "live"
    with pytest.raises(Conflict, match="already lifted"):
        enforcement.reinstate_listing(session, actor=world.reviewer, statement_id=second.id,
                                      reason="again", now=T0 + 4 * HOUR)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"action": "nuke"}, "action must be one of"),
        ({"ground": "illegal_content"}, "must name the right relied on"),
        ({"ground": "vibes"}, "cannot carry a complete statement"),
        ({"facts": "  "}, "cannot carry a complete statement"),
        ({"facts": "x" * 5001}, "cannot carry a complete statement"),
        ({"automated_decision": "maybe"}, "automated_decision must be one of"),
        ({"source": "rumour"}, "cannot carry a complete statement"),
    ],
)
def test_when_a_restriction_would_lack_a_complete_statement_then_refused(
    settings: Settings, session: Session, tmp_path: Path, overrides: dict[str, Any],
    expected: str,
) -> None:
    make_world(settings, tmp_path)
    with pytest.raises(InvalidInput, match=expected):
        _block(session, "L-1", **overrides)
    assert _status(session, "L-1") == "live"


def test_when_restricting_an_unknown_listing_then_not_found(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    make_world(settings, tmp_path)
    with pytest.raises(NotFound):
        _block(session, "L-404")


def test_when_a_suspension_ends_then_the_seller_is_active_again(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    statement = enforcement.suspend_seller(
        session, actor=world.reviewer, seller_id="S-0001", until=T0 + 48 * HOUR,
        facts="Shipped empty boxes on three orders.", now=T0)
    seller = catalog_service.get_seller(session, principal=SYSTEM, seller_id="S-0001")[0]
    assert seller.status == "suspended" and statement.ends_at == T0 + 48 * HOUR
    assert enforcement.expire_suspensions(session, now=T0 + 47 * HOUR) == 0
    assert enforcement.expire_suspensions(session, now=T0 + 49 * HOUR) == 1
    assert seller.status == "active" and statement.status == "expired"
