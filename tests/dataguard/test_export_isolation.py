"""Tenants never reach an export, vendor or trace route; a vendor reaches only its own.

``ROUTES`` is what tests/api/test_isolation.py counts as covered for this part
of the API, so a new export route must be added here (or that test fails).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.dataguard.helpers import seed
from tests.factories import auth, token

RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
# (method, path, body, may a vendor token call it?)
CALLS: list[tuple[str, str, dict[str, Any] | None, bool]] = [
    ("POST", "/api/v1/data/exports",
     {"dataset": "sellers", "fields": ["seller_id"], "format": "csv",
      "recipient": {"kind": "employee", "id": "x"}, "purpose": "x"}, False),
    ("GET", "/api/v1/data/exports", None, False),
    ("GET", "/api/v1/data/exports/x", None, False),
    ("GET", "/api/v1/data/exports/x/file", None, True),
    ("POST", "/api/v1/data/exports/trace", None, False),
    ("GET", "/api/v1/data/export-approvals", None, False),
    ("POST", "/api/v1/data/export-approvals",
     {"dataset": "sellers", "fields": ["seller_id"], "rows": 10, "reason": "x"}, False),
    ("POST", "/api/v1/data/export-approvals/x/decision",
     {"outcome": "approve", "reason": "x"}, False),
    ("GET", "/api/v1/data/vendors", None, True),
    ("POST", "/api/v1/data/vendors", {"name": "x", "age_recipient": RECIPIENT}, False),
    ("POST", "/api/v1/data/vendors/x/key", {"age_recipient": RECIPIENT, "reason": "x"}, True),
]
ROUTES = {
    ("POST", "/api/v1/data/exports"),
    ("GET", "/api/v1/data/exports"),
    ("GET", "/api/v1/data/exports/{export_id}"),
    ("GET", "/api/v1/data/exports/{export_id}/file"),
    ("POST", "/api/v1/data/exports/trace"),
    ("GET", "/api/v1/data/export-approvals"),
    ("POST", "/api/v1/data/export-approvals"),
    ("POST", "/api/v1/data/export-approvals/{approval_id}/decision"),
    ("GET", "/api/v1/data/vendors"),
    ("POST", "/api/v1/data/vendors"),
    ("POST", "/api/v1/data/vendors/{vendor_id}/key"),
}


def test_when_a_tenant_calls_an_export_or_vendor_route_then_forbidden(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    world = seed(settings, tmp_path)
    tenants = [
        token(settings, "rights_holder", brand_id=world.ids["acme"]),
        token(settings, "seller", seller_id="S-0001"),
        token(settings, "integration"),
    ]
    for secret in tenants:
        for method, path, body, _ in CALLS:
            answer = client.request(method, path, json=body, headers=auth(secret))
            assert answer.status_code == 403, (method, path, answer.text)


def test_when_a_vendor_calls_a_staff_export_route_then_forbidden(
    client: TestClient, settings: Settings
) -> None:
    secret = token(settings, "vendor", name="parcel-partners")
    for method, path, body, vendor_may in CALLS:
        if vendor_may:
            continue
        answer = client.request(method, path, json=body, headers=auth(secret))
        assert answer.status_code == 403, (method, path, answer.text)
    assert {(m, p) for m, p, _, _ in CALLS if "/x" not in p} <= ROUTES
