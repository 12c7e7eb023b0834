"""Invitations, ceremony endpoints, sign-out and the Passkeys page, without a browser.

The passkey ceremonies themselves run in Chromium (tests/web/browser); here is
everything around them that a request alone can show: a bad link or a bad scope
is refused and creates nothing, cross-site calls are refused, failures are
counted and then limited, sign-out ends the session.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketguard.audit.models import AuditRecord
from marketguard.auth import invitations, passkeys, portal_sessions
from marketguard.auth.models import Invitation, Passkey, Person, SignInFailure, WebAuthnChallenge
from marketguard.auth.roles import cli_principal
from marketguard.config import Settings
from marketguard.errors import Conflict, InvalidInput
from marketguard.ids import new_id
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from marketguard.web.ceremony import CHALLENGE_COOKIE, safe_next
from marketguard.web.guard import SESSION_COOKIE
from tests.factories import portal_cookie, seed_marketplace

SAME_ORIGIN = {"Origin": "http://testserver"}


def count(settings: Settings, model: type) -> int:
    with unit_of_work(settings) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def invite(settings: Settings, email: str = "new@example.com", role: str = "reviewer",
           **scope: str | None) -> invitations.Issued:
    with unit_of_work(settings) as session:
        return invitations.invite(session, actor=cli_principal(), settings=settings,
                                  email=email, role=role, **scope)


def secret_of(issued: invitations.Issued) -> str:
    return issued.url.rsplit("invitation=", 1)[1]


def test_an_invitation_link_starts_with_the_portal_url_and_opens_the_enrolment_page(
    client: TestClient, settings: Settings
) -> None:
    issued = invite(settings)
    assert issued.url.startswith(settings.portal_url + "/portal/enrol?invitation=")
    page = client.get(issued.url.replace(settings.portal_url, ""))
    assert page.status_code == 200
    assert "Create passkey" in page.text and "new@example.com" in page.text
    with unit_of_work(settings) as session:  # only the hash of the secret is kept
        stored = session.scalars(select(Invitation)).one()
        assert secret_of(issued) not in (stored.secret_hash, stored.id)
        assert stored.expires_at - stored.created_at == timedelta(hours=24)


@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        ("wizard", {}, "unknown role 'wizard'"),
        ("rights_holder", {}, "must be scoped to a brand"),
        ("reviewer", {"seller_id": "S-0001"}, "--seller only applies to seller"),
        ("seller", {"seller_id": "S-9999"}, "unknown seller"),
        ("reviewer", {"dataset": "sellers"}, "only applies to data_owner"),
    ],
)
def test_when_the_role_or_scope_is_wrong_then_refused_and_nothing_created(
    settings: Settings, tmp_path: Path, role: str, scope: dict[str, str], message: str
) -> None:
    seed_marketplace(settings, tmp_path)
    audited = count(settings, AuditRecord)
    with pytest.raises(InvalidInput, match=message):
        invite(settings, role=role, **scope)
    assert count(settings, Invitation) == 0
    assert count(settings, AuditRecord) == audited


def test_when_the_person_already_has_an_account_then_no_invitation(settings: Settings) -> None:
    portal_cookie(settings, "reviewer", email="taken@example.com")
    with pytest.raises(Conflict, match="already has a portal account"):
        invite(settings, email="Taken@Example.com")
    assert count(settings, Invitation) == 0


def _age(settings: Settings, *, expired: bool = False, used: bool = False) -> None:
    with unit_of_work(settings) as session:
        row = session.scalars(select(Invitation)).one()
        if expired:
            row.expires_at = utcnow() - timedelta(seconds=1)
        if used:
            row.used_at = utcnow()


@pytest.mark.parametrize(
    ("expired", "used", "message"),
    [(True, False, "has expired"), (False, True, "already used"), (True, True, "already used")],
)
def test_when_the_link_is_expired_or_used_then_refused_and_nothing_created(
    client: TestClient, settings: Settings, expired: bool, used: bool, message: str
) -> None:
    issued = invite(settings)
    _age(settings, expired=expired, used=used)
    page = client.get(f"/portal/enrol?invitation={secret_of(issued)}")
    assert page.status_code == 422
    assert message in page.text and "Create passkey" not in page.text
    options = client.post("/portal/enrol/options", json={"invitation": secret_of(issued)},
                          headers=SAME_ORIGIN)
    assert options.status_code == 422 and message in options.json()["detail"]
    assert count(settings, WebAuthnChallenge) == 0
    assert count(settings, Person) == 0


def test_an_unknown_link_is_refused(client: TestClient, settings: Settings) -> None:
    page = client.get("/portal/enrol?invitation=made-up")
    assert page.status_code == 422 and "not valid" in page.text
    assert client.get("/portal/enrol").status_code == 422


def test_enrolment_options_ask_for_a_resident_key_and_user_verification(
    client: TestClient, settings: Settings
) -> None:
    issued = invite(settings)
    answer = client.post("/portal/enrol/options", json={"invitation": secret_of(issued)},
                         headers=SAME_ORIGIN)
    assert answer.status_code == 200
    options = answer.json()
    assert options["rp"]["id"] == "testserver"
    assert options["user"]["name"] == "new@example.com"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    cookie = answer.headers["set-cookie"]
    assert CHALLENGE_COOKIE in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain HTTP here; HTTPS adds Secure


def test_a_garbage_enrolment_answer_creates_nobody_and_spends_the_challenge(
    client: TestClient, settings: Settings
) -> None:
    issued = invite(settings)
    client.post("/portal/enrol/options", json={"invitation": secret_of(issued)},
                headers=SAME_ORIGIN)
    bad = {"credential": {"id": "x", "rawId": "x", "type": "public-key", "response": {}}}
    first = client.post("/portal/enrol/verify", json=bad, headers=SAME_ORIGIN)
    assert first.status_code == 400 and "could not be verified" in first.json()["detail"]
    again = client.post("/portal/enrol/verify", json=bad, headers=SAME_ORIGIN)
    assert again.status_code == 400 and "already used" in again.json()["detail"]
    assert count(settings, Person) == 0 and count(settings, Passkey) == 0
    with unit_of_work(settings) as session:
        assert session.scalars(select(Invitation)).one().used_at is None  # still usable


@pytest.mark.parametrize("origin", [{"Origin": "http://testserver:9999"}, {}])
def test_when_a_ceremony_call_comes_from_another_site_then_refused(
    client: TestClient, settings: Settings, origin: dict[str, str]
) -> None:
    issued = invite(settings)
    answer = client.post("/portal/enrol/options", json={"invitation": secret_of(issued)},
                         headers=origin)
    assert answer.status_code == 403
    assert client.post("/portal/login/options", headers=origin).status_code == 403
    assert count(settings, WebAuthnChallenge) == 0


def test_sign_in_options_name_no_user_and_require_verification(client: TestClient) -> None:
    answer = client.post("/portal/login/options", headers=SAME_ORIGIN)
    assert answer.status_code == 200
    options = answer.json()
    assert options["userVerification"] == "required"
    assert not options.get("allowCredentials")


def test_failed_sign_ins_are_recorded_audited_and_then_limited(
    client: TestClient, settings: Settings
) -> None:
    settings = settings.model_copy(update={"portal_sign_in_failures": 2})
    client.app.state.settings = settings  # type: ignore[attr-defined]
    bad = {"credential": {"id": "nope", "rawId": "nope", "type": "public-key", "response": {}}}
    for _ in range(2):
        client.post("/portal/login/options", headers=SAME_ORIGIN)
        answer = client.post("/portal/login/verify", json=bad, headers=SAME_ORIGIN)
        assert answer.status_code == 400 and "not registered" in answer.json()["detail"]
    assert count(settings, SignInFailure) == 2
    with unit_of_work(settings) as session:
        actions = session.scalars(select(AuditRecord.action)).all()
    assert actions.count("portal.sign_in_failed") == 2
    limited = client.post("/portal/login/options", headers=SAME_ORIGIN)
    assert limited.status_code == 429
    assert "too many failed sign-ins" in limited.json()["detail"]
    assert client.post("/portal/login/verify", json=bad, headers=SAME_ORIGIN).status_code == 429
    assert count(settings, SignInFailure) == 2  # a refused attempt is not counted again


def test_failures_older_than_the_window_no_longer_count(settings: Settings) -> None:
    settings = settings.model_copy(update={"portal_sign_in_failures": 1})
    with unit_of_work(settings) as session:
        passkeys.record_failure(session, "10.0.0.1", "test",
                                now=utcnow() - passkeys.FAILURE_WINDOW - timedelta(seconds=1))
        passkeys.check_not_limited(session, settings, "10.0.0.1")
        passkeys.record_failure(session, "10.0.0.2", "test")
        with pytest.raises(passkeys.TooManyFailures):
            passkeys.check_not_limited(session, settings, "10.0.0.2")


def test_sign_out_without_the_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, settings: Settings
) -> None:
    client.cookies.update(portal_cookie(settings, "reviewer"))
    refused = client.post("/portal/logout", headers=SAME_ORIGIN, data={})
    assert refused.status_code == 403
    assert client.get("/portal/passkeys").status_code == 200  # still signed in


def test_sign_out_ends_the_server_session_and_clears_the_cookie(
    client: TestClient, settings: Settings
) -> None:
    cookie = portal_cookie(settings, "reviewer")
    client.cookies.update(cookie)
    with unit_of_work(settings) as session:
        found = portal_sessions.find(session, settings, cookie[SESSION_COOKIE])
        assert found is not None
    answer = client.post("/portal/logout", data={"csrf_token": found.csrf_token},
                         headers=SAME_ORIGIN, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/login"
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"]
    client.cookies.update(cookie)  # the old cookie, replayed
    assert client.get("/portal/passkeys", follow_redirects=False).status_code == 303


def _add_key(settings: Settings, person_email: str, name: str) -> str:
    with unit_of_work(settings) as session:
        person = session.scalars(select(Person).where(Person.email == person_email)).one()
        key = Passkey(id=new_id("pky"), person_id=person.id, credential_id=new_id("cred"),
                      public_key=b"k", sign_count=0, transports=[], name=name,
                      created_at=utcnow())
        session.add(key)
        return key.id


def test_the_last_passkey_cannot_be_removed(client: TestClient, settings: Settings) -> None:
    cookie = portal_cookie(settings, "reviewer", email="one@example.com")
    client.cookies.update(cookie)
    only = _add_key(settings, "one@example.com", "Laptop")
    with unit_of_work(settings) as session:
        found = portal_sessions.find(session, settings, cookie[SESSION_COOKIE])
        assert found is not None
    page = client.get("/portal/passkeys")
    assert "Laptop" in page.text and "Your only passkey" in page.text
    answer = client.post(f"/portal/passkeys/{only}/remove", data={"csrf_token": found.csrf_token},
                         headers=SAME_ORIGIN)
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text and "only passkey" in answer.text
    assert count(settings, Passkey) == 1


def test_another_persons_passkey_cannot_be_removed(client: TestClient, settings: Settings) -> None:
    portal_cookie(settings, "reviewer", email="other@example.com")
    theirs = _add_key(settings, "other@example.com", "Theirs")
    _add_key(settings, "other@example.com", "Theirs too")
    cookie = portal_cookie(settings, "reviewer", email="me@example.com")
    client.cookies.update(cookie)
    with unit_of_work(settings) as session:
        found = portal_sessions.find(session, settings, cookie[SESSION_COOKIE])
        assert found is not None
    answer = client.post(f"/portal/passkeys/{theirs}/remove",
                         data={"csrf_token": found.csrf_token}, headers=SAME_ORIGIN)
    assert answer.status_code == 404 and "Theirs" not in answer.text
    assert count(settings, Passkey) == 2


def test_removing_a_passkey_without_the_csrf_token_is_refused(
    client: TestClient, settings: Settings
) -> None:
    client.cookies.update(portal_cookie(settings, "reviewer", email="two@example.com"))
    first = _add_key(settings, "two@example.com", "A")
    _add_key(settings, "two@example.com", "B")
    answer = client.post(f"/portal/passkeys/{first}/remove", data={}, headers=SAME_ORIGIN)
    assert answer.status_code == 403
    assert count(settings, Passkey) == 2


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("/portal/notices/new", "/portal/notices/new"),
        ("/portal?x=1", "/portal?x=1"),
        ("https://evil.example/portal", "/home"),
        ("//evil.example/portal", "/home"),
        ("/portal\\..\\x", "/home"),
        ("/api/v1/notices", "/home"),
        (None, "/home"),
    ],
)
def test_only_local_pages_are_returned_to(asked: str | None, expected: str) -> None:
    assert safe_next(asked, "/home") == expected
