"""A brand, a seller and a reviewer walk the notice lifecycle through the API only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.factories import auth
from tests.notices.helpers import api_world, notice_body

API = "/api/v1"


@pytest.fixture
def ids(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    return api_world(settings, tmp_path)


def test_when_a_notice_is_filed_then_the_answer_follows_the_contract(
    client: TestClient, ids: dict[str, Any]
) -> None:
    answer = client.post(f"{API}/notices", json=notice_body(ids["acme_right"], ["L-3", "L-4"]),
                         headers=auth(ids["acme_agent"]))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert {"id", "status", "received_at", "due_at", "items"} <= set(body)
    assert body["status"] == "triaged"
    assert [(i["listing_id"], i["status"]) for i in body["items"]] == [
        ("L-3", "pending"), ("L-4", "pending")
    ]


def test_when_a_brand_a_seller_and_a_reviewer_go_through_an_appeal_that_wins(
    client: TestClient, ids: dict[str, Any]
) -> None:
    brand, seller, reviewer = (auth(ids[k]) for k in ("acme_agent", "seller_2", "reviewer"))
    notice = client.post(f"{API}/notices", json=notice_body(ids["acme_right"], ["L-3"]),
                         headers=brand).json()
    queue = client.get(f"{API}/review/notices", headers=reviewer).json()["items"]
    assert [q["id"] for q in queue] == [notice["id"]] and queue[0]["pending"] == 1
    decided = client.post(f"{API}/notices/{notice['id']}/decision", headers=reviewer, json={
        "listing_id": "L-3", "outcome": "takedown", "reason": "Copied logo, 15% of retail."})
    assert decided.status_code == 200 and decided.json()["status"] == "decided"
    assert client.get(f"{API}/review/notices", headers=reviewer).json()["items"] == []
    listing = client.get(f"{API}/listings/L-3", headers=seller).json()
    assert listing["status"] == "removed"
    [statement] = client.get(f"{API}/statements?listing_id=L-3", headers=seller).json()["items"]
    assert statement["ground"] == "illegal_content" and statement["source"] == "notice"
    assert set(statement["statement"]) == {"restriction", "ground", "explanation", "facts",
                                           "automation", "how_to_appeal"}
    strikes = client.get(f"{API}/sellers/S-0002/strikes", headers=seller).json()
    assert len(strikes["strikes"]) == 1 and strikes["strikes_left"] == 2
    appeal = client.post(f"{API}/appeals", headers=seller, json={
        "listing_id": "L-3", "explanation": "Genuine goods from the official distributor.",
        "evidence": [{"description": "Distributor invoice 2026-0042"}]})
    assert appeal.status_code == 201 and appeal.json()["status"] == "awaiting_rights_holder"
    appeal_id = appeal.json()["id"]
    seen = client.get(f"{API}/appeals/{appeal_id}", headers=brand).json()
    assert seen["explanation"].startswith("Genuine goods")
    answered = client.post(f"{API}/appeals/{appeal_id}/answer", headers=brand,
                           json={"position": "withdraw", "explanation": "Invoice is real."})
    assert answered.json()["status"] == "awaiting_decision"
    final = client.post(f"{API}/appeals/{appeal_id}/decision",
                        headers=auth(ids["appeals_reviewer"]),
                        json={"outcome": "reinstate", "reason": "Genuine origin shown."})
    assert final.status_code == 200 and final.json()["status"] == "granted"
    assert client.get(f"{API}/listings/L-3", headers=seller).json()["status"] == "live"
    assert client.get(f"{API}/sellers/S-0002/strikes", headers=seller).json()["strikes"] == []
    tracked = client.get(f"{API}/notices/{notice['id']}", headers=brand).json()
    assert tracked["status"] == "closed" and tracked["items"][0]["status"] == "reinstated"
    assert [h["kind"] for h in tracked["history"]] == [
        "received", "triaged", "item_decided", "seller_notified", "decided", "appeal_filed",
        "rights_holder_answered", "appeal_decided", "closed",
    ]
    assert {h["by"] for h in tracked["history"]} == {"rights_holder", "system", "reviewer",
                                                      "seller"}
    record = client.get(f"{API}/notifiers/{ids['acme']}", headers=brand).json()
    assert (record["decided"], record["overturned"]) == (1, 1)


def test_when_a_notice_is_incomplete_then_a_problem_document_names_each_element(
    client: TestClient, ids: dict[str, Any]
) -> None:
    body = notice_body(ids["acme_right"], [], explanation="", good_faith=False,
                       notifier={"name": "Ada"})
    answer = client.post(f"{API}/notices", json=body, headers=auth(ids["acme_agent"]))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["detail"].startswith("the notice is incomplete or inconsistent")
    assert [e["field"] for e in problem["errors"]] == [
        "listing_ids", "explanation", "notifier.email", "good_faith"
    ]
    assert client.get(f"{API}/notices", headers=auth(ids["acme_agent"])).json()["items"] == []


def test_when_an_unknown_field_is_sent_then_refused(
    client: TestClient, ids: dict[str, Any]
) -> None:
    body = notice_body(ids["acme_right"], ["L-3"], listing_idz=["L-4"])
    answer = client.post(f"{API}/notices", json=body, headers=auth(ids["acme_agent"]))
    assert answer.status_code == 422 and "listing_idz" in answer.text


def test_when_a_notice_is_retried_with_its_idempotency_key_then_it_is_filed_once(
    client: TestClient, ids: dict[str, Any]
) -> None:
    headers = {**auth(ids["acme_agent"]), "Idempotency-Key": "notice-1"}
    body = notice_body(ids["acme_right"], ["L-3"])
    first = client.post(f"{API}/notices", json=body, headers=headers)
    again = client.post(f"{API}/notices", json=body, headers=headers)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert len(client.get(f"{API}/notices", headers=auth(ids["acme_agent"])).json()["items"]) == 1


def test_when_a_bulk_csv_is_filed_then_rows_group_into_notices(
    client: TestClient, ids: dict[str, Any]
) -> None:
    right = ids["acme_right"]
    csv = (
        "right_id,listing,explanation,notifier_name,notifier_email,good_faith\n"
        f"{right},L-3,Counterfeit Summit packs with our mark,Ada,ada@acme.example,true\n"
        f"{right},https://shop.example/listings/L-4,Counterfeit Summit packs with our mark,"
        "Ada,ada@acme.example,yes\n"
        f"{right},L-1,Copied product photos from our catalogue,Ada,ada@acme.example,true\n"
    )
    answer = client.post(f"{API}/notices:bulk", content=csv.encode(),
                         headers={**auth(ids["acme_agent"]), "Content-Type": "text/csv"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["listings"] == 3
    assert sorted(len(n["items"]) for n in body["notices"]) == [1, 2]
    assert {n["channel"] for n in body["notices"]} == {"bulk"}


CSV_HEADER = "right_id,listing,explanation,notifier_name,notifier_email,good_faith"
CSV_REASON = "Counterfeit Summit packs with our mark"


@pytest.mark.parametrize(
    ("row", "line", "reason"),
    [
        ("{right},L-4,Counterfeit Summit\rpacks with our mark,Ada,ada@acme.example,true",
         3, "fields where the header has 6"),
        ("{right},L-4,Counterfeit Summit\npacks with our mark,Ada,ada@acme.example,true",
         3, "fields where the header has 6"),
        ('{right},L-4,"Counterfeit Summit packs,Ada,ada@acme.example,true',
         3, "not valid CSV (unexpected end of data)"),
        ('{right},L-4,"Counterfeit" Summit packs,Ada,ada@acme.example,true',
         3, "not valid CSV"),
        ("{right},L-4,Counterfeit Summit packs\x00,Ada,ada@acme.example,true",
         3, "NUL character"),
        ("{right},L-4,Counterfeit Summit packs,Ada,ada@acme.example,true,extra",
         3, "7 fields where the header has 6"),
    ],
    ids=["bare-cr", "newline-in-unquoted-field", "unclosed-quote", "stray-quote", "nul",
         "extra-field"],
)
def test_when_a_bulk_csv_is_malformed_then_422_names_the_line_and_nothing_is_filed(
    client: TestClient, ids: dict[str, Any], row: str, line: int, reason: str
) -> None:
    right = ids["acme_right"]
    good = f"{right},L-3,{CSV_REASON},Ada,ada@acme.example,true"
    body = "\n".join([CSV_HEADER, good, row.format(right=right)]) + "\n"
    answer = client.post(f"{API}/notices:bulk", content=body.encode(),
                         headers={**auth(ids["acme_agent"]), "Content-Type": "text/csv"})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert f"line {line} line: " in problem["detail"] and reason in problem["detail"]
    assert (problem["errors"][0]["line"], problem["errors"][0]["field"]) == (line, "line")
    assert client.get(f"{API}/notices", headers=auth(ids["acme_agent"])).json()["items"] == []


def test_when_a_bulk_csv_ends_lines_with_a_bare_cr_or_quotes_a_line_break_then_it_is_filed(
    client: TestClient, ids: dict[str, Any]
) -> None:
    right = ids["acme_right"]
    body = "\r".join([
        CSV_HEADER,
        f"{right},L-3,{CSV_REASON},Ada,ada@acme.example,true",
        f'{right},L-4,"Counterfeit Summit packs,\r\nwith our mark",Ada,ada@acme.example,true',
    ]) + "\r"
    answer = client.post(f"{API}/notices:bulk", content=body.encode(),
                         headers={**auth(ids["acme_agent"]), "Content-Type": "text/csv"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["listings"] == 2


def test_when_a_bulk_jsonl_has_a_bad_line_then_nothing_is_filed(
    client: TestClient, ids: dict[str, Any]
) -> None:
    good = orjson.dumps({
        "right_id": ids["acme_right"], "listing_ids": ["L-3", "L-4"],
        "explanation": "Counterfeit Summit packs with our mark",
        "notifier": {"name": "Ada", "email": "ada@acme.example"}, "good_faith": True,
    }).decode()
    bad = orjson.dumps({"right_id": ids["acme_right"], "listing": "L-404",
                        "good_faith": True}).decode()
    answer = client.post(f"{API}/notices:bulk", content=f"{good}\n\n{bad}\nnot json\n".encode(),
                         headers={**auth(ids["acme_agent"]),
                                  "Content-Type": "application/x-ndjson"})
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert {(e["line"], e["field"]) for e in errors} >= {
        (4, "line"), (3, "listing"), (3, "explanation"), (3, "notifier.name")
    }
    assert client.get(f"{API}/notices", headers=auth(ids["acme_agent"])).json()["items"] == []


def test_when_a_bulk_body_has_an_unsupported_type_then_refused(
    client: TestClient, ids: dict[str, Any]
) -> None:
    answer = client.post(f"{API}/notices:bulk", content=b"<xml/>",
                         headers={**auth(ids["acme_agent"]), "Content-Type": "application/xml"})
    assert answer.status_code == 422 and "text/csv" in answer.json()["detail"]


def test_when_a_reviewer_runs_the_sweep_then_verified_notices_join_the_queue(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = api_world(settings, tmp_path, verify=False)
    brand, reviewer = auth(ids["acme_agent"]), auth(ids["reviewer"])
    notice = client.post(f"{API}/notices", json=notice_body(ids["acme_right"], ["L-3"]),
                         headers=brand).json()
    assert notice["status"] == "awaiting_verification" and notice["due_at"] is None
    client.post(f"{API}/rights/{ids['acme_right']}/verification", headers=auth(ids["admin"]),
                json={"status": "verified", "reason": "registry checked"})
    assert client.post(f"{API}/review/sweep", headers=reviewer).json()["released"] == 1
    assert [q["id"] for q in client.get(f"{API}/review/notices", headers=reviewer)
            .json()["items"]] == [notice["id"]]


def test_when_a_test_buy_is_confirmed_through_the_api_then_the_listing_comes_down(
    client: TestClient, ids: dict[str, Any]
) -> None:
    buy = client.post(f"{API}/test-buys", headers=auth(ids["acme_agent"]), json={
        "listing_id": "L-4", "purchased_on": "2026-11-02", "result": "counterfeit",
        "evidence": [{"description": "Stitching and logo differ from genuine"}]})
    assert buy.status_code == 201 and buy.json()["confirmed_at"] is None
    confirmed = client.post(f"{API}/test-buys/{buy.json()['id']}/confirmation",
                            headers=auth(ids["reviewer"]), json={"reason": "Photos conclusive"})
    assert confirmed.status_code == 200 and confirmed.json()["statement_id"]
    listing = client.get(f"{API}/listings/L-4", headers=auth(ids["seller_2"])).json()
    assert listing["status"] == "removed"


def test_when_a_reviewer_closes_a_store_then_the_seller_can_appeal_the_closure(
    client: TestClient, ids: dict[str, Any]
) -> None:
    reviewer, seller = auth(ids["reviewer"]), auth(ids["seller_1"])
    closed = client.post(f"{API}/sellers/S-0001/closure", headers=reviewer,
                         json={"facts": "Sold replicas after two warnings."})
    assert closed.status_code == 201 and closed.json()["affected_listings"] == ["L-1", "L-2"]
    appeal = client.post(f"{API}/appeals", headers=seller, json={
        "statement_id": closed.json()["id"], "explanation": "Both listings were genuine."})
    assert appeal.json()["status"] == "awaiting_decision"
    client.post(f"{API}/appeals/{appeal.json()['id']}/decision",
                headers=auth(ids["appeals_reviewer"]),
                json={"outcome": "reinstate", "reason": "Warnings were for another seller."})
    assert client.get(f"{API}/sellers/S-0001", headers=seller).json()["status"] == "active"
    assert client.get(f"{API}/listings/L-2", headers=seller).json()["status"] == "live"
