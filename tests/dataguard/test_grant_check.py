"""The grant check is a pure function over the caller's live grants, loaded once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketguard.config import Settings
from marketguard.dataguard.access import (
    LiveGrant,
    Permit,
    Visibility,
    load_live_grants,
    preload_live_grants,
    show_records,
)
from marketguard.dataguard.datasets import NOTICES, SELLERS
from marketguard.dataguard.models import DataAccessLog
from marketguard.uow import unit_of_work
from tests.dataguard.helpers import decide, request_access, seed

LATER = datetime(2030, 1, 1, tzinfo=UTC)


def logged_rows(settings: Settings) -> int:
    with unit_of_work(settings) as session:
        return int(session.scalar(select(func.count()).select_from(DataAccessLog)) or 0)

PHONE_GRANT = LiveGrant("g-1", "sellers", frozenset({"identifiers.phone"}), "case 1", LATER)


def test_when_a_grant_names_a_field_then_only_that_field_is_permitted() -> None:
    seen = Visibility(SELLERS, [PHONE_GRANT], (), "employee")
    assert seen.permit("identifiers.phone") == Permit("g-1", "case 1")
    assert seen.permit("identifiers.payment") is None
    assert seen.permit("country") is True


def test_when_a_grant_names_the_wildcard_then_unknown_kinds_are_permitted_not_named_ones() -> None:
    grant = LiveGrant("g-2", "sellers", frozenset({"identifiers.*", "*"}), "case 2", LATER)
    seen = Visibility(SELLERS, [grant], (), "employee")
    assert seen.permit("identifiers.loyalty") == Permit("g-2", "case 2")
    assert seen.permit("vat_number") == Permit("g-2", "case 2")
    assert seen.permit("identifiers.payment") is None


def test_when_a_grant_is_for_another_dataset_then_it_permits_nothing_here() -> None:
    seen = Visibility(NOTICES, [PHONE_GRANT], (), "employee")
    assert seen.permit("notifier.email") is None


def test_when_a_role_holds_a_clearance_pattern_then_matching_fields_are_permitted() -> None:
    seen = Visibility(NOTICES, [], ("notices.notifier.*",), "reviewer")
    assert isinstance(seen.permit("notifier.email"), Permit)


def test_when_a_page_is_checked_then_each_field_check_costs_microseconds() -> None:
    paths = ["seller_id", "country", "identifiers.phone", "identifiers.payment", "vat_number"]
    seen = Visibility(SELLERS, [PHONE_GRANT], (), "employee")
    started = time.perf_counter()
    for _ in range(2000):
        for path in paths:
            seen.permit(path)
    per_check = (time.perf_counter() - started) / (2000 * len(paths))
    assert per_check < 20e-6, f"{per_check * 1e6:.2f} µs per field check"


def test_when_a_page_is_shown_then_unpermitted_fields_are_masked_and_permits_counted() -> None:
    records = [
        {"seller_id": f"S-{n}", "country": "DE", "status": "active",
         "identifiers": {"phone": ["+4915112345678"], "payment": ["p-1"], "ip": ["10.0.0.1"]}}
        for n in range(3)
    ]
    shown, access = show_records(Visibility(SELLERS, [PHONE_GRANT], (), "employee"), records)
    assert access.rows == {Permit("g-1", "case 1"): 3}
    assert access.fields == {Permit("g-1", "case 1"): {"identifiers.phone"}}
    assert shown[0]["masked"] == ["identifiers.payment", "identifiers.ip"]
    assert shown[0]["identifiers"] == {"phone": ["+4915112345678"], "payment": ["***"],
                                       "ip": ["**.*.*.*"]}
    assert records[0]["identifiers"]["payment"] == ["p-1"]  # the input is not changed


def test_when_time_passes_the_expiry_then_the_grant_is_no_longer_loaded(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    world = seed(settings, tmp_path)
    filed = request_access(client, world.headers["alice"], duration="P1D")
    decide(client, world.headers["olga"], filed.json()["id"])
    now = datetime.now(UTC)
    with unit_of_work(settings) as session:
        assert len(load_live_grants(session, grantee="alice", now=now)) == 1
        later = now + timedelta(days=1, seconds=1)
        assert load_live_grants(session, grantee="alice", now=later) == []
        assert load_live_grants(session, grantee="bob", now=now) == []


def test_when_requests_are_listed_then_staff_see_their_own_and_owners_see_all(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    world = seed(settings, tmp_path)
    mine = request_access(client, world.headers["alice"]).json()["id"]
    request_access(client, world.headers["bob"])
    listed = client.get("/api/v1/data/access-requests", headers=world.headers["alice"])
    assert [r["id"] for r in listed.json()["items"]] == [mine]
    assert client.get(f"/api/v1/data/access-requests/{mine}",
                      headers=world.headers["bob"]).status_code == 404
    assert client.get(f"/api/v1/data/access-requests/{mine}",
                      headers=world.headers["olga"]).status_code == 200
    pending = client.get("/api/v1/data/access-requests?status=pending",
                         headers=world.headers["olga"]).json()["items"]
    assert len(pending) == 2


def test_when_grants_come_with_the_token_then_the_check_drops_those_expired_since(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    world = seed(settings, tmp_path)
    filed = request_access(client, world.headers["alice"], duration="PT1H")
    decide(client, world.headers["olga"], filed.json()["id"])
    token_id = world.headers["alice"]["Authorization"].split("_")[1]
    with unit_of_work(settings) as session:
        preload_live_grants(session, token_id)
        later = datetime.now(UTC) + timedelta(hours=1, seconds=1)
        assert load_live_grants(session, grantee="alice", now=later) == []
    with unit_of_work(settings) as session:
        preload_live_grants(session, token_id)
        assert load_live_grants(session, grantee="bob", now=datetime.now(UTC)) == []
        assert len(load_live_grants(session, grantee="alice", now=datetime.now(UTC))) == 1


@pytest.mark.parametrize("secret", ["not-a-token", "mgt_nosuchtoken_0123456789", ""])
def test_when_the_token_is_unknown_or_malformed_then_the_records_route_refuses_and_logs_nothing(
    client: TestClient, settings: Settings, tmp_path: Path, secret: str
) -> None:
    world = seed(settings, tmp_path)
    before = logged_rows(settings)
    answer = client.get("/api/v1/data/datasets/sellers/records",
                        headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert logged_rows(settings) == before
    assert client.get("/api/v1/data/datasets/sellers/records",
                      headers=world.headers["alice"]).status_code == 200
