"""Who opens what, in a real browser: signed out, the wrong role, a cross-site form."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from marketguard.auth.roles import Role
from marketguard.web.guard import page_allow
from tests.web.browser.conftest import Portal, serve
from tests.web.browser.helpers import Authenticator, enrol, passkey_count


def test_a_signed_out_visit_is_sent_to_sign_in_and_back_after(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator
) -> None:
    page, _ = enrol(portal, invite("back@example.com", "reviewer"), virtual_authenticator)
    page.get_by_role("button", name="Sign out").click()
    page.goto("/portal/passkeys")
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    assert page.url.endswith("/portal/login?next=/portal/passkeys")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("heading", name="Your passkeys")).to_be_visible()


def test_a_role_opening_a_page_it_may_not_see_gets_403(
    portal: Portal, axe_check: Callable[[Page], None]
) -> None:
    guard = page_allow(Role.data_owner)

    @portal.server.app.get("/portal/owners-only")  # type: ignore[untyped-decorator]
    def owners_only(signed_in: object = Depends(guard)) -> dict[str, str]:  # noqa: B008
        return {"ok": "yes"}

    page = portal.signed_in_page("reviewer")
    portal.console.allow(r"status of 403")
    answer = page.goto("/portal/owners-only")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("may not open this page")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe_check(page)


def _attacker_site(target: str, csrf_token: str) -> Starlette:
    """Another origin (same host, another port: the same *site*) posting to the portal."""
    forms = f"""<!doctype html><html lang="en"><head><title>Win a prize</title></head><body>
    <main><h1>Win a prize</h1>
    <form method="post" action="{target}/portal/logout">
      <input type="hidden" name="csrf_token" value="{csrf_token}">
      <button type="submit">Sign me out</button></form>
    <form method="post" action="{target}/portal/logout">
      <button type="submit">Sign me out without a token</button></form>
    </main></body></html>"""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(forms)

    return Starlette(routes=[Route("/", page)])


def test_a_cross_site_form_post_is_refused_and_changes_nothing(
    portal: Portal, invite: Callable[..., str], virtual_authenticator: Authenticator
) -> None:
    page, _ = enrol(portal, invite("victim@example.com", "reviewer"), virtual_authenticator)
    # Even a leaked token does not help another origin: its Origin header gives it away.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    port, thread = serve(_attacker_site(portal.server.url, token))
    portal.console.allow(r"status of 403")
    try:
        for button in ("Sign me out", "Sign me out without a token"):
            page.goto(f"http://localhost:{port}/")
            with page.expect_navigation():
                page.get_by_role("button", name=button, exact=True).click()
            expect(page.get_by_role("alert")).to_contain_text("cross-site request refused")
            page.goto(f"{portal.server.url}/portal/passkeys")  # still signed in
            expect(page.get_by_role("heading", name="Your passkeys")).to_be_visible()
    finally:
        thread.stop()
    assert passkey_count(portal.server) == 1
