"""A notice from receipt to final decision, every step timestamped and audited."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit.models import AuditRecord
from marketguard.auth.roles import SYSTEM
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.enforcement import service as enforcement
from marketguard.notices import appeals, clock, service
from tests.notices.helpers import HOUR, T0, make_world, submission


def _status(session: Session, listing_id: str) -> str:
    return catalog_service.get_listing(session, principal=SYSTEM, listing_id=listing_id).status


def test_when_a_valid_notice_is_filed_then_it_is_triaged_with_a_due_time_24h_after_receipt(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3", "L-4"]))
    assert notice.status == "triaged"
    assert notice.received_at == T0 and notice.due_at == T0 + 24 * HOUR
    assert [i.status for i in service.items_of(session, notice.id)] == ["pending", "pending"]
    kinds = [e.kind for e in service.history(session, notice.id)]
    assert kinds == ["received", "triaged"]
    audited = session.scalars(select(AuditRecord.action).where(
        AuditRecord.object_id == notice.id)).all()
    assert {"notice.received", "notice.triaged"} <= set(audited)


def test_when_a_reviewer_takes_a_listing_down_then_the_seller_gets_a_statement_and_a_strike(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3"]))
    item = service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id="L-3",
                          outcome="takedown", reason="Logo and model number copied; price 15% "
                          "of retail.", now=T0 + 3 * HOUR)
    assert item.status == "taken_down" and item.seller_notified_at == T0 + 3 * HOUR
    assert notice.status == "decided" and notice.decided_at == T0 + 3 * HOUR
    assert notice.breached_at is None
    assert _status(session, "L-3") == "removed"
    statement = enforcement.get_statement(session, statement_id=item.statement_id or "")
    words = enforcement.describe(statement)
    assert statement.ground == "illegal_content" and "trademark EU-000000001" in words["ground"]
    assert "Regulation (EU) 2017/1001" in words["ground"]
    assert notice.id in statement.facts and "decided by a person" in words["automation"]
    assert "POST /api/v1/appeals" in words["how_to_appeal"]
    standing = enforcement.standing(session, seller_id="S-0002", now=T0 + 4 * HOUR)
    assert len(standing.strikes) == 1 and standing.strikes_left == 2
    kinds = [e.kind for e in service.history(session, notice.id)]
    assert kinds[-3:] == ["item_decided", "seller_notified", "decided"]


def test_when_a_reviewer_rejects_then_the_listing_stays_live_and_the_notice_closes(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-4"]))
    item = service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id="L-4",
                          outcome="reject", reason="Genuine goods resold (exhaustion).",
                          now=T0 + HOUR)
    assert item.status == "rejected" and item.reason == "Genuine goods resold (exhaustion)."
    assert notice.status == "closed" and _status(session, "L-4") == "live"
    assert enforcement.standing(session, seller_id="S-0002", now=T0).strikes == []


def test_when_the_right_is_unverified_then_the_notice_waits_and_the_clock_starts_on_verification(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    from marketguard.brands import service as brands_service

    world = make_world(settings, tmp_path, verify=False)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3"]))
    assert notice.status == "awaiting_verification" and notice.due_at is None
    assert clock.sweep(session, now=T0 + HOUR).released == 0
    brands_service.verify_right(session, actor=world.admin, right_id=world.ids["acme_right"],
                                status="verified", reason="registry extract checked")
    assert clock.sweep(session, now=T0 + 5 * HOUR).released == 1
    assert notice.status == "triaged" and notice.due_at == T0 + 29 * HOUR


def test_when_the_right_is_rejected_then_the_waiting_notice_is_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    from marketguard.brands import service as brands_service

    world = make_world(settings, tmp_path, verify=False)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3"]))
    brands_service.verify_right(session, actor=world.admin, right_id=world.ids["acme_right"],
                                status="rejected", reason="registration lapsed")
    clock.sweep(session, now=T0 + HOUR)
    assert notice.status == "refused"
    assert [i.status for i in service.items_of(session, notice.id)] == ["rejected"]


def test_when_notices_near_their_due_time_then_they_escalate_and_breaches_are_recorded(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3"]))
    assert clock.sweep(session, now=T0 + 19 * HOUR).escalated == 0
    report = clock.sweep(session, now=T0 + 21 * HOUR)
    assert report.escalated == 1 and notice.escalated_at == T0 + 21 * HOUR
    assert clock.sweep(session, now=T0 + 25 * HOUR).breached == 1
    assert notice.breached_at == T0 + 24 * HOUR
    service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id="L-3",
                   outcome="takedown", reason="Counterfeit.", now=T0 + 30 * HOUR)
    assert notice.breached_at == T0 + 24 * HOUR  # recorded, never hidden
    kinds = [e.kind for e in service.history(session, notice.id)]
    assert kinds.count("breached") == 1 and "escalated" in kinds


def test_when_a_late_decision_is_made_without_a_sweep_then_the_breach_is_still_recorded(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3"]))
    service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id="L-3",
                   outcome="reject", reason="Not infringing.", now=T0 + 26 * HOUR)
    assert notice.breached_at == T0 + 24 * HOUR


def test_when_a_seller_wins_an_appeal_then_the_listing_is_reinstated_and_the_strike_removed(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3"]))
    service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id="L-3",
                   outcome="takedown", reason="Looks counterfeit.", now=T0 + HOUR)
    appeal = appeals.file_appeal(
        session, actor=world.seller2, listing_id="L-3", now=T0 + 2 * HOUR,
        explanation="These are genuine goods bought from the brand's distributor.",
        evidence=[{"description": "Invoice from the authorised distributor", "url": "https://x/1"}],
    )
    assert appeal.status == "awaiting_rights_holder"
    assert appeal.answer_due_at == T0 + 2 * HOUR + 7 * 24 * HOUR
    appeals.answer_appeal(session, actor=world.acme, appeal_id=appeal.id, position="withdraw",
                          explanation="The invoice checks out; we withdraw.", now=T0 + 5 * HOUR)
    appeals.decide_appeal(session, actor=world.appeals_reviewer, appeal_id=appeal.id,
                          outcome="reinstate", reason="Invoice proves genuine origin.",
                          now=T0 + 6 * HOUR)
    assert appeal.status == "granted"
    assert _status(session, "L-3") == "live"
    assert enforcement.standing(session, seller_id="S-0002", now=T0 + 7 * HOUR).strikes == []
    [item] = service.items_of(session, notice.id)
    assert item.status == "reinstated" and notice.status == "closed"
    kinds = [e.kind for e in service.history(session, notice.id)]
    assert kinds[-4:] == ["appeal_filed", "rights_holder_answered", "appeal_decided", "closed"]


def test_when_an_appeal_is_rejected_then_the_takedown_is_upheld(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3"]))
    service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id="L-3",
                   outcome="takedown", reason="Counterfeit.", now=T0 + HOUR)
    appeal = appeals.file_appeal(session, actor=world.seller2, listing_id="L-3",
                                 explanation="I did nothing wrong, honestly.", now=T0 + 2 * HOUR)
    appeals.answer_appeal(session, actor=world.acme, appeal_id=appeal.id, position="maintain",
                          explanation="Test buy confirmed a fake.", now=T0 + 3 * HOUR)
    appeals.decide_appeal(session, actor=world.appeals_reviewer, appeal_id=appeal.id,
                          outcome="uphold", reason="No evidence of genuine origin.",
                          now=T0 + 4 * HOUR)
    assert appeal.status == "rejected" and _status(session, "L-3") == "removed"
    assert [i.status for i in service.items_of(session, notice.id)] == ["upheld"]
    assert notice.status == "closed"
    assert len(enforcement.standing(session, seller_id="S-0002", now=T0).strikes) == 1


def test_when_the_appeal_window_passes_unused_then_the_takedown_becomes_final(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-3"]))
    item = service.decide(session, actor=world.reviewer, notice_id=notice.id, listing_id="L-3",
                          outcome="takedown", reason="Counterfeit.", now=T0 + HOUR)
    assert clock.sweep(session, now=T0 + 100 * 24 * HOUR).finalised == 0
    assert clock.sweep(session, now=T0 + 200 * 24 * HOUR).finalised == 1
    assert item.status == "upheld" and notice.status == "closed"
