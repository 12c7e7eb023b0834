"""Typed helpers for the notice page tests: a seeded world, sign-in cookies, form tokens."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketguard.config import Settings
from marketguard.notices import service
from marketguard.notices.models import Notice, NoticeItem, Notifier
from marketguard.uow import unit_of_work
from tests.factories import portal_cookie
from tests.notices.helpers import World, make_world, submission

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def world(settings: Settings, folder: Path, **options: Any) -> World:
    """Seed two brands with verified rights and listings L-1..L-4 (more with extra_listings)."""
    return make_world(settings, folder, **options)


def sign_in(client: TestClient, settings: Settings, role: str, **scope: str) -> None:
    """Replace the client's session with a new person of ``role`` (and scope)."""
    client.cookies.clear()
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    client.cookies.update(portal_cookie(settings, role, email=email, **scope))


def csrf(client: TestClient, path: str) -> str:
    """The CSRF token the page at ``path`` puts in its forms."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)


def file_on(settings: Settings, w: World, listings: list[str], brand: str = "acme") -> str:
    """File a notice through the service (as the API would) and return its id."""
    actor = w.acme if brand == "acme" else w.borealis
    with unit_of_work(settings) as session:
        notice = service.file_notice(session, actor=actor,
                                     submission=submission(w.ids[f"{brand}_right"], listings))
        return notice.id


def counts(settings: Settings) -> dict[str, int]:
    """How many notices, noticed listings and notifier records exist."""
    with unit_of_work(settings) as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in (("notices", Notice), ("items", NoticeItem),
                                ("notifiers", Notifier))
        }


def item_status(settings: Settings, notice_id: str, listing_id: str) -> str:
    with unit_of_work(settings) as session:
        return session.scalars(select(NoticeItem.status).where(
            NoticeItem.notice_id == notice_id, NoticeItem.listing_id == listing_id)).one()
