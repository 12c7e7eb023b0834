"""In Chromium: a rights holder files a notice and watches a reviewer's decision arrive."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.notices.helpers import EXPLANATION, make_world
from tests.web.browser.conftest import LiveServer, Portal

pytestmark = pytest.mark.browser


def test_a_rights_holder_files_a_notice_and_watches_its_status_change_after_a_reviewer_decides(
    portal: Portal, live_server: LiveServer, axe_check: Callable[[Page], None], tmp_path: Path
) -> None:
    w = make_world(live_server.settings, tmp_path)
    agent = portal.signed_in_page("rights_holder", brand_id=w.ids["acme"])
    agent.goto("/portal")
    expect(agent.get_by_role("heading", level=1)).to_have_text("Notices of Acme Outdoor")
    axe_check(agent)

    agent.get_by_role("link", name="File a notice").first.click()
    axe_check(agent)
    agent.get_by_label("Right").select_option(w.ids["acme_right"])
    agent.get_by_label("Listing IDs").fill("L-1\nL-3")
    agent.get_by_label("Explanation").fill(EXPLANATION)
    agent.get_by_label(re.compile("^I state in good faith")).check()
    agent.get_by_role("button", name="File notice").click()
    expect(agent).to_have_url(re.compile(r"/portal/notices/ntc"))
    notice_id = agent.url.rsplit("/", 1)[1]
    expect(agent.get_by_role("heading", level=1)).to_contain_text(notice_id)
    expect(agent.get_by_text("Due", exact=True)).to_be_visible()
    row = agent.get_by_role("row").filter(has_text="L-1")
    expect(row).to_contain_text("Pending decision")
    axe_check(agent)

    reviewer = portal.signed_in_page("reviewer")
    reviewer.goto("/portal/review/notices")
    axe_check(reviewer)
    reviewer.get_by_role("link", name=notice_id).click()
    axe_check(reviewer)
    decide = reviewer.get_by_role("row").filter(has_text="L-1")
    decide.get_by_label("Reason").fill("The photos and price match confirmed counterfeits.")
    decide.get_by_role("button", name="Take down").click()
    expect(reviewer.get_by_role("row").filter(has_text="L-1")).to_contain_text("Taken down")

    # The agent's page was never reloaded: it polls its live part.
    expect(row).to_contain_text("Taken down", timeout=30_000)
    expect(agent.get_by_role("row").filter(has_text="L-3")).to_contain_text("Pending decision")
    axe_check(agent)


def test_the_brand_and_appeal_pages_pass_axe(
    portal: Portal, live_server: LiveServer, axe_check: Callable[[Page], None], tmp_path: Path
) -> None:
    w = make_world(live_server.settings, tmp_path)
    agent = portal.signed_in_page("rights_holder", brand_id=w.ids["acme"])
    for path in ("/portal/brand", "/portal/brand/appeals", "/portal/notices/new"):
        answer = agent.goto(path)
        assert answer is not None and answer.status == 200
        axe_check(agent)
    portal.console.allow(r"status of 422")  # the refused form's answer, on purpose
    agent.get_by_role("button", name="File notice").click()  # an empty notice
    expect(agent.get_by_role("alert")).to_contain_text("was not filed")
    axe_check(agent)
