"""The responder's portal pages: incidents ranked by damage, updated from the page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from marketguard.auth.roles import cli_principal
from marketguard.config import Settings
from marketguard.incidents import service
from marketguard.incidents.scope import Scope
from marketguard.uow import unit_of_work
from tests.factories import portal_cookie


def _open(settings: Settings, title: str, users: int) -> str:
    with unit_of_work(settings) as session:
        return service.open_incident(session, settings, actor=cli_principal(), title=title,
                                     scope=Scope(users=users)).id


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_list_shows_open_incidents_highest_damage_first(
    client: TestClient, settings: Settings
) -> None:
    for title, users in (("small", 3), ("huge", 90_000), ("middling", 400)):
        _open(settings, title, users)
    client.cookies.update(portal_cookie(settings, "responder"))
    page = client.get("/portal/incidents")
    assert page.status_code == 200
    assert page.text.index("huge") < page.text.index("middling") < page.text.index("small")
    assert client.get("/portal", follow_redirects=False).headers["location"] == (
        "/portal/incidents")


def test_a_responder_moves_an_incident_forward_from_its_page(
    client: TestClient, settings: Settings
) -> None:
    incident_id = _open(settings, "ATO burst", 500)
    client.cookies.update(portal_cookie(settings, "responder", email="rita@example.com"))
    url = f"/portal/incidents/{incident_id}"
    token = _csrf(client.get(url).text)
    done = client.post(url, data={"csrf_token": token, "status": "mitigated",
                                  "commander": "rita", "note": "blocked"},
                       follow_redirects=False)
    assert done.status_code == 303
    page = client.get(url).text
    assert "status open → mitigated" in page and "blocked" in page
    assert "responder:rita@example.com" in page
    back = client.post(url, data={"csrf_token": token, "status": "open"})
    assert back.status_code == 422 and "only moves forward" in back.text
    forged = client.post(url, data={"status": "resolved"})
    assert forged.status_code == 403
    with unit_of_work(settings) as session:
        assert service.get(session, incident_id).status == "mitigated"


def test_other_roles_do_not_see_incidents(client: TestClient, settings: Settings) -> None:
    _open(settings, "x", 1)
    client.cookies.update(portal_cookie(settings, "reviewer"))
    assert client.get("/portal/incidents").status_code == 403
