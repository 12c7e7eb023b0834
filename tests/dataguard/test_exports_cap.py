"""Row caps per level, and the data owner's second approval that lifts one export over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.conftest import make_settings
from tests.dataguard.export_world import API, CROWD, export, granted, seed_exports, stored
from tests.dataguard.helpers import DataWorld

ROWS = 2 + len(CROWD)  # every seller


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path).model_copy(
        update={"data_export_cap_level3": 5, "data_export_cap_level4": 3}
    )


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> DataWorld:
    return seed_exports(settings, tmp_path / "seed")


def ask(client: TestClient, who: dict[str, str], *, rows: int = ROWS,
        fields: list[str] | None = None) -> dict[str, Any]:
    answer = client.post(f"{API}/export-approvals", headers=who, json={
        "dataset": "sellers", "fields": fields or ["seller_id", "identifiers.phone"],
        "rows": rows, "purpose": "hand the ring's phones to the police"})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def decide(client: TestClient, who: dict[str, str], approval_id: object,
           outcome: str = "approve") -> Any:
    return client.post(f"{API}/export-approvals/{approval_id}/decision", headers=who,
                       json={"outcome": outcome, "reason": "case 4471"})


def test_when_a_level_3_export_is_over_the_cap_then_422_names_the_cap_and_nothing_changes(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    granted(client, world, "alice", ["identifiers.phone"])
    before = stored(settings)
    answer = export(client, world.headers["alice"], fields=["seller_id", "identifiers.phone"])
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert f"{ROWS} rows, over the cap of 5 rows for level-3 data" in detail
    assert "MARKETGUARD_DATA_EXPORT_CAP_LEVEL3" in detail
    assert stored(settings) == before


def test_when_a_level_4_field_is_exported_then_the_lower_level_4_cap_applies(
    client: TestClient, world: DataWorld
) -> None:
    granted(client, world, "alice", ["identifiers.phone", "identifiers.payment"])
    answer = export(client, world.headers["alice"], fields=["identifiers.payment"])
    assert answer.status_code == 422
    assert "over the cap of 3 rows for level-4 data" in answer.json()["detail"]


def test_when_only_level_1_and_2_fields_are_exported_then_no_cap_applies(
    client: TestClient, world: DataWorld
) -> None:
    answer = export(client, world.headers["bob"], fields=["seller_id", "country"],
                    purpose="count sellers")
    assert answer.status_code == 201 and answer.json()["rows"] == ROWS


def test_when_a_data_owner_approves_then_the_export_goes_over_the_cap_once(
    client: TestClient, world: DataWorld
) -> None:
    granted(client, world, "alice", ["identifiers.phone"])
    approval = ask(client, world.headers["alice"])
    assert approval["status"] == "pending"
    decided = decide(client, world.headers["olga"], approval["id"])
    assert decided.json()["status"] == "approved"

    answer = export(client, world.headers["alice"], fields=["seller_id", "identifiers.phone"],
                    approval=approval["id"])
    assert answer.status_code == 201, answer.text
    assert answer.json()["rows"] == ROWS
    record = client.get(f"{API}/exports/{answer.json()['id']}", headers=world.headers["olga"])
    assert record.json()["approval_id"] == approval["id"]
    listed = client.get(f"{API}/export-approvals", headers=world.headers["alice"]).json()
    assert [(a["status"], a["export_id"]) for a in listed["items"]] == [
        ("used", answer.json()["id"])
    ]

    again = export(client, world.headers["alice"], fields=["seller_id", "identifiers.phone"],
                   approval=approval["id"])
    assert again.status_code == 422 and "is used, not approved" in again.json()["detail"]


@pytest.mark.parametrize(
    ("rows", "fields", "export_fields", "named"),
    [
        (ROWS - 1, None, ["seller_id", "identifiers.phone"], f"allows {ROWS - 1} rows"),
        (ROWS, ["seller_id"], ["seller_id", "identifiers.phone"], "identifiers.phone"),
    ],
)
def test_when_the_export_goes_beyond_its_approval_then_422_and_nothing_changes(
    client: TestClient, world: DataWorld, settings: Settings, rows: int,
    fields: list[str] | None, export_fields: list[str], named: str,
) -> None:
    granted(client, world, "alice", ["identifiers.phone"])
    approval = ask(client, world.headers["alice"], rows=rows, fields=fields)
    decide(client, world.headers["olga"], approval["id"])
    before = stored(settings)
    answer = export(client, world.headers["alice"], fields=export_fields,
                    approval=approval["id"])
    assert answer.status_code == 422 and named in answer.json()["detail"]
    assert stored(settings) == before


def test_when_an_approval_is_denied_or_someone_elses_then_it_lifts_nothing(
    client: TestClient, world: DataWorld
) -> None:
    granted(client, world, "alice", ["identifiers.phone"])
    granted(client, world, "bob", ["identifiers.phone"])
    denied = ask(client, world.headers["alice"])
    assert decide(client, world.headers["olga"], denied["id"], "deny").json()["status"] == (
        "denied")
    answer = export(client, world.headers["alice"], fields=["identifiers.phone"],
                    approval=denied["id"])
    assert answer.status_code == 422 and "is denied" in answer.json()["detail"]

    alices = ask(client, world.headers["alice"])
    decide(client, world.headers["olga"], alices["id"])
    answer = export(client, world.headers["bob"], fields=["identifiers.phone"],
                    approval=alices["id"])
    assert answer.status_code == 422 and "of yours" in answer.json()["detail"]


def test_when_approvals_are_decided_wrongly_then_403_or_409(
    client: TestClient, world: DataWorld
) -> None:
    own = ask(client, world.headers["olga"])
    assert decide(client, world.headers["olga"], own["id"]).status_code == 403
    assert decide(client, world.headers["alice"], own["id"]).status_code == 403
    assert decide(client, world.headers["sam"], own["id"]).status_code == 403
    assert decide(client, world.headers["oscar"], own["id"]).status_code == 200
    assert decide(client, world.headers["oscar"], own["id"]).status_code == 409
    missing = decide(client, world.headers["oscar"], "nope")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"rows": 0}, "rows must be between"),
        ({"purpose": " "}, "purpose must not be empty"),
        ({"fields": ["nope"]}, "nope"),
        ({"dataset": "nope"}, "unknown dataset"),
    ],
)
def test_when_an_approval_request_is_bad_then_422_and_nothing_stored(
    client: TestClient, world: DataWorld, settings: Settings, body: dict[str, object],
    named: str,
) -> None:
    before = stored(settings)
    full = {"dataset": "sellers", "fields": ["identifiers.phone"], "rows": 10,
            "purpose": "case", **body}
    answer = client.post(f"{API}/export-approvals", headers=world.headers["alice"], json=full)
    assert answer.status_code == 422 and named in answer.text
    assert stored(settings) == before
