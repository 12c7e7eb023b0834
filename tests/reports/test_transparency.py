"""The transparency report counts exactly what happened in its period."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.enforcement import service as enforcement
from marketguard.notices import appeals, clock, service
from marketguard.reports import service as reports
from marketguard.uow import unit_of_work
from tests.factories import auth, token, write_jsonl
from tests.notices.helpers import HOUR, T0, World, make_world, submission

START = datetime(2026, 11, 10, tzinfo=UTC)
END = datetime(2026, 11, 21, tzinfo=UTC)


def month(settings: Settings, folder: Path) -> World:
    """A period with fast, late and unanswered notices, proactive takedowns, an appeal."""
    world = make_world(settings, folder, extra_listings=6)
    orders = write_jsonl(folder / "orders.jsonl", [
        {"order_id": "O-1", "listing_id": "L-2", "ts": "2026-11-05T12:00:00Z"}])
    with unit_of_work(settings) as session:
        catalog_service.import_orders(session, actor=SYSTEM, path=orders)
        right, other = world.ids["acme_right"], world.ids["borealis_right"]
        a = service.file_notice(session, actor=world.acme, now=T0,
                                submission=submission(right, ["L-3", "L-4"]))
        for listing, outcome in (("L-3", "takedown"), ("L-4", "reject")):
            service.decide(session, actor=world.reviewer, notice_id=a.id, listing_id=listing,
                           outcome=outcome, reason="Reviewed.", now=T0 + 3 * HOUR)
        b = service.file_notice(session, actor=world.acme, now=T0 + HOUR,
                                submission=submission(right, ["L-5"]))
        service.decide(session, actor=world.reviewer, notice_id=b.id, listing_id="L-5",
                       outcome="takedown", reason="Late but right.", now=T0 + 31 * HOUR)
        service.file_notice(session, actor=world.borealis, now=T0 + 2 * HOUR,
                            submission=submission(other, ["L-6"]))
        service.file_notice(session, actor=world.acme, now=datetime(2026, 11, 25, tzinfo=UTC),
                            submission=submission(right, ["L-7"]))
        for listing, action in (("L-1", "block"), ("L-2", "remove")):
            enforcement.restrict_listing(
                session, actor=SYSTEM, listing_id=listing, action=action,
                ground="terms_of_service", facts="Replica detected.", automated_detection=True,
                automated_decision="fully", source="proactive", now=T0)
        appeal = appeals.file_appeal(session, actor=world.seller2, listing_id="L-5",
                                     explanation="Genuine goods, invoice attached here.",
                                     now=T0 + 48 * HOUR)
        appeals.answer_appeal(session, actor=world.acme, appeal_id=appeal.id,
                              position="withdraw", explanation="Agreed.", now=T0 + 60 * HOUR)
        appeals.decide_appeal(session, actor=world.appeals_reviewer, appeal_id=appeal.id,
                              outcome="reinstate", reason="Genuine.", now=T0 + 72 * HOUR)
        enforcement.close_store(session, actor=world.reviewer, seller_id="S-0001",
                                ground="terms_of_service", facts="Replicas after warnings.",
                                source="reviewer", automated_detection=False,
                                automated_decision="not_automated", now=T0 + 96 * HOUR)
        clock.sweep(session, now=END)
    return world


EXPECTED: dict[str, Any] = {
    "notices_received": 3, "listings_noticed": 4, "notices_decided": 2,
    "share_within_24h": 0.3333, "average_processing_hours": 16.5, "sla_breaches": 2,
    "fast_lane_notices": 0, "listings_taken_down_on_notice": 2,
    "listings_rejected_on_notice": 1, "takedowns_proactive": 2, "takedowns_reactive": 2,
    "proactive_to_reactive": 1.0, "proactive_before_first_sale_share": 0.5,
    "listings_reinstated": 1, "appeals_filed": 1, "appeals_granted": 1, "appeals_rejected": 0,
    "stores_closed": 1, "sellers_suspended": 0, "strikes_added": 2, "strikes_removed": 1,
    "notifier_accuracy": {"<50%": 1, "50-80%": 0, "80-90%": 0, "90-95%": 0, ">=95%": 0},
    "notifiers_in_fast_lane": 0, "notifiers_suspended": 0,
}


def test_when_a_period_is_reported_then_every_figure_counts_what_happened_in_it(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    month(settings, tmp_path)
    report = reports.transparency(session, start=START, end=END)
    assert report.model_dump(exclude={"start", "end"}) == EXPECTED
    console = Console(record=True, width=120)
    console.print(reports.render(report))
    text = console.export_text()
    assert "share processed within 24 hours" in text and "33.3%" in text
    assert "Transparency report 2026-11-10 to 2026-11-20" in text


def test_when_the_report_is_asked_over_http_then_it_matches_the_service(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    world = month(settings, tmp_path)
    anonymous = client.get("/api/v1/reports/transparency?from=2026-11-10&to=2026-11-20")
    assert anonymous.status_code == 200
    body = anonymous.json()
    assert {k: body[k] for k in EXPECTED} == EXPECTED
    brand = token(settings, "rights_holder", brand_id=world.ids["borealis"])
    same = client.get("/api/v1/reports/transparency?from=2026-11-10&to=2026-11-20",
                      headers=auth(brand))
    assert same.json() == body  # aggregates only: the same for everyone


@pytest.mark.parametrize(
    ("query", "expected"),
    [("from=2026-11-20&to=2026-11-10", "end must come after"),
     ("from=yesterday&to=2026-11-10", "not a date")],
)
def test_when_the_period_is_wrong_then_refused(
    client: TestClient, query: str, expected: str
) -> None:
    answer = client.get(f"/api/v1/reports/transparency?{query}")
    assert answer.status_code == 422 and expected in answer.json()["detail"]


def test_when_nothing_happened_then_shares_are_empty_not_zero(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    make_world(settings, tmp_path)
    report = reports.transparency(session, start=START, end=END)
    assert report.notices_received == 0 and report.share_within_24h is None
    assert report.proactive_to_reactive is None
