"""Errors are RFC 9457 problem documents a person can act on."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.factories import auth, token


def test_when_no_token_then_401_problem(client: TestClient) -> None:
    answer = client.get("/api/v1/brands")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == 401 and "bearer token" in body["detail"]
    assert body["type"].endswith("/unauthenticated")


def test_when_token_is_garbage_then_401(client: TestClient) -> None:
    answer = client.get("/api/v1/brands", headers=auth("nonsense"))
    assert answer.status_code == 401 and "malformed" in answer.json()["detail"]


def test_when_route_unknown_then_404_problem(client: TestClient) -> None:
    answer = client.get("/api/v1/nowhere")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_when_body_is_invalid_then_422_names_the_field(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    secret = token(settings, "platform_admin")
    answer = client.post(
        "/api/v1/rights/x/verification", json={"status": "maybe"}, headers=auth(secret)
    )
    assert answer.status_code == 422
    body = answer.json()
    assert "status" in body["detail"] and "reason" in body["detail"]


def test_when_health_is_asked_then_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "ok"


def test_when_openapi_is_asked_then_routes_and_problem_schema_are_there(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/brands" in spec["paths"]
    assert "Problem" in spec["components"]["schemas"]
