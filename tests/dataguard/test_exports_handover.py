"""Vendor hand-overs: desensitized, without opted-out sellers, encrypted to the vendor's
current age key, and opened with the stock ``age`` tool the way a vendor would."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyrage import x25519

from marketguard.config import Settings
from tests.conftest import make_settings
from tests.dataguard.export_world import (
    API,
    CROWD,
    OPTED_OUT,
    crowd_phone,
    export,
    granted,
    key_file,
    new_identity,
    seed_exports,
    stored,
)
from tests.dataguard.helpers import IP, PHONE, DataWorld
from tests.debian_tools import debian_tool
from tests.factories import auth, token

FIELDS = ["seller_id", "country", "created_at", "identifiers.phone", "identifiers.ip"]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # the crowd is exported whole: lift the level-3 cap over it
    return make_settings(database_url, tmp_path).model_copy(
        update={"data_export_cap_level3": 1000}
    )


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> DataWorld:
    return seed_exports(settings, tmp_path / "seed")


def register(client: TestClient, world: DataWorld, identity: x25519.Identity,
             name: str = "Acme Analytics") -> str:
    answer = client.post(f"{API}/vendors", headers=world.headers["root"], json={
        "name": name, "age_recipient": str(identity.to_public())})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def hand_over(client: TestClient, world: DataWorld, vendor_id: str, **extra: Any) -> Any:
    answer = export(client, world.headers["alice"], fields=FIELDS,
                    recipient=("vendor", vendor_id), purpose="fraud model training", **extra)
    assert answer.status_code == 201, answer.text
    return answer.json()


def age_decrypt(
    tmp_path: Path, data: bytes, identity: x25519.Identity
) -> subprocess.CompletedProcess[bytes]:
    """Open a hand-over with Debian's ``age``, as the vendor does with its key file."""
    age = debian_tool("age", "age")
    sealed = tmp_path / "handover.csv.age"
    sealed.write_bytes(data)
    return subprocess.run([age, "-d", "-i", str(key_file(tmp_path, identity)), str(sealed)],
                          capture_output=True, timeout=60)


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_when_a_vendor_receives_a_hand_over_then_age_decrypts_it_to_desensitized_rows(
    client: TestClient, world: DataWorld, tmp_path: Path
) -> None:
    identity = new_identity()
    vendor_id = register(client, world, identity)
    body = hand_over(client, world, vendor_id)
    sealed = client.get(body["download"], headers=world.headers["root"])
    assert sealed.status_code == 200
    assert sealed.headers["content-type"] == "application/octet-stream"
    assert sealed.content.startswith(b"age-encryption.org/v1\n")
    for raw in (PHONE.encode(), IP.encode(), crowd_phone("S-0100").encode(), b"S-0100"):
        assert raw not in sealed.content

    opened = age_decrypt(tmp_path, sealed.content, identity)
    assert opened.returncode == 0, opened.stderr
    rows = rows_of(opened.stdout)
    assert list(rows[0]) == FIELDS
    ids = {r["seller_id"] for r in rows}
    assert ids.isdisjoint(OPTED_OUT)  # they said no to third-party sharing
    assert body["excluded"] == len(OPTED_OUT)
    assert len(rows) == body["rows"] == 2 + len(CROWD) - len(OPTED_OUT) - body["suppressed"]
    text = opened.stdout.decode()
    for seller_id in CROWD:
        assert crowd_phone(seller_id) not in text
    assert PHONE not in text and IP not in text
    assert all(r["identifiers.phone"].startswith("p_") for r in rows if r["identifiers.phone"])
    assert {r["created_at"] for r in rows} <= {"2026-10"}  # generalised to the month


def test_when_the_vendor_itself_downloads_then_it_gets_its_file_and_no_other(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    vendor_id = register(client, world, new_identity())
    body = hand_over(client, world, vendor_id)
    own = auth(token(settings, "vendor", name="Acme Analytics"))
    other = auth(token(settings, "vendor", name="Borealis Insights"))
    assert client.get(body["download"], headers=own).status_code == 200
    assert client.get(body["download"], headers=other).status_code == 404
    assert client.get(body["download"], headers=world.headers["alice"]).status_code == 404


def test_when_two_vendors_receive_the_same_rows_then_their_pseudonyms_differ(
    client: TestClient, world: DataWorld, tmp_path: Path
) -> None:
    first, second = new_identity(), new_identity()
    one = hand_over(client, world, register(client, world, first, "One"))
    again = hand_over(client, world, register(client, world, first, "One again"))
    two = hand_over(client, world, register(client, world, second, "Two"))

    def phones(body: Any, identity: x25519.Identity, name: str) -> dict[str, str]:
        sealed = client.get(body["download"], headers=world.headers["root"]).content
        folder = tmp_path / name
        folder.mkdir()
        opened = age_decrypt(folder, sealed, identity)
        assert opened.returncode == 0, opened.stderr
        return {r["seller_id"]: r["identifiers.phone"] for r in rows_of(opened.stdout)}

    a, b, c = phones(one, first, "a"), phones(two, second, "b"), phones(again, first, "c")
    shared = sorted(set(a) & set(b))
    assert shared and all(a[s] != b[s] for s in shared if a[s])
    assert len(set(a.values())) == len(a)  # stable, distinct per phone
    assert a.keys() == c.keys() and all(a[s] != c[s] for s in shared if a[s])  # per vendor


def test_when_a_vendor_rotates_its_key_then_the_old_key_no_longer_opens_new_hand_overs(
    client: TestClient, world: DataWorld, tmp_path: Path
) -> None:
    old, new = new_identity(), new_identity()
    vendor_id = register(client, world, old)
    before = hand_over(client, world, vendor_id)
    rotated = client.post(f"{API}/vendors/{vendor_id}/key", headers=world.headers["root"],
                          json={"age_recipient": str(new.to_public())})
    assert rotated.status_code == 200
    after = hand_over(client, world, vendor_id)
    old_file = client.get(before["download"], headers=world.headers["root"]).content
    new_file = client.get(after["download"], headers=world.headers["root"]).content

    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    refused = age_decrypt(tmp_path / "old", new_file, old)
    assert refused.returncode != 0 and b"no identity matched" in refused.stderr
    assert age_decrypt(tmp_path / "new", new_file, new).returncode == 0
    assert age_decrypt(tmp_path / "old", old_file, old).returncode == 0  # old hand-overs stay
    records = {
        e["id"]: e for e in
        client.get(f"{API}/exports", headers=world.headers["audrey"]).json()["items"]
    }
    assert records[before["id"]]["age_recipient"] == str(old.to_public())
    assert records[after["id"]]["age_recipient"] == str(new.to_public())


def test_when_a_hand_over_asks_for_a_level_4_field_without_a_grant_then_403(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    vendor_id = register(client, world, new_identity())
    before = stored(settings)
    answer = export(client, world.headers["alice"], fields=["seller_id", "identifiers.payment"],
                    recipient=("vendor", vendor_id), purpose="x")
    assert answer.status_code == 403 and "identifiers.payment" in answer.json()["detail"]
    assert stored(settings) == before


def test_when_a_level_4_field_is_granted_then_it_leaves_only_as_pseudonyms(
    client: TestClient, world: DataWorld, tmp_path: Path
) -> None:
    identity = new_identity()
    vendor_id = register(client, world, identity)
    granted(client, world, "alice", ["identifiers.payment"])
    answer = export(client, world.headers["alice"], fields=["seller_id", "identifiers.payment"],
                    recipient=("vendor", vendor_id), purpose="x")
    assert answer.status_code == 201, answer.text
    sealed = client.get(answer.json()["download"], headers=world.headers["root"]).content
    opened = age_decrypt(tmp_path, sealed, identity)
    assert b"p-S-01" not in opened.stdout and b"p-card" not in opened.stdout


def test_when_an_employee_asks_for_desensitized_then_no_grant_is_needed_for_level_3(
    client: TestClient, world: DataWorld
) -> None:
    answer = export(client, world.headers["bob"], fields=FIELDS, desensitize=True,
                    purpose="share with the analytics team")
    assert answer.status_code == 201, answer.text
    got = client.get(answer.json()["download"], headers=world.headers["bob"])
    assert PHONE not in got.text and crowd_phone("S-0100") not in got.text
    assert "S-0103" in got.text  # consent is about third parties; staff keep them
