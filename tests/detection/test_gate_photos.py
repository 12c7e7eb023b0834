"""Listing photos over the gate API and imports: confined to their folder, one refusal text.

A caller names photos relative to the server's data folder (an import: relative
to its file). Whatever is wrong with a photo, the answer says the same thing,
so the gate reveals nothing about which files exist on the server.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from marketguard.auth.roles import cli_principal
from marketguard.config import Settings
from marketguard.detection import service
from marketguard.detection.scan_file import scan_file
from marketguard.uow import unit_of_work
from tests.detection.guard import run_guarded
from tests.factories import auth, listing, seed_marketplace, token, write_jsonl

REFUSED = "photo 1 could not be used (missing, outside the data folder, too large or not an image)"


@pytest.fixture
def gate(
    settings: Settings, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """A marketplace with a copied official photo in its data folder and another copy outside."""
    seed_marketplace(settings, tmp_path / "market")
    with unit_of_work(settings) as session:
        service.hash_references(session)
    official = tmp_path / "market" / "brands" / "img" / "acmeoutdoor_front.png"
    photos = settings.data_dir / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    shutil.copy(official, photos / "copy.png")
    outside = tmp_path_factory.mktemp("outside") / "copy.png"
    shutil.copy(official, outside)
    return {"headers": auth(token(settings, "integration")), "outside": outside}


def submission(listing_id: str, images: list[str]) -> dict[str, Any]:
    return listing(listing_id, "S-0002", title="Canvas weekender bag", images=images)


def check(client: TestClient, gate: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/api/v1/listings:check", json=body, headers=gate["headers"])
    assert answer.status_code == 200, answer.text
    decision: dict[str, Any] = answer.json()
    return decision


def _make(kind: str, settings: Settings, gate: dict[str, Any]) -> str:
    data = settings.data_dir
    photos = data / "photos"
    if kind == "absolute system file":
        return "/etc/passwd"
    if kind == "absolute official photo":
        return str(gate["outside"])
    if kind == "climbs out with ../":
        return os.path.relpath(gate["outside"], data)
    if kind == "symlink pointing outside":
        (photos / "link.png").symlink_to(gate["outside"])
        return "photos/link.png"
    if kind == "oversize file":
        with (photos / "huge.png").open("wb") as handle:
            handle.truncate(31 * 1024 * 1024)
        return "photos/huge.png"
    if kind == "missing":
        return "photos/nope.png"
    (photos / "notes.png").write_bytes(b"hello")  # not an image
    return "photos/notes.png"


@pytest.mark.parametrize(
    "kind",
    [
        "absolute system file",
        "absolute official photo",
        "climbs out with ../",
        "symlink pointing outside",
        "oversize file",
        "missing",
        "not an image",
    ],
)
def test_when_a_photo_cannot_be_used_then_one_reason_text_and_no_match(
    client: TestClient, gate: dict[str, Any], settings: Settings, kind: str
) -> None:
    name = _make(kind, settings, gate)
    decision = check(client, gate, submission("P-1", [name]))
    details = [reason["detail"] for reason in decision["reasons"]]
    assert REFUSED in details, details
    assert not any("PDQ distance" in detail for detail in details), details
    assert (decision["action"], decision["brand"]) == ("allow", None)


def test_when_a_photo_is_missing_or_not_an_image_then_the_answers_are_identical(
    client: TestClient, gate: dict[str, Any], settings: Settings
) -> None:
    missing = check(client, gate, submission("P-1", [_make("missing", settings, gate)]))
    junk = check(client, gate, submission("P-2", [_make("not an image", settings, gate)]))
    assert missing["reasons"] == junk["reasons"]
    reviewer = auth(token(settings, "reviewer"))
    stored = [
        client.get(f"/api/v1/listings/{i}/decisions", headers=reviewer).json()
        for i in ("P-1", "P-2")
    ]
    assert stored[0][0]["reasons"][0]["detail"] == stored[1][0]["reasons"][0]["detail"] == REFUSED
    assert "not found" not in str(stored) and "format" not in str(stored)


@pytest.mark.parametrize("alias", [False, True])
def test_when_a_photo_inside_the_data_folder_copies_an_official_image_then_it_still_matches(
    client: TestClient, gate: dict[str, Any], settings: Settings, alias: bool
) -> None:
    name = "photos/copy.png"
    if alias:  # a symlink that stays inside the folder is followed
        (settings.data_dir / "alias.png").symlink_to(settings.data_dir / name)
        name = "alias.png"
    body = listing("P-3", "S-0002", title="Acme Outdoor Summit backpack", images=[name])
    decision = check(client, gate, body)
    assert decision["brand"] == "Acme Outdoor"
    assert any("PDQ distance" in reason["detail"] for reason in decision["reasons"])


def _check_in_child(
    settings: Settings, headers: dict[str, str], bodies: list[dict[str, Any]]
) -> list[tuple[int, Any]]:
    from marketguard.app import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answers = [client.post("/api/v1/listings:check", json=b, headers=headers) for b in bodies]
        return [(answer.status_code, answer.json()) for answer in answers]


def test_when_photos_are_devices_or_pipes_then_the_gate_answers_promptly(
    gate: dict[str, Any], settings: Settings
) -> None:
    (settings.data_dir / "zero.png").symlink_to("/dev/zero")
    os.mkfifo(settings.data_dir / "photos" / "pipe.png")
    names = ["/dev/zero", "zero.png", "photos/pipe.png"]  # a device, a link to it, a FIFO
    bodies = [submission(f"P-{n}", [name]) for n, name in enumerate(names)]
    answers, seconds = run_guarded(_check_in_child, settings, gate["headers"], bodies)
    for status, decision in answers:
        assert status == 200, decision
        assert REFUSED in [reason["detail"] for reason in decision["reasons"]]
    assert seconds < 30


def test_when_an_imported_listing_names_a_photo_outside_its_file_folder_then_refused(
    gate: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    feed = tmp_path / "feed"
    inside = feed / "img" / "copy.png"
    inside.parent.mkdir(parents=True)
    shutil.copy(gate["outside"], inside)
    records = [
        listing(
            "F-1",
            "S-0002",
            title="Canvas bag",
            images=["../market/brands/img/acmeoutdoor_front.png"],
        ),
        listing("F-2", "S-0002", title="Canvas bag", images=[str(gate["outside"])]),
        listing("F-3", "S-0002", title="Canvas bag", images=["img/copy.png"]),
    ]
    path = write_jsonl(feed / "listings.jsonl", records)
    out = tmp_path / "decisions.jsonl"
    with unit_of_work(settings) as session:
        scan_file(
            session,
            actor=cli_principal(),
            settings=settings,
            listings_path=path,
            out=out,
            ocr=False,
        )
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    details = [[reason["detail"] for reason in line["reasons"]] for line in lines]
    assert REFUSED in details[0] and REFUSED in details[1]
    assert not any("PDQ distance" in d for d in details[0] + details[1])
    assert any("PDQ distance" in d for d in details[2]), details[2]
