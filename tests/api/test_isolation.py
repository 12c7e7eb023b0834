"""One brand's agent cannot read or change another brand's data; one seller cannot
see another's. Checked through every route that exists: a new route must be added
to the table below, or the last test fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.app import create_app
from marketguard.config import Settings
from tests.dataguard.test_catalog import ROUTES as DATA_ROUTES
from tests.dataguard.test_export_isolation import ROUTES as EXPORT_ROUTES
from tests.factories import auth, seed_marketplace, token
from tests.incidents.test_isolation import ROUTES as INCIDENT_ROUTES
from tests.notices.test_isolation import ROUTES as NOTICE_ROUTES
from tests.routes import api_routes

# (method, path template, body) -> who is refused and how. ``{own}`` and ``{other}``
# are filled per test with ids the caller owns and ids of another tenant.
CASES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/brands/{other_brand}", None),
    ("POST", "/api/v1/rights/{other_right}/verification", {"status": "rejected", "reason": "x"}),
    ("GET", "/api/v1/listings/{other_listing}", None),
    ("GET", "/api/v1/sellers/{other_seller}", None),
]
COVERED_ELSEWHERE = {
    # Routes whose isolation is asserted by dedicated tests in this file or that
    # carry no tenant data.
    ("GET", "/api/v1/brands"),
    ("GET", "/api/v1/listings"),
    ("GET", "/api/v1/me"),
    ("POST", "/api/v1/tokens"),
    ("POST", "/api/v1/tokens/{token_id}/revocation"),
    ("GET", "/api/v1/audit/records"),
    ("GET", "/api/v1/audit/verification"),
}
TEMPLATE_PATHS = {
    ("GET", "/api/v1/brands/{brand_id}"),
    ("POST", "/api/v1/rights/{right_id}/verification"),
    ("GET", "/api/v1/listings/{listing_id}"),
    ("GET", "/api/v1/sellers/{seller_id}"),
}


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    ids = seed_marketplace(settings, tmp_path)
    ids["acme_agent"] = token(settings, "rights_holder", brand_id=ids["acme"])
    ids["seller_1"] = token(settings, "seller", seller_id="S-0001")
    return ids


@pytest.mark.parametrize(("method", "template", "body"), CASES)
def test_when_a_tenant_reaches_for_another_tenants_data_then_refused(
    client: TestClient, world: dict[str, Any], method: str, template: str, body: Any
) -> None:
    fill = {
        "other_brand": world["borealis"],
        "other_right": world["borealis_right"],
        "other_listing": "L-3",
        "other_seller": "S-0002",
    }
    path = template.format(**fill)
    for secret in (world["acme_agent"], world["seller_1"]):
        answer = client.request(method, path, json=body, headers=auth(secret))
        assert answer.status_code in (403, 404), (path, answer.status_code, answer.text)
        assert set(answer.json()) <= {"type", "title", "status", "detail", "instance"}
        assert "Borealis" not in answer.text


def test_when_a_brand_lists_brands_then_it_sees_only_its_own(
    client: TestClient, world: dict[str, Any]
) -> None:
    answer = client.get("/api/v1/brands", headers=auth(world["acme_agent"]))
    assert answer.status_code == 200
    assert [b["name"] for b in answer.json()["items"]] == ["Acme Outdoor"]


def test_when_a_seller_lists_listings_then_it_sees_only_its_own(
    client: TestClient, world: dict[str, Any]
) -> None:
    answer = client.get("/api/v1/listings", headers=auth(world["seller_1"]))
    assert sorted(i["listing_id"] for i in answer.json()["items"]) == ["L-1", "L-2"]
    answer = client.get("/api/v1/listings?seller_id=S-0002", headers=auth(world["seller_1"]))
    assert answer.json()["items"] == []


def test_when_a_tenant_reads_its_own_data_then_allowed(
    client: TestClient, world: dict[str, Any]
) -> None:
    own_brand = client.get(f"/api/v1/brands/{world['acme']}", headers=auth(world["acme_agent"]))
    assert own_brand.status_code == 200
    assert own_brand.json()["rights"][0]["verification"] == "pending"
    own_listing = client.get("/api/v1/listings/L-1", headers=auth(world["seller_1"]))
    assert own_listing.json()["status"] == "live"
    assert client.get("/api/v1/sellers/S-0001", headers=auth(world["seller_1"])).status_code == 200


def test_when_tenants_call_staff_routes_then_forbidden(
    client: TestClient, world: dict[str, Any]
) -> None:
    for secret in (world["acme_agent"], world["seller_1"]):
        for method, path in (
            ("GET", "/api/v1/audit/records"),
            ("GET", "/api/v1/audit/verification"),
            ("POST", "/api/v1/tokens"),
            ("POST", "/api/v1/tokens/x/revocation"),
        ):
            body = {"name": "x", "role": "platform_admin"} if path.endswith("tokens") else None
            answer = client.request(method, path, json=body, headers=auth(secret))
            assert answer.status_code == 403, (path, answer.text)


def test_when_a_rights_holder_tries_to_verify_its_own_right_then_forbidden(
    client: TestClient, world: dict[str, Any]
) -> None:
    answer = client.post(
        f"/api/v1/rights/{world['acme_right']}/verification",
        json={"status": "verified", "reason": "trust me"},
        headers=auth(world["acme_agent"]),
    )
    assert answer.status_code == 403


def test_when_a_route_is_added_then_this_file_must_cover_it() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    routes = {
        (method, path) for method, path, _ in api_routes(app) if path.startswith("/api/v1")
    }
    assert len(routes) > len(COVERED_ELSEWHERE)  # the walk found the included routers
    uncovered = routes - COVERED_ELSEWHERE - TEMPLATE_PATHS - EXTRA_COVERED
    assert uncovered == set(), f"add isolation checks for: {sorted(uncovered)}"


# Other domains register their routes' isolation tests here as they land.
EXTRA_COVERED: set[tuple[str, str]] = {
    # tests/risk/test_api.py::test_when_tenants_call_risk_routes_then_forbidden
    ("POST", "/api/v1/risk/decisions"),
    ("POST", "/api/v1/risk/rulesets"),
    ("GET", "/api/v1/risk/rulesets"),
    ("POST", "/api/v1/risk/rulesets/{version}/state"),
    ("GET", "/api/v1/risk/shadow-report"),
    # tests/brands/test_manage_api.py
    ("PUT", "/api/v1/brands/{brand_id}"),
    # tests/detection/test_gate_api.py
    ("POST", "/api/v1/listings:check"),
    ("GET", "/api/v1/listings/{listing_id}/decisions"),
    ("GET", "/api/v1/review/listings"),
    ("POST", "/api/v1/review/listings/{case_id}/decision"),
}
# Notice and takedown: tests/notices/test_isolation.py reaches for every one of its ROUTES.
EXTRA_COVERED |= NOTICE_ROUTES
# Enforcement: tests/enforcement/test_isolation.py.
EXTRA_COVERED |= {
    ("GET", "/api/v1/statements"),
    ("GET", "/api/v1/statements/{statement_id}"),
    ("GET", "/api/v1/sellers/{seller_id}/strikes"),
    ("POST", "/api/v1/listings/{listing_id}/restrictions"),
    ("POST", "/api/v1/statements/{statement_id}/reversal"),
    ("POST", "/api/v1/sellers/{seller_id}/suspension"),
    ("POST", "/api/v1/sellers/{seller_id}/closure"),
}
# Public aggregates, no tenant data: tests/reports/test_transparency.py shows every
# caller (anonymous or any brand) gets the same figures.
EXTRA_COVERED |= {("GET", "/api/v1/reports/transparency")}
# Data protection: tests/dataguard/test_catalog.py keeps tenants and vendors out of every
# one of its ROUTES; staff scope (own grants and requests) is in test_access_api.py.
EXTRA_COVERED |= DATA_ROUTES
# Exports, vendors and trace: tests/dataguard/test_export_isolation.py.
EXTRA_COVERED |= EXPORT_ROUTES
# Incidents: staff only; tests/incidents/test_isolation.py keeps every other role out.
EXTRA_COVERED |= INCIDENT_ROUTES
