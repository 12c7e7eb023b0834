"""A brand never sees or touches another brand's notices, appeals, test buys or webhooks;
a seller never another seller's statements, strikes or appeals.

Every notice-and-takedown route is listed in ``ROUTES`` and reached for here by a
rights holder of one brand and a seller, aiming at another tenant's data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.app import create_app
from marketguard.config import Settings
from tests.factories import auth
from tests.notices.helpers import api_world, notice_body
from tests.routes import api_routes

API = "/api/v1"
ROUTES = {
    ("POST", "/api/v1/notices"),
    ("POST", "/api/v1/notices:bulk"),
    ("GET", "/api/v1/notices"),
    ("GET", "/api/v1/notices/{notice_id}"),
    ("POST", "/api/v1/notices/{notice_id}/decision"),
    ("GET", "/api/v1/review/notices"),
    ("POST", "/api/v1/review/sweep"),
    ("GET", "/api/v1/notifiers"),
    ("GET", "/api/v1/notifiers/{brand_id}"),
    ("POST", "/api/v1/appeals"),
    ("GET", "/api/v1/appeals"),
    ("GET", "/api/v1/appeals/{appeal_id}"),
    ("POST", "/api/v1/appeals/{appeal_id}/answer"),
    ("POST", "/api/v1/appeals/{appeal_id}/decision"),
    ("POST", "/api/v1/test-buys"),
    ("GET", "/api/v1/test-buys"),
    ("GET", "/api/v1/test-buys/{test_buy_id}"),
    ("POST", "/api/v1/test-buys/{test_buy_id}/confirmation"),
    ("POST", "/api/v1/webhooks"),
    ("GET", "/api/v1/webhooks"),
    ("POST", "/api/v1/webhooks/{webhook_id}/revocation"),
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"),
}

# (method, path, body, status for the other brand's agent, status for seller S-0001)
CASES: list[tuple[str, str, Any, set[int], set[int]]] = [
    ("POST", "/notices", "borealis_notice", {422}, {403}),
    ("POST", "/notices:bulk", None, {422}, {403}),
    ("GET", "/notices/{n_b}", None, {404}, {403}),
    ("POST", "/notices/{n_b}/decision", {"listing_id": "L-4", "outcome": "reject", "reason": "x"},
     {403}, {403}),
    ("GET", "/review/notices", None, {403}, {403}),
    ("POST", "/review/sweep", None, {403}, {403}),
    ("GET", "/notifiers/{borealis}", None, {404}, {403}),
    ("POST", "/appeals", {"listing_id": "L-4", "explanation": "mine now, truly"}, {403}, {404}),
    ("POST", "/appeals", {"statement_id": "{s_b}", "explanation": "mine now, truly"}, {403},
     {404}),
    ("GET", "/appeals/{a_b}", None, {404}, {404}),
    ("POST", "/appeals/{a_b}/answer", {"position": "withdraw", "explanation": "x"}, {404}, {403}),
    ("POST", "/appeals/{a_b}/decision", {"outcome": "reinstate", "reason": "x"}, {403}, {403}),
    ("POST", "/test-buys", {"listing_id": "L-3", "purchased_on": "2026-11-02",
                            "result": "genuine", "brand_id": "{borealis}"}, {403}, {403}),
    ("GET", "/test-buys/{tb_b}", None, {404}, {403}),
    ("POST", "/test-buys/{tb_b}/confirmation", {"reason": "x"}, {403}, {403}),
    ("POST", "/webhooks/{w_b}/revocation", None, {404}, {403}),
    ("GET", "/webhooks/{w_b}/deliveries", None, {404}, {403}),
    ("POST", "/webhooks", {"url": "https://hooks.example/x"}, {201}, {403}),
]


@pytest.fixture
def scene(client: TestClient, settings: Settings, tmp_path: Path) -> dict[str, Any]:
    """Acme has a pending notice; Borealis a decided one, an appeal, a test buy, a webhook."""
    ids = api_world(settings, tmp_path)
    acme, borealis = auth(ids["acme_agent"]), auth(ids["borealis_agent"])
    reviewer = auth(ids["reviewer"])
    ids["n_a"] = client.post(f"{API}/notices", json=notice_body(ids["acme_right"], ["L-3"]),
                             headers=acme).json()["id"]
    ids["n_b"] = client.post(f"{API}/notices", json=notice_body(ids["borealis_right"], ["L-4"]),
                             headers=borealis).json()["id"]
    decided = client.post(f"{API}/notices/{ids['n_b']}/decision", headers=reviewer,
                          json={"listing_id": "L-4", "outcome": "takedown", "reason": "Fake."})
    ids["s_b"] = decided.json()["items"][0]["statement_id"]
    ids["a_b"] = client.post(f"{API}/appeals", headers=auth(ids["seller_2"]), json={
        "listing_id": "L-4", "explanation": "Genuine watch, serial attached."}).json()["id"]
    ids["w_b"] = client.post(f"{API}/webhooks", json={"url": "https://hooks.example/b"},
                             headers=borealis).json()["id"]
    ids["tb_b"] = client.post(f"{API}/test-buys", headers=borealis, json={
        "listing_id": "L-3", "purchased_on": "2026-11-02", "result": "counterfeit",
        "evidence": [{"description": "Fake movement"}]}).json()["id"]
    ids["borealis_notice"] = notice_body(ids["borealis_right"], ["L-2"])
    return ids


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return ids[value] if value in ids else value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "body", "brand_status", "seller_status"), CASES)
def test_when_a_tenant_reaches_for_another_tenants_notice_data_then_refused(
    client: TestClient, scene: dict[str, Any], method: str, path: str, body: Any,
    brand_status: set[int], seller_status: set[int],
) -> None:
    url = API + path.format(**scene)
    payload = _fill(body, scene)
    for secret, expected in ((scene["acme_agent"], brand_status),
                             (scene["seller_1"], seller_status)):
        if path == "/notices:bulk":
            csv = ("right_id,listing,explanation,notifier_name,notifier_email,good_faith\n"
                   f"{scene['borealis_right']},L-2,Counterfeit watches with our mark,A,a@b.example,"
                   "true\n")
            answer = client.post(url, content=csv.encode(),
                                 headers={**auth(secret), "Content-Type": "text/csv"})
        else:
            answer = client.request(method, url, json=payload, headers=auth(secret))
        assert answer.status_code in expected, (method, path, answer.status_code, answer.text)
        assert "Borealis" not in answer.text and "Genuine watch" not in answer.text


def test_when_a_brand_lists_notices_then_it_never_sees_another_brands(
    client: TestClient, scene: dict[str, Any]
) -> None:
    acme = auth(scene["acme_agent"])
    listed = client.get(f"{API}/notices", headers=acme).json()["items"]
    assert [n["id"] for n in listed] == [scene["n_a"]]
    assert client.get(f"{API}/notices?status=decided", headers=acme).json()["items"] == []
    assert client.get(f"{API}/notices/{scene['n_a']}", headers=acme).status_code == 200
    assert client.get(f"{API}/notices/{scene['n_b']}", headers=acme).status_code == 404
    staff = client.get(f"{API}/notices", headers=auth(scene["reviewer"])).json()["items"]
    assert len(staff) == 2


def test_when_tenants_list_appeals_test_buys_webhooks_notifiers_then_only_their_own(
    client: TestClient, scene: dict[str, Any]
) -> None:
    acme, seller_1 = auth(scene["acme_agent"]), auth(scene["seller_1"])
    for path in ("/appeals", "/test-buys", "/webhooks"):
        assert client.get(API + path, headers=acme).json()["items"] == [], path
    assert client.get(f"{API}/appeals", headers=seller_1).json()["items"] == []
    assert client.get(f"{API}/test-buys", headers=seller_1).status_code == 403
    notifiers = client.get(f"{API}/notifiers", headers=acme).json()["items"]
    assert [n["brand_id"] for n in notifiers] == [scene["acme"]]
    borealis = auth(scene["borealis_agent"])
    assert [a["id"] for a in client.get(f"{API}/appeals", headers=borealis).json()["items"]] == [
        scene["a_b"]
    ]
    own = client.get(f"{API}/appeals", headers=auth(scene["seller_2"])).json()["items"]
    assert [a["id"] for a in own] == [scene["a_b"]]


def test_when_listing_this_files_routes_then_each_exists_in_the_app() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    routes = {(method, path) for method, path, _ in api_routes(app)}
    assert ROUTES <= routes
    mine = {r for r in routes if r[1].startswith(tuple(
        f"/api/v1/{p}" for p in ("notices", "review/notices", "review/sweep", "notifiers",
                                 "appeals", "test-buys", "webhooks")))}
    assert mine == ROUTES
