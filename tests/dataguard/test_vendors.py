"""Vendors: registration with an age recipient, key rotation with history, who may do what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketguard.audit.models import AuditRecord
from marketguard.config import Settings
from marketguard.uow import unit_of_work
from tests.dataguard.export_world import API, new_identity, seed_exports, stored
from tests.dataguard.helpers import DataWorld
from tests.factories import auth, token


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> DataWorld:
    return seed_exports(settings, tmp_path / "seed")


def add(client: TestClient, who: dict[str, str], name: str = "Acme Analytics",
        recipient: str | None = None) -> Any:
    key = str(new_identity().to_public()) if recipient is None else recipient
    return client.post(f"{API}/vendors", headers=who, json={"name": name, "age_recipient": key})


def test_when_an_admin_registers_a_vendor_then_201_with_its_id_and_current_key(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    key = str(new_identity().to_public())
    answer = add(client, world.headers["root"], recipient=key)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["id"] and body["age_recipient"] == key and len(body["keys"]) == 1
    listed = client.get(f"{API}/vendors", headers=world.headers["alice"]).json()["items"]
    assert [(v["id"], v["name"]) for v in listed] == [(body["id"], "Acme Analytics")]
    with unit_of_work(settings) as session:
        actions = list(session.scalars(select(AuditRecord.action).where(
            AuditRecord.object_id == body["id"])))
    assert actions == ["data.vendor_add"]


@pytest.mark.parametrize(
    "recipient",
    ["", "age1", "age1notbech32atall", "AGE-SECRET-KEY-1QQQ", "ssh-ed25519 AAAA",
     "age1" + "q" * 300],
)
def test_when_the_age_recipient_is_malformed_then_422_naming_the_field_and_nothing_stored(
    client: TestClient, world: DataWorld, settings: Settings, recipient: str
) -> None:
    before = stored(settings)
    answer = add(client, world.headers["root"], recipient=recipient)
    assert answer.status_code == 422
    assert "age_recipient" in answer.text
    assert stored(settings) == before


def test_when_a_secret_key_is_sent_as_recipient_then_it_is_refused_and_never_echoed(
    client: TestClient, world: DataWorld
) -> None:
    secret = str(new_identity())
    answer = add(client, world.headers["root"], recipient=secret)
    assert answer.status_code == 422
    assert secret not in answer.text


def test_when_the_name_is_taken_or_the_caller_no_admin_then_409_or_403(
    client: TestClient, world: DataWorld
) -> None:
    assert add(client, world.headers["root"]).status_code == 201
    assert add(client, world.headers["root"]).status_code == 409
    for who in ("alice", "olga", "audrey"):
        assert add(client, world.headers[who], name="Other").status_code == 403


def test_when_a_key_is_rotated_then_the_new_one_is_current_and_the_old_one_kept(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    first = str(new_identity().to_public())
    vendor = add(client, world.headers["root"], recipient=first).json()
    second = str(new_identity().to_public())
    answer = client.post(f"{API}/vendors/{vendor['id']}/key", headers=world.headers["root"],
                         json={"age_recipient": second, "reason": "laptop lost"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["age_recipient"] == second
    assert [(k["age_recipient"], k["retired_at"] is None) for k in body["keys"]] == [
        (first, False), (second, True)
    ]
    with unit_of_work(settings) as session:
        record = session.scalars(select(AuditRecord).where(
            AuditRecord.action == "data.vendor_key_rotate")).one()
    assert record.reason == "laptop lost"


def test_when_a_vendor_rotates_its_own_key_then_it_may_and_no_other_vendor_may(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    vendor = add(client, world.headers["root"]).json()
    own = auth(token(settings, "vendor", name="Acme Analytics"))
    other = auth(token(settings, "vendor", name="Borealis Insights"))
    new = str(new_identity().to_public())
    url = f"{API}/vendors/{vendor['id']}/key"
    assert client.post(url, headers=other, json={"age_recipient": new}).status_code == 404
    assert client.post(url, headers=world.headers["alice"],
                       json={"age_recipient": new}).status_code == 403
    assert client.post(url, headers=own, json={"age_recipient": new}).status_code == 200
    again = client.post(url, headers=own, json={"age_recipient": new})
    assert again.status_code == 409 and "already" in again.json()["detail"]
    mine = client.get(f"{API}/vendors", headers=own).json()["items"]
    assert [v["id"] for v in mine] == [vendor["id"]]
    assert client.get(f"{API}/vendors", headers=other).json()["items"] == []


def test_when_a_rotation_is_malformed_then_the_current_key_stays(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    vendor = add(client, world.headers["root"]).json()
    before = stored(settings)
    answer = client.post(f"{API}/vendors/{vendor['id']}/key", headers=world.headers["root"],
                         json={"age_recipient": "age1broken"})
    assert answer.status_code == 422 and "age_recipient" in answer.json()["detail"]
    assert stored(settings) == before
    missing = client.post(f"{API}/vendors/nope/key", headers=world.headers["root"],
                          json={"age_recipient": str(new_identity().to_public())})
    assert missing.status_code == 404
