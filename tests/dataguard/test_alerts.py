"""Alerts on abnormal reads: the access log as risk events, the starter rules, the
evaluator every API process runs, the alerts routes, and backtests at the console."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from marketguard.audit.models import AuditRecord
from marketguard.auth.roles import Principal, Role, cli_principal
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.dataguard import alerts, service
from marketguard.dataguard.access import Permit
from marketguard.dataguard.alert_events import log_events
from marketguard.dataguard.models import DataAlert
from marketguard.errors import Forbidden
from marketguard.risk.model import RuleSetError
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from tests.dataguard.helpers import DataWorld, decide, request_access, seed
from tests.factories import auth, seller, token, write_jsonl
from tests.test_cli import run

BULK = 260  # sellers with a phone: three pages of 100


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> DataWorld:
    found = seed(settings, tmp_path)
    path = write_jsonl(tmp_path / "many.jsonl", [
        seller(f"B-{n:04d}", identifiers={"phone": [f"+86138{n:08d}"]}) for n in range(BULK)
    ])
    with unit_of_work(settings) as session:
        catalog_service.import_sellers(session, actor=cli_principal("test"), path=path)
    found.headers["sara"] = auth(token(settings, "data_owner", name="sara", dataset="sellers"))
    return found


def grant_phone(client: TestClient, world: DataWorld, duration: str = "PT8H") -> str:
    filed = request_access(client, world.headers["alice"], duration=duration)
    assert filed.status_code == 201, filed.text
    decided = decide(client, world.headers["olga"], filed.json()["id"])
    assert decided.status_code == 200, decided.text
    return str(decided.json()["grant"]["id"])


def page_through(client: TestClient, who: dict[str, str], query: str = "") -> int:
    pages, cursor = 0, None
    while True:
        url = "/api/v1/data/datasets/sellers/records?limit=100" + query
        answer = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=who)
        assert answer.status_code == 200, answer.text
        pages += 1
        cursor = answer.json()["next"]
        if cursor is None:
            return pages


def alert_list(client: TestClient, who: dict[str, str], query: str = "") -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/data/alerts{query}", headers=who)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def test_when_an_employee_pages_through_many_records_fast_then_bulk_read_alerts_the_owners(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    grant_phone(client, world)
    assert page_through(client, world.headers["alice"]) == 3

    raised = alert_list(client, world.headers["sara"])
    assert raised and {a["rule"] for a in raised} == {"bulk_read"}
    first = raised[-1]  # newest first: the last one is the page that crossed the floor
    assert (first["actor"], first["dataset"], first["level"]) == ("alice", "sellers", 3)
    assert first["owners"] == ["sara"] and first["status"] == "open"
    assert first["action"] == "review" and first["score"] == 60
    assert first["decision"]["features"]["l3_rows_1h"] >= 200
    assert [a["id"] for a in raised] == sorted((a["id"] for a in raised), reverse=True)

    assert alert_list(client, world.headers["sam"]) == []  # owner of listings only
    assert len(alert_list(client, world.headers["audrey"], "?status=open")) == len(raised)
    assert alert_list(client, world.headers["root"], "?dataset=listings") == []
    refused = client.get("/api/v1/data/alerts", headers=world.headers["alice"])
    assert refused.status_code == 403

    url = f"/api/v1/data/alerts/{first['id']}/acknowledge"
    done = client.post(url, headers=world.headers["sara"], json={"note": "case 17, expected"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "acknowledged" and done.json()["acknowledged_by"] == "sara"
    again = client.post(url, headers=world.headers["olga"], json={"note": "x"})
    assert again.status_code == 409
    assert client.post(url, headers=world.headers["audrey"], json={}).status_code == 403
    with unit_of_work(settings) as session:
        actions = list(session.scalars(
            select(AuditRecord.action).where(AuditRecord.object_type == "data_alert")
        ))
    assert actions.count("data.alert") == len(raised)
    assert actions.count("data.alert_acknowledge") == 1


def test_when_reads_are_logged_then_alerts_are_raised_without_anyone_listing_them(
    client: TestClient, world: DataWorld, settings: Settings
) -> None:
    """The read does not wait for the evaluator; its own thread raises the alert soon after."""
    grant_phone(client, world)
    page_through(client, world.headers["alice"])
    deadline = time.monotonic() + 20
    while not alerts_of(settings) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {a.rule for a in alerts_of(settings)} == {"bulk_read"}


def test_when_a_reader_states_another_purpose_than_the_grant_then_outside_purpose(
    client: TestClient, world: DataWorld
) -> None:
    grant_phone(client, world)
    who = world.headers["alice"]
    same = client.get("/api/v1/data/datasets/sellers/records?limit=5"
                      "&purpose=%20Investigate%20A%20Counterfeit%20Ring%20", headers=who)
    assert same.status_code == 200
    assert alert_list(client, world.headers["sara"]) == []
    other = client.get("/api/v1/data/datasets/sellers/records?limit=5&purpose=marketing+list",
                       headers=who)
    assert other.status_code == 200
    raised = alert_list(client, world.headers["sara"])
    assert [a["rule"] for a in raised] == ["outside_purpose"] and raised[0]["rows"] == 5


def test_when_a_grant_about_to_expire_is_used_en_masse_then_mass_read_before_expiry(
    client: TestClient, world: DataWorld
) -> None:
    grant_phone(client, world, duration="PT10M")
    page_through(client, world.headers["alice"])
    rules = {a["rule"] for a in alert_list(client, world.headers["sara"])}
    assert "mass_read_before_expiry" in rules


def log_read(settings: Settings, actor: str, at: datetime, rows: int) -> None:
    with unit_of_work(settings) as session:
        service.log_access(session, actor=actor, dataset="sellers", fields=["identifiers.phone"],
                           rows=rows, permit=Permit(None, "standing clearance of role analyst"),
                           kind="read", at=at)


def alerts_of(settings: Settings) -> list[DataAlert]:
    with unit_of_work(settings) as session:
        return list(session.scalars(select(DataAlert).order_by(DataAlert.id)))


def test_when_ordinary_reads_are_spread_over_time_then_nothing_even_in_a_busy_hour(
    settings: Settings, tmp_path: Path
) -> None:
    evaluator = alerts.AlertEvaluator(settings)
    now = utcnow()
    start = now - timedelta(days=6)
    for hour in range(0, 6 * 24 - 2, 2):  # ~300 rows a day, every day, for 6 days
        log_read(settings, "bob", start + timedelta(hours=hour), 25)
    assert evaluator.catch_up() == []
    for minute in range(5):  # 250 rows in half an hour: busy, but not unusual for bob
        log_read(settings, "bob", now - timedelta(minutes=30 - minute * 5), 50)
    assert evaluator.catch_up() == []
    for minute in range(5):  # the same 250 rows by someone who never reads them
        log_read(settings, "carl", now - timedelta(minutes=5 - minute), 50)
    created = evaluator.catch_up()
    found = alerts_of(settings)
    assert [a.id for a in found] == sorted(created)
    assert {(a.rule, a.actor) for a in found} == {("bulk_read", "carl")}
    assert found[0].owners == ["trust-and-safety"]  # no data owner scoped to sellers


def test_when_two_evaluators_follow_one_database_then_one_alert_per_row_and_rule(
    settings: Settings,
) -> None:
    now = utcnow()
    for minute in range(6):
        log_read(settings, "carl", now - timedelta(minutes=6 - minute), 100)
    evaluators = [alerts.AlertEvaluator(settings), alerts.AlertEvaluator(settings)]
    results: list[list[str]] = [[], []]
    barrier = threading.Barrier(2)

    def work(index: int) -> None:
        barrier.wait()
        results[index] = evaluators[index].catch_up()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found = alerts_of(settings)
    assert len(found) == 5  # rows 2..6 carry 200+ rows in the hour
    assert len({(a.log_id, a.rule) for a in found}) == len(found)
    assert sorted(results[0] + results[1]) == sorted(a.id for a in found)
    with unit_of_work(settings) as session:
        audited = session.scalar(select(func.count()).select_from(AuditRecord)
                                 .where(AuditRecord.action == "data.alert"))
    assert audited == len(found)


def test_when_the_log_is_replayed_on_start_then_windows_are_warm(settings: Settings) -> None:
    now = utcnow()
    for minute in range(4):  # 200 rows, an hour ago and more: old news, no alert now
        log_read(settings, "carl", now - timedelta(minutes=50 - minute), 50)
    evaluator = alerts.AlertEvaluator(settings)
    assert evaluator.catch_up() == []
    log_read(settings, "carl", now, 10)
    created = evaluator.catch_up()  # the warmed window holds the 200 before
    assert [a.rule for a in alerts_of(settings)] == ["bulk_read"] and len(created) == 1


def test_when_the_starter_rules_load_then_three_rules_and_the_setting_overrides(
    settings: Settings, tmp_path: Path
) -> None:
    starter = alerts.load_alert_rules(settings)
    assert [r.name for r in starter.rules] == [
        "bulk_read", "outside_purpose", "mass_read_before_expiry"]
    mine = tmp_path / "mine.yaml"
    mine.write_text("version: 1\nrules:\n  - {name: any_read, events: [data.read], "
                    "when: 'rows > 0', action: review, score: 1}\n")
    custom = settings.model_copy(update={"data_alert_rules_path": mine})
    assert [r.name for r in alerts.load_alert_rules(custom).rules] == ["any_read"]


def test_when_the_rules_file_is_bad_then_refused_naming_rule_and_position(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrules:\n  - {name: halves, events: [data.read], "
                   "when: 'rows // 2 > 1', action: review, score: 1}\n")
    with pytest.raises(ValidationError) as refused:
        Settings(database_url="sqlite://", data_alert_rules_path=bad)
    assert "rule 'halves': when 1:" in str(refused.value)
    with pytest.raises(RuleSetError, match="rule 'halves': when 1:"):
        alerts.load_alert_rules(Settings.model_construct(data_alert_rules_path=bad))


def test_when_a_person_without_alert_rights_lists_alerts_then_forbidden() -> None:
    employee = Principal(token_id="t", name="alice", role=Role.employee)
    with pytest.raises(Forbidden):
        alerts.alerts_query(employee)


def test_when_the_log_is_written_as_events_then_the_fields_are_there(
    settings: Settings,
) -> None:
    log_read(settings, "carl", utcnow() - timedelta(minutes=1), 7)
    with unit_of_work(settings) as session:
        [event] = list(log_events(session))
    assert event["type"] == "data.read" and event["rows"] == 7 and event["level"] == 3
    assert event["fields"] == 1 and event["grant_id"] is None
    assert event["grant_expires_in_s"] is None and event["purpose_matches"] is None
    assert set(event) == {
        "event_id", "type", "ts", "actor", "dataset", "level", "rows", "fields", "grant_id",
        "purpose", "grant_expires_in_s", "purpose_declared", "purpose_matches"}


def test_when_the_log_is_backtested_at_the_console_then_the_rules_see_staff(
    tmp_path: Path,
) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    from tests.conftest import make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    now = utcnow()
    for minute in range(3):
        log_read(settings, "carl", now - timedelta(minutes=3 - minute), 40)
    written = run(tmp_path, "data", "events", "--out", "events.jsonl")
    assert written.returncode == 0, written.stderr
    assert len((tmp_path / "events.jsonl").read_text().splitlines()) == 3
    piped = run(tmp_path, "data", "access-log", "--events")
    assert [orjson.loads(x)["rows"] for x in piped.stdout.splitlines()] == [40, 40, 40]
    rules = tmp_path / "my_alerts.yaml"
    rules.write_text(alerts.starter_rules_text().replace("l3_rows_1h >= 200", "l3_rows_1h >= 80"))
    result = run(tmp_path, "risk", "backtest", "--rules", str(rules), "--events",
                 "events.jsonl", "--json")
    assert result.returncode == 0, result.stderr
    summary = orjson.loads(result.stdout)
    hits = {r["name"]: r["hits"] for r in summary["rules"]}
    assert hits == {"bulk_read": 2, "outside_purpose": 0, "mass_read_before_expiry": 0}
    listed = run(tmp_path, "data", "alerts", "--json")
    assert listed.returncode == 0 and listed.stdout == ""  # nothing evaluated them live
