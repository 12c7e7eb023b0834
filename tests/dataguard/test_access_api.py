"""FORMATS §7 end to end over HTTP with real tokens: masked reads, requests, approvals,
grants, revocation, expiry and the access log."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marketguard.audit import service as audit
from marketguard.config import Settings
from marketguard.uow import unit_of_work
from tests.dataguard.helpers import (
    ADDRESS,
    NOTIFIER_EMAIL,
    PAYMENT,
    PHONE,
    DataWorld,
    counts,
    decide,
    request_access,
    seed,
    sellers,
)


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> DataWorld:
    return seed(settings, tmp_path)


def test_when_an_employee_reads_sellers_then_level_3_and_4_fields_are_masked(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    answer = client.get("/api/v1/data/datasets/sellers/records", headers=world.headers["alice"])
    assert answer.status_code == 200
    assert set(answer.json()) == {"items", "next"}
    record = {r["seller_id"]: r for r in answer.json()["items"]}["S-0001"]
    assert record["identifiers"]["phone"] == ["+86*********21"]
    assert record["country"] == "DE" and record["created_at"] == "2026-10-02T08:00:00Z"
    for raw in (PHONE, PAYMENT, ADDRESS, "203.0.113.9", "LOY-778812", "CN-9988776655"):
        assert raw not in answer.text
    assert set(record["masked"]) == {
        "identifiers.phone", "identifiers.payment", "identifiers.address", "identifiers.ip",
        "identifiers.device", "identifiers.loyalty", "vat_number",
    }
    assert counts(settings)["data_access_log"] == 0  # nothing sensitive was shown


def test_when_listings_are_read_then_nothing_is_masked(
    client: TestClient, world: DataWorld
) -> None:
    answer = client.get("/api/v1/data/datasets/listings/records", headers=world.headers["ada"])
    items = answer.json()["items"]
    assert [i["listing_id"] for i in items] == ["L-1", "L-2", "L-3", "L-4"]
    assert all(i["masked"] == [] for i in items)
    assert items[0]["price"] == {"amount": 2900, "currency": "EUR"}


def test_when_a_level_3_request_is_approved_by_one_owner_then_the_read_is_unmasked_and_logged(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    filed = request_access(client, world.headers["alice"], fields=["identifiers.phone"])
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["status"] == "pending" and body["approvals_required"] == 1
    decided = decide(client, world.headers["olga"], body["id"])
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    grant = decided.json()["grant"]
    assert grant["fields"] == ["identifiers.phone"] and grant["expires_at"]

    record = sellers(client, world.headers["alice"])["S-0001"]
    assert record["identifiers"]["phone"] == [PHONE]
    assert "identifiers.phone" not in record["masked"]
    assert record["identifiers"]["payment"] != [PAYMENT]  # not granted
    assert "identifiers.payment" in record["masked"]
    assert PHONE not in str(sellers(client, world.headers["bob"]))  # a grant is personal

    log = client.get("/api/v1/data/access-log?actor=alice", headers=world.headers["audrey"])
    assert log.status_code == 200
    [entry] = log.json()["items"]
    assert entry["actor"] == "alice" and entry["dataset"] == "sellers"
    assert entry["fields"] == ["identifiers.phone"] and entry["rows"] == 1
    assert entry["grant_id"] == grant["id"] and entry["kind"] == "read"
    assert entry["purpose"] == "investigate a counterfeit ring"
    with unit_of_work(settings) as session:
        actions = [r.action for r in audit.list_records(session, limit=1000)]
    assert {"data.access_request", "data.access_approve", "data.grant"} <= set(actions)


def test_when_secret_data_is_requested_then_two_different_approvers_are_needed(
    client: TestClient, world: DataWorld
) -> None:
    filed = request_access(client, world.headers["alice"],
                           fields=["identifiers.payment", "identifiers.phone"], duration="PT4H")
    body = filed.json()
    assert body["approvals_required"] == 2
    first = decide(client, world.headers["olga"], body["id"])
    assert first.status_code == 200
    assert first.json()["status"] == "pending" and first.json()["grant"] is None
    assert [a["approver"] for a in first.json()["approvals"]] == ["olga"]
    assert PAYMENT not in str(sellers(client, world.headers["alice"]))

    again = decide(client, world.headers["olga"], body["id"])
    assert again.status_code == 409
    second = decide(client, world.headers["oscar"], body["id"])
    assert second.json()["status"] == "approved"
    assert sellers(client, world.headers["alice"])["S-0001"]["identifiers"]["payment"] == [
        PAYMENT
    ]


def test_when_someone_decides_their_own_request_then_forbidden(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    filed = request_access(client, world.headers["olga"])
    before = counts(settings)
    answer = decide(client, world.headers["olga"], filed.json()["id"])
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert counts(settings) == before


def test_when_a_request_is_decided_twice_then_conflict(
    client: TestClient, world: DataWorld
) -> None:
    filed = request_access(client, world.headers["alice"])
    assert decide(client, world.headers["olga"], filed.json()["id"], "deny",
                  "no case number").json()["status"] == "denied"
    assert decide(client, world.headers["oscar"], filed.json()["id"]).status_code == 409
    assert decide(client, world.headers["olga"], filed.json()["id"]).status_code == 409


def test_when_a_scoped_data_owner_decides_another_dataset_then_forbidden(
    client: TestClient, world: DataWorld
) -> None:
    filed = request_access(client, world.headers["alice"])
    answer = decide(client, world.headers["sam"], filed.json()["id"])
    assert answer.status_code == 403
    assert "listings" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"duration": "P15D"}, "longer than the longest grant"),
        ({"fields": ["identifiers.payment"], "duration": "P2D"}, "P1D"),
        ({"duration": "P1DT1S", "fields": ["identifiers.payment"]}, "P1D"),
        ({"duration": "8 hours"}, "ISO 8601"),
        ({"duration": "P1M"}, "months"),
        ({"purpose": "   "}, "purpose"),
        ({"dataset": "no_such_data"}, "unknown dataset"),
        ({"fields": ["identifiers.phonee"]}, "identifiers.phonee"),
        ({"fields": []}, "at least one field"),
        ({"fields": ["country"]}, "level 1/2"),
    ],
)
def test_when_a_request_breaks_a_rule_then_422_and_nothing_is_stored(
    client: TestClient, world: DataWorld, settings: Settings, change: dict[str, object],
    expected: str,
) -> None:
    body: dict[str, object] = {"dataset": "sellers", "fields": ["identifiers.phone"],
                               "purpose": "case 17", "duration": "PT8H"}
    body.update(change)
    before = counts(settings)
    answer = client.post("/api/v1/data/access-requests", headers=world.headers["alice"],
                         json=body)
    assert answer.status_code == 422, answer.text
    assert expected in answer.json()["detail"]
    assert counts(settings) == before


@pytest.mark.parametrize("duration", ["PT8H", "P1D", "P14D", "P1DT12H"])
def test_when_a_duration_is_iso_8601_within_the_cap_then_accepted(
    client: TestClient, world: DataWorld, duration: str
) -> None:
    assert request_access(client, world.headers["alice"], duration=duration).status_code == 201


def test_when_a_grant_is_revoked_then_the_next_read_is_masked(
    client: TestClient, world: DataWorld
) -> None:
    filed = request_access(client, world.headers["alice"])
    grant = decide(client, world.headers["olga"], filed.json()["id"]).json()["grant"]
    assert sellers(client, world.headers["alice"])["S-0001"]["identifiers"]["phone"] == [PHONE]
    listed = client.get("/api/v1/data/grants?active=true", headers=world.headers["alice"])
    assert [g["id"] for g in listed.json()["items"]] == [grant["id"]]
    assert client.delete(f"/api/v1/data/grants/{grant['id']}",
                         headers=world.headers["bob"]).status_code == 404  # not bob's
    revoked = client.delete(f"/api/v1/data/grants/{grant['id']}", headers=world.headers["olga"])
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert PHONE not in str(sellers(client, world.headers["alice"]))
    listed = client.get("/api/v1/data/grants?active=true", headers=world.headers["alice"])
    assert listed.json()["items"] == []


def test_when_a_grant_expires_then_the_next_read_is_masked(
    client: TestClient, world: DataWorld
) -> None:
    filed = request_access(client, world.headers["alice"], duration="PT6S")
    grant = decide(client, world.headers["olga"], filed.json()["id"]).json()["grant"]
    assert sellers(client, world.headers["alice"])["S-0001"]["identifiers"]["phone"] == [PHONE]
    expires_at = datetime.fromisoformat(grant["expires_at"].replace("Z", "+00:00"))
    time.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 0.2)
    assert PHONE not in str(sellers(client, world.headers["alice"]))
    grants = client.get("/api/v1/data/grants", headers=world.headers["audrey"]).json()["items"]
    assert [(g["id"], g["active"]) for g in grants] == [(grant["id"], False)]


def test_when_a_reviewer_reads_notices_then_the_standing_clearance_shows_the_notifier(
    client: TestClient, world: DataWorld
) -> None:
    answer = client.get("/api/v1/data/datasets/notices/records", headers=world.headers["rita"])
    [notice] = answer.json()["items"]
    assert notice["notifier"]["email"] == NOTIFIER_EMAIL and notice["masked"] == []
    other = client.get("/api/v1/data/datasets/notices/records", headers=world.headers["alice"])
    [masked] = other.json()["items"]
    assert masked["notifier"]["email"] == "a**@a***.example"
    assert set(masked["masked"]) == {"notifier.name", "notifier.email"}
    [entry] = client.get("/api/v1/data/access-log?dataset=notices",
                         headers=world.headers["olga"]).json()["items"]
    assert entry["actor"] == "rita" and entry["grant_id"] is None
    assert "clearance" in entry["purpose"]


def test_when_an_unknown_dataset_is_read_then_404_problem(
    client: TestClient, world: DataWorld
) -> None:
    answer = client.get("/api/v1/data/datasets/nothing/records", headers=world.headers["alice"])
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_when_grants_are_listed_then_staff_see_their_own_and_owners_see_all(
    client: TestClient, world: DataWorld
) -> None:
    for who in ("alice", "bob"):
        filed = request_access(client, world.headers[who])
        decide(client, world.headers["olga"], filed.json()["id"])
    mine = client.get("/api/v1/data/grants", headers=world.headers["bob"]).json()["items"]
    assert [g["grantee"] for g in mine] == ["bob"]
    for viewer in ("olga", "audrey"):
        every = client.get("/api/v1/data/grants", headers=world.headers[viewer]).json()["items"]
        assert sorted(g["grantee"] for g in every) == ["alice", "bob"]


def test_when_pages_are_read_then_each_page_with_sensitive_values_logs_one_row(
    client: TestClient, world: DataWorld
) -> None:
    filed = request_access(client, world.headers["alice"], fields=["identifiers.device"])
    decide(client, world.headers["olga"], filed.json()["id"])
    first = client.get("/api/v1/data/datasets/sellers/records?limit=1",
                       headers=world.headers["alice"])
    assert first.json()["next"]
    client.get(f"/api/v1/data/datasets/sellers/records?limit=1&cursor={first.json()['next']}",
               headers=world.headers["alice"])
    log = client.get("/api/v1/data/access-log", headers=world.headers["audrey"]).json()["items"]
    assert [(e["fields"], e["rows"]) for e in log] == [(["identifiers.device"], 1)] * 2


def test_when_non_auditors_read_the_access_log_then_forbidden(
    client: TestClient, world: DataWorld
) -> None:
    for who in ("alice", "rita", "ada", "root"):
        answer = client.get("/api/v1/data/access-log", headers=world.headers[who])
        assert answer.status_code == 403


def test_when_an_employee_decides_then_forbidden(client: TestClient, world: DataWorld) -> None:
    filed = request_access(client, world.headers["alice"])
    assert decide(client, world.headers["bob"], filed.json()["id"]).status_code == 403
