"""The pre-publication gate, decision history and the review queue, over HTTP and the DB."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketguard.auth.roles import cli_principal
from marketguard.brands.models import ReferenceImage
from marketguard.catalog.models import Listing
from marketguard.config import Settings
from marketguard.detection import service
from marketguard.detection.apply import apply_action
from marketguard.detection.models import DetectionLabel
from marketguard.uow import unit_of_work
from tests.factories import auth, seed_marketplace, token


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    ids = seed_marketplace(settings, tmp_path / "market")
    with unit_of_work(settings) as session:
        assert service.hash_references(session) == (2, 0)
    photo = settings.data_dir / "photos" / "copy.png"
    photo.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "market" / "brands" / "img" / "acmeoutdoor_front.png", photo)
    ids["gate"] = auth(token(settings, "integration"))
    ids["reviewer"] = auth(token(settings, "reviewer"))
    ids["seller_2"] = auth(token(settings, "seller", seller_id="S-0002"))
    ids["seller_1"] = auth(token(settings, "seller", seller_id="S-0001"))
    return ids


def submission(
    listing_id: str, seller_id: str, title: str, amount: int, **extra: Any
) -> dict[str, Any]:
    return {
        "listing_id": listing_id, "seller_id": seller_id, "created_at": "2026-11-20T10:00:00Z",
        "title": title, "description": extra.pop("description", ""), "category": "bags",
        "price": {"amount": amount, "currency": extra.pop("currency", "EUR")},
        "images": extra.pop("images", []), **extra,
    }  # fmt: skip


def test_when_a_counterfeit_is_submitted_then_it_is_blocked_before_going_live_with_evidence(
    client: TestClient, world: dict[str, Any]
) -> None:
    body = submission(
        "N-1", "S-0002", "Acme Outdoor Summit backpack replica 1:1 AAA quality", 1500,
        images=["photos/copy.png"],
    )  # fmt: skip
    answer = client.post("/api/v1/listings:check", json=body, headers=world["gate"])
    assert answer.status_code == 200, answer.text
    decision = answer.json()
    assert decision["action"] == "block" and decision["status"] == "blocked"
    assert decision["brand"] == "Acme Outdoor"
    signals = {reason["signal"] for reason in decision["reasons"]}
    assert any("image" in s for s in signals) and len(signals) >= 2, signals
    assert decision["versions"]["knowledge"]
    history = client.get("/api/v1/listings/N-1/decisions", headers=world["seller_2"]).json()
    assert history[0]["stage"] == "gate" and history[0]["reasons"]
    statements = client.get("/api/v1/statements?listing_id=N-1", headers=world["seller_2"])
    (statement,) = statements.json()["items"]
    assert (statement["action"], statement["source"]) == ("block", "proactive")
    assert statement["automated_detection"] is True
    assert statement["automated_decision"] == "fully"
    assert statement["before_first_sale"] is True
    assert "PDQ distance" in statement["statement"]["facts"]
    assert statement["statement"]["how_to_appeal"]


def test_when_an_authorised_seller_lists_genuine_goods_then_it_goes_live(
    client: TestClient, world: dict[str, Any]
) -> None:
    body = submission("N-2", "S-0001", "Acme Outdoor Summit backpack, new", 18900)
    decision = client.post("/api/v1/listings:check", json=body, headers=world["gate"]).json()
    assert (decision["action"], decision["status"]) == ("allow", "live")


def test_when_goods_are_unbranded_then_they_go_live(
    client: TestClient, world: dict[str, Any]
) -> None:
    body = submission("N-3", "S-0002", "Canvas weekender bag, olive", 4500)
    decision = client.post("/api/v1/listings:check", json=body, headers=world["gate"]).json()
    assert (decision["action"], decision["brand"]) == ("allow", None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seller_id": "S-0404"}, "unknown seller S-0404"),
        ({"price": {"amount": 10, "currency": "XYZ"}}, "unknown currency"),
        ({"title": ""}, "title"),
        ({"price": {"amount": 9.99, "currency": "EUR"}}, "integer"),
    ],
)
def test_when_a_submission_is_malformed_then_refused_and_nothing_stored(
    client: TestClient,
    world: dict[str, Any],
    settings: Settings,
    change: dict[str, Any],
    message: str,
) -> None:
    body = {**submission("N-9", "S-0002", "Some bag", 1000), **change}
    answer = client.post("/api/v1/listings:check", json=body, headers=world["gate"])
    assert answer.status_code == 422 and message in answer.text
    with unit_of_work(settings) as session:
        assert session.get(Listing, "N-9") is None


def test_when_a_reviewer_confirms_a_held_listing_then_it_is_blocked_and_learned(
    client: TestClient, world: dict[str, Any], settings: Settings
) -> None:
    with unit_of_work(settings) as session:
        listing = session.get(Listing, "L-3")
        assert listing is not None
        listing.title = "Acme Outdoor Summit backpack"
        listing.images = ["market/brands/img/acmeoutdoor_front.png"]
        listing.image_root = str(settings.data_dir)
        session.flush()
        service.check_listings(
            session, actor=cli_principal(), settings=settings, listings=[listing], stage="gate"
        )
        row = service.decisions_of(session, listing_id="L-3")[-1]
        assert row.brand_id == world["acme"]
        listing.status = "live"
        apply_action(
            session, actor=cli_principal(), listing=listing, action="review", decision=row,
            reason="held for a person",
        )  # fmt: skip
    queue = client.get("/api/v1/review/listings", headers=world["reviewer"]).json()["items"]
    assert [case["listing_id"] for case in queue] == ["L-3"]
    case_id = queue[0]["id"]
    decided = client.post(
        f"/api/v1/review/listings/{case_id}/decision",
        json={"outcome": "confirm", "reason": "test buy showed a fake"},
        headers=world["reviewer"],
    )
    assert decided.json()["status"] == "confirmed"
    standing = client.get("/api/v1/sellers/S-0002/strikes", headers=world["reviewer"]).json()
    assert (
        len(standing["strikes"]) == 1
        and "confirmed by a reviewer" in standing["strikes"][0]["reason"]
    )
    again = client.post(
        f"/api/v1/review/listings/{case_id}/decision",
        json={"outcome": "overturn", "reason": "changed my mind"},
        headers=world["reviewer"],
    )
    assert again.status_code == 409
    with unit_of_work(settings) as session:
        assert session.get(Listing, "L-3").status == "blocked"  # type: ignore[union-attr]
        assert session.get(DetectionLabel, "L-3").counterfeit is True  # type: ignore[union-attr]
        kinds = session.scalars(select(ReferenceImage.kind)).all()
    assert "counterfeit" in kinds


def test_when_tenants_reach_for_gate_review_or_other_decisions_then_refused(
    client: TestClient, world: dict[str, Any], settings: Settings
) -> None:
    agent = auth(token(settings, "rights_holder", brand_id=world["acme"]))
    body = submission("N-5", "S-0002", "bag", 100)
    for headers in (agent, world["seller_2"]):
        assert client.post("/api/v1/listings:check", json=body, headers=headers).status_code == 403
        assert client.get("/api/v1/review/listings", headers=headers).status_code == 403
        assert (
            client.post("/api/v1/review/listings/x/decision",
                        json={"outcome": "confirm", "reason": "x"}, headers=headers).status_code
            == 403
        )  # fmt: skip
    assert (
        client.get("/api/v1/listings/L-1/decisions", headers=world["seller_2"]).status_code == 404
    )
    assert client.get("/api/v1/listings/L-1/decisions", headers=agent).status_code == 403
