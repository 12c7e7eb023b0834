"""Seller pages: their listings and standing, a restricted listing, and the appeal form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketguard.config import Settings
from marketguard.notices.models import Appeal
from tests.factories import listing, portal_cookie, seed_marketplace, write_jsonl
from tests.web.staff_world import count, csrf_of, form, restrict

EXPLANATION = "I bought these from the brand's distributor; the invoice is attached."


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    ids = seed_marketplace(settings, tmp_path)
    ids["statement"] = restrict(settings, "L-1")
    ids["other_statement"] = restrict(settings, "L-3")
    return ids


@pytest.fixture
def seller(client: TestClient, settings: Settings, world: dict[str, Any]) -> TestClient:
    client.cookies.update(portal_cookie(settings, "seller", seller_id="S-0001"))
    return client


def test_the_start_page_lists_only_the_sellers_listings_with_status_and_standing(
    seller: TestClient,
) -> None:
    page = seller.get("/portal/listings")
    assert page.status_code == 200
    assert 'href="/portal/listings/L-1"' in page.text and 'href="/portal/listings/L-2"' in page.text
    assert "L-3" not in page.text and "L-4" not in page.text
    assert "removed" in page.text and "live" in page.text
    assert "Strikes and standing" in page.text and "0 active strikes" in page.text
    assert page.text.count("<h1>") == 1


def test_a_seller_lands_on_their_listings_after_sign_in(seller: TestClient) -> None:
    answer = seller.get("/portal", follow_redirects=False)
    assert answer.headers["location"] == "/portal/listings"


def test_a_restricted_listing_shows_its_statement_evidence_and_an_appeal_button(
    seller: TestClient,
) -> None:
    page = seller.get("/portal/listings/L-1")
    assert page.status_code == 200
    assert "Statement of reasons" in page.text
    assert "The photos show a counterfeit logo." in page.text
    assert "test buy: the goods were fake" in page.text  # the evidence they may see
    assert '<button type="submit">Appeal</button>' in page.text
    live = seller.get("/portal/listings/L-2")
    assert "Statement of reasons" not in live.text and ">Appeal<" not in live.text


def test_another_sellers_listing_is_absent_like_the_api_says(seller: TestClient) -> None:
    for path in ("/portal/listings/L-3", "/portal/listings/L-3/appeal"):
        page = seller.get(path)
        assert page.status_code == 404, path
        assert "counterfeit logo" not in page.text
    token = csrf_of(seller.get("/portal/listings/L-1/appeal").text)
    answer = seller.post("/portal/listings/L-3/appeal", data=form(token, explanation=EXPLANATION))
    assert answer.status_code == 404


def test_appealing_files_the_appeal_and_shows_it_on_the_listing(
    seller: TestClient, settings: Settings, world: dict[str, Any]
) -> None:
    page = seller.get("/portal/listings/L-1/appeal")
    assert 'for="explanation">Explanation</label>' in page.text
    assert ">Submit appeal</button>" in page.text
    answer = seller.post("/portal/listings/L-1/appeal",
                         data=form(csrf_of(page.text), explanation=EXPLANATION),
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/listings/L-1"
    shown = seller.get("/portal/listings/L-1")
    assert "awaiting decision" in shown.text and ">Appeal<" not in shown.text
    assert count(settings, Appeal, Appeal.statement_id == world["statement"]) == 1


def test_appealing_twice_is_refused_with_a_clear_message_and_changes_nothing(
    seller: TestClient, settings: Settings
) -> None:
    token = csrf_of(seller.get("/portal/listings/L-1/appeal").text)
    seller.post("/portal/listings/L-1/appeal", data=form(token, explanation=EXPLANATION))
    again = seller.post("/portal/listings/L-1/appeal", data=form(token, explanation=EXPLANATION))
    assert again.status_code == 409
    assert 'role="alert"' in again.text and "still open" in again.text
    assert count(settings, Appeal) == 1


@pytest.mark.parametrize("explanation", ["", "too short", "x" * 5001])
def test_a_bad_explanation_re_renders_the_form_and_files_nothing(
    seller: TestClient, settings: Settings, explanation: str
) -> None:
    token = csrf_of(seller.get("/portal/listings/L-1/appeal").text)
    answer = seller.post("/portal/listings/L-1/appeal", data=form(token, explanation=explanation))
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text and "10 to 5000 characters" in answer.text
    assert ">Submit appeal</button>" in answer.text
    assert count(settings, Appeal) == 0


def test_appealing_a_live_listing_says_there_is_nothing_to_appeal(
    seller: TestClient, settings: Settings
) -> None:
    token = csrf_of(seller.get("/portal/listings/L-1/appeal").text)
    answer = seller.post("/portal/listings/L-2/appeal", data=form(token, explanation=EXPLANATION))
    assert answer.status_code == 404 and "no active restriction" in answer.text
    assert count(settings, Appeal) == 0


def test_an_appeal_without_the_csrf_token_is_refused_and_files_nothing(
    seller: TestClient, settings: Settings
) -> None:
    answer = seller.post("/portal/listings/L-1/appeal", data={"explanation": EXPLANATION})
    assert answer.status_code == 403
    forged = seller.post("/portal/listings/L-1/appeal",
                         data=form("0" * 64, explanation=EXPLANATION))
    assert forged.status_code == 403
    assert count(settings, Appeal) == 0


@pytest.mark.parametrize("role", ["rights_holder", "reviewer", "data_owner"])
def test_other_roles_may_not_open_seller_pages(
    client: TestClient, settings: Settings, world: dict[str, Any], role: str
) -> None:
    client.cookies.update(portal_cookie(settings, role, brand_id=world["acme"]
                                        if role == "rights_holder" else None))
    for path in ("/portal/listings", "/portal/listings/L-1"):
        assert client.get(path).status_code == 403, path


def test_signed_out_the_seller_pages_redirect_to_sign_in(client: TestClient) -> None:
    answer = client.get("/portal/listings/L-1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/portal/login?next=/portal/listings/L-1")


def test_many_listings_come_a_page_at_a_time(
    seller: TestClient, settings: Settings, tmp_path: Path
) -> None:
    from marketguard.auth.roles import cli_principal
    from marketguard.catalog import service as catalog
    from marketguard.uow import unit_of_work

    path = write_jsonl(tmp_path / "more.jsonl",
                       [listing(f"M-{n:03d}", "S-0001") for n in range(60)])
    with unit_of_work(settings) as session:
        catalog.import_listings(session, actor=cli_principal(), path=path)
    first = seller.get("/portal/listings")
    assert first.text.count('href="/portal/listings/') == 50
    assert "Next page" in first.text
    next_link = first.text.split('href="/portal/listings?cursor=')[1].split('"')[0]
    second = seller.get("/portal/listings?cursor=" + next_link.replace("&amp;", "&"))
    shown = second.text.count('href="/portal/listings/')
    assert shown == 62 - 50 and "Next page" not in second.text
    filtered = seller.get("/portal/listings?status=removed")
    assert filtered.text.count('href="/portal/listings/') == 1
