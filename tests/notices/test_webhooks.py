"""Signed webhooks reach a real HTTP endpoint, retry with backoff, and give up audibly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketguard.audit.models import AuditRecord
from marketguard.config import Settings
from marketguard.notices import webhooks
from marketguard.notices.settings import DEFAULT_NOTICE_SETTINGS
from marketguard.uow import unit_of_work
from tests.conftest import make_settings
from tests.factories import auth
from tests.notices.helpers import T0, api_world, notice_body

API = "/api/v1"
LOCAL = replace(DEFAULT_NOTICE_SETTINGS, webhook_timeout_s=2.0)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """These tests deliver to a receiver on 127.0.0.1, so they allow private targets."""
    return make_settings(database_url, tmp_path).model_copy(
        update={"webhook_allow_private": True}
    )


@dataclass
class Receiver:
    """A tiny HTTP endpoint on 127.0.0.1 that records what it gets."""

    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append({"headers": dict(self.headers), "body": body})
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/marketguard"
    yield state
    server.shutdown()
    server.server_close()


def _register(client: TestClient, ids: dict[str, Any], url: str) -> dict[str, Any]:
    answer = client.post(f"{API}/webhooks", json={"url": url}, headers=auth(ids["acme_agent"]))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_when_a_notice_changes_then_the_rights_holder_receives_signed_events(
    client: TestClient, settings: Settings, tmp_path: Path, receiver: Receiver
) -> None:
    ids = api_world(settings, tmp_path)
    hook = _register(client, ids, receiver.url)
    notice = client.post(f"{API}/notices", json=notice_body(ids["acme_right"], ["L-3"]),
                         headers=auth(ids["acme_agent"])).json()
    report = webhooks.deliver_due(settings, policy=LOCAL, now=T0 + timedelta(days=400))
    assert report.delivered == 2 and report.retried == 0
    types = [r["headers"]["Marketguard-Event"] for r in receiver.received]
    assert types == ["notice.received", "notice.triaged"]
    for request in receiver.received:
        header = request["headers"]["Marketguard-Signature"]
        stamp = int(header.split(",")[0].removeprefix("t="))
        assert webhooks.verify(hook["secret"], header, request["body"], now=stamp)
        assert not webhooks.verify(hook["secret"], header, request["body"] + b" ", now=stamp)
        assert not webhooks.verify("whsec_wrong", header, request["body"], now=stamp)
        assert not webhooks.verify(hook["secret"], header, request["body"], now=stamp + 301)
        event = orjson.loads(request["body"])
        assert event["data"]["notice_id"] == notice["id"]
    assert webhooks.deliver_due(settings, policy=LOCAL).delivered == 0  # nothing twice
    deliveries = client.get(f"{API}/webhooks/{hook['id']}/deliveries",
                            headers=auth(ids["acme_agent"])).json()["items"]
    assert {d["status"] for d in deliveries} == {"delivered"}


def test_when_the_endpoint_fails_then_deliveries_retry_with_exponential_backoff(
    client: TestClient, settings: Settings, tmp_path: Path, receiver: Receiver
) -> None:
    ids = api_world(settings, tmp_path)
    _register(client, ids, receiver.url)
    with unit_of_work(settings) as session:
        webhooks.enqueue(session, brand_id=ids["acme"], event_type="notice.test",
                         data={"n": 1}, now=T0)
    receiver.statuses = [500, 503]
    assert webhooks.deliver_due(settings, policy=LOCAL, now=T0).retried == 1
    assert webhooks.deliver_due(settings, policy=LOCAL, now=T0 + timedelta(seconds=29)) \
        .retried == 0  # not due yet: the first retry waits 30 s
    assert webhooks.deliver_due(settings, policy=LOCAL, now=T0 + timedelta(seconds=31)) \
        .retried == 1
    assert webhooks.deliver_due(settings, policy=LOCAL, now=T0 + timedelta(seconds=80)) \
        .delivered == 0  # the second retry waits 60 s
    report = webhooks.deliver_due(settings, policy=LOCAL, now=T0 + timedelta(seconds=92))
    assert report.delivered == 1 and len(receiver.received) == 3
    assert len({r["headers"]["Marketguard-Delivery"] for r in receiver.received}) == 1


def test_when_the_endpoint_keeps_failing_then_the_delivery_dies_and_is_audited(
    client: TestClient, settings: Settings, tmp_path: Path, receiver: Receiver
) -> None:
    ids = api_world(settings, tmp_path)
    hook = _register(client, ids, receiver.url)
    with unit_of_work(settings) as session:
        webhooks.enqueue(session, brand_id=ids["acme"], event_type="notice.test",
                         data={"n": 1}, now=T0)
    receiver.statuses = [500] * 10
    policy = replace(LOCAL, webhook_max_attempts=3)
    moment = T0
    for _ in range(3):
        webhooks.deliver_due(settings, policy=policy, now=moment)
        moment += timedelta(hours=1)
    [delivery] = client.get(f"{API}/webhooks/{hook['id']}/deliveries",
                            headers=auth(ids["acme_agent"])).json()["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "dead", 3, 500)
    assert webhooks.deliver_due(settings, policy=policy, now=moment).dead == 0
    with unit_of_work(settings) as session:
        dead = session.scalars(select(AuditRecord).where(
            AuditRecord.action == "webhook.dead")).all()
    assert len(dead) == 1 and "gave up after 3 attempts: HTTP 500" in (dead[0].reason or "")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_when_a_webhook_points_at_a_private_address_at_delivery_then_nothing_is_sent(
    client: TestClient, settings: Settings, tmp_path: Path, receiver: Receiver, host: str
) -> None:
    """Registered while allowed (or while its name resolved publicly): delivery checks again."""
    ids = api_world(settings, tmp_path)
    hook = _register(client, ids, receiver.url.replace("127.0.0.1", host))
    with unit_of_work(settings) as session:
        webhooks.enqueue(session, brand_id=ids["acme"], event_type="notice.test",
                         data={}, now=T0)
    strict = settings.model_copy(update={"webhook_allow_private": False})
    report = webhooks.deliver_due(strict, policy=LOCAL, now=T0)
    assert report.retried == 1 and receiver.received == []
    [delivery] = client.get(f"{API}/webhooks/{hook['id']}/deliveries",
                            headers=auth(ids["acme_agent"])).json()["items"]
    assert delivery["last_error"].startswith("refused: ")


def test_when_a_webhook_is_revoked_then_its_pending_events_are_not_sent(
    client: TestClient, settings: Settings, tmp_path: Path, receiver: Receiver
) -> None:
    ids = api_world(settings, tmp_path)
    hook = _register(client, ids, receiver.url)
    client.post(f"{API}/notices", json=notice_body(ids["acme_right"], ["L-3"]),
                headers=auth(ids["acme_agent"]))
    revoked = client.post(f"{API}/webhooks/{hook['id']}/revocation",
                          headers=auth(ids["acme_agent"]))
    assert revoked.json()["revoked_at"] is not None
    webhooks.deliver_due(settings, policy=LOCAL)
    assert receiver.received == []


@pytest.mark.parametrize("url", ["ftp://x.example/h", "https://user:pw@x.example/h", "hooks"])
def test_when_a_webhook_url_is_not_a_plain_http_url_then_refused(
    client: TestClient, settings: Settings, tmp_path: Path, url: str
) -> None:
    ids = api_world(settings, tmp_path)
    answer = client.post(f"{API}/webhooks", json={"url": url}, headers=auth(ids["acme_agent"]))
    assert answer.status_code == 422
