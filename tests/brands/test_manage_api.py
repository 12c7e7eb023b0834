"""Rights holders manage their own brand over the API; never another brand."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketguard.brands.models import ReferenceImage
from marketguard.config import Settings
from marketguard.uow import unit_of_work
from tests.factories import auth, brand_pack, seed_marketplace, token, write_image


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    ids = seed_marketplace(settings, tmp_path / "market")
    ids["acme_agent"] = auth(token(settings, "rights_holder", brand_id=ids["acme"]))
    return ids


def _pack_with_image(tmp_path: Path, name: str = "Acme Outdoor") -> dict[str, Any]:
    pack = brand_pack(name, seed=1)
    pack["products"].append(
        {"name": "Ridge 30 daypack", "model_numbers": ["RG30"], "category": "bags",
         "msrp": {"amount": 12900, "currency": "EUR"}, "images": ["img/ridge30.png"]}
    )  # fmt: skip
    images = {}
    for product in pack["products"]:
        for index, image in enumerate(product["images"]):
            data = write_image(tmp_path / "upload" / image, 50 + index).read_bytes()
            images[image] = base64.b64encode(data).decode()
    return {**pack, "image_data": images}


def test_when_a_brand_agent_adds_a_product_then_it_is_imported_and_its_photo_hashed(
    client: TestClient, world: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    answer = client.put(
        f"/api/v1/brands/{world['acme']}", json=_pack_with_image(tmp_path),
        headers=world["acme_agent"],
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert "Ridge 30 daypack" in [p["name"] for p in answer.json()["products"]]
    with unit_of_work(settings) as session:
        labels = {r.label: r.pdq for r in session.scalars(select(ReferenceImage))}
    assert labels.get("ridge30.png"), "the new photo was not hashed by the background task"


def test_when_a_brand_agent_sends_another_brands_pack_then_refused(
    client: TestClient, world: dict[str, Any], tmp_path: Path
) -> None:
    other = client.put(
        f"/api/v1/brands/{world['borealis']}", json=_pack_with_image(tmp_path, "Borealis Watches"),
        headers=world["acme_agent"],
    )  # fmt: skip
    assert other.status_code == 404
    renamed = client.put(
        f"/api/v1/brands/{world['acme']}", json=_pack_with_image(tmp_path, "Borealis Watches"),
        headers=world["acme_agent"],
    )  # fmt: skip
    assert renamed.status_code == 422 and "only describe its own brand" in renamed.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({}, "images referenced but not sent"),
        ({"img/acmeoutdoor_front.png": "***"}, "not valid base64"),
        ({"../../escape.png": "aGk="}, "inside the pack folder"),
    ],
)
def test_when_a_pack_update_is_malformed_then_refused_and_nothing_changes(
    client: TestClient, world: dict[str, Any], tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    body = _pack_with_image(tmp_path)
    body["image_data"] = {**body["image_data"], **change} if change else {}
    answer = client.put(f"/api/v1/brands/{world['acme']}", json=body, headers=world["acme_agent"])
    assert answer.status_code == 422 and message in answer.text
    products = client.get(f"/api/v1/brands/{world['acme']}", headers=world["acme_agent"]).json()
    assert [p["name"] for p in products["products"]] == ["Acme Outdoor Summit"]


def test_when_a_seller_or_reviewer_tries_to_manage_a_brand_then_forbidden(
    client: TestClient, world: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    for role, scope in (("seller", {"seller_id": "S-0001"}), ("reviewer", {})):
        answer = client.put(
            f"/api/v1/brands/{world['acme']}", json=_pack_with_image(tmp_path),
            headers=auth(token(settings, role, **scope)),
        )  # fmt: skip
        assert answer.status_code == 403
