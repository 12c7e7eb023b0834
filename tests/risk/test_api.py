"""The risk API: rule-set versions, decisions that match one stream, shadow reports."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from marketguard.config import Settings
from marketguard.risk.api import MAX_BATCH
from marketguard.risk.engine import Engine
from marketguard.risk.service import reset_engines
from marketguard.risk.validator import loads_rules
from tests.factories import auth, seed_marketplace, token
from tests.risk.helpers import event

RULES = textwrap.dedent("""
    version: 1
    features:
      n: {count: e, by: k, window: 1h}
    rules:
      - {name: twice, events: [e], when: "n >= 2", action: review, score: 40}
""")
STRICTER = RULES.replace("n >= 2", "n >= 1").replace("action: review", "action: block")


@pytest.fixture
def analyst(client: TestClient, settings: Settings) -> dict[str, str]:
    reset_engines()
    return auth(token(settings, "analyst"))


def _publish(client: TestClient, headers: dict[str, str], source: str, state: str) -> str:
    answer = client.post(
        "/api/v1/risk/rulesets", json={"name": "r", "source": source}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    version = answer.json()["version"]
    moved = client.post(
        f"/api/v1/risk/rulesets/{version}/state", json={"state": state}, headers=headers
    )
    assert moved.json()["state"] == state
    return version


def test_when_no_rules_are_active_then_409_says_how_to_fix_it(
    client: TestClient, analyst: dict[str, str]
) -> None:
    answer = client.post("/api/v1/risk/decisions", json=event("1"), headers=analyst)
    assert answer.status_code == 409 and "upload one" in answer.json()["detail"]


def test_when_a_rules_file_is_bad_then_every_problem_is_listed_and_nothing_stored(
    client: TestClient, analyst: dict[str, str]
) -> None:
    bad = RULES.replace('"n >= 2"', '"n.real >= 2"').replace("score: 40", "score: 400")
    answer = client.post(
        "/api/v1/risk/rulesets", json={"name": "bad", "source": bad}, headers=analyst
    )
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert any("twice" in p and "attribute" in p for p in problems), problems
    assert any("score" in p for p in problems), problems
    assert client.get("/api/v1/risk/rulesets", headers=analyst).json() == []


def test_when_events_come_one_by_one_or_in_batches_then_decisions_match_one_stream(
    client: TestClient, analyst: dict[str, str]
) -> None:
    version = _publish(client, analyst, RULES, "active")
    events: list[Any] = [event(str(i), at=i, k="a" if i % 2 else "b") for i in range(7)]
    events.insert(3, {"event_id": "bad"})
    answers = [
        client.post("/api/v1/risk/decisions", json=events[0], headers=analyst).json(),
        client.post("/api/v1/risk/decisions", json=events[1:5], headers=analyst).json(),
        client.post("/api/v1/risk/decisions", json=events[5:], headers=analyst).json(),
    ]
    decisions = [d for answer in answers for d in answer["decisions"]]
    engine = Engine(loads_rules(RULES))
    expected = [engine.decide(orjson.loads(orjson.dumps(e)), 1) for e in events]
    assert [d.get("action") for d in decisions] == [d.get("action") for d in expected]
    assert decisions[3] == {"event_id": "bad", "line": 3, "error": "missing type"}
    assert {answer["rules_version"] for answer in answers} == {version}


def test_when_a_candidate_runs_in_shadow_then_its_disagreements_are_counted_not_acted_on(
    client: TestClient, analyst: dict[str, str]
) -> None:
    active = _publish(client, analyst, RULES, "active")
    shadow = _publish(client, analyst, STRICTER, "shadow")
    answer = client.post(
        "/api/v1/risk/decisions", json=[event("1", k="a"), event("2", at=1, k="a")], headers=analyst
    ).json()
    assert [d["action"] for d in answer["decisions"]] == ["allow", "review"]
    report = client.get("/api/v1/risk/shadow-report", headers=analyst).json()
    assert report == [
        {"active_version": active, "shadow_version": shadow, "events": 2,
         "disagreements": 2, "stricter": 2, "looser": 0}
    ]  # fmt: skip


def test_when_a_new_version_is_activated_then_the_old_one_retires(
    client: TestClient, analyst: dict[str, str]
) -> None:
    first = _publish(client, analyst, RULES, "active")
    second = _publish(client, analyst, STRICTER, "active")
    states = {
        r["version"]: r["state"]
        for r in client.get("/api/v1/risk/rulesets", headers=analyst).json()
    }
    assert states == {first: "retired", second: "active"}


def test_when_a_batch_is_oversized_then_refused_without_deciding(
    client: TestClient, analyst: dict[str, str]
) -> None:
    _publish(client, analyst, RULES, "active")
    answer = client.post(
        "/api/v1/risk/decisions", json=[event("x")] * (MAX_BATCH + 1), headers=analyst
    )
    assert answer.status_code == 422 and "at most" in answer.json()["detail"]
    after = client.post("/api/v1/risk/decisions", json=event("y", k="a"), headers=analyst).json()
    assert after["decisions"][0]["action"] == "allow"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/risk/decisions"),
        ("POST", "/api/v1/risk/rulesets"),
        ("GET", "/api/v1/risk/rulesets"),
        ("POST", "/api/v1/risk/rulesets/v/state"),
        ("GET", "/api/v1/risk/shadow-report"),
    ],
)
def test_when_tenants_call_risk_routes_then_forbidden(
    client: TestClient, settings: Settings, tmp_path: Path, method: str, path: str
) -> None:
    ids = seed_marketplace(settings, tmp_path)  # tokens are scoped to a real seller and brand
    tenants = (("seller", {"seller_id": "S-0001"}), ("rights_holder", {"brand_id": ids["acme"]}))
    for role, scope in tenants:
        answer = client.request(method, path, json={}, headers=auth(token(settings, role, **scope)))
        assert answer.status_code == 403, (role, path, answer.text)


def test_a_rules_update_keeps_state_of_unchanged_features() -> None:
    from marketguard.risk.service import decide_events
    from tests.risk.helpers import make_rules

    reset_engines()
    decide_events(make_rules(RULES), [event("1", k="a")])
    edited = make_rules("""
        version: 1
        features:
          n: {count: e, by: k, window: 1h}
          m: {count: e, by: k, window: 2h}
        rules:
          - {name: twice, events: [e], when: "n >= 2 and m == 1", action: block, score: 90}
    """)
    out = decide_events(edited, [event("2", at=1, k="a")])
    assert out[0]["action"] == "block" and out[0]["features"] == {"n": 2, "m": 1}
    reset_engines()
