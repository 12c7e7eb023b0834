"""Step-up and passkey management in a real browser: add a second device, remove one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from marketguard.auth.models import PortalSession
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from tests.web.browser.conftest import LiveServer, Portal
from tests.web.browser.helpers import Authenticator, enrol, passkey_count, sign_in, sign_out


def _assertion_ages(server: LiveServer, minutes: int) -> None:
    """Make the last passkey assertion of every session ``minutes`` old."""
    with unit_of_work(server.settings) as session:
        session.execute(update(PortalSession).values(
            verified_at=utcnow() - timedelta(minutes=minutes)))


def test_removing_a_passkey_asks_for_the_passkey_again_after_five_minutes(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator,
) -> None:
    page, laptop = enrol(portal, invite("two@example.com", "reviewer"), virtual_authenticator)
    page.goto("/portal/passkeys")
    expect(page.get_by_text("Your only passkey")).to_be_visible()
    laptop.remove()  # the second device: another authenticator
    phone = virtual_authenticator(page)
    page.get_by_label("Name for the new passkey").fill("Phone")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("row", name="Phone")).to_be_visible()
    assert passkey_count(portal.server) == 2 and len(phone.credentials()) == 1

    _assertion_ages(portal.server, 6)
    page.get_by_role("button", name="Remove Passkey on this device").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    assert "/portal/step-up?next=/portal/passkeys" in page.url
    assert passkey_count(portal.server) == 2  # nothing removed before the step-up
    page.get_by_role("button", name="Confirm with passkey").click()
    expect(page.get_by_role("heading", name="Your passkeys")).to_be_visible()
    page.get_by_role("button", name="Remove Passkey on this device").click()
    expect(page.get_by_text("Your only passkey")).to_be_visible()
    assert passkey_count(portal.server) == 1

    sign_out(page)
    sign_in(page)  # the phone's passkey still signs in


def test_within_five_minutes_no_step_up_is_asked(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator,
) -> None:
    page, laptop = enrol(portal, invite("fresh@example.com", "reviewer"), virtual_authenticator)
    _assertion_ages(portal.server, 4)
    page.goto("/portal/passkeys")
    laptop.remove()
    virtual_authenticator(page)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("button", name="Remove Passkey on this device")).to_have_count(2)
    assert "step-up" not in page.url
