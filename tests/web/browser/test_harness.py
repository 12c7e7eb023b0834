"""The browser harness itself: a live server, Chromium, axe-core, the console watch."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from tests.web.browser.conftest import Portal, VirtualAuthenticator


def test_a_public_page_opens_in_chromium_and_passes_axe(
    portal: Portal, axe_check: Callable[[Page], None]
) -> None:
    page = portal.page()
    answer = page.goto("/privacy")
    assert answer is not None and answer.status == 200
    axe_check(page)


def test_a_signed_in_context_carries_a_live_session(portal: Portal) -> None:
    page = portal.signed_in_page("reviewer")
    portal.console.allow(r"status of 404")  # the start page may not exist yet
    page.goto("/portal")
    assert "/portal/login" not in page.url


def test_the_virtual_authenticator_makes_a_resident_credential(
    portal: Portal, virtual_authenticator: Callable[[Page], VirtualAuthenticator]
) -> None:
    page = portal.page()
    page.goto("/privacy")
    authenticator = virtual_authenticator(page)
    made = page.evaluate("""async () => {
        const credential = await navigator.credentials.create({publicKey: {
            challenge: new Uint8Array(32), rp: {name: "test", id: "localhost"},
            user: {id: new Uint8Array(8), name: "a@example.com", displayName: "a"},
            pubKeyCredParams: [{type: "public-key", alg: -7}],
            authenticatorSelection: {residentKey: "required", userVerification: "required"}}});
        return credential.type;
    }""")
    assert made == "public-key"
    assert [c["isResidentCredential"] for c in authenticator.credentials()] == [True]


def test_a_console_error_is_collected(portal: Portal) -> None:
    page = portal.page()
    page.goto("/privacy")
    page.evaluate("() => console.error('boom')")
    assert any("boom" in message for message in portal.console.seen)
    portal.console.allow("boom")
