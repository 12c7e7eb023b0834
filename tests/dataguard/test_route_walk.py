"""No level-3/4 value reaches a caller without clearance, on any route that exists.

Every level-3/4 field of the catalog is seeded with a unique sentinel; every GET
route (and the POST routes that echo a record back) is called as every role, and
a sentinel found anywhere in an answer fails the test unless the role holds a
standing clearance for exactly that field or the caller holds a live grant.
A new classified field must be seeded here (``SENTINELS``) or say why it cannot
reach an answer (``NOT_SEEDED``); a new GET route with a path parameter must be
fillable from ``PARAMS``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.app import create_app
from marketguard.auth.roles import Role
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.dataguard.access import SENSITIVE, clearance_patterns, cleared
from marketguard.dataguard.service import catalog
from marketguard.uow import unit_of_work
from tests.dataguard.helpers import decide, request_access
from tests.factories import auth, listing, seller, token, write_jsonl
from tests.notices.helpers import make_world, notice_body
from tests.routes import api_routes

API = "/api/v1"

# One unique value per level-3/4 catalog field (``dataset.field``).
SENTINELS: dict[str, str] = {
    "sellers.identifiers.phone": "+86 7731 0000 SENTINEL-PHONE-7731",
    "sellers.identifiers.address": "SENTINEL-ADDRESS-4410 Harbour Road",
    "sellers.identifiers.ip": "SENTINEL-IP-198.51.100.77",
    "sellers.identifiers.device": "SENTINEL-DEVICE-9f3a21",
    "sellers.identifiers.payment": "SENTINEL-PAYMENT-4242-0093",
    "sellers.identifiers.*": "SENTINEL-LOYALTY-66120",
    "sellers.*": "SENTINEL-VAT-CN998877",
    "listings.*": "SENTINEL-LISTING-KEPT-5150",
    "orders.user_id": "SENTINEL-BUYER-30217",
    "orders.*": "SENTINEL-ORDER-KEPT-8841",
    "notices.notifier.name": "Sentinel Notifier Name 5521",
    "notices.notifier.email": "sentinel.notifier.5521@acme.example",
    "brands.extra": "SENTINEL-BRAND-KEPT-1207",
}
# The same stored value, reached through another table.
ALIASES = {"seller_identifiers.value": "sellers.identifiers.*"}
# Level-3/4 fields not seeded, and why no answer can carry them as seeded here.
NOT_SEEDED = {
    "api_tokens.name": "a token's own name, shown only to itself (/me) and its issuer",
    "api_tokens.secret_hash": "never serialised by any route",
    "audit_records.actor": "standing clearance of the only roles the audit routes admit",
    "idempotency_records.body": "a stored answer replayed only to the same caller",
    "idempotency_records.scope": "never serialised by any route",
    "risk_rulesets.name": "standing clearance of the only roles the rule-set routes admit",
    "risk_rulesets.source": "standing clearance of the only roles the rule-set routes admit",
    "risk_rulesets.version": "standing clearance of the only roles the rule-set routes admit",
    "webhooks.salt": "never serialised by any route",
    "invitations.created_by": "no API route serves invitations (the CLI prints them)",
    "invitations.email": "no API route serves invitations (the CLI prints them)",
    "invitations.secret_hash": "never serialised by any route",
    "people.created_by": "no API route serves people; portal pages show a person only to itself",
    "people.email": "no API route serves people; portal pages show a person only to itself",
    "portal_sessions.secret_hash": "never serialised by any route",
    "sign_in_failures.client": "never serialised by any route (counted for rate limits)",
    "webauthn_challenges.secret_hash": "never serialised by any route",
}
CLEAR_FIELD = {  # catalog field a sentinel stands for -> the field a clearance names
    "sellers.identifiers.*": "sellers.identifiers.loyalty",
    "sellers.*": "sellers.vat_number",
    "listings.*": "listings.warehouse_note",
    "orders.*": "orders.buyer_phone",
    "brands.extra": "brands.extra",
}

SCOPED = {
    "rights_holder": {"brand_id": "acme"},
    "seller": {"seller_id": "S-0001"},
}


def _sensitive_fields(settings: Settings) -> set[str]:
    return {
        f"{e.dataset}.{e.field}"
        for e in catalog(None, clearances=settings.data_clearances)
        if e.level >= SENSITIVE and e.dataset != "risk_events"  # not stored
    }


def test_when_a_field_is_classified_3_or_4_then_the_walk_seeds_it() -> None:
    known = set(SENTINELS) | set(ALIASES) | set(NOT_SEEDED)
    missing = _sensitive_fields(Settings(database_url="sqlite://")) - known
    assert missing == set(), f"seed a sentinel in SENTINELS (or say why not) for: {missing}"


def _seed(client: TestClient, settings: Settings, folder: Path) -> dict[str, Any]:
    """Store every sentinel, then a notice, a statement, an appeal, a test buy, a webhook."""
    world = make_world(settings, folder)
    ids: dict[str, Any] = dict(world.ids)
    s = SENTINELS
    sellers = write_jsonl(folder / "sentinel-sellers.jsonl", [seller("S-0001", identifiers={
        "phone": [s["sellers.identifiers.phone"]],
        "address": [s["sellers.identifiers.address"]],
        "ip": [s["sellers.identifiers.ip"]],
        "device": [s["sellers.identifiers.device"]],
        "payment": [s["sellers.identifiers.payment"]],
        "loyalty": [s["sellers.identifiers.*"]],
    }, vat_number=s["sellers.*"])])
    listings = write_jsonl(folder / "sentinel-listings.jsonl", [
        listing("L-1", "S-0001", warehouse_note=s["listings.*"]),
    ])
    orders = write_jsonl(folder / "sentinel-orders.jsonl", [{
        "order_id": "O-1", "listing_id": "L-1", "ts": "2026-11-03T10:00:00Z",
        "user_id": s["orders.user_id"], "amount": 2900, "currency": "EUR",
        "buyer_phone": s["orders.*"],
    }])
    with unit_of_work(settings) as session:
        catalog_service.import_sellers(session, actor=world.admin, path=sellers)
        catalog_service.import_listings(session, actor=world.admin, path=listings)
        catalog_service.import_orders(session, actor=world.admin, path=orders)
        from marketguard.brands.models import Brand

        brand = session.get(Brand, ids["acme"])
        assert brand is not None
        brand.extra = {"internal_contact": s["brands.extra"]}
    acme = auth(token(settings, "rights_holder", brand_id=ids["acme"], name="acme-legal"))
    reviewer = auth(token(settings, "reviewer", name="walk-reviewer"))
    notifier = {"name": s["notices.notifier.name"], "email": s["notices.notifier.email"]}
    filed = client.post(f"{API}/notices", headers=acme,
                        json=notice_body(ids["acme_right"], ["L-3", "L-4"], notifier=notifier))
    assert filed.status_code == 201, filed.text
    ids["notice"] = filed.json()["id"]
    decided = client.post(f"{API}/notices/{ids['notice']}/decision", headers=reviewer,
                          json={"listing_id": "L-3", "outcome": "takedown", "reason": "Fake."})
    assert decided.status_code == 200, decided.text
    ids["statement"] = decided.json()["items"][0]["statement_id"]
    seller_2 = auth(token(settings, "seller", seller_id="S-0002"))
    ids["appeal"] = client.post(f"{API}/appeals", headers=seller_2, json={
        "listing_id": "L-3", "explanation": "Genuine, invoice attached."}).json()["id"]
    ids["webhook"] = client.post(f"{API}/webhooks", json={"url": "https://hooks.example/a"},
                                 headers=acme).json()["id"]
    ids["test_buy"] = client.post(f"{API}/test-buys", headers=acme, json={
        "listing_id": "L-1", "purchased_on": "2026-11-02", "result": "counterfeit",
        "evidence": [{"description": "Fake stitching"}]}).json()["id"]
    request = client.post(f"{API}/data/access-requests", headers=reviewer, json={
        "dataset": "sellers", "fields": ["identifiers.phone"], "purpose": "walk",
        "duration": "PT1H"})
    ids["request"] = request.json()["id"]
    ids["export"] = _seed_export(client, settings)
    responder = auth(token(settings, "responder", name="walk-responder"))
    ids["incident"] = client.post(f"{API}/incidents", headers=responder, json={
        "title": "walk", "scope": {"users": 3}}).json()["id"]
    return ids


def _seed_export(client: TestClient, settings: Settings) -> str:
    """An export holding sentinels, by a person none of the walking callers is."""
    exporter = auth(token(settings, "employee", name="walk-exporter"))
    owner = auth(token(settings, "data_owner", name="walk-export-owner"))
    asked = request_access(client, exporter, fields=["identifiers.phone"])
    assert decide(client, owner, asked.json()["id"]).json()["status"] == "approved"
    exported = client.post(f"{API}/data/exports", headers=exporter, json={
        "dataset": "sellers", "fields": ["seller_id", "identifiers.phone"], "format": "csv",
        "recipient": {"kind": "employee", "id": "walk-exporter"}, "purpose": "walk"})
    assert exported.status_code == 201, exported.text
    export_id = str(exported.json()["id"])
    got = client.get(f"{API}/data/exports/{export_id}/file", headers=exporter)
    assert SENTINELS["sellers.identifiers.phone"] in got.text  # the file does hold one
    return export_id


# Path parameter -> the seeded ids to fill it with (a key of the seeded ids, or literals).
PARAMS: dict[str, list[str]] = {
    "brand_id": ["acme"],
    "listing_id": ["=L-1", "=L-3"],
    "seller_id": ["=S-0001"],
    "notice_id": ["notice"],
    "statement_id": ["statement"],
    "appeal_id": ["appeal"],
    "test_buy_id": ["test_buy"],
    "webhook_id": ["webhook"],
    "request_id": ["request"],
    "export_id": ["export"],
    "incident_id": ["incident"],
    "dataset": ["=sellers", "=listings", "=notices", "=orders", "=seller_identifiers",
                "=brands"],
}
_PARAM = re.compile(r"{([^}]+)}")


def _urls(path: str, ids: dict[str, Any]) -> list[str]:
    names = _PARAM.findall(path)
    unfilled = [n for n in names if n not in PARAMS]
    assert not unfilled, f"GET {path}: add {unfilled} to PARAMS so the walk can call it"
    urls = [path]
    for name in names:
        values = [v[1:] if v.startswith("=") else str(ids[v]) for v in PARAMS[name]]
        urls = [u.replace("{" + name + "}", v) for u in urls for v in values]
    return urls


def _callers(settings: Settings, ids: dict[str, Any]) -> dict[str, dict[str, str]]:
    callers = {}
    for role in Role:
        scope = {k: ids.get(v, v) for k, v in SCOPED.get(role.value, {}).items()}
        callers[role.value] = auth(token(settings, role.value, name=f"walk-{role.value}",
                                         **scope))
    return callers


def _leaks(body: str, allowed: set[str]) -> list[str]:
    return [field for field, value in SENTINELS.items() if value in body and field not in allowed]


def _allowed_by_clearance(settings: Settings, role: str) -> set[str]:
    patterns = clearance_patterns(settings.data_clearances, role)
    out = set()
    for field in SENTINELS:
        named = CLEAR_FIELD.get(field, field)
        dataset, _, path = named.partition(".")
        if cleared(patterns, dataset, (path,)):
            out.add(field)
    return out


def _walk(client: TestClient, ids: dict[str, Any], who: dict[str, str],
          allowed: set[str]) -> tuple[list[str], set[str]]:
    leaks: list[str] = []
    seen: set[str] = set()
    for method, path, _ in api_routes(client.app):  # type: ignore[arg-type]
        if method != "GET" or not path.startswith(API):
            continue
        for url in _urls(path, ids):
            answer = client.get(url, headers=who)
            assert answer.status_code < 500, (url, answer.text)
            seen |= {f for f, v in SENTINELS.items() if v in answer.text}
            leaks += [f"GET {path} ({url}): {field}" for field in _leaks(answer.text, allowed)]
    return leaks, seen


def test_when_every_role_walks_every_route_then_no_uncleared_value_leaks(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = _seed(client, settings, tmp_path)
    callers = _callers(settings, ids)
    leaks: list[str] = []
    for role, who in callers.items():
        found, _ = _walk(client, ids, who, _allowed_by_clearance(settings, role))
        leaks += [f"{role}: {leak}" for leak in found]
    assert leaks == [], "level-3/4 values reached callers without clearance:\n" + "\n".join(
        leaks)


def test_when_a_notice_is_decided_by_an_uncleared_role_then_the_echo_is_masked(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = _seed(client, settings, tmp_path)
    admin = auth(token(settings, "platform_admin", name="walk-admin"))
    answer = client.post(f"{API}/notices/{ids['notice']}/decision", headers=admin,
                         json={"listing_id": "L-4", "outcome": "reject", "reason": "Genuine."})
    assert answer.status_code == 200, answer.text
    assert _leaks(answer.text, _allowed_by_clearance(settings, "platform_admin")) == []
    assert sorted(answer.json()["masked"]) == ["notifier.email", "notifier.name"]


def test_when_a_rights_holder_files_a_notice_then_its_own_contact_is_echoed(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = _seed(client, settings, tmp_path)
    acme = auth(token(settings, "rights_holder", brand_id=ids["acme"], name="acme-2"))
    notifier = {"name": "Second Sentinel", "email": "second.sentinel@acme.example"}
    answer = client.post(f"{API}/notices", headers=acme, json=notice_body(
        ids["acme_right"], ["L-2"], notifier=notifier))
    assert answer.status_code == 201, answer.text
    assert answer.json()["notifier"] == notifier
    assert answer.json()["masked"] == []


def test_when_an_employee_holds_a_grant_for_one_field_then_exactly_that_one_is_shown(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = _seed(client, settings, tmp_path)
    who = auth(token(settings, "employee", name="walk-granted"))
    owner = auth(token(settings, "data_owner", name="walk-owner"))
    asked = request_access(client, who, fields=["identifiers.phone"])
    assert asked.status_code == 201, asked.text
    assert decide(client, owner, asked.json()["id"]).json()["status"] == "approved"
    field = "sellers.identifiers.phone"
    leaks, seen = _walk(client, ids, who, _allowed_by_clearance(settings, "employee") | {field})
    assert leaks == []
    assert seen == {field}


@pytest.fixture
def app_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite://"))
    return [(m, p) for m, p, _ in api_routes(app) if m == "GET" and p.startswith(API)]


def test_when_a_get_route_takes_a_path_parameter_then_the_walk_can_fill_it(
    app_routes: list[tuple[str, str]],
) -> None:
    unfilled = {n for _, p in app_routes for n in _PARAM.findall(p) if n not in PARAMS}
    assert unfilled == set(), f"add these path parameters to PARAMS: {sorted(unfilled)}"


def test_when_a_reviewer_reads_a_notice_under_clearance_then_the_read_is_logged(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = _seed(client, settings, tmp_path)
    reviewer = auth(token(settings, "reviewer", name="walk-reader"))
    answer = client.get(f"{API}/notices/{ids['notice']}", headers=reviewer)
    assert answer.json()["notifier"]["email"] == SENTINELS["notices.notifier.email"]
    auditor = auth(token(settings, "auditor", name="walk-auditor"))
    log = client.get(f"{API}/data/access-log?actor=walk-reader", headers=auditor).json()
    assert [(r["dataset"], r["fields"], r["grant_id"]) for r in log["items"]] == [
        ("notices", ["notifier.email", "notifier.name"], None)
    ]
