"""Test buys as evidence; the review queue ordered by due time and risk."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from marketguard.api.pagination import paginate
from marketguard.auth.roles import SYSTEM
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.enforcement import service as enforcement
from marketguard.errors import Conflict, InvalidInput
from marketguard.notices import clock, service, testbuys
from marketguard.notices.models import Notice
from tests.notices.helpers import HOUR, T0, make_world, submission

EVIDENCE = [{"description": "Photos: misspelt logo, no serial number", "url": "https://x/p.jpg"}]


def test_when_a_rights_holder_reports_a_counterfeit_test_buy_then_a_reviewer_confirms_it(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    buy = testbuys.record_test_buy(session, actor=world.acme, listing_id="L-3",
                                   purchased_on=date(2026, 11, 5), result="counterfeit",
                                   evidence=EVIDENCE, now=T0)
    assert buy.recorder == "rights_holder" and buy.confirmed_at is None
    testbuys.confirm_test_buy(session, actor=world.reviewer, test_buy_id=buy.id,
                              reason="Photos match known fakes", now=T0 + HOUR)
    listing = catalog_service.get_listing(session, principal=SYSTEM, listing_id="L-3")
    assert listing.status == "removed"
    statement = enforcement.get_statement(session, statement_id=buy.statement_id or "")
    assert statement.source == "test_buy" and buy.id in statement.facts
    assert statement.ground == "illegal_content"  # the brand's verified right
    assert len(enforcement.standing(session, seller_id="S-0002", now=T0).strikes) == 1
    with pytest.raises(Conflict, match="already grounded"):
        testbuys.confirm_test_buy(session, actor=world.reviewer, test_buy_id=buy.id,
                                  reason="again", now=T0 + 2 * HOUR)


def test_when_a_confirmed_test_buy_exists_then_a_notice_on_that_listing_is_riskier_and_cites_it(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    buy = testbuys.record_test_buy(session, actor=world.reviewer, listing_id="L-4",
                                   purchased_on=date(2026, 11, 6), result="counterfeit",
                                   evidence=EVIDENCE, now=T0)
    assert buy.confirmed_at == T0  # the platform's own test buy needs no second look
    plain = service.file_notice(session, actor=world.acme, now=T0,
                                submission=submission(world.ids["acme_right"], ["L-3"]))
    backed = service.file_notice(session, actor=world.acme, now=T0,
                                 submission=submission(world.ids["acme_right"], ["L-4"]))
    assert backed.risk > plain.risk
    item = service.decide(session, actor=world.reviewer, notice_id=backed.id, listing_id="L-4",
                          outcome="takedown", reason="Test buy confirms.", now=T0 + HOUR)
    statement = enforcement.get_statement(session, statement_id=item.statement_id or "")
    assert f"Confirmed counterfeit test buy(s): {buy.id}" in statement.facts


@pytest.mark.parametrize(
    ("result", "evidence", "purchased", "field"),
    [
        ("fake", EVIDENCE, date(2026, 11, 5), "result"),
        ("counterfeit", [], date(2026, 11, 5), "evidence"),
        ("genuine", [], date(2027, 1, 1), "purchased_on"),
    ],
)
def test_when_a_test_buy_record_is_incomplete_then_refused(
    settings: Settings, session: Session, tmp_path: Path, result: str,
    evidence: list[dict[str, str]], purchased: date, field: str,
) -> None:
    world = make_world(settings, tmp_path)
    with pytest.raises(InvalidInput) as caught:
        testbuys.record_test_buy(session, actor=world.acme, listing_id="L-3",
                                 purchased_on=purchased, result=result, evidence=evidence,
                                 now=T0)
    assert [e["field"] for e in caught.value.extra["errors"]] == [field]


def test_when_notices_wait_then_the_queue_puts_the_soonest_due_and_riskiest_first(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    testbuys.record_test_buy(session, actor=world.reviewer, listing_id="L-4",
                             purchased_on=date(2026, 11, 6), result="counterfeit",
                             evidence=EVIDENCE, now=T0)
    late = service.file_notice(session, actor=world.acme, now=T0 + 2 * HOUR,
                               submission=submission(world.ids["acme_right"], ["L-1"]))
    plain = service.file_notice(session, actor=world.acme, now=T0,
                                submission=submission(world.ids["acme_right"], ["L-3"]))
    risky = service.file_notice(session, actor=world.borealis, now=T0,
                                submission=submission(world.ids["borealis_right"], ["L-4"]))
    rows, _ = paginate(session, clock.queue_query(), Notice.queue_key, cursor=None)
    assert [n.id for n in rows] == [risky.id, plain.id, late.id]
    assert late.risk < plain.risk  # L-1's seller is an authorised seller of the brand
