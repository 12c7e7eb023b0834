"""Webhooks reach public internet addresses only, unless an operator allows private ones."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.factories import auth
from tests.notices.helpers import api_world

API = "/api/v1"


@pytest.fixture
def ids(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    assert settings.webhook_allow_private is False  # the default
    return api_world(settings, tmp_path)


def _register(client: TestClient, ids: dict[str, Any], url: str) -> Any:
    return client.post(f"{API}/webhooks", json={"url": url}, headers=auth(ids["acme_agent"]))


def _assert_refused(client: TestClient, ids: dict[str, Any], url: str) -> None:
    answer = _register(client, ids, url)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["detail"].startswith("the webhook URL is refused: ")
    assert "only to public internet addresses" in problem["detail"]
    assert problem["errors"][0]["field"] == "url"
    listed = client.get(f"{API}/webhooks", headers=auth(ids["acme_agent"])).json()
    assert listed["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "http://127.9.8.7/hooks",
        "http://[::1]/hooks",
        "http://10.1.2.3/hooks",
        "http://172.16.0.1/hooks",
        "http://172.31.255.254/hooks",
        "http://192.168.1.10/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.10.20/hooks",
        "http://[fd00::1]/hooks",
        "http://[fe80::1]/hooks",
        "http://0.0.0.0:9000/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "https://localhost/hooks",
        "https://LOCALHOST./hooks",
        "https://api.localhost/hooks",
    ],
)
def test_when_a_webhook_targets_a_non_public_address_then_registration_is_refused(
    client: TestClient, ids: dict[str, Any], url: str
) -> None:
    _assert_refused(client, ids, url)


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1"])
def test_when_a_webhook_host_name_resolves_to_a_private_address_then_refused(
    client: TestClient, ids: dict[str, Any], host: str
) -> None:
    """Numeric spellings the resolver turns into 127.0.0.1 are names, not IP literals."""
    assert {info[4][0] for info in socket.getaddrinfo(host, None)} == {"127.0.0.1"}
    _assert_refused(client, ids, f"https://{host}/hooks")


@pytest.mark.parametrize("url", ["https://93.184.215.14/hooks", "https://hooks.example/h"])
def test_when_a_webhook_targets_a_public_or_not_yet_resolvable_host_then_registered(
    client: TestClient, ids: dict[str, Any], url: str
) -> None:
    answer = _register(client, ids, url)
    assert answer.status_code == 201, answer.text
