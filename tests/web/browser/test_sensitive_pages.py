"""A staff member closes a store in Chromium after asking for the passkey again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import update

from marketguard.auth.models import PortalSession
from marketguard.catalog.models import Seller
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from tests.factories import seed_marketplace
from tests.web.browser.conftest import Portal
from tests.web.browser.helpers import Authenticator, enrol

Axe = Callable[[Page], None]


def test_a_reviewer_closes_a_store_after_the_passkey_step_up(
    portal: Portal, axe_check: Axe, invite: Callable[..., str],
    virtual_authenticator: Authenticator, tmp_path: Path,
) -> None:
    settings = portal.server.settings
    seed_marketplace(settings, tmp_path)
    page, _device = enrol(portal, invite("rita@example.com", "reviewer"), virtual_authenticator)
    page.goto("/portal/sellers/S-0001")
    expect(page.get_by_role("heading", name="Seller S-0001", level=1)).to_be_visible()
    axe_check(page)
    with unit_of_work(settings) as session:  # the passkey was last used long ago
        session.execute(update(PortalSession).values(
            verified_at=utcnow() - settings.portal_step_up_after - timedelta(minutes=1)))

    page.get_by_label("Reason").fill("Test buys proved three counterfeits.")
    page.get_by_role("button", name="Close store").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    assert "/portal/step-up?next=/portal/sellers/S-0001" in page.url
    with unit_of_work(settings) as session:
        seller = session.get(Seller, "S-0001")
        assert seller is not None and seller.status == "active"  # nothing before the step-up
    page.get_by_role("button", name="Confirm with passkey").click()
    expect(page.get_by_role("heading", name="Seller S-0001", level=1)).to_be_visible()

    page.get_by_label("Reason").fill("Test buys proved three counterfeits.")
    page.get_by_role("button", name="Close store").click()
    expect(page.get_by_text("This store is closed")).to_be_visible()
    axe_check(page)
    with unit_of_work(settings) as session:
        seller = session.get(Seller, "S-0001")
        assert seller is not None and seller.status == "closed"
