"""A closed or suspended store cannot publish: the gate blocks its new listings on every path.

The API gate, ``marketguard catalog import`` and ``marketguard scan`` all reach
the same decision, stored with its evidence and restricted through enforcement
with a statement of reasons; an active seller is not affected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from marketguard import db
from marketguard.audit import service as audit_service
from marketguard.auth.roles import cli_principal
from marketguard.catalog import service as catalog
from marketguard.catalog.models import Listing
from marketguard.config import Settings
from marketguard.detection import service
from marketguard.detection.knowledge import SellerContext
from marketguard.enforcement import service as enforcement
from marketguard.enforcement.models import Statement
from marketguard.migrate import upgrade
from marketguard.uow import unit_of_work
from tests.detection.factories import detector
from tests.detection.factories import listing as factory_listing
from tests.factories import auth, listing, seed_marketplace, seller, token, write_jsonl
from tests.test_cli import run

EXPECTED = {"closed": ("block", "blocked"), "suspended": ("block", "blocked"),
            "active": ("allow", "live")}  # fmt: skip


def standing_reason(seller_id: str, status: str) -> dict[str, Any]:
    return {
        "signal": "seller_status",
        "detail": f"seller {seller_id} is {status}: a {status} store cannot publish",
        "weight": 1.0,
    }


def set_standing(settings: Settings, seller_id: str, status: str) -> None:
    """Close or suspend a store the way enforcement does (``active`` leaves it alone)."""
    with unit_of_work(settings) as session:
        if status == "closed":
            enforcement.close_store(
                session, actor=cli_principal(), seller_id=seller_id, ground="terms_of_service",
                facts="sold counterfeit goods", source="reviewer", automated_detection=False,
                automated_decision="not_automated",
            )  # fmt: skip
        elif status == "suspended":
            enforcement.suspend_seller(
                session, actor=cli_principal(), seller_id=seller_id, facts="fraud", until=None
            )


def gate_statement(settings: Settings, listing_id: str) -> Statement | None:
    with unit_of_work(settings) as session:
        return session.scalars(select(Statement).where(Statement.listing_id == listing_id)).first()


@pytest.mark.parametrize(
    ("status", "action"),
    [("closed", "block"), ("suspended", "block"), ("active", "allow"), (None, "allow")],
)
def test_when_the_seller_may_not_publish_then_the_detector_blocks_whatever_the_listing(
    status: str | None, action: str
) -> None:
    context = SellerContext("S-0002", account_age_days=400, status=status)
    submitted = factory_listing("Canvas weekender bag", seller_id="S-0002")
    decision = detector().check(submitted, context)
    assert decision.action == action
    if action == "block":
        assert (decision.score, decision.brand) == (1.0, None)
        assert decision.reasons[0].to_reason() == standing_reason("S-0002", str(status))
    else:
        assert all(reason.signal != "seller_status" for reason in decision.reasons)


@pytest.mark.parametrize("status", ["closed", "suspended", "active"])
def test_when_a_store_is_closed_or_suspended_then_the_gate_api_blocks_its_new_listing(
    client: TestClient, settings: Settings, tmp_path: Path, status: str
) -> None:
    seed_marketplace(settings, tmp_path / "market")
    set_standing(settings, "S-0002", status)
    body = listing("N-1", "S-0002", title="Canvas weekender bag, olive")
    answer = client.post(
        "/api/v1/listings:check", json=body, headers=auth(token(settings, "integration"))
    )
    assert answer.status_code == 200, answer.text
    decision = answer.json()
    assert (decision["action"], decision["status"]) == EXPECTED[status]
    statement = gate_statement(settings, "N-1")
    if status == "active":
        assert standing_reason("S-0002", status) not in decision["reasons"]
        assert statement is None
        return
    assert decision["reasons"][0] == standing_reason("S-0002", status)
    assert decision["brand"] is None and decision["score"] == 1.0
    with unit_of_work(settings) as session:
        (stored,) = service.decisions_of(session, listing_id="N-1")
        assert stored.reasons[0]["signal"] == "seller_status"
        assert stored.reasons[0]["data"] == {"status": status}
    assert statement is not None and (statement.action, statement.source) == ("block", "proactive")
    assert statement.ground == "terms_of_service"
    assert f"seller S-0002 is {status}" in statement.facts


def test_when_stores_are_closed_or_suspended_then_cli_import_and_scan_block_their_new_listings(
    tmp_path: Path,
) -> None:
    settings = Settings(  # what the CLI of ``tests.test_cli.run`` uses: same database and key
        database_url=f"sqlite:///{tmp_path / 'cli.db'}", secret_key=SecretStr("cli-test-secret")
    )
    upgrade(settings.database_url)
    with unit_of_work(settings) as session:  # what `marketguard db upgrade` also does
        audit_service.start_log(session)
    sellers = write_jsonl(tmp_path / "sellers.jsonl", [seller(f"S-{s}") for s in EXPECTED])
    with unit_of_work(settings) as session:
        catalog.import_sellers(session, actor=cli_principal(), path=sellers)
    for status in EXPECTED:
        set_standing(settings, f"S-{status}", status)
    db.dispose_engines()

    imports = [listing(f"I-{s}", f"S-{s}", title="Canvas bag") for s in EXPECTED]
    write_jsonl(tmp_path / "new.jsonl", imports)
    imported = run(tmp_path, "catalog", "import", "--listings", "new.jsonl")
    assert imported.returncode == 0, imported.stderr
    scans = [listing(f"C-{s}", f"S-{s}", title="Canvas bag") for s in EXPECTED]
    write_jsonl(tmp_path / "scan.jsonl", scans)
    scanned = run(tmp_path, "scan", "--listings", "scan.jsonl", "--out", "out.jsonl", "--no-ocr")
    assert scanned.returncode == 0, scanned.stderr
    lines = [orjson.loads(raw) for raw in (tmp_path / "out.jsonl").read_bytes().splitlines()]

    with unit_of_work(settings) as session:
        statuses = dict(session.execute(select(Listing.listing_id, Listing.status)).all())
        decisions = {i: service.decisions_of(session, listing_id=i) for i in statuses}
    for status, line in zip(EXPECTED, lines, strict=True):
        action, listing_status = EXPECTED[status]
        assert (line["listing_id"], line["action"]) == (f"C-{status}", action)
        assert statuses[f"I-{status}"] == statuses[f"C-{status}"] == listing_status
        if status == "active":
            assert decisions[f"I-{status}"] == []  # an ordinary import publishes, no gate
            continue
        reason = standing_reason(f"S-{status}", status)
        assert line["reasons"][0] == reason
        for listing_id in (f"I-{status}", f"C-{status}"):
            assert decisions[listing_id][0].reasons[0]["detail"] == reason["detail"]
            assert gate_statement(settings, listing_id) is not None
    db.dispose_engines()
