"""The catalog lists every field of every dataset, over HTTP and at the console; tenants
and vendors are kept out of every data-protection route."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import marketguard
from marketguard.config import Settings
from marketguard.models import Base
from tests.dataguard.helpers import DataWorld, seed
from tests.factories import auth, token
from tests.test_cli import run as run_cli

# This checkout's source, so the subprocess runs the code under test wherever it is.
SOURCE = {"PYTHONPATH": str(Path(marketguard.__file__).resolve().parents[1])}


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path, *args, env=SOURCE)

DATA_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/data/catalog", None),
    ("GET", "/api/v1/data/datasets/sellers/records", None),
    ("POST", "/api/v1/data/access-requests",
     {"dataset": "sellers", "fields": ["identifiers.phone"], "purpose": "x", "duration": "PT1H"}),
    ("GET", "/api/v1/data/access-requests", None),
    ("GET", "/api/v1/data/access-requests/x", None),
    ("POST", "/api/v1/data/access-requests/x/decision", {"outcome": "approve", "reason": "x"}),
    ("GET", "/api/v1/data/grants", None),
    ("DELETE", "/api/v1/data/grants/x", None),
    ("GET", "/api/v1/data/access-log", None),
    ("GET", "/api/v1/data/alerts", None),
    ("POST", "/api/v1/data/alerts/x/acknowledge", {"note": "x"}),
]
# The routes above as their templates, for tests/api/test_isolation.py.
ROUTES = {
    ("GET", "/api/v1/data/catalog"),
    ("GET", "/api/v1/data/datasets/{dataset}/records"),
    ("POST", "/api/v1/data/access-requests"),
    ("GET", "/api/v1/data/access-requests"),
    ("GET", "/api/v1/data/access-requests/{request_id}"),
    ("POST", "/api/v1/data/access-requests/{request_id}/decision"),
    ("GET", "/api/v1/data/grants"),
    ("DELETE", "/api/v1/data/grants/{grant_id}"),
    ("GET", "/api/v1/data/access-log"),
    ("GET", "/api/v1/data/alerts"),
    ("POST", "/api/v1/data/alerts/{alert_id}/acknowledge"),
}


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> DataWorld:
    return seed(settings, tmp_path)


def _catalog(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = "?limit=100" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(f"/api/v1/data/catalog{query}", headers=headers)
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        cursor = answer.json()["next"]
        if cursor is None:
            return items


def test_when_staff_page_through_the_catalog_then_every_dataset_and_field_is_there(
    client: TestClient, world: DataWorld
) -> None:
    items = _catalog(client, world.headers["alice"])
    by_name = {f"{i['dataset']}.{i['field']}": i for i in items}
    assert len(by_name) == len(items)  # pages neither overlap nor repeat
    phone = by_name["sellers.identifiers.phone"]
    assert (phone["level"], phone["category"], phone["owner"]) == (3, "personal",
                                                                    "trust-and-safety")
    assert phone["purpose"] and phone["clearances"] == []
    assert by_name["sellers.identifiers.payment"]["level"] == 4
    assert by_name["sellers.identifiers.loyalty"]["level"] == 3  # a stored, unknown kind
    assert by_name["sellers.vat_number"]["level"] == 3  # a kept unknown input field
    assert by_name["notices.notifier.email"]["clearances"] == ["reviewer", "rights_holder"]
    assert by_name["listings.title"]["level"] == 1
    assert by_name["risk_events.payment_instrument_id"]["level"] == 4
    assert by_name["data_grants.grantee"]["owner"] == "security"
    datasets = {i["dataset"] for i in items}
    assert {"sellers", "listings", "notices", "orders", "risk_events"} <= datasets
    backing = {"sellers", "listings", "notices", "orders"}
    assert {t for t in Base.metadata.tables if t not in backing} <= datasets
    assert "notices.notifier_email" not in by_name  # shown by path, not by column


def test_when_a_tenant_or_vendor_calls_a_data_route_then_forbidden(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    outsiders = [
        token(settings, "rights_holder", brand_id=world.ids["acme"]),
        token(settings, "seller", seller_id="S-0001"),
        token(settings, "vendor", name="Acme vendor"),
        token(settings, "integration"),
    ]
    for secret in outsiders:
        for method, path, body in DATA_ROUTES:
            answer = client.request(method, path, json=body, headers=auth(secret))
            assert answer.status_code == 403, (method, path, answer.text)
            assert "+8613800138021" not in answer.text


def test_when_the_catalog_is_printed_then_a_table_and_a_summary_per_level(
    tmp_path: Path,
) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    table = run(tmp_path, "data", "catalog")
    assert table.returncode == 0, table.stderr
    assert "identifiers.payment" in table.stdout
    assert "level 4 (secret)" in table.stdout and "datasets" in table.stdout
    lines = run(tmp_path, "data", "catalog", "--json").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert {"dataset", "field", "level", "category", "owner", "purpose", "clearances"} <= set(
        rows[0]
    )
    assert any(r["dataset"] == "sellers" and r["field"] == "identifiers.phone" for r in rows)


def test_when_a_scoped_data_owner_token_is_created_at_the_console_then_it_names_its_dataset(
    tmp_path: Path,
) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    made = run(tmp_path, "token", "create", "--name", "Olga", "--role", "data_owner",
               "--dataset", "sellers")
    assert made.returncode == 0, made.stderr
    assert "dataset=sellers" in made.stderr
    wrong = run(tmp_path, "token", "create", "--name", "x", "--role", "employee",
                "--dataset", "sellers")
    assert wrong.returncode != 0 and "only applies to data_owner" in wrong.stderr
    unknown = run(tmp_path, "token", "create", "--name", "x", "--role", "data_owner",
                  "--dataset", "nope")
    assert unknown.returncode != 0 and "unknown dataset 'nope'" in unknown.stderr
    log = run(tmp_path, "data", "access-log", "--actor", "Olga")
    assert log.returncode == 0, log.stderr


def test_when_a_scoped_token_asks_who_it_is_then_it_sees_its_dataset(
    client: TestClient, world: DataWorld
) -> None:
    me = client.get("/api/v1/me", headers=world.headers["sam"]).json()
    assert (me["role"], me["dataset"]) == ("data_owner", "listings")
