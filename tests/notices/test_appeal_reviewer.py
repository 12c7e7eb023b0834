"""An appeal is decided by someone who did not take the decision it contests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.auth.roles import cli_principal
from marketguard.catalog.models import Listing
from marketguard.config import Settings
from marketguard.detection import service as detection
from marketguard.detection.apply import apply_action
from marketguard.uow import unit_of_work
from tests.factories import auth, token
from tests.notices.helpers import api_world, notice_body

API = "/api/v1"
UPHOLD = {"outcome": "uphold", "reason": "The photos show the counterfeit logo."}


@pytest.fixture
def ids(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    return api_world(settings, tmp_path)


def _appeal(client: TestClient, seller: dict[str, str], listing_id: str) -> str:
    answer = client.post(f"{API}/appeals", headers=seller, json={
        "listing_id": listing_id, "explanation": "Genuine goods from the official distributor."})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _taken_down_on_notice(client: TestClient, ids: dict[str, Any]) -> str:
    """Acme's notice on L-3, taken down by the night-shift reviewer, appealed and answered."""
    notice = client.post(f"{API}/notices", json=notice_body(ids["acme_right"], ["L-3"]),
                         headers=auth(ids["acme_agent"])).json()
    decided = client.post(f"{API}/notices/{notice['id']}/decision",
                          headers=auth(ids["reviewer"]),
                          json={"listing_id": "L-3", "outcome": "takedown",
                                "reason": "Copied logo, 15% of retail."})
    assert decided.status_code == 200, decided.text
    appeal_id = _appeal(client, auth(ids["seller_2"]), "L-3")
    answered = client.post(f"{API}/appeals/{appeal_id}/answer", headers=auth(ids["acme_agent"]),
                           json={"position": "maintain", "explanation": "Test buy was fake."})
    assert answered.json()["status"] == "awaiting_decision"
    return appeal_id


def test_when_the_reviewer_who_took_a_listing_down_decides_its_appeal_then_forbidden(
    client: TestClient, ids: dict[str, Any]
) -> None:
    appeal_id = _taken_down_on_notice(client, ids)
    refused = client.post(f"{API}/appeals/{appeal_id}/decision", headers=auth(ids["reviewer"]),
                          json={"outcome": "reinstate", "reason": "On second thought."})
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "you took the decision" in problem["detail"]
    assert "another reviewer must decide it" in problem["detail"]
    appeal = client.get(f"{API}/appeals/{appeal_id}", headers=auth(ids["reviewer"])).json()
    assert appeal["status"] == "awaiting_decision"
    listing = client.get(f"{API}/listings/L-3", headers=auth(ids["seller_2"])).json()
    assert listing["status"] == "removed"
    decided = client.post(f"{API}/appeals/{appeal_id}/decision",
                          headers=auth(ids["appeals_reviewer"]), json=UPHOLD)
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"


def test_when_the_same_person_uses_another_token_for_the_appeal_then_still_forbidden(
    client: TestClient, ids: dict[str, Any], settings: Settings
) -> None:
    appeal_id = _taken_down_on_notice(client, ids)
    same_person = token(settings, "platform_admin", name="Night shift")
    refused = client.post(f"{API}/appeals/{appeal_id}/decision", headers=auth(same_person),
                          json=UPHOLD)
    assert refused.status_code == 403 and "you took the decision" in refused.text


def test_when_the_reviewer_who_confirmed_a_held_listing_decides_its_appeal_then_forbidden(
    client: TestClient, ids: dict[str, Any], settings: Settings
) -> None:
    with unit_of_work(settings) as session:
        detection.hash_references(session)
        listing = session.get(Listing, "L-3")
        assert listing is not None
        listing.title = "Acme Outdoor Summit backpack"
        detection.check_listings(session, actor=cli_principal(), settings=settings,
                                 listings=[listing], stage="gate")
        decision = detection.decisions_of(session, listing_id="L-3")[-1]
        apply_action(session, actor=cli_principal(), listing=listing, action="review",
                     decision=decision, reason="held for a person")
    reviewer = auth(ids["reviewer"])
    [case] = client.get(f"{API}/review/listings", headers=reviewer).json()["items"]
    confirmed = client.post(f"{API}/review/listings/{case['id']}/decision", headers=reviewer,
                            json={"outcome": "confirm", "reason": "Logo and stitching differ."})
    assert confirmed.json()["status"] == "confirmed"
    appeal_id = _appeal(client, auth(ids["seller_2"]), "L-3")
    refused = client.post(f"{API}/appeals/{appeal_id}/decision", headers=reviewer, json=UPHOLD)
    assert refused.status_code == 403 and "you took the decision" in refused.json()["detail"]
    assert client.get(f"{API}/listings/L-3", headers=reviewer).json()["status"] == "blocked"
    granted = client.post(f"{API}/appeals/{appeal_id}/decision",
                          headers=auth(ids["appeals_reviewer"]),
                          json={"outcome": "reinstate", "reason": "Invoice shows genuine goods."})
    assert granted.status_code == 200 and granted.json()["status"] == "granted"
    assert client.get(f"{API}/listings/L-3", headers=reviewer).json()["status"] == "live"
