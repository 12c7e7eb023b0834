"""POST /data/exports by employees: grants, the file, the trail, refusals that change nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketguard.audit.models import AuditRecord
from marketguard.config import Settings
from marketguard.uow import unit_of_work
from tests.dataguard.export_world import (
    API,
    CROWD,
    crowd_phone,
    export,
    granted,
    seed_exports,
    stored,
)
from tests.dataguard.helpers import PHONE, DataWorld


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> DataWorld:
    return seed_exports(settings, tmp_path / "seed")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_when_an_employee_with_a_grant_exports_then_the_file_holds_the_raw_values(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    grant = granted(client, world, "alice", ["identifiers.phone"])
    answer = export(client, world.headers["alice"], fields=["seller_id", "identifiers.phone"],
                    purpose="call sellers in the ring")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["rows"] == 2 + len(CROWD)
    assert body["download"] == f"/api/v1/data/exports/{body['id']}/file"

    got = client.get(body["download"], headers=world.headers["alice"])
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = {r["seller_id"]: r for r in rows_of(got.text)}
    assert list(rows_of(got.text)[0]) == ["seller_id", "identifiers.phone"]
    assert rows["S-0001"]["identifiers.phone"] == PHONE
    assert rows["S-0100"]["identifiers.phone"] == crowd_phone("S-0100")

    log = client.get(f"{API}/access-log?actor=alice", headers=world.headers["audrey"]).json()
    exports = [r for r in log["items"] if r["kind"] == "export"]
    assert [(r["fields"], r["rows"], r["grant_id"], r["purpose"]) for r in exports] == [
        (["seller_id", "identifiers.phone"], body["rows"], grant, "call sellers in the ring")
    ]
    trail = client.get(f"{API}/exports", headers=world.headers["audrey"]).json()["items"]
    assert [(t["id"], t["exporter"], t["recipient"]["id"], t["desensitized"]) for t in trail] == [
        (body["id"], "alice", "alice", False)
    ]
    with unit_of_work(settings) as session:
        actions = list(session.scalars(select(AuditRecord.action).where(
            AuditRecord.object_id == body["id"])))
    assert actions == ["data.export"]


def test_when_someone_else_asks_for_an_employee_export_file_then_not_found(
    client: TestClient, world: DataWorld
) -> None:
    granted(client, world, "alice", ["identifiers.phone"])
    body = export(client, world.headers["alice"], fields=["identifiers.phone"]).json()
    for who in ("bob", "root", "olga", "audrey"):
        assert client.get(body["download"], headers=world.headers[who]).status_code == 404
    record = client.get(f"{API}/exports/{body['id']}", headers=world.headers["bob"])
    assert record.status_code == 404


def test_when_jsonl_is_asked_then_one_object_a_line_with_lists_kept(
    client: TestClient, world: DataWorld
) -> None:
    granted(client, world, "alice", ["identifiers.phone"])
    body = export(client, world.headers["alice"], fields=["seller_id", "identifiers.phone"],
                  fmt="jsonl").json()
    got = client.get(body["download"], headers=world.headers["alice"])
    lines = [orjson.loads(line) for line in got.content.splitlines()]
    assert len(lines) == body["rows"]
    first = {line["seller_id"]: line for line in lines}["S-0001"]
    assert first == {"seller_id": "S-0001", "identifiers.phone": [PHONE]}


def test_when_level_1_and_2_fields_are_exported_then_no_grant_is_needed(
    client: TestClient, world: DataWorld
) -> None:
    answer = export(client, world.headers["bob"], fields=["seller_id", "country"],
                    purpose="count sellers per country")
    assert answer.status_code == 201, answer.text
    got = client.get(answer.json()["download"], headers=world.headers["bob"])
    assert {r["country"] for r in rows_of(got.text)} == {"DE"}


def test_when_a_level_3_field_has_no_grant_then_403_naming_it_and_nothing_changes(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    before = stored(settings)
    answer = export(client, world.headers["bob"], fields=["seller_id", "identifiers.phone"],
                    purpose="curious")
    assert answer.status_code == 403
    assert "identifiers.phone" in answer.json()["detail"]
    assert answer.headers["content-type"] == "application/problem+json"
    assert stored(settings) == before


def test_when_a_grant_covers_another_field_then_the_missing_one_is_named(
    client: TestClient, world: DataWorld
) -> None:
    granted(client, world, "alice", ["identifiers.phone"])
    answer = export(client, world.headers["alice"], fields=["identifiers.phone", "identifiers.ip"])
    assert answer.status_code == 403
    assert "identifiers.ip" in answer.json()["detail"]
    assert "identifiers.phone" not in answer.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"dataset": "nope"}, 422, "unknown dataset 'nope'"),
        ({"dataset": "api_tokens", "fields": ["id"]}, 422, "cannot be exported"),
        ({"fields": ["seller_id", "no_such_field"]}, 422, "no_such_field"),
        ({"fields": ["identifiers.*"]}, 422, "not a pattern"),
        ({"fields": []}, 422, "at least one field"),
        ({"purpose": "   "}, 422, "purpose must not be empty"),
        ({"recipient": {"kind": "vendor", "id": "V-unknown"}}, 422, "no vendor 'V-unknown'"),
        ({"recipient": {"kind": "employee", "id": "mallory"}}, 422, "no staff member"),
        ({"format": "xlsx"}, 422, "format"),
    ],
)
def test_when_the_body_is_bad_then_one_clear_error_and_nothing_changes(
    client: TestClient, world: DataWorld, settings: Settings, body: dict[str, object],
    status: int, named: str,
) -> None:
    full = {"dataset": "sellers", "fields": ["seller_id"], "format": "csv",
            "recipient": {"kind": "employee", "id": "bob"}, "purpose": "count", **body}
    before = stored(settings)
    answer = client.post(f"{API}/exports", headers=world.headers["bob"], json=full)
    assert answer.status_code == status, answer.text
    assert named in answer.text
    assert stored(settings) == before


def test_when_no_purpose_is_given_and_no_grant_supplies_one_then_422(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    before = stored(settings)
    answer = export(client, world.headers["bob"], fields=["seller_id"])
    assert answer.status_code == 422 and "purpose is required" in answer.json()["detail"]
    assert stored(settings) == before


def test_when_a_vendor_token_tries_to_export_then_403(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    from tests.factories import auth, token

    vendor = auth(token(settings, "vendor", name="Acme Analytics"))
    answer = export(client, vendor, fields=["seller_id"], purpose="x")
    assert answer.status_code == 403
