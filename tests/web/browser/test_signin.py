"""Passkeys in a real browser: enrol from the printed link, sign in, sign out, step up."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import Portal, VirtualAuthenticator

Authenticator = Callable[[Page], VirtualAuthenticator]


def enrol(
    portal: Portal, url: str, authenticator: Authenticator
) -> tuple[Page, VirtualAuthenticator]:
    page = portal.page()
    page.goto(url)
    device = authenticator(page)
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page, device


def test_enrol_from_the_printed_link_then_sign_in_with_the_passkey(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator,
    axe_check: Callable[[Page], None],
) -> None:
    url = invite("rev@example.com", "reviewer")
    assert url.startswith(portal.server.url + "/portal/enrol?invitation=")
    first = portal.page()
    first.goto(url)
    axe_check(first)
    page, device = enrol(portal, url, virtual_authenticator)
    assert len(device.credentials()) == 1
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert "rev@example.com" in page.content()
