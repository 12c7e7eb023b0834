"""Incidents open on their own, driven through the real paths, exactly once each."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from marketguard.audit import service as audit
from marketguard.auth.roles import cli_principal
from marketguard.cli import app
from marketguard.config import Settings
from marketguard.dataguard.exports.trace import forget_fingerprints
from marketguard.incidents import service
from marketguard.incidents.models import Incident
from marketguard.notices.models import Notice
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from tests.audit.helpers import cli_env
from tests.dataguard.export_copies import leak, record_export, seller_rows
from tests.dataguard.test_alerts import grant_phone, page_through, world  # noqa: F401
from tests.factories import auth, token
from tests.notices.helpers import api_world, notice_body

TRACE = "/api/v1/data/exports/trace"


def _incidents(settings: Settings, kind: str) -> list[Incident]:
    with unit_of_work(settings) as session:
        rows = list(session.scalars(select(Incident).where(Incident.kind == kind)))
        session.expunge_all()
    return rows


def _signals(settings: Settings, incident_id: str) -> list[str]:
    with unit_of_work(settings) as session:
        return [e.text for e in service.timeline(session, incident_id) if e.kind == "signal"]


def test_a_tampered_audit_row_opens_one_audit_tamper_incident(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(settings) as session:
        for n in range(5):
            audit.record(session, actor=cli_principal().actor, action="test.write",
                         object_type="thing", object_id=str(n), after={"n": n})
    with unit_of_work(settings) as session:
        session.execute(text("UPDATE audit_records SET action = 'test.forged' WHERE seq = 3"))
    with cli_env(settings, monkeypatch) as runner:
        first = runner.invoke(app, ["audit", "verify"])
        second = runner.invoke(app, ["audit", "verify"])
    assert first.exit_code == 1 and "TAMPERED" in first.output
    assert "(incident inc_" in first.output
    assert len([line for line in first.output.splitlines() if line.strip()]) == 1
    assert second.exit_code == 1
    [incident] = _incidents(settings, "audit_tamper")
    assert incident.status == "open" and incident.scope["records_exposed"] >= 1
    assert len(_signals(settings, incident.id)) == 2


def test_a_traced_leak_opens_one_data_leak_incident_with_the_exports_scope(
    client: TestClient, settings: Settings
) -> None:
    forget_fingerprints()
    rows = seller_rows(300, seed=17)
    with unit_of_work(settings) as session:
        export_id, data = record_export(session, rows, recipient="bob", exporter="olga")
    headers = {**auth(token(settings, "auditor", name="audrey")), "Content-Type": "text/csv"}
    for size in (25, 40):
        answer = client.post(TRACE, content=leak(data, rows=size), headers=headers)
        assert answer.status_code == 200 and answer.json()["matches"], answer.text
    unrelated = client.post(TRACE, content=b"name,city\nJane,Lisbon\n", headers=headers)
    assert unrelated.json()["matches"] == []
    [incident] = _incidents(settings, "data_leak")
    assert incident.subject == export_id
    assert incident.scope["records_exposed"] == 300 and incident.scope["sellers"] == 300
    assert incident.scope["data_level"] >= 3
    assert len(_signals(settings, incident.id)) == 2


def test_data_access_alerts_open_one_incident_per_person_reading(
    client: TestClient, world: Any, settings: Settings  # noqa: F811
) -> None:
    grant_phone(client, world)
    page_through(client, world.headers["alice"])
    alerts = client.get("/api/v1/data/alerts", headers=world.headers["sara"]).json()["items"]
    assert alerts
    [incident] = _incidents(settings, "data_access_anomaly")
    assert incident.subject == "alice" or "alice" in incident.subject
    assert incident.scope["data_level"] == 3 and incident.scope["records_exposed"] >= 100
    assert len(_signals(settings, incident.id)) == len(alerts)


def test_notices_about_to_miss_their_clock_open_a_backlog_incident_per_brand(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = api_world(settings, tmp_path)
    brand = ids["acme"]
    for listing in ("L-1", "L-2", "L-3", "L-4"):
        filed = client.post("/api/v1/notices", json=notice_body(ids["acme_right"], [listing]),
                            headers=auth(ids["acme_agent"]))
        assert filed.status_code == 201, filed.text
    reviewer = auth(token(settings, "reviewer"))
    assert client.post("/api/v1/review/sweep", headers=reviewer).status_code == 200
    assert _incidents(settings, "notice_backlog") == []  # a day left: no backlog yet
    with unit_of_work(settings) as session:
        session.execute(update(Notice).where(Notice.brand_id == brand)
                        .values(due_at=utcnow() + timedelta(minutes=30)))
    for _ in range(2):
        assert client.post("/api/v1/review/sweep", headers=reviewer).status_code == 200
    [incident] = _incidents(settings, "notice_backlog")
    assert incident.subject == brand and incident.scope["brands"] == 1
    assert incident.scope["listings"] >= 4
