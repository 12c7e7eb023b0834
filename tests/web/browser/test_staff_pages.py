"""Seller, reviewer, data-owner and transparency pages in Chromium: the work, axe, no errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import update

from marketguard.auth.models import PortalSession
from marketguard.auth.roles import Principal, Role
from marketguard.dataguard import service as dataguard
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from tests.factories import seed_marketplace
from tests.web.browser.conftest import Portal, VirtualAuthenticator
from tests.web.staff_world import held_world, restrict

Axe = Callable[[Page], None]
EXPLANATION = "The backpacks come from the brand's own distributor; invoice 2026-117."


def test_a_seller_appeals_a_restricted_listing_and_a_reviewer_sees_the_appeal(
    portal: Portal, axe_check: Axe, tmp_path: Path
) -> None:
    settings = portal.server.settings
    seed_marketplace(settings, tmp_path)
    restrict(settings, "L-1")
    page = portal.signed_in_page("seller", seller_id="S-0001")
    page.goto("/portal")
    expect(page.get_by_role("heading", name="My listings", level=1)).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="L-1").click()
    expect(page.get_by_role("heading", name="Statement of reasons")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Appeal").click()
    page.get_by_label("Explanation").fill(EXPLANATION)
    axe_check(page)
    page.get_by_role("button", name="Submit appeal").click()
    expect(page).to_have_url(re.compile(r"/portal/listings/L-1$"))
    expect(page.get_by_text("Your appeal is open")).to_be_visible()
    expect(page.get_by_role("button", name="Appeal")).to_have_count(0)
    axe_check(page)

    reviewer = portal.signed_in_page("reviewer")
    reviewer.goto("/portal/review/appeals")
    axe_check(reviewer)
    reviewer.get_by_role("link", name=re.compile("^apl_")).click()
    expect(reviewer.get_by_text(EXPLANATION)).to_be_visible()
    axe_check(reviewer)
    reviewer.get_by_label("Reason").fill("The invoice matches the distributor's records.")
    reviewer.get_by_role("button", name="Reinstate").click()
    expect(reviewer.get_by_text("granted")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Live: buyers see it")).to_be_visible()


def test_a_data_owner_approves_a_level_4_request_after_the_passkey_step_up(
    portal: Portal, axe_check: Axe, invite: Callable[..., str],
    virtual_authenticator: Callable[[Page], VirtualAuthenticator], tmp_path: Path,
) -> None:
    settings = portal.server.settings
    seed_marketplace(settings, tmp_path)
    alice = Principal(token_id="t-alice", name="alice@example.com", role=Role.employee)
    with unit_of_work(settings) as session:
        dataguard.create_request(session, principal=alice, dataset="sellers",
                                 fields=["identifiers.payment"], purpose="trace a refund fraud",
                                 duration="PT4H", settings=settings)
    page = portal.page()
    page.goto(invite("olga@example.com", "data_owner"))
    virtual_authenticator(page)
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    with unit_of_work(settings) as session:  # the passkey was last used long ago
        session.execute(update(PortalSession).values(
            verified_at=utcnow() - settings.portal_step_up_after - timedelta(minutes=1)))

    page.goto("/portal/access-requests")
    axe_check(page)
    row = page.get_by_role("row").filter(has_text="identifiers.payment")
    expect(row).to_contain_text("trace a refund fraud")
    row.get_by_label("Reason").fill("fraud case 42")
    row.get_by_role("button", name="Approve").click()
    expect(page).to_have_url(re.compile(r"/portal/step-up\?next="))
    axe_check(page)
    page.get_by_role("button", name="Confirm with passkey").click()
    expect(page).to_have_url(re.compile(r"/portal/access-requests$"))
    row = page.get_by_role("row").filter(has_text="identifiers.payment")
    expect(row).to_contain_text("0 of 2")  # the refused click approved nothing
    row.get_by_label("Reason").fill("fraud case 42")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("row").filter(has_text="identifiers.payment")).to_contain_text(
        "1 of 2")

    second = portal.signed_in_page("data_owner", email="oscar@example.com")
    second.goto("/portal/access-requests")
    row = second.get_by_role("row").filter(has_text="identifiers.payment")
    row.get_by_label("Reason").fill("agreed: fraud case 42")
    row.get_by_role("button", name="Approve").click()
    expect(second.get_by_text("No requests are waiting.")).to_be_visible()
    expect(second.get_by_role("button", name="Revoke")).to_be_visible()
    axe_check(second)


def test_a_reviewer_sees_the_evidence_with_both_photos_and_decides(
    portal: Portal, axe_check: Axe, tmp_path: Path
) -> None:
    held_world(portal.server.settings, tmp_path)
    page = portal.signed_in_page("reviewer")
    page.goto("/portal/review/listings")
    axe_check(page)
    page.get_by_role("link", name="L-3").click()
    photos = page.locator("figure img")
    expect(photos).to_have_count(2)
    for index in range(2):
        loaded = photos.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
        assert loaded, f"photo {index} did not load"
    expect(page.locator("mark").first).to_be_visible()
    axe_check(page)
    page.get_by_label("Reason").fill("the logo is misprinted")
    page.get_by_role("button", name="Confirm and block").click()
    expect(page.get_by_text("case confirmed")).to_be_visible()


def test_the_transparency_report_passes_axe_signed_out(
    portal: Portal, axe_check: Axe, tmp_path: Path
) -> None:
    seed_marketplace(portal.server.settings, tmp_path)
    restrict(portal.server.settings, "L-1")
    page = portal.page()
    page.goto("/transparency")
    expect(page.get_by_role("img", name="Takedowns by origin")).to_be_visible()
    axe_check(page)
