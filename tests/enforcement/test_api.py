"""Reviewers restrict, suspend and correct through the API; sellers read why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.factories import auth
from tests.notices.helpers import api_world

API = "/api/v1"


@pytest.fixture
def ids(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    return api_world(settings, tmp_path)


def test_when_a_reviewer_restricts_with_a_strike_then_a_reversal_undoes_both(
    client: TestClient, ids: dict[str, Any]
) -> None:
    reviewer, seller = auth(ids["reviewer"]), auth(ids["seller_1"])
    made = client.post(f"{API}/listings/L-1/restrictions", headers=reviewer, json={
        "action": "disable", "ground": "illegal_content", "right_id": ids["acme_right"],
        "facts": "Listing copies the registered design.", "add_strike": True})
    assert made.status_code == 201, made.text
    statement = made.json()
    assert statement["legal_ground"].startswith("Infringement of trademark")
    assert client.get(f"{API}/listings/L-1", headers=seller).json()["status"] == "blocked"
    assert len(client.get(f"{API}/sellers/S-0001/strikes", headers=seller).json()["strikes"]) == 1
    reversed_ = client.post(f"{API}/statements/{statement['id']}/reversal", headers=reviewer,
                            json={"reason": "Licence shown by the seller."})
    assert reversed_.json()["status"] == "reversed"
    assert client.get(f"{API}/listings/L-1", headers=seller).json()["status"] == "live"
    assert client.get(f"{API}/sellers/S-0001/strikes", headers=seller).json()["strikes"] == []


def test_when_a_reviewer_suspends_a_seller_then_the_seller_reads_the_statement(
    client: TestClient, ids: dict[str, Any]
) -> None:
    reviewer, seller = auth(ids["reviewer"]), auth(ids["seller_2"])
    made = client.post(f"{API}/sellers/S-0002/suspension", headers=reviewer, json={
        "facts": "Three orders shipped empty boxes.", "until": "2099-01-01T00:00:00Z"})
    assert made.status_code == 201
    assert client.get(f"{API}/sellers/S-0002", headers=seller).json()["status"] == "suspended"
    [seen] = client.get(f"{API}/statements", headers=seller).json()["items"]
    assert seen["statement"]["restriction"].startswith("The seller account is suspended")
    assert seen["ends_at"].startswith("2099-01-01")
    again = client.post(f"{API}/sellers/S-0002/suspension", headers=reviewer,
                        json={"facts": "again"})
    assert again.status_code == 409


def test_when_a_restriction_body_is_wrong_then_refused_and_nothing_changes(
    client: TestClient, ids: dict[str, Any]
) -> None:
    reviewer = auth(ids["reviewer"])
    answer = client.post(f"{API}/listings/L-1/restrictions", headers=reviewer, json={
        "action": "remove", "ground": "illegal_content", "facts": "No right named."})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "right_id"
    listing = client.get(f"{API}/listings/L-1", headers=auth(ids["seller_1"])).json()
    assert listing["status"] == "live"
