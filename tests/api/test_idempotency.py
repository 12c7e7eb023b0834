"""POSTs with an Idempotency-Key: same key and body, same answer, done once."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketguard.audit.models import AuditRecord
from marketguard.config import Settings
from marketguard.uow import unit_of_work
from tests.factories import auth, seed_marketplace, token


def _audit_count(settings: Settings, action: str) -> int:
    with unit_of_work(settings) as session:
        return int(session.scalar(select(func.count()).where(AuditRecord.action == action)) or 0)


def test_when_a_post_is_retried_with_the_same_key_then_it_happens_once(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = seed_marketplace(settings, tmp_path)
    headers = {**auth(token(settings, "platform_admin")), "Idempotency-Key": "verify-1"}
    body = {"status": "verified", "reason": "registry extract checked"}
    first = client.post(
        f"/api/v1/rights/{ids['acme_right']}/verification", json=body, headers=headers
    )
    second = client.post(
        f"/api/v1/rights/{ids['acme_right']}/verification", json=body, headers=headers
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers.get("idempotent-replayed") == "true"
    assert _audit_count(settings, "right.verify") == 1


def test_when_a_key_is_reused_with_another_body_then_refused_and_nothing_changes(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = seed_marketplace(settings, tmp_path)
    headers = {**auth(token(settings, "platform_admin")), "Idempotency-Key": "verify-2"}
    url = f"/api/v1/rights/{ids['acme_right']}/verification"
    client.post(url, json={"status": "verified", "reason": "ok"}, headers=headers)
    answer = client.post(url, json={"status": "rejected", "reason": "no"}, headers=headers)
    assert answer.status_code == 422
    assert "different request" in answer.json()["detail"]
    assert _audit_count(settings, "right.verify") == 1


def test_when_keys_differ_per_token_then_they_do_not_collide(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = seed_marketplace(settings, tmp_path)
    url = f"/api/v1/rights/{ids['acme_right']}/verification"
    body = {"status": "verified", "reason": "ok"}
    for name in ("admin-a", "admin-b"):
        headers = {**auth(token(settings, "platform_admin", name=name)), "Idempotency-Key": "k"}
        assert client.post(url, json=body, headers=headers).status_code == 200
    assert _audit_count(settings, "right.verify") == 2
