"""A seeded world for the seller, review and data-owner page tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from marketguard.auth.roles import Principal, Role, cli_principal
from marketguard.catalog.models import Listing
from marketguard.config import Settings
from marketguard.detection import service as detection
from marketguard.detection.apply import apply_action
from marketguard.enforcement import service as enforcement
from marketguard.uow import unit_of_work
from marketguard.web.guard import CSRF_FIELD
from tests.factories import seed_marketplace

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# The person who restricts listings in these tests (never the one deciding appeals).
RESTRICTOR = Principal(token_id="t-restrict", name="first.reviewer@example.com",
                       role=Role.reviewer)


def csrf_of(html: str) -> str:
    """The CSRF token a rendered page carries in its forms."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def form(token: str, **fields: str) -> dict[str, str]:
    """A form body carrying the session's CSRF token."""
    return {CSRF_FIELD: token, **fields}


def count(settings: Settings, model: Any, *where: Any) -> int:
    """Rows of ``model`` (matching ``where``), to show a refusal stored nothing."""
    with unit_of_work(settings) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def restrict(settings: Settings, listing_id: str) -> str:
    """Take a listing down on the terms of service; return the statement id."""
    with unit_of_work(settings) as session:
        statement = enforcement.restrict_listing(
            session, actor=RESTRICTOR, listing_id=listing_id, action="remove",
            ground="terms_of_service", facts="The photos show a counterfeit logo.",
            automated_detection=False, automated_decision="not_automated", source="reviewer",
            evidence={"reason": "test buy: the goods were fake"},
        )
        return statement.id


def held_world(settings: Settings, folder: Path) -> dict[str, Any]:
    """Seed the marketplace and hold L-3 (an Acme photo, Acme in the title) for review."""
    ids = seed_marketplace(settings, folder)
    with unit_of_work(settings) as session:
        detection.hash_references(session)
        listing = session.get(Listing, "L-3")
        assert listing is not None
        listing.title = "Acme Outdoor Summit backpack replica"
        listing.images = ["brands/img/acmeoutdoor_front.png"]
        listing.image_root = str(folder)
        session.flush()
        detection.check_listings(session, actor=cli_principal(), settings=settings,
                                 listings=[listing], stage="gate")
        row = detection.decisions_of(session, listing_id="L-3")[-1]
        listing.status = "live"
        apply_action(session, actor=cli_principal(), listing=listing, action="review",
                     decision=row, reason="held for a person")
    return ids
