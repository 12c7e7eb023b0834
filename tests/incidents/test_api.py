"""Incident routes (FORMATS §8): open, rank by damage, move forward, timeline, postmortem."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.factories import auth, token


@pytest.fixture
def responder(settings: Settings) -> dict[str, str]:
    return auth(token(settings, "responder", name="rita"))


def _open(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = client.post("/api/v1/incidents", json={"title": "t", **body}, headers=headers)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_opening_computes_damage_and_severity_from_scope(
    client: TestClient, responder: dict[str, str]
) -> None:
    body = _open(client, responder, title="cards leaked", kind="data_leak",
                 scope={"records_exposed": 10_000, "data_level": 4}, summary="found on a paste")
    assert body["status"] == "open"
    assert body["severity"] == "SEV2"
    assert body["damage"] == 60.0
    assert body["opened_at"]


def test_the_list_is_ordered_by_damage_and_pages(
    client: TestClient, responder: dict[str, str]
) -> None:
    sizes = [5, 50_000, 300, 0, 7_000, 20]
    for n in sizes:
        _open(client, responder, title=f"{n} users", scope={"users": n})
    seen: list[float] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/incidents", params=params, headers=responder).json()
        seen += [item["damage"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == len(sizes)
    assert seen == sorted(seen, reverse=True)


def test_status_only_moves_forward_and_everything_lands_on_the_timeline(
    client: TestClient, responder: dict[str, str]
) -> None:
    incident = _open(client, responder, scope={"users": 10})
    url = f"/api/v1/incidents/{incident['id']}"
    moved = client.patch(url, json={"status": "mitigated", "commander": "rita",
                                    "note": "blocked the IP range"}, headers=responder)
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "mitigated" and moved.json()["commander"] == "rita"
    back = client.patch(url, json={"status": "mitigated"}, headers=responder)
    assert back.status_code == 422 and "only moves forward" in back.json()["detail"]
    grown = client.patch(url, json={"scope": {"users": 10_000}}, headers=responder).json()
    assert grown["damage"] > incident["damage"]
    assert grown["severity"] != incident["severity"]
    note = client.post(f"{url}/timeline", json={"note": "customers told"}, headers=responder)
    assert note.status_code == 201
    kinds = [e["kind"] for e in client.get(url, headers=responder).json()["timeline"]]
    assert kinds == ["opened", "status", "commander", "note", "scope", "severity", "note"]
    detail = client.get(url, headers=responder).json()
    assert all(e["actor"].startswith("responder:rita") for e in detail["timeline"])
    assert detail["damage_breakdown"]["parts"]["users"] == detail["damage"]


def test_a_refused_change_changes_nothing(client: TestClient, responder: dict[str, str]) -> None:
    incident = _open(client, responder, scope={"users": 10})
    url = f"/api/v1/incidents/{incident['id']}"
    client.patch(url, json={"status": "resolved"}, headers=responder)
    refused = client.patch(url, json={"status": "mitigated", "note": "oops"}, headers=responder)
    assert refused.status_code == 422
    detail = client.get(url, headers=responder).json()
    assert detail["status"] == "resolved"
    assert "oops" not in [e["text"] for e in detail["timeline"]]


@pytest.mark.parametrize("scope", [{"users": -1}, {"data_level": 5}, {"planets": 1},
                                   {"money_at_risk": {"amount": 1.5, "currency": "EUR"}}])
def test_a_bad_scope_is_a_clear_422_and_opens_nothing(
    client: TestClient, responder: dict[str, str], scope: dict[str, Any]
) -> None:
    answer = client.post("/api/v1/incidents", json={"title": "x", "scope": scope},
                         headers=responder)
    assert answer.status_code == 422
    assert client.get("/api/v1/incidents", headers=responder).json()["items"] == []


def test_the_postmortem_waits_for_resolution_then_tells_the_story(
    client: TestClient, responder: dict[str, str]
) -> None:
    incident = _open(client, responder, title="ATO burst", summary="credential stuffing",
                     scope={"users": 500, "money_at_risk": {"amount": 5_000_000,
                                                            "currency": "EUR"}})
    url = f"/api/v1/incidents/{incident['id']}"
    assert client.get(f"{url}/postmortem", headers=responder).status_code == 409
    client.patch(url, json={"status": "resolved", "note": "forced password resets"},
                 headers=responder)
    text = client.get(f"{url}/postmortem", headers=responder)
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/markdown")
    body = text.text
    for part in ("# Postmortem: ATO burst", "## Summary", "credential stuffing", "## Scope",
                 "| users | 500 |", "## Timeline", "## What was done",
                 "forced password resets", "status open → resolved"):
        assert part in body


def test_roles(client: TestClient, settings: Settings, responder: dict[str, str]) -> None:
    incident = _open(client, responder)
    url = f"/api/v1/incidents/{incident['id']}"
    auditor = auth(token(settings, "auditor"))
    reviewer = auth(token(settings, "reviewer"))
    admin = auth(token(settings, "platform_admin"))
    assert client.get(url, headers=auditor).status_code == 200
    assert client.patch(url, json={"note": "x"}, headers=auditor).status_code == 403
    assert client.get(url, headers=reviewer).status_code == 403
    assert client.post("/api/v1/incidents", json={"title": "a"}, headers=admin).status_code == 201
    assert client.get("/api/v1/incidents/inc_nope", headers=responder).status_code == 404
