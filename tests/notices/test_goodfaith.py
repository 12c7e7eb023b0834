"""The good-faith program: accurate notifiers earn a fast lane, abusive ones lose it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.enforcement import service as enforcement
from marketguard.errors import Conflict, Forbidden
from marketguard.notices import appeals, goodfaith, service
from marketguard.notices.settings import NoticeSettings
from tests.notices.helpers import FAST, HOUR, T0, World, make_world, submission


def _file_and_decide(session: Session, world: World, listing: str, outcome: str, hours: int,
                     unfounded: bool = False, policy: NoticeSettings = FAST) -> None:
    notice = service.file_notice(session, actor=world.acme, now=T0 + hours * HOUR,
                                 settings=policy,
                                 submission=submission(world.ids["acme_right"], [listing]))
    service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id=listing,
                   outcome=outcome, reason="Reviewed.", manifestly_unfounded=unfounded,
                   now=T0 + (hours + 1) * HOUR, settings=policy)


def test_when_a_notifier_is_accurate_then_its_notices_take_effect_on_receipt(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path, extra_listings=3)
    _file_and_decide(session, world, "L-5", "takedown", 0)
    _file_and_decide(session, world, "L-6", "takedown", 2)
    notifier = goodfaith.notifier_for(session, brand_id=world.ids["acme"], now=T0)
    assert notifier.fast_lane and goodfaith.accuracy(notifier).upheld_share == 1.0
    notice = service.file_notice(session, actor=world.acme, now=T0 + 10 * HOUR, settings=FAST,
                                 submission=submission(world.ids["acme_right"], ["L-7"]))
    assert notice.fast_lane and notice.status == "decided"
    assert notice.decided_at == T0 + 10 * HOUR
    [item] = service.items_of(session, notice.id)
    assert item.status == "taken_down" and item.decided_by == "fast lane"
    statement = enforcement.get_statement(session, statement_id=item.statement_id or "")
    assert statement.automated_decision == "fully" and "fast lane" in statement.facts


def test_when_a_fast_lane_notice_is_reversed_on_appeal_then_it_counts_against_the_notifier(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path, extra_listings=3)
    _file_and_decide(session, world, "L-5", "takedown", 0)
    _file_and_decide(session, world, "L-6", "takedown", 2)
    notice = service.file_notice(session, actor=world.acme, now=T0 + 10 * HOUR, settings=FAST,
                                 submission=submission(world.ids["acme_right"], ["L-7"]))
    appeal = appeals.file_appeal(session, actor=world.seller2, listing_id="L-7",
                                 explanation="Genuine stock; see the invoice attached.",
                                 evidence=[{"description": "invoice"}], now=T0 + 11 * HOUR,
                                 settings=FAST)
    appeals.decide_appeal(session, actor=world.appeals_reviewer, appeal_id=appeal.id,
                          outcome="reinstate", reason="Invoice genuine; no answer in time.",
                          now=T0 + 11 * HOUR + 8 * 24 * HOUR, settings=FAST)
    listing = catalog_service.get_listing(session, principal=SYSTEM, listing_id="L-7")
    assert listing.status == "live"
    notifier = goodfaith.notifier_for(session, brand_id=world.ids["acme"], now=T0)
    record = goodfaith.accuracy(notifier)
    assert (record.decided, record.upheld, record.overturned) == (3, 2, 1)
    assert not notifier.fast_lane  # 1 of 3 takedowns overturned is above the 10 % limit
    assert [i.status for i in service.items_of(session, notice.id)] == ["reinstated"]


def test_when_an_appeal_is_decided_before_the_rights_holder_could_answer_then_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3"]))
    service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id="L-3",
                   outcome="takedown", reason="Counterfeit.", now=T0 + HOUR)
    appeal = appeals.file_appeal(session, actor=world.seller2, listing_id="L-3",
                                 explanation="Genuine goods, I promise you.", now=T0 + 2 * HOUR)
    with pytest.raises(Conflict, match="awaits the rights holder's answer"):
        appeals.decide_appeal(session, actor=world.appeals_reviewer, appeal_id=appeal.id,
                              outcome="uphold", reason="x", now=T0 + 3 * HOUR)


def test_when_a_notifier_sends_manifestly_unfounded_notices_then_warned_slowed_suspended(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path, extra_listings=4)
    notifier = goodfaith.notifier_for(session, brand_id=world.ids["acme"], now=T0)
    standings = []
    for n, listing in enumerate(["L-5", "L-6", "L-7"]):
        _file_and_decide(session, world, listing, "reject", n * 2, unfounded=True)
        standings.append(notifier.standing)
    assert standings == ["warned", "slowed", "suspended"]
    assert notifier.suspended_until == T0 + 5 * HOUR + 30 * 24 * HOUR
    with pytest.raises(Forbidden, match="suspended .* until 2026-12-10T14:00:00Z"):
        service.file_notice(session, actor=world.acme, now=T0 + 6 * HOUR,
                            submission=submission(world.ids["acme_right"], ["L-8"]))
    later = T0 + 40 * 24 * HOUR
    notice = service.file_notice(session, actor=world.acme, now=later,
                                 submission=submission(world.ids["acme_right"], ["L-8"]))
    assert notifier.standing == "slowed" and notice.slowed
    assert notice.due_at == later + 72 * HOUR  # slowed: a longer clock


def test_when_a_slowed_notifier_is_accurate_then_it_still_gets_no_fast_lane(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path, extra_listings=4)
    lenient = replace(FAST, fast_lane_min_upheld=0.5, fast_lane_max_overturned=0.5)
    _file_and_decide(session, world, "L-5", "reject", 0, unfounded=True, policy=lenient)
    _file_and_decide(session, world, "L-6", "reject", 2, unfounded=True, policy=lenient)
    for n, listing in enumerate(["L-7", "L-8", "L-1"]):
        _file_and_decide(session, world, listing, "takedown", 4 + 2 * n, policy=lenient)
    notifier = goodfaith.notifier_for(session, brand_id=world.ids["acme"], now=T0)
    assert goodfaith.accuracy(notifier).upheld_share == 0.6  # above the lenient 50 %
    assert notifier.standing == "slowed" and not notifier.fast_lane
