"""``GET /privacy``: public, written from the catalog, so a changed retention period,
clearance or vendor changes the notice; it never carries a stored value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyrage
import pytest
from fastapi.testclient import TestClient

from marketguard.app import create_app
from marketguard.auth.roles import Principal, Role
from marketguard.config import Settings
from marketguard.dataguard.exports import vendors
from marketguard.uow import unit_of_work
from tests.dataguard.helpers import ADDRESS, NOTIFIER_EMAIL, PAYMENT, PHONE, seed

JSON_ACCEPT = {"Accept": "application/json"}


def _item(notice: dict[str, Any], name: str) -> dict[str, Any]:
    dataset, _, field = name.partition(".")
    return next(i for g in notice["groups"] for i in g["items"]
                if (i["dataset"], i["field"]) == (dataset, field))


def test_when_anyone_asks_then_html_for_people_and_json_for_programs(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    seed(settings, tmp_path)
    page = client.get("/privacy")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "About: Sellers" in page.text and "sellers.identifiers.phone" in page.text
    assert "erased 365 days after the store was closed" in page.text
    notice = client.get("/privacy", headers=JSON_ACCEPT).json()
    phone = _item(notice, "sellers.identifiers.phone")
    assert (phone["purpose"], phone["retention"]) == ("contact a seller", "P365D")
    assert any("grant a data owner approved" in r for r in phone["recipients"])
    email = _item(notice, "notices.notifier.email")
    assert "by standing clearance: reviewer, rights_holder" in email["recipients"]
    actor = _item(notice, "audit_records.actor")
    assert actor["retention"] is None and "never edited" in actor["kept"]
    for value in (PHONE, PAYMENT, ADDRESS, NOTIFIER_EMAIL):  # fields, never values
        assert value not in page.text and value not in str(notice)
    assert "/privacy" in client.get("/openapi.json").json()["paths"]


def test_when_a_setting_changes_then_the_notice_changes_with_it(
    settings: Settings,
) -> None:
    changed = settings.model_copy(update={
        "data_retention": {"risk_events.ip": "P30D"},
        "data_clearances": {**settings.data_clearances, "analyst": ["sellers.identifiers.ip"]},
    })
    with TestClient(create_app(changed)) as client:
        notice = client.get("/privacy", headers=JSON_ACCEPT).json()
    ip = _item(notice, "risk_events.ip")
    assert (ip["retention"], ip["kept"]) == ("P30D", "erased 30 days after the event happened")
    assert "by standing clearance: analyst" in _item(notice, "sellers.identifiers.ip")[
        "recipients"]


def test_when_vendors_are_registered_then_the_notice_names_them(
    client: TestClient, settings: Settings
) -> None:
    admin = Principal(token_id="t-a", name="ari.admin", role=Role.platform_admin)
    with unit_of_work(settings) as session:
        vendors.add_vendor(session, principal=admin, name="Acme Analytics",
                           age_recipient=str(pyrage.x25519.Identity.generate().to_public()))
    notice = client.get("/privacy", headers=JSON_ACCEPT).json()
    assert notice["vendors"] == ["Acme Analytics"]
    assert any("Acme Analytics" in r and "pseudonyms" in r
               for r in _item(notice, "sellers.identifiers.phone")["recipients"])
    assert "Acme Analytics" in client.get("/privacy").text


@pytest.mark.parametrize("accept", ["text/html", "*/*", "application/json, text/html"])
def test_when_a_browser_asks_then_html(client: TestClient, accept: str) -> None:
    page = client.get("/privacy", headers={"Accept": accept})
    assert page.headers["content-type"].startswith("text/html")
