"""Incidents are staff business: tenants and other roles reach none of their routes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.factories import auth, seed_marketplace, token

SELLER = "S-0001"

ROUTES = {
    ("POST", "/api/v1/incidents"),
    ("GET", "/api/v1/incidents"),
    ("GET", "/api/v1/incidents/{incident_id}"),
    ("PATCH", "/api/v1/incidents/{incident_id}"),
    ("POST", "/api/v1/incidents/{incident_id}/timeline"),
    ("GET", "/api/v1/incidents/{incident_id}/postmortem"),
}


@pytest.mark.parametrize("role", ["rights_holder", "seller", "vendor", "integration",
                                  "reviewer", "data_owner", "employee", "analyst"])
def test_when_other_roles_call_incident_routes_then_forbidden(
    client: TestClient, settings: Settings, tmp_path: Path, role: str
) -> None:
    responder = auth(token(settings, "responder"))
    incident = client.post("/api/v1/incidents", json={"title": "x"}, headers=responder).json()
    scope = {}
    if role in ("rights_holder", "seller"):
        ids = seed_marketplace(settings, tmp_path)
        scope = ({"brand_id": ids["acme"]} if role == "rights_holder"
                 else {"seller_id": SELLER})
    caller = auth(token(settings, role, **scope))
    for method, path in sorted(ROUTES):
        url = path.replace("{incident_id}", incident["id"])
        body = {"title": "x", "note": "x"} if method != "GET" else None
        answer = client.request(method, url, json=body, headers=caller)
        assert answer.status_code == 403, (role, method, path, answer.text)
