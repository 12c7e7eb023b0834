"""Repeat infringers lose their store; won appeals give strikes (and stores) back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.enforcement import service as enforcement
from marketguard.errors import Conflict
from marketguard.notices import appeals, service
from tests.notices.helpers import HOUR, T0, World, make_world, submission


def _status(session: Session, listing_id: str) -> str:
    return catalog_service.get_listing(session, principal=SYSTEM, listing_id=listing_id).status


def _seller_status(session: Session, seller_id: str) -> str:
    return catalog_service.get_seller(session, principal=SYSTEM, seller_id=seller_id)[0].status


def _take_down(session: Session, world: World, listing: str, hours: int) -> str:
    notice = service.file_notice(session, actor=world.acme, now=T0 + hours * HOUR,
                                 submission=submission(world.ids["acme_right"], [listing]))
    item = service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id=listing,
                          outcome="takedown", reason="Counterfeit.",
                          now=T0 + (hours + 1) * HOUR)
    return item.statement_id or ""


def test_when_a_seller_gets_a_third_strike_then_its_store_is_closed_with_a_statement(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path, extra_listings=4)  # S-0002: L-3, L-4, L-5..L-8
    _take_down(session, world, "L-3", 0)
    _take_down(session, world, "L-4", 2)
    assert _seller_status(session, "S-0002") == "active"
    _take_down(session, world, "L-5", 4)
    assert _seller_status(session, "S-0002") == "closed"
    assert {_status(session, f"L-{n}") for n in range(3, 9)} == {"removed"}
    closure = [s for s in session.scalars(enforcement.query(
        world.reviewer, listing_id="L-8", seller_id=None))]
    [statement] = closure
    assert statement.scope == "store" and statement.source == "policy"
    assert "repeat infringer" in (statement.tos_clause or "")
    assert "3 confirmed infringements" in statement.facts
    assert sorted(statement.affected_listings) == ["L-6", "L-7", "L-8"]


def test_when_a_closed_store_appeals_and_wins_then_it_reopens_with_its_listings(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path, extra_listings=4)
    for n, listing in enumerate(["L-3", "L-4", "L-5"]):
        _take_down(session, world, listing, 2 * n)
    closure = enforcement.statement_for_listing(session, listing_id="L-8")
    assert closure is None  # a store closure is not a listing takedown...
    [statement] = session.scalars(enforcement.query(world.seller2, listing_id="L-8",
                                                     seller_id=None)).all()
    appeal = appeals.file_appeal(session, actor=world.seller2, statement_id=statement.id,
                                 explanation="Two of those listings were genuine goods.",
                                 now=T0 + 10 * HOUR)
    assert appeal.status == "awaiting_decision"  # no rights holder to ask for a closure
    appeals.decide_appeal(session, actor=world.appeals_reviewer, appeal_id=appeal.id,
                          outcome="reinstate", reason="Closure disproportionate.",
                          now=T0 + 11 * HOUR)
    assert _seller_status(session, "S-0002") == "active"
    assert [_status(session, f"L-{n}") for n in range(3, 9)] == [
        "removed", "removed", "removed", "live", "live", "live"
    ]


def test_when_an_appeal_removes_a_strike_then_a_policy_closure_is_lifted(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path, extra_listings=4)
    for n, listing in enumerate(["L-3", "L-4", "L-5"]):
        _take_down(session, world, listing, 2 * n)
    appeal = appeals.file_appeal(session, actor=world.seller2, listing_id="L-5",
                                 explanation="Genuine; invoice attached to this appeal.",
                                 evidence=[{"description": "invoice"}], now=T0 + 10 * HOUR)
    appeals.answer_appeal(session, actor=world.acme, appeal_id=appeal.id, position="withdraw",
                          explanation="Agreed.", now=T0 + 11 * HOUR)
    appeals.decide_appeal(session, actor=world.appeals_reviewer, appeal_id=appeal.id,
                          outcome="reinstate", reason="Genuine.", now=T0 + 12 * HOUR)
    assert _seller_status(session, "S-0002") == "active"
    assert _status(session, "L-5") == "live" and _status(session, "L-6") == "live"
    assert _status(session, "L-3") == "removed"  # its own takedown still holds
    standing = enforcement.standing(session, seller_id="S-0002", now=T0 + 13 * HOUR)
    assert len(standing.strikes) == 2


def test_when_strikes_are_older_than_the_window_then_they_no_longer_count(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path, extra_listings=4)
    _take_down(session, world, "L-3", 0)
    _take_down(session, world, "L-4", 2)
    _take_down(session, world, "L-5", 400 * 24)  # 400 days later: the first two expired
    assert _seller_status(session, "S-0002") == "active"
    standing = enforcement.standing(session, seller_id="S-0002", now=T0 + 401 * 24 * HOUR)
    assert len(standing.strikes) == 1 and standing.strikes_left == 2


def test_when_a_store_is_closed_twice_then_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    kwargs = dict(actor=world.reviewer, seller_id="S-0001", ground="terms_of_service",
                  facts="Sold replica watches after two warnings.", source="reviewer",
                  automated_detection=False, automated_decision="not_automated", now=T0)
    statement = enforcement.close_store(session, **kwargs)  # type: ignore[arg-type]
    assert statement.affected_listings == ["L-1", "L-2"]
    with pytest.raises(Conflict, match="already closed"):
        enforcement.close_store(session, **kwargs)  # type: ignore[arg-type]
