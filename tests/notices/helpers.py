"""Typed helpers for notice-and-takedown tests: a seeded world and its principals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from marketguard.auth.roles import Principal, Role
from marketguard.brands import service as brands_service
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.notices.intake import Submission
from marketguard.notices.settings import NoticeSettings
from marketguard.uow import unit_of_work
from tests.factories import listing, seed_marketplace, write_jsonl

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
EXPLANATION = "These listings sell counterfeit Summit backpacks bearing our registered mark."

# A policy where two decisions are enough for the fast lane (the default needs 20).
FAST = NoticeSettings(fast_lane_min_decided=2, fast_lane_min_upheld=0.9,
                      fast_lane_max_overturned=0.1)


@dataclass(frozen=True)
class World:
    """Two brands with rights, two sellers with listings, and who acts for each."""

    ids: dict[str, Any]
    acme: Principal
    borealis: Principal
    reviewer: Principal
    appeals_reviewer: Principal  # decides appeals: not the person who took the decision
    admin: Principal
    seller1: Principal
    seller2: Principal


def principal(role: Role, name: str, **scope: str) -> Principal:
    return Principal(token_id=f"t-{name}", name=name, role=role, **scope)


def make_world(settings: Settings, folder: Path, *, verify: bool = True,
               extra_listings: int = 0) -> World:
    """Seed the marketplace (L-1, L-2 of S-0001; L-3, L-4 of S-0002; more of S-0002)."""
    ids = seed_marketplace(settings, folder)
    admin = principal(Role.platform_admin, "admin")
    if extra_listings:
        path = write_jsonl(folder / "more.jsonl", [
            listing(f"L-{n}", "S-0002") for n in range(5, 5 + extra_listings)
        ])
        with unit_of_work(settings) as session:
            catalog_service.import_listings(session, actor=admin, path=path)
    if verify:
        with unit_of_work(settings) as session:
            for key in ("acme_right", "borealis_right"):
                brands_service.verify_right(session, actor=admin, right_id=ids[key],
                                            status="verified", reason="registry checked")
    return World(
        ids=ids,
        acme=principal(Role.rights_holder, "acme-legal", brand_id=ids["acme"]),
        borealis=principal(Role.rights_holder, "borealis-legal", brand_id=ids["borealis"]),
        reviewer=principal(Role.reviewer, "reviewer"),
        appeals_reviewer=principal(Role.reviewer, "appeals-reviewer"),
        admin=admin,
        seller1=principal(Role.seller, "seller-1", seller_id="S-0001"),
        seller2=principal(Role.seller, "seller-2", seller_id="S-0002"),
    )


def submission(right_id: str, listings: list[str], **overrides: Any) -> Submission:
    """A complete notice on ``listings``; override any element to break it."""
    fields: dict[str, Any] = {
        "right_id": right_id,
        "listings": listings,
        "explanation": EXPLANATION,
        "notifier_name": "Ada Counsel",
        "notifier_email": "ada@acme.example",
        "good_faith": True,
    }
    fields.update(overrides)
    return Submission(**fields)


def notice_body(right_id: str, listings: list[str], **overrides: Any) -> dict[str, Any]:
    """The JSON body of ``POST /notices`` (FORMATS §6)."""
    body: dict[str, Any] = {
        "right_id": right_id,
        "listing_ids": listings,
        "explanation": EXPLANATION,
        "notifier": {"name": "Ada Counsel", "email": "ada@acme.example"},
        "good_faith": True,
    }
    body.update(overrides)
    return body


def api_world(settings: Settings, folder: Path, *, verify: bool = True) -> dict[str, Any]:
    """Seed the marketplace and issue a token for each party; return ids and secrets."""
    from tests.factories import token

    world = make_world(settings, folder, verify=verify)
    ids = dict(world.ids)
    ids.update(
        acme_agent=token(settings, "rights_holder", brand_id=ids["acme"], name="Acme legal"),
        borealis_agent=token(settings, "rights_holder", brand_id=ids["borealis"],
                             name="Borealis legal"),
        seller_1=token(settings, "seller", seller_id="S-0001"),
        seller_2=token(settings, "seller", seller_id="S-0002"),
        reviewer=token(settings, "reviewer", name="Night shift"),
        appeals_reviewer=token(settings, "reviewer", name="Appeals desk"),
        admin=token(settings, "platform_admin", name="Ops"),
    )
    return ids
