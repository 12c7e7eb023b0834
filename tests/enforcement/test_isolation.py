"""A seller never sees another seller's statements or strikes; tenants cannot restrict.

Every enforcement route is listed in ``ROUTES`` and reached for here by a seller
and by a rights holder, aiming at another seller's data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.app import create_app
from marketguard.config import Settings
from tests.factories import auth
from tests.notices.helpers import api_world
from tests.routes import api_routes

API = "/api/v1"
ROUTES = {
    ("GET", "/api/v1/statements"),
    ("GET", "/api/v1/statements/{statement_id}"),
    ("GET", "/api/v1/sellers/{seller_id}/strikes"),
    ("POST", "/api/v1/listings/{listing_id}/restrictions"),
    ("POST", "/api/v1/statements/{statement_id}/reversal"),
    ("POST", "/api/v1/sellers/{seller_id}/suspension"),
    ("POST", "/api/v1/sellers/{seller_id}/closure"),
}
RESTRICT = {"action": "remove", "ground": "terms_of_service", "facts": "Replica goods."}
CASES: list[tuple[str, str, Any, int, int]] = [
    # (method, path, body, status for seller S-0001, status for a rights holder)
    ("GET", "/statements/{s_2}", None, 404, 403),
    ("GET", "/sellers/S-0002/strikes", None, 404, 403),
    ("POST", "/listings/L-4/restrictions", RESTRICT, 403, 403),
    ("POST", "/statements/{s_2}/reversal", {"reason": "mine"}, 403, 403),
    ("POST", "/sellers/S-0002/suspension", {"facts": "x"}, 403, 403),
    ("POST", "/sellers/S-0002/closure", {"facts": "x"}, 403, 403),
]


@pytest.fixture
def scene(client: TestClient, settings: Settings, tmp_path: Path) -> dict[str, Any]:
    """A reviewer took L-1 (seller S-0001) and L-4 (seller S-0002) down, with strikes."""
    ids = api_world(settings, tmp_path)
    reviewer = auth(ids["reviewer"])
    for listing, key in (("L-1", "s_1"), ("L-4", "s_2")):
        answer = client.post(f"{API}/listings/{listing}/restrictions", headers=reviewer,
                             json={**RESTRICT, "add_strike": True})
        assert answer.status_code == 201, answer.text
        ids[key] = answer.json()["id"]
    return ids


@pytest.mark.parametrize(("method", "path", "body", "seller_status", "brand_status"), CASES)
def test_when_a_tenant_reaches_for_another_sellers_enforcement_data_then_refused(
    client: TestClient, scene: dict[str, Any], method: str, path: str, body: Any,
    seller_status: int, brand_status: int,
) -> None:
    url = API + path.format(**scene)
    for secret, expected in ((scene["seller_1"], seller_status),
                             (scene["acme_agent"], brand_status)):
        answer = client.request(method, url, json=body, headers=auth(secret))
        assert answer.status_code == expected, (path, answer.status_code, answer.text)
        assert set(answer.json()) <= {"type", "title", "status", "detail", "instance"}


def test_when_a_seller_lists_statements_then_it_sees_only_its_own(
    client: TestClient, scene: dict[str, Any]
) -> None:
    seller = auth(scene["seller_1"])
    mine = client.get(f"{API}/statements", headers=seller).json()["items"]
    assert [s["id"] for s in mine] == [scene["s_1"]]
    for query in ("listing_id=L-4", "seller_id=S-0002"):
        assert client.get(f"{API}/statements?{query}", headers=seller).json()["items"] == []
    assert client.get(f"{API}/statements/{scene['s_1']}", headers=seller).status_code == 200
    strikes = client.get(f"{API}/sellers/S-0001/strikes", headers=seller).json()
    assert len(strikes["strikes"]) == 1
    staff = client.get(f"{API}/statements", headers=auth(scene["reviewer"])).json()["items"]
    assert len(staff) == 2


def test_when_listing_this_files_routes_then_each_exists_in_the_app() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    routes = {(method, path) for method, path, _ in api_routes(app)}
    assert ROUTES <= routes
