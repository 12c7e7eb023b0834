"""Staff sensitive actions: closing a store and verifying a brand's rights, with step-up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from marketguard.auth.models import PortalSession
from marketguard.brands.models import Right
from marketguard.catalog.models import Listing, Seller
from marketguard.config import Settings
from marketguard.enforcement.models import Statement
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from tests.factories import portal_cookie, seed_marketplace
from tests.web.staff_world import count, csrf_of, form

SELLER_PAGE = "/portal/sellers/S-0001"


def age_sessions(settings: Settings, by: timedelta) -> None:
    """Make every portal session's last passkey assertion older (as if time passed)."""
    with unit_of_work(settings) as session:
        session.execute(update(PortalSession).values(verified_at=utcnow() - by))


def seller_status(settings: Settings, seller_id: str) -> str:
    with unit_of_work(settings) as session:
        found = session.get(Seller, seller_id)
        assert found is not None
        return found.status


def verification_of(settings: Settings, right_id: str) -> str:
    with unit_of_work(settings) as session:
        found = session.get(Right, right_id)
        assert found is not None
        return found.verification


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return seed_marketplace(settings, tmp_path)


@pytest.fixture
def reviewer(client: TestClient, settings: Settings, world: dict[str, str]) -> TestClient:
    client.cookies.update(portal_cookie(settings, "reviewer", email="rita@example.com"))
    return client


@pytest.fixture
def admin(client: TestClient, settings: Settings, world: dict[str, str]) -> TestClient:
    client.cookies.update(portal_cookie(settings, "platform_admin", email="ada@example.com"))
    return client


def close(client: TestClient, reason: str) -> object:
    token = csrf_of(client.get(SELLER_PAGE).text)
    return client.post(f"{SELLER_PAGE}/closure", data=form(token, reason=reason),
                       follow_redirects=False)


# -- closing a store ---------------------------------------------------------------------


def test_the_seller_page_shows_standing_strikes_listings_and_the_close_form(
    reviewer: TestClient,
) -> None:
    page = reviewer.get(SELLER_PAGE)
    assert page.status_code == 200
    assert '<h1>Seller S-0001</h1>' in page.text
    assert 'id="standing">active<' in page.text
    assert "<dd>2</dd>" in page.text  # two listings
    assert "No active strikes." in page.text
    assert 'for="close-reason">Reason</label>' in page.text and ">Close store</button>" in page.text


def test_closing_a_store_with_a_fresh_passkey_takes_its_listings_down(
    reviewer: TestClient, settings: Settings
) -> None:
    answer = close(reviewer, "Test buys proved three counterfeits.")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == SELLER_PAGE  # type: ignore[attr-defined]
    assert seller_status(settings, "S-0001") == "closed"
    assert count(settings, Listing, Listing.seller_id == "S-0001",
                 Listing.status.in_(["live", "held"])) == 0
    assert count(settings, Listing, Listing.seller_id == "S-0002", Listing.status == "live") == 2
    page = reviewer.get(SELLER_PAGE)
    assert 'id="standing">closed<' in page.text and "This store is closed" in page.text


def test_closing_after_the_step_up_window_asks_for_the_passkey_and_changes_nothing(
    reviewer: TestClient, settings: Settings
) -> None:
    token = csrf_of(reviewer.get(SELLER_PAGE).text)
    age_sessions(settings, settings.portal_step_up_after + timedelta(seconds=5))
    answer = reviewer.post(f"{SELLER_PAGE}/closure", data=form(token, reason="fakes"),
                           follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/step-up?next=/portal/sellers/S-0001"
    assert seller_status(settings, "S-0001") == "active"
    assert count(settings, Statement) == 0
    # A fresh assertion (as the step-up page records) lets the closure through.
    age_sessions(settings, timedelta(seconds=0))
    again = reviewer.post(f"{SELLER_PAGE}/closure", data=form(token, reason="fakes"),
                          follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == SELLER_PAGE
    assert seller_status(settings, "S-0001") == "closed"


def test_closing_without_a_reason_re_renders_with_an_alert_and_changes_nothing(
    reviewer: TestClient, settings: Settings
) -> None:
    answer = close(reviewer, "   ")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert 'role="alert"' in answer.text and "say why" in answer.text  # type: ignore[attr-defined]
    assert seller_status(settings, "S-0001") == "active"
    assert count(settings, Statement) == 0


def test_closing_a_closed_store_again_is_refused_on_the_page(
    reviewer: TestClient, settings: Settings
) -> None:
    token = csrf_of(reviewer.get(SELLER_PAGE).text)
    reviewer.post(f"{SELLER_PAGE}/closure", data=form(token, reason="fakes"))
    answer = reviewer.post(f"{SELLER_PAGE}/closure", data=form(token, reason="again"),
                           follow_redirects=False)
    assert answer.status_code == 409 and "already closed" in answer.text
    assert count(settings, Statement) == 1


def test_closing_without_the_csrf_token_is_refused_and_changes_nothing(
    reviewer: TestClient, settings: Settings
) -> None:
    answer = reviewer.post(f"{SELLER_PAGE}/closure", data={"reason": "fakes"})
    assert answer.status_code == 403
    assert seller_status(settings, "S-0001") == "active"
    assert count(settings, Statement) == 0


def test_an_unknown_seller_is_a_404_page(reviewer: TestClient) -> None:
    answer = reviewer.get("/portal/sellers/S-9999")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("role", ["seller", "rights_holder", "data_owner", "employee"])
def test_other_roles_may_not_open_or_close_a_store(
    client: TestClient, settings: Settings, world: dict[str, str], role: str
) -> None:
    client.cookies.update(portal_cookie(
        settings, role, seller_id="S-0001" if role == "seller" else None,
        brand_id=world["acme"] if role == "rights_holder" else None))
    assert client.get(SELLER_PAGE).status_code == 403
    answer = client.post(f"{SELLER_PAGE}/closure", data={"reason": "x"})
    assert answer.status_code == 403
    assert seller_status(settings, "S-0001") == "active"


def test_a_signed_out_visit_to_the_seller_page_goes_to_sign_in(
    client: TestClient, world: dict[str, str]
) -> None:
    answer = client.get(SELLER_PAGE, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/portal/login?next=/portal/sellers/S-0001")


# -- verifying a brand's rights ----------------------------------------------------------


def rights_page(world: dict[str, str]) -> str:
    return f"/portal/brands/{world['acme']}/rights"


def decide(client: TestClient, world: dict[str, str], status: str, reason: str,
           right: str | None = None) -> object:
    page = rights_page(world)
    token = csrf_of(client.get(page).text)
    return client.post(f"{page}/{right or world['acme_right']}/verification",
                       data=form(token, status=status, reason=reason), follow_redirects=False)


def test_an_admin_lists_brands_and_a_brands_rights_with_their_status(
    admin: TestClient, world: dict[str, str]
) -> None:
    brands = admin.get("/portal/brands")
    assert brands.status_code == 200 and "Rights of Acme Outdoor" in brands.text
    page = admin.get(rights_page(world))
    assert page.status_code == 200
    assert world["acme_right"] in page.text and world["borealis_right"] not in page.text
    assert ">Verify</button>" in page.text and ">Reject</button>" in page.text


def test_verifying_and_rejecting_a_right_with_a_fresh_passkey(
    admin: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    answer = decide(admin, world, "rejected", "The registration lapsed in 2024.")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == rights_page(world)  # type: ignore[attr-defined]
    assert verification_of(settings, world["acme_right"]) == "rejected"
    assert "The registration lapsed in 2024." in admin.get(rights_page(world)).text
    decide(admin, world, "verified", "Checked against the EUIPO register.")
    assert verification_of(settings, world["acme_right"]) == "verified"


def test_changing_a_right_after_the_step_up_window_asks_for_the_passkey(
    admin: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    before = verification_of(settings, world["acme_right"])
    token = csrf_of(admin.get(rights_page(world)).text)
    age_sessions(settings, settings.portal_step_up_after + timedelta(seconds=5))
    answer = admin.post(f"{rights_page(world)}/{world['acme_right']}/verification",
                        data=form(token, status="rejected", reason="lapsed"),
                        follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/portal/step-up?next={rights_page(world)}"
    assert verification_of(settings, world["acme_right"]) == before


def test_a_decision_on_a_right_without_a_reason_changes_nothing(
    admin: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    before = verification_of(settings, world["acme_right"])
    answer = decide(admin, world, "rejected", " ")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert 'role="alert"' in answer.text  # type: ignore[attr-defined]
    bad = decide(admin, world, "maybe", "because")
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert verification_of(settings, world["acme_right"]) == before


def test_a_right_of_another_brand_is_a_404_and_unchanged(
    admin: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    before = verification_of(settings, world["borealis_right"])
    answer = decide(admin, world, "rejected", "lapsed", right=world["borealis_right"])
    assert answer.status_code == 404  # type: ignore[attr-defined]
    assert verification_of(settings, world["borealis_right"]) == before


def test_a_rights_decision_without_the_csrf_token_is_refused(
    admin: TestClient, settings: Settings, world: dict[str, str]
) -> None:
    before = verification_of(settings, world["acme_right"])
    answer = admin.post(f"{rights_page(world)}/{world['acme_right']}/verification",
                        data={"status": "rejected", "reason": "lapsed"})
    assert answer.status_code == 403
    assert verification_of(settings, world["acme_right"]) == before


@pytest.mark.parametrize("role", ["reviewer", "rights_holder", "seller"])
def test_only_a_platform_admin_may_change_rights(
    client: TestClient, settings: Settings, world: dict[str, str], role: str
) -> None:
    client.cookies.update(portal_cookie(
        settings, role, seller_id="S-0001" if role == "seller" else None,
        brand_id=world["acme"] if role == "rights_holder" else None))
    before = verification_of(settings, world["acme_right"])
    assert client.get(rights_page(world)).status_code == 403
    assert client.get("/portal/brands").status_code == 403
    answer = client.post(f"{rights_page(world)}/{world['acme_right']}/verification",
                         data={"status": "rejected", "reason": "x"})
    assert answer.status_code == 403
    assert verification_of(settings, world["acme_right"]) == before
