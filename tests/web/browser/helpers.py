"""Steps the browser tests share: enrol from a link, sign in, read the database."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from marketguard.auth.models import Passkey
from marketguard.uow import unit_of_work
from tests.web.browser.conftest import LiveServer, Portal, VirtualAuthenticator

Authenticator = Callable[[Page], VirtualAuthenticator]

# A credential the portal never registered: made by the page itself, for the same host.
MAKE_STRANGER_CREDENTIAL = """async () => {
    const credential = await navigator.credentials.create({publicKey: {
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        rp: {name: "someone else", id: location.hostname},
        user: {id: crypto.getRandomValues(new Uint8Array(16)), name: "x@example.com",
               displayName: "x"},
        pubKeyCredParams: [{type: "public-key", alg: -7}],
        authenticatorSelection: {residentKey: "required", userVerification: "required"}}});
    return credential.id;
}"""


def enrol(
    portal: Portal, url: str, authenticator: Authenticator, page: Page | None = None
) -> tuple[Page, VirtualAuthenticator]:
    """Open an enrolment link, create the passkey, and land signed in."""
    page = page or portal.page()
    page.goto(url)
    device = authenticator(page)
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page, device


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()


def sign_in(page: Page) -> None:
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def passkey_count(server: LiveServer) -> int:
    with unit_of_work(server.settings) as session:
        return int(session.scalar(select(func.count()).select_from(Passkey)) or 0)
