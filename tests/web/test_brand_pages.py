"""A rights holder's bulk filing by CSV, its brand's rights and products, and its appeals."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from marketguard.auth.roles import Principal
from marketguard.config import Settings
from marketguard.notices import appeals, service
from marketguard.uow import unit_of_work
from tests.notices.helpers import EXPLANATION, World
from tests.web.notice_pages import counts, csrf, file_on, sign_in, world

HEADER = "right_id,listing,explanation,notifier_name,notifier_email,good_faith\n"


def _row(right: str, listing: str, good_faith: str = "true") -> str:
    return f'{right},{listing},"{EXPLANATION}",Ada Counsel,ada@acme.example,{good_faith}\n'


def _upload(client: TestClient, token: str, body: str) -> object:
    return client.post("/portal/notices/bulk", follow_redirects=False,
                       data={"csrf_token": token},
                       files={"csv_file": ("notices.csv", body.encode(), "text/csv")})


def test_a_csv_upload_files_its_notices(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    token = csrf(client, "/portal/notices/new")
    right = w.ids["acme_right"]
    body = HEADER + _row(right, "L-1") + _row(right, "L-3")
    answer = _upload(client, token, body)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"].startswith("/portal/notices/ntc")  # type: ignore[attr-defined]
    assert counts(settings)["items"] == 2


def test_when_csv_rows_are_wrong_then_each_is_named_and_none_is_filed(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    token = csrf(client, "/portal/notices/new")
    right = w.ids["acme_right"]
    body = HEADER + _row(right, "L-1") + _row(right, "L-404") + _row(right, "L-3", "no")
    answer = client.post("/portal/notices/bulk", data={"csrf_token": token},
                         files={"csv_file": ("notices.csv", body.encode(), "text/csv")})
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert "Line 3, listing: no listing &#39;L-404&#39;" in answer.text
    assert "Line 4, Good faith" in answer.text
    assert counts(settings)["notices"] == 0
    missing = client.post("/portal/notices/bulk", data={"csrf_token": token},
                          files={"csv_file": ("x.csv", b"listing\nL-1\n", "text/csv")})
    assert missing.status_code == 422 and "missing column(s)" in missing.text
    assert counts(settings)["notices"] == 0


def test_a_csv_upload_without_the_csrf_token_is_refused(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    body = HEADER + _row(w.ids["acme_right"], "L-1")
    answer = client.post("/portal/notices/bulk",
                         files={"csv_file": ("notices.csv", body.encode(), "text/csv")})
    assert answer.status_code == 403
    assert counts(settings)["notices"] == 0


def test_the_brand_page_shows_its_rights_and_products_only(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    page = client.get("/portal/brand")
    assert page.status_code == 200
    assert "<h1>Acme Outdoor</h1>" in page.text
    assert w.ids["acme_right"] in page.text and "verified" in page.text
    assert "Acme Outdoor Summit" in page.text and "189.00 EUR" in page.text
    assert w.ids["borealis_right"] not in page.text and "Borealis" not in page.text
    sign_in(client, settings, "reviewer")
    assert client.get("/portal/brand").status_code == 403


def _appealed(settings: Settings, w: World, listing: str, seller: Principal) -> str:
    notice_id = file_on(settings, w, [listing])
    with unit_of_work(settings) as session:
        service.decide(session, actor=w.reviewer, notice_id=notice_id, listing_id=listing,
                       outcome="takedown", reason="counterfeit by its photos")
    with unit_of_work(settings) as session:
        appeal = appeals.file_appeal(session, actor=seller, listing_id=listing,
                                     explanation="These are genuine goods bought from Acme.",
                                     evidence=[{"description": "the invoice from Acme"}])
        return appeal.id


def test_a_rights_holder_reads_and_answers_the_appeals_against_its_notices(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    appeal_id = _appealed(settings, w, "L-1", w.seller1)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["acme"])
    listed = client.get("/portal/brand/appeals")
    assert appeal_id in listed.text and "Awaiting your answer" in listed.text
    path = f"/portal/brand/appeals/{appeal_id}"
    page = client.get(path)
    assert "These are genuine goods" in page.text and "the invoice from Acme" in page.text
    token = csrf(client, path)
    refused = client.post(f"{path}/answer", data={"csrf_token": token, "position": "maintain",
                                                  "explanation": " "})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert "Awaiting your answer" in client.get(path).text  # nothing changed
    answer = client.post(f"{path}/answer", follow_redirects=False, data={
        "csrf_token": token, "position": "maintain", "explanation": "Our lab found a fake."})
    assert answer.status_code == 303
    after = client.get(path).text
    assert "Awaiting a reviewer" in after and "maintain: Our lab found a fake." in after
    again = client.post(f"{path}/answer", data={"csrf_token": token, "position": "withdraw",
                                                "explanation": "changed our mind"})
    assert again.status_code == 409


def test_another_brands_appeal_is_absent(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    w = world(settings, tmp_path)
    appeal_id = _appealed(settings, w, "L-1", w.seller1)
    sign_in(client, settings, "rights_holder", brand_id=w.ids["borealis"])
    assert appeal_id not in client.get("/portal/brand/appeals").text
    assert client.get(f"/portal/brand/appeals/{appeal_id}").status_code == 404
    token = csrf(client, "/portal/brand/appeals")
    answer = client.post(f"/portal/brand/appeals/{appeal_id}/answer", data={
        "csrf_token": token, "position": "withdraw", "explanation": "not ours"})
    assert answer.status_code == 404
    sign_in(client, settings, "seller", seller_id="S-0001")
    assert client.get(f"/portal/brand/appeals/{appeal_id}").status_code == 403
