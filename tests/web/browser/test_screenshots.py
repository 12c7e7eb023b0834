"""Screenshots of the portal's main pages, taken in Chromium by the tests themselves.

Each run checks the pages render to real images. With
``MARKETGUARD_SCREENSHOTS=docs/screenshots`` the images are also copied there,
which is how the README's pictures are made (and kept honest).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from marketguard.auth.roles import cli_principal
from marketguard.incidents import service as incidents
from marketguard.incidents.scope import Scope
from marketguard.money import Money
from marketguard.uow import unit_of_work
from tests.web.browser.conftest import LiveServer, Portal
from tests.web.notice_pages import file_on, world

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n"


def _shoot(page: Page, path: str, name: str, out: Path) -> Path:
    answer = page.goto(path)
    assert answer is not None and answer.status == 200, path
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    target = out / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def test_the_main_pages_render_to_images(
    portal: Portal, live_server: LiveServer, tmp_path: Path
) -> None:
    settings = live_server.settings
    w = world(settings, tmp_path / "seed")
    notice_id = file_on(settings, w, ["L-1", "L-3"])
    with unit_of_work(settings) as session:
        for title, scope in (
            ("Account takeovers on EU logins", Scope(users=500, orders=200, money_at_risk=Money(
                amount=5_000_000, currency="EUR"))),
            ("Export of seller phones found on a paste site",
             Scope(records_exposed=2_000, sellers=2_000, data_level=3)),
            ("Notices about to miss their clock for Acme Outdoor", Scope(brands=1, listings=40)),
        ):
            incidents.open_incident(session, settings, actor=cli_principal(), title=title,
                                    scope=scope)
    out = tmp_path / "shots"
    out.mkdir()
    shots = [_shoot(portal.page(), "/portal/login", "sign-in", out)]
    agent = portal.signed_in_page("rights_holder", brand_id=w.ids["acme"])
    shots.append(_shoot(agent, "/portal/notices/new", "file-a-notice", out))
    reviewer = portal.signed_in_page("reviewer")
    shots.append(_shoot(reviewer, f"/portal/notices/{notice_id}", "notice-for-a-reviewer", out))
    responder = portal.signed_in_page("responder")
    shots.append(_shoot(responder, "/portal/incidents", "incidents", out))
    shots.append(_shoot(portal.page(), "/transparency", "transparency", out))
    for shot in shots:
        data = shot.read_bytes()
        assert data.startswith(PNG) and len(data) > 5_000, shot.name
    keep = os.environ.get("MARKETGUARD_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, Path(keep) / shot.name)
