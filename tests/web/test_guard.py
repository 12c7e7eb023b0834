"""Who opens a portal page: signed out goes to sign-in, the wrong role gets a 403 page."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from marketguard.auth import portal_sessions
from marketguard.config import Settings
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from marketguard.web.guard import SESSION_COOKIE
from tests.factories import portal_cookie


def test_signed_out_visit_redirects_to_sign_in_keeping_the_page(client: TestClient) -> None:
    answer = client.get("/portal?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/login?next=/portal%3Fx%3D1"


def test_an_unknown_cookie_is_signed_out(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "forged")
    answer = client.get("/portal", follow_redirects=False)
    assert answer.status_code == 303


def test_a_session_past_its_idle_timeout_is_ended(client: TestClient, settings: Settings) -> None:
    cookie = portal_cookie(settings, "reviewer")
    later = utcnow() + settings.portal_idle_timeout + timedelta(seconds=1)
    with unit_of_work(settings) as session:
        assert portal_sessions.find(session, settings, cookie[SESSION_COOKIE]) is not None
        assert portal_sessions.find(session, settings, cookie[SESSION_COOKIE], later) is None
    with unit_of_work(settings) as session:  # ended for good, even at the old time
        assert portal_sessions.find(session, settings, cookie[SESSION_COOKIE]) is None


def test_a_session_ends_at_its_absolute_timeout_however_active(settings: Settings) -> None:
    start = utcnow()
    cookie = portal_cookie(settings, "reviewer")
    step = settings.portal_idle_timeout / 2
    end = start + settings.portal_absolute_timeout
    moment = start
    with unit_of_work(settings) as session:
        while moment + step < end:  # active every half idle timeout: never idle
            moment += step
            assert portal_sessions.find(session, settings, cookie[SESSION_COOKIE], moment)
        after = end + timedelta(minutes=1)
        assert after - moment < settings.portal_idle_timeout
        assert portal_sessions.find(session, settings, cookie[SESSION_COOKIE], after) is None


def test_a_forbidden_page_is_an_html_page_not_a_problem(
    client: TestClient, settings: Settings
) -> None:
    from fastapi import Depends

    from marketguard.auth.roles import Role
    from marketguard.web.guard import page_allow

    app = client.app
    guard = page_allow(Role.data_owner)

    @app.get("/portal/only-owners")  # type: ignore[attr-defined, untyped-decorator]
    def _only(signed_in: object = Depends(guard)) -> dict[str, str]:
        return {"ok": "yes"}

    client.cookies.update(portal_cookie(settings, "reviewer"))
    answer = client.get("/portal/only-owners")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "may not open this page" in answer.text
    assert "Sign out" in answer.text  # still signed in: the page keeps the navigation
