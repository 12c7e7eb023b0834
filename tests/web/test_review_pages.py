"""Reviewer pages: held listings with their evidence and photos, decisions, and appeals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from marketguard.auth.roles import Principal, Role
from marketguard.catalog.models import Listing
from marketguard.config import Settings
from marketguard.detection.models import ReviewCase
from marketguard.notices import appeals
from marketguard.notices.models import Appeal
from marketguard.uow import unit_of_work
from marketguard.web.routes.review_evidence import mark
from tests.factories import portal_cookie
from tests.web.staff_world import count, csrf_of, form, held_world, restrict

SELLER_1 = Principal(token_id="t-s1", name="seller-1", role=Role.seller, seller_id="S-0001")


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    ids = held_world(settings, tmp_path)
    with unit_of_work(settings) as session:
        case = session.query(ReviewCase).one()
        ids["case"] = case.id
    return ids


@pytest.fixture
def reviewer(client: TestClient, settings: Settings, world: dict[str, Any]) -> TestClient:
    client.cookies.update(portal_cookie(settings, "reviewer"))
    return client


def status_of(settings: Settings, listing_id: str) -> str:
    with unit_of_work(settings) as session:
        listing = session.get(Listing, listing_id)
        assert listing is not None
        return listing.status


def test_the_queue_lists_held_listings_linking_to_their_evidence(
    reviewer: TestClient, world: dict[str, Any]
) -> None:
    page = reviewer.get("/portal/review/listings")
    assert page.status_code == 200
    assert f'href="/portal/review/listings/{world["case"]}"' in page.text
    assert "Acme Outdoor Summit backpack replica" in page.text


def test_a_held_listing_shows_the_matched_official_photo_beside_the_listings_and_marks_words(
    reviewer: TestClient, world: dict[str, Any]
) -> None:
    page = reviewer.get(f"/portal/review/listings/{world['case']}")
    assert page.status_code == 200
    assert f'src="/portal/review/listings/{world["case"]}/photos/0"' in page.text
    assert 'src="/portal/review/references/' in page.text
    assert "Matched official photo" in page.text
    assert ">Acme Outdoor Summit</mark>" in page.text and ">replica</mark>" in page.text
    assert "PDQ distance" in page.text and "15% of MSRP" in page.text
    assert "brands/img" not in page.text  # no file path reaches the browser
    assert 'for="reason">Reason</label>' in page.text
    assert ">Confirm and block</button>" in page.text


def test_photos_are_served_to_reviewers_only_and_never_by_path(
    reviewer: TestClient, settings: Settings, world: dict[str, Any]
) -> None:
    page = reviewer.get(f"/portal/review/listings/{world['case']}").text
    ref = page.split('src="/portal/review/references/')[1].split('"')[0]
    photo = reviewer.get(f"/portal/review/listings/{world['case']}/photos/0")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    assert photo.content.startswith(b"\x89PNG")
    official = reviewer.get(f"/portal/review/references/{ref}")
    assert official.status_code == 200 and official.content.startswith(b"\x89PNG")
    assert reviewer.get(f"/portal/review/listings/{world['case']}/photos/1").status_code == 404
    assert reviewer.get(f"/portal/review/listings/{world['case']}/photos/-1").status_code == 404
    assert reviewer.get("/portal/review/references/..%2F..%2Fetc%2Fpasswd").status_code == 404
    reviewer.cookies.update(portal_cookie(settings, "seller", email="s3@example.com",
                                          seller_id="S-0002"))
    assert reviewer.get(f"/portal/review/listings/{world['case']}/photos/0").status_code == 403
    assert reviewer.get(f"/portal/review/references/{ref}").status_code == 403


def test_a_listing_photo_outside_its_folder_is_not_served(
    reviewer: TestClient, settings: Settings, world: dict[str, Any]
) -> None:
    with unit_of_work(settings) as session:
        listing = session.get(Listing, "L-3")
        assert listing is not None
        listing.images = ["../../../../etc/passwd"]
    answer = reviewer.get(f"/portal/review/listings/{world['case']}/photos/0")
    assert answer.status_code == 404 and "root:" not in answer.text


def test_confirming_a_held_listing_blocks_it_and_shows_the_outcome(
    reviewer: TestClient, settings: Settings, world: dict[str, Any]
) -> None:
    path = f"/portal/review/listings/{world['case']}"
    token = csrf_of(reviewer.get(path).text)
    answer = reviewer.post(path + "/decision",
                           data=form(token, outcome="confirm", reason="logo is misprinted"),
                           follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == path
    shown = reviewer.get(path)
    assert "confirmed" in shown.text and ">Confirm and block<" not in shown.text
    assert status_of(settings, "L-3") == "blocked"
    assert world["case"] not in reviewer.get("/portal/review/listings").text


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"outcome": "confirm", "reason": "  "}, 422, "needs a reason"),
    ({"outcome": "shrug", "reason": "unsure"}, 422, "outcome must be one of"),
])
def test_a_bad_review_decision_re_renders_with_a_message_and_changes_nothing(
    reviewer: TestClient, settings: Settings, world: dict[str, Any],
    fields: dict[str, str], status: int, message: str,
) -> None:
    path = f"/portal/review/listings/{world['case']}"
    token = csrf_of(reviewer.get(path).text)
    answer = reviewer.post(path + "/decision", data=form(token, **fields))
    assert answer.status_code == status
    assert 'role="alert"' in answer.text and message in answer.text
    assert status_of(settings, "L-3") == "held"
    assert count(settings, ReviewCase, ReviewCase.status == "open") == 1


def test_a_review_decision_without_the_csrf_token_is_refused(
    reviewer: TestClient, settings: Settings, world: dict[str, Any]
) -> None:
    answer = reviewer.post(f"/portal/review/listings/{world['case']}/decision",
                           data={"outcome": "confirm", "reason": "fake"})
    assert answer.status_code == 403
    assert status_of(settings, "L-3") == "held"


@pytest.mark.parametrize("role", ["seller", "rights_holder", "data_owner"])
def test_other_roles_may_not_open_review_pages(
    client: TestClient, settings: Settings, world: dict[str, Any], role: str
) -> None:
    client.cookies.update(portal_cookie(
        settings, role, brand_id=world["acme"] if role == "rights_holder" else None,
        seller_id="S-0002" if role == "seller" else None))
    for path in ("/portal/review/listings", f"/portal/review/listings/{world['case']}",
                 "/portal/review/appeals"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "replica" not in answer.text


@pytest.fixture
def appeal_id(settings: Settings, world: dict[str, Any]) -> str:
    restrict(settings, "L-1")
    with unit_of_work(settings) as session:
        appeal = appeals.file_appeal(session, actor=SELLER_1, listing_id="L-1",
                                     explanation="The goods are genuine: invoice attached.")
        return appeal.id


def test_appeals_to_decide_are_listed_and_reinstating_puts_the_listing_back(
    reviewer: TestClient, settings: Settings, appeal_id: str
) -> None:
    queue = reviewer.get("/portal/review/appeals")
    assert f'href="/portal/review/appeals/{appeal_id}"' in queue.text
    page = reviewer.get(f"/portal/review/appeals/{appeal_id}")
    assert "The goods are genuine: invoice attached." in page.text
    assert "The photos show a counterfeit logo." in page.text
    answer = reviewer.post(f"/portal/review/appeals/{appeal_id}/decision",
                           data=form(csrf_of(page.text), outcome="reinstate",
                                     reason="invoice checks out"),
                           follow_redirects=False)
    assert answer.status_code == 303
    assert "granted" in reviewer.get(f"/portal/review/appeals/{appeal_id}").text
    assert status_of(settings, "L-1") == "live"
    assert appeal_id not in reviewer.get("/portal/review/appeals").text


def test_an_appeal_decision_without_a_reason_changes_nothing(
    reviewer: TestClient, settings: Settings, appeal_id: str
) -> None:
    page = reviewer.get(f"/portal/review/appeals/{appeal_id}")
    answer = reviewer.post(f"/portal/review/appeals/{appeal_id}/decision",
                           data=form(csrf_of(page.text), outcome="reinstate", reason=""))
    assert answer.status_code == 422 and "needs a reason" in answer.text
    assert 'role="alert"' in answer.text
    assert count(settings, Appeal, Appeal.status == "awaiting_decision") == 1
    assert status_of(settings, "L-1") == "removed"
    no_token = reviewer.post(f"/portal/review/appeals/{appeal_id}/decision",
                             data={"outcome": "reinstate", "reason": "fine"})
    assert no_token.status_code == 403
    assert status_of(settings, "L-1") == "removed"


def test_the_reviewer_who_took_the_decision_may_not_decide_its_appeal(
    client: TestClient, settings: Settings, appeal_id: str
) -> None:
    client.cookies.update(portal_cookie(settings, "reviewer", email="first.reviewer@example.com"))
    page = client.get(f"/portal/review/appeals/{appeal_id}")
    answer = client.post(f"/portal/review/appeals/{appeal_id}/decision",
                         data=form(csrf_of(page.text), outcome="uphold", reason="still fake"))
    assert answer.status_code == 403 and "another reviewer must decide it" in answer.text
    assert count(settings, Appeal, Appeal.status == "awaiting_decision") == 1


@given(st.text(max_size=60), st.lists(st.tuples(st.integers(0, 70), st.integers(0, 70)),
                                       max_size=6))
def test_marking_matched_words_keeps_the_text_whole_whatever_the_spans(
    text: str, pairs: list[tuple[int, int]]
) -> None:
    spans = sorted((a, b, "signal") for a, b in pairs if 0 <= a < b <= len(text))
    segments = mark(text, spans)
    assert "".join(s.text for s in segments) == text
    marked: set[int] = set()
    at = 0
    for segment in segments:
        if segment.marked:
            marked |= set(range(at, at + len(segment.text)))
        at += len(segment.text)
    assert marked == {i for a, b, _ in spans for i in range(a, b)}
