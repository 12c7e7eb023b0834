"""The API's hot path: cached rule sets and tokens, batched shadow counts.

Each test pins one promise ``marketguard.risk.live`` and ``auth.cache`` make
about staleness: what changes in this process is seen at once, what another
process changes is seen within the refresh interval, and no count is lost.
"""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from marketguard.auth import service as auth_service
from marketguard.auth.roles import cli_principal
from marketguard.config import Settings
from marketguard.risk import rulesets
from marketguard.risk.live import INLINE_EVENTS, LiveRules
from marketguard.risk.models import RuleSetVersion
from marketguard.risk.service import decide_stream, reset_engines
from marketguard.risk.validator import loads_rules
from marketguard.uow import unit_of_work
from tests.factories import auth, token
from tests.risk.helpers import event
from tests.risk.test_api import RULES, STRICTER, _publish


@pytest.fixture
def analyst(client: TestClient, settings: Settings) -> dict[str, str]:
    reset_engines()
    return auth(token(settings, "analyst"))


def _decide(client: TestClient, headers: dict[str, str], body: object) -> dict[str, object]:
    answer = client.post("/api/v1/risk/decisions", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_when_a_token_is_revoked_then_the_cached_route_refuses_it_at_once(
    client: TestClient, settings: Settings, analyst: dict[str, str]
) -> None:
    _publish(client, analyst, RULES, "active")
    secret = token(settings, "integration")
    _decide(client, auth(secret), event("1"))  # now cached
    token_id = secret.split("_")[1]
    with unit_of_work(settings) as session:
        auth_service.revoke_token(session, actor=cli_principal(), token_id=token_id)
    answer = client.post("/api/v1/risk/decisions", json=event("2"), headers=auth(secret))
    assert answer.status_code == 401 and "revoked" in answer.json()["detail"]


def test_when_a_revocation_rolls_back_then_the_token_still_works(
    client: TestClient, settings: Settings, analyst: dict[str, str]
) -> None:
    _publish(client, analyst, RULES, "active")
    secret = token(settings, "integration")
    with pytest.raises(RuntimeError), unit_of_work(settings) as session:
        auth_service.revoke_token(session, actor=cli_principal(), token_id=secret.split("_")[1])
        raise RuntimeError("the transaction fails after the revocation")
    assert _decide(client, auth(secret), event("1"))["decisions"]


def test_when_the_body_is_not_an_event_then_422_and_nothing_is_decided(
    client: TestClient, analyst: dict[str, str]
) -> None:
    _publish(client, analyst, RULES, "active")
    for body, words in ((b"{not json", "not JSON"), (b'"an event"', "JSON object")):
        answer = client.post(
            "/api/v1/risk/decisions",
            content=body,
            headers={**analyst, "Content-Type": "application/json"},
        )
        assert answer.status_code == 422 and words in answer.json()["detail"], answer.text
    first = _decide(client, analyst, event("1", k="a"))
    assert first["decisions"] == [
        {**first["decisions"][0], "action": "allow"}  # type: ignore[index]
    ]


def test_when_a_batch_is_decided_off_the_event_loop_then_it_matches_one_stream(
    client: TestClient, analyst: dict[str, str]
) -> None:
    _publish(client, analyst, RULES, "active")
    events = [event(str(i), at=i, k=f"k{i % 3}") for i in range(3 * INLINE_EVENTS)]
    answers = [
        _decide(client, analyst, events[:5]),  # inline
        _decide(client, analyst, events[5 : 5 + 2 * INLINE_EVENTS]),  # on a thread
        _decide(client, analyst, events[5 + 2 * INLINE_EVENTS :]),
    ]
    got = [d for answer in answers for d in answer["decisions"]]  # type: ignore[attr-defined]
    expected = list(decide_stream(loads_rules(RULES), [orjson.dumps(e) for e in events]))
    assert [(d["event_id"], d["action"], d["features"]) for d in got] == [
        (d["event_id"], d["action"], d["features"]) for d in expected
    ]


def test_when_another_process_activates_a_version_then_it_decides_within_the_refresh(
    settings: Settings,
) -> None:
    reset_engines()
    with unit_of_work(settings) as session:
        first = rulesets.upload(session, actor=cli_principal(), name="a", source=RULES).version
        rulesets.set_state(session, actor=cli_principal(), version=first, state="active")
        second = rulesets.upload(session, actor=cli_principal(), name="b", source=STRICTER).version
    live = LiveRules(settings.database_url, refresh_s=0.05)

    async def scenario() -> list[str]:
        seen = [(await live.decide([event("1")]))[0]]
        # another process: the state changes in the database only, no in-process signal
        with unit_of_work(settings) as session:
            session.execute(
                update(RuleSetVersion)
                .where(RuleSetVersion.version == first)
                .values(state="retired")
            )
            session.execute(
                update(RuleSetVersion)
                .where(RuleSetVersion.version == second)
                .values(state="active")
            )
        deadline = time.monotonic() + 5
        while seen[-1] != second and time.monotonic() < deadline:
            await asyncio.sleep(0.06)
            seen.append((await live.decide([event(str(len(seen)))]))[0])
        return seen

    seen = asyncio.run(scenario())
    assert seen[0] == first and seen[-1] == second


def test_when_two_processes_count_shadow_disagreements_then_the_report_adds_both(
    client: TestClient, settings: Settings, analyst: dict[str, str]
) -> None:
    active = _publish(client, analyst, RULES, "active")
    shadow = _publish(client, analyst, STRICTER, "shadow")
    processes = [LiveRules(settings.database_url), LiveRules(settings.database_url)]

    async def decide_in_both() -> None:
        for number, live in enumerate(processes):
            await live.decide([event(f"p{number}", k=f"k{number}")])

    asyncio.run(decide_in_both())
    for live in processes:
        live.flush()
    report = client.get("/api/v1/risk/shadow-report", headers=analyst).json()
    assert report == [
        {"active_version": active, "shadow_version": shadow, "events": 2,
         "disagreements": 2, "stricter": 2, "looser": 0}
    ]  # fmt: skip


def test_when_the_server_stops_then_pending_shadow_counts_are_written(
    settings: Settings,
) -> None:
    from marketguard.app import create_app

    reset_engines()
    with TestClient(create_app(settings)) as first:
        headers = auth(token(settings, "analyst"))
        _publish(first, headers, RULES, "active")
        _publish(first, headers, STRICTER, "shadow")
        _decide(first, headers, [event("1", k="a"), event("2", at=1, k="b")])
    with unit_of_work(settings) as session:
        (row,) = rulesets.shadow_report(session)
    assert (row.events, row.stricter) == (2, 2)


def test_when_a_shadow_version_runs_then_the_active_one_still_counts_each_event_once(
    client: TestClient, analyst: dict[str, str]
) -> None:
    _publish(client, analyst, RULES, "active")
    _publish(client, analyst, STRICTER, "shadow")
    events = [event(str(i), at=i, k="a") for i in range(4)]
    got = [_decide(client, analyst, e)["decisions"][0] for e in events]  # type: ignore[index]
    expected = list(decide_stream(loads_rules(RULES), [orjson.dumps(e) for e in events]))
    assert got == expected
    assert [d["features"] for d in got[1:]] == [{"n": 2}, {"n": 3}, {"n": 4}]


def test_when_a_batch_holds_a_non_object_then_its_error_reads_as_on_the_stream(
    client: TestClient, analyst: dict[str, str]
) -> None:
    _publish(client, analyst, RULES, "active")
    batch = [event("1"), 42, "e", [1]]
    got = _decide(client, analyst, batch)["decisions"]
    stream = list(decide_stream(loads_rules(RULES), [orjson.dumps(item) for item in batch]))
    assert got == stream
    assert [d.get("error") for d in stream[1:]] == [
        "not a JSON object (got a JSON value)",
        "not a JSON object (got a string)",
        "not a JSON object (got an array)",
    ]
