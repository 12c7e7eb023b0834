"""Passkeys in a real browser: enrol from the printed link, sign in, sign out, refusals."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from marketguard.audit.models import AuditRecord
from marketguard.auth.models import Passkey
from marketguard.uow import unit_of_work
from marketguard.web.guard import SESSION_COOKIE
from tests.web.browser.conftest import Portal, run_cli
from tests.web.browser.helpers import (
    MAKE_STRANGER_CREDENTIAL,
    Authenticator,
    enrol,
    sign_in,
    sign_out,
)


def test_enrol_from_the_printed_link_then_sign_in_with_the_passkey(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator,
    axe_check: Callable[[Page], None],
) -> None:
    url = invite("rev@example.com", "reviewer")
    assert url.startswith(portal.server.url + "/portal/enrol?invitation=")
    page = portal.page()
    page.goto(url)
    expect(page.get_by_role("heading", name="Create your passkey")).to_be_visible()
    axe_check(page)
    page, device = enrol(portal, url, virtual_authenticator, page)
    assert [c["isResidentCredential"] for c in device.credentials()] == [True]
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    sign_out(page)
    axe_check(page)
    sign_in(page)
    expect(page.get_by_text("rev@example.com")).to_be_visible()
    axe_check(page)


def test_the_link_works_once(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator
) -> None:
    url = invite("once@example.com", "reviewer")
    enrol(portal, url, virtual_authenticator)
    again = portal.page()
    portal.console.allow(r"status of 422")
    again.goto(url)
    expect(again.get_by_role("alert")).to_contain_text("already used")
    expect(again.get_by_role("button", name="Create passkey")).to_have_count(0)


def test_after_sign_out_the_old_cookie_opens_nothing(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator
) -> None:
    page, _ = enrol(portal, invite("out@example.com", "reviewer"), virtual_authenticator)
    old = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    sign_out(page)
    assert SESSION_COOKIE not in {c["name"] for c in page.context.cookies()}
    replay = portal.context()
    replay.add_cookies([old])  # type: ignore[list-item]
    other = portal.page(replay)
    other.goto("/portal/passkeys")
    expect(other.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    assert "/portal/login?next=/portal/passkeys" in other.url


def test_a_disabled_person_cannot_sign_in(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator
) -> None:
    page, _ = enrol(portal, invite("gone@example.com", "reviewer"), virtual_authenticator)
    sign_out(page)
    done = run_cli(portal.server, "user", "disable", "gone@example.com", "--reason", "left")
    assert done.returncode == 0, done.stderr
    portal.console.allow(r"status of 400")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("disabled")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_a_passkey_whose_counter_goes_backwards_is_refused_and_audited(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator
) -> None:
    page, _ = enrol(portal, invite("clone@example.com", "reviewer"), virtual_authenticator)
    sign_out(page)
    with unit_of_work(portal.server.settings) as session:  # the server saw a later use
        session.execute(update(Passkey).values(sign_count=1000))
    portal.console.allow(r"status of 400")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("counter went backwards")
    with unit_of_work(portal.server.settings) as session:
        actions = list(session.scalars(select(AuditRecord.action)))
    assert "passkey.clone_suspected" in actions and "portal.sign_in_failed" in actions


def test_after_too_many_failures_sign_in_is_refused_with_a_clear_message(
    portal: Portal, virtual_authenticator: Authenticator
) -> None:
    portal.server.use_settings(portal_sign_in_failures=2)
    page = portal.page()
    page.goto("/portal/login")
    device = virtual_authenticator(page)
    page.evaluate(MAKE_STRANGER_CREDENTIAL)  # a passkey this portal never registered
    assert len(device.credentials()) == 1
    portal.console.allow(r"status of (400|429)")
    button = page.get_by_role("button", name="Sign in with a passkey")
    alert = page.locator(".ceremony-problem")
    for _ in range(2):
        button.click()
        expect(alert).to_contain_text("not registered")
        expect(button).to_be_enabled()
    button.click()
    expect(alert).to_contain_text("too many failed sign-ins")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
