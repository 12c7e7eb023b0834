"""Rights holders file and follow notices in the portal; reviewers decide them there."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.notices.helpers import EXPLANATION
from tests.web.notice_pages import counts, csrf, file_on, item_status, sign_in, world

NOTICE_ID = re.compile(r"/portal/notices/(ntc[^/?\"]+)")


def _form(token: str, right: str, listings: str, **extra: str) -> dict[str, str]:
    return {"csrf_token": token, "right": right, "listing_ids": listings,
            "explanation": EXPLANATION, "good_faith": "yes", **extra}


def test_a_rights_holder_files_a_notice_and_lands_on_its_page(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    form = client.get("/portal/notices/new")
    for name in ("Right", "Listing IDs", "Explanation", "I state in good faith", "File notice"):
        assert name in form.text
    token = csrf(client, "/portal/notices/new")
    answer = client.post("/portal/notices/new", follow_redirects=False,
                         data=_form(token, w.ids["acme_right"], "L-1\n\nL-3\n"))
    assert answer.status_code == 303
    found = NOTICE_ID.match(answer.headers["location"])
    assert found is not None
    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    assert f"<h1>Notice {found.group(1)}</h1>" in page.text
    assert "Due" in page.text and "left)" in page.text
    assert page.text.count("Pending decision") == 2  # one row per listing
    assert "Take down" not in page.text  # deciding is the reviewer's
    dashboard = client.get("/portal/notices")
    assert found.group(1) in dashboard.text
    assert "Good-faith standing" in dashboard.text


def test_when_a_notice_is_incomplete_then_every_reason_shows_and_nothing_is_filed(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    before = counts(settings)
    token = csrf(client, "/portal/notices/new")
    answer = client.post("/portal/notices/new", data={
        "csrf_token": token, "right": w.ids["acme_right"], "listing_ids": "L-1\nL-999",
        "explanation": "short",
    })
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert "no listing &#39;L-999&#39; on this marketplace" in answer.text
    assert "too short" in answer.text
    assert "Good faith: confirm in good faith" in answer.text
    assert "L-1\nL-999</textarea>" in answer.text  # what was typed is kept
    assert counts(settings) == before  # not even a first notifier record


def test_when_the_right_is_another_brands_then_refused(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    token = csrf(client, "/portal/notices/new")
    answer = client.post("/portal/notices/new",
                         data=_form(token, w.ids["borealis_right"], "L-1"))
    assert answer.status_code == 422
    assert "registered for your brand" in answer.text
    assert counts(settings)["notices"] == 0


def test_when_a_form_lacks_its_csrf_token_then_refused_and_nothing_changes(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    for token in ("", "forged"):
        answer = client.post("/portal/notices/new", data=_form(token, w.ids["acme_right"], "L-1"))
        assert answer.status_code == 403
    notice_id = file_on(settings, w, ["L-2"])
    sign_in(client, settings, "reviewer")
    answer = client.post(f"/portal/notices/{notice_id}/decision", data={
        "listing_id": "L-2", "outcome": "takedown", "reason": "counterfeit"})
    assert answer.status_code == 403
    assert counts(settings)["notices"] == 1
    assert item_status(settings, notice_id, "L-2") == "pending"


def test_a_rights_holder_sees_only_its_brands_notices(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    theirs = file_on(settings, w, ["L-3"], brand="borealis")
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    for path in (f"/portal/notices/{theirs}", f"/portal/notices/{theirs}/live"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert "L-3" not in answer.text
    assert theirs not in client.get("/portal/notices").text


def test_roles_that_may_not_open_the_notice_pages_get_403(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    notice_id = file_on(settings, w, ["L-1"])
    sign_in(client, settings, "seller", seller_id="S-0001")
    for path in ("/portal/notices", "/portal/notices/new", f"/portal/notices/{notice_id}",
                 "/portal/review/notices"):
        assert client.get(path).status_code == 403, path
    sign_in(client, settings, "reviewer")
    assert client.get("/portal/notices/new").status_code == 403
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    assert client.get("/portal/review/notices").status_code == 403
    token = csrf(client, f"/portal/notices/{notice_id}")
    answer = client.post(f"/portal/notices/{notice_id}/decision", data={
        "csrf_token": token, "listing_id": "L-1", "outcome": "takedown", "reason": "mine"})
    assert answer.status_code == 403
    assert item_status(settings, notice_id, "L-1") == "pending"


def test_signed_out_the_notice_pages_send_to_sign_in(client: TestClient) -> None:
    answer = client.get("/portal/notices/new", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/portal/login?next=/portal/notices/new")


def test_a_reviewer_decides_each_listing_and_the_rights_holder_sees_it(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    notice_id = file_on(settings, w, ["L-1", "L-3"])
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    before = client.get(f"/portal/notices/{notice_id}/live").text
    sign_in(client, settings, "reviewer")
    page = client.get(f"/portal/notices/{notice_id}")
    assert page.text.count(">Reason</label>") == 2
    assert page.text.count(">Take down</button>") == 2 and ">Reject</button>" in page.text
    token = csrf(client, f"/portal/notices/{notice_id}")
    answer = client.post(f"/portal/notices/{notice_id}/decision", follow_redirects=False, data={
        "csrf_token": token, "listing_id": "L-1", "outcome": "takedown",
        "reason": "the photos and price match our confirmed counterfeits"})
    assert answer.status_code == 303
    answer = client.post(f"/portal/notices/{notice_id}/decision", data={
        "csrf_token": token, "listing_id": "L-3", "outcome": "reject",
        "reason": "an authorised reseller"})
    assert answer.status_code == 200
    assert "Taken down" in answer.text and "Rejected" in answer.text
    assert "Take down</button>" not in answer.text  # nothing left to decide
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    after = client.get(f"/portal/notices/{notice_id}/live").text
    version = re.compile(r'data-version="([0-9a-f]+)"')
    assert version.search(before).group(1) != version.search(after).group(1)  # type: ignore[union-attr]
    assert "Taken down" in after and "an authorised reseller" in after
    assert "<html" not in after  # a fragment, not a page


def test_when_a_decision_is_bad_then_the_page_says_why_and_nothing_changes(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    notice_id = file_on(settings, w, ["L-1", "L-2"])
    sign_in(client, settings, "reviewer")
    token = csrf(client, f"/portal/notices/{notice_id}")
    answer = client.post(f"/portal/notices/{notice_id}/decision", data={
        "csrf_token": token, "listing_id": "L-1", "outcome": "takedown", "reason": "  "})
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text and "needs a reason" in answer.text
    assert item_status(settings, notice_id, "L-1") == "pending"
    client.post(f"/portal/notices/{notice_id}/decision", data={
        "csrf_token": token, "listing_id": "L-1", "outcome": "reject", "reason": "genuine"})
    again = client.post(f"/portal/notices/{notice_id}/decision", data={
        "csrf_token": token, "listing_id": "L-1", "outcome": "takedown", "reason": "changed"})
    assert again.status_code == 409
    assert "already decided" in again.text
    assert item_status(settings, notice_id, "L-1") == "rejected"


def test_the_review_queue_lists_open_notices_soonest_due_first_a_page_at_a_time(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    from datetime import timedelta

    from marketguard.notices import service
    from marketguard.uow import unit_of_work
    from tests.notices.helpers import T0, submission

    w = world(settings, tmp_path, extra_listings=30)
    filed: list[str] = []
    with unit_of_work(settings) as session:
        for n in range(30):  # filed newest first: the queue must reorder them
            notice = service.file_notice(
                session, actor=w.acme, now=T0 - timedelta(minutes=n),
                submission=submission(w.ids["acme_right"], [f"L-{5 + n}"]))
            filed.append(notice.id)
    sign_in(client, settings, "reviewer")
    first = client.get("/portal/review/notices")
    assert first.status_code == 200
    shown = re.findall(r'<a href="/portal/notices/(ntc[^"]+)">', first.text)
    assert shown == list(reversed(filed))[:25]
    assert "overdue" in first.text  # due a day after T0, long past
    following = re.search(r'href="/portal/review/notices\?cursor=([^"]+)"', first.text)
    assert following is not None
    second = client.get(f"/portal/review/notices?cursor={following.group(1)}")
    rest = re.findall(r'<a href="/portal/notices/(ntc[^"]+)">', second.text)
    assert rest == list(reversed(filed))[25:]
    assert client.get("/portal/review/notices?cursor=%%%").status_code == 200  # a damaged cursor
