"""An incomplete or inconsistent notice is refused, a reason per element, and creates nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketguard.brands.models import Right
from marketguard.config import Settings
from marketguard.errors import InvalidInput
from marketguard.notices import service
from marketguard.notices.models import Notice, NoticeItem
from marketguard.notices.settings import DEFAULT_NOTICE_SETTINGS
from tests.notices.helpers import T0, World, make_world, submission

CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("no right", {"right_id": None}, "right_id", "name the registered right"),
    ("another brand's right", {"right_id": "@borealis"}, "right_id", "no right"),
    ("unknown right", {"right_id": "rgt_nope"}, "right_id", "no right 'rgt_nope' registered"),
    ("no listings", {"listings": []}, "listing_ids", "list the exact listings"),
    ("unknown listing", {"listings": ["L-404"]}, "listing_ids[0]", "no listing 'L-404'"),
    ("listing named twice", {"listings": ["L-3", "L-3"]}, "listing_ids[1]", "named twice"),
    ("listing not a string", {"listings": [7]}, "listing_ids[0]", "an id or a URL"),
    ("unknown listing URL", {"listings": ["https://shop.example/listings/L-9"]},
     "listing_ids[0]", "no listing"),
    ("no explanation", {"explanation": None}, "explanation", "reasoned explanation"),
    ("short explanation", {"explanation": "fake"}, "explanation", "too short"),
    ("long explanation", {"explanation": "x" * 2001}, "explanation", "at most 2000"),
    ("no notifier name", {"notifier_name": " "}, "notifier.name", "notifier's name"),
    ("no notifier email", {"notifier_email": None}, "notifier.email", "notifier's email"),
    ("bad notifier email", {"notifier_email": "ada-at-acme"}, "notifier.email", "not an email"),
    ("no good faith", {"good_faith": None}, "good_faith", "good faith"),
    ("good faith false", {"good_faith": False}, "good_faith", "good faith"),
    ("good faith as text", {"good_faith": "yes"}, "good_faith", "good faith"),
]


def _count(session: Session) -> tuple[int, int]:
    return (int(session.scalar(select(func.count()).select_from(Notice)) or 0),
            int(session.scalar(select(func.count()).select_from(NoticeItem)) or 0))


def _refusal(session: Session, world: World, **overrides: Any) -> list[dict[str, Any]]:
    fields: dict[str, Any] = {"right_id": world.ids["acme_right"], "listings": ["L-3"]}
    fields.update(overrides)
    if fields["right_id"] == "@borealis":
        fields["right_id"] = world.ids["borealis_right"]
    right_id, listings = fields.pop("right_id"), fields.pop("listings")
    with pytest.raises(InvalidInput) as caught:
        service.file_notice(session, actor=world.acme, now=T0,
                            submission=submission(right_id, listings, **fields))
    assert _count(session) == (0, 0)
    errors: list[dict[str, Any]] = caught.value.extra["errors"]
    return errors


@pytest.mark.parametrize(("case", "overrides", "field", "reason"), CASES,
                         ids=[c[0] for c in CASES])
def test_when_a_notice_element_is_missing_or_wrong_then_refused_naming_it(
    settings: Settings, session: Session, tmp_path: Path, case: str,
    overrides: dict[str, Any], field: str, reason: str,
) -> None:
    world = make_world(settings, tmp_path)
    errors = _refusal(session, world, **overrides)
    assert [e["field"] for e in errors] == [field], errors
    assert reason in errors[0]["reason"]


def test_when_a_notice_lacks_everything_then_every_element_has_its_own_reason(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    errors = _refusal(session, world, right_id=None, listings=[], explanation=None,
                      notifier_name=None, notifier_email=None, good_faith=None)
    assert [e["field"] for e in errors] == [
        "right_id", "listing_ids", "explanation", "notifier.name", "notifier.email", "good_faith"
    ]


def test_when_the_right_was_rejected_or_expired_then_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    right = session.get(Right, world.ids["acme_right"])
    assert right is not None
    right.valid_until = date(2025, 1, 1)
    assert "expired on 2025-01-01" in _refusal(session, world)[0]["reason"]
    right.valid_until, right.verification = None, "rejected"
    right.verification_reason = "not the registered holder"
    assert "rejected at verification" in _refusal(session, world)[0]["reason"]


def test_when_a_listing_is_already_down_or_under_notice_then_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    first = service.file_notice(session, actor=world.acme, now=T0,
                                submission=submission(world.ids["acme_right"], ["L-3", "L-4"]))
    service.decide(session, actor=world.reviewer, notice_id=first.id, listing_id="L-3",
                   outcome="takedown", reason="Counterfeit.", now=T0)
    with pytest.raises(InvalidInput) as caught:
        service.file_notice(session, actor=world.acme, now=T0,
                            submission=submission(world.ids["acme_right"], ["L-3", "L-4"]))
    reasons = [e["reason"] for e in caught.value.extra["errors"]]
    assert reasons == ["listing L-3 is already removed",
                       f"listing L-4 already awaits a decision on your notice {first.id}"]


def test_when_too_many_listings_are_named_then_refused(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    small = replace(DEFAULT_NOTICE_SETTINGS, max_listings_per_notice=1)
    with pytest.raises(InvalidInput, match="at most 1"):
        service.file_notice(session, actor=world.acme, now=T0, settings=small,
                            submission=submission(world.ids["acme_right"], ["L-3", "L-4"]))


def test_when_listings_are_named_by_url_then_the_ids_are_taken_from_the_urls(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path)
    notice = service.file_notice(session, actor=world.acme, now=T0, submission=submission(
        world.ids["acme_right"],
        ["https://shop.example/listings/L-3", "https://shop.example/item?listing_id=L-4"],
    ))
    items = service.items_of(session, notice.id)
    assert sorted(i.listing_id for i in items) == ["L-3", "L-4"]
    assert {i.submitted_as for i in items} == {
        "https://shop.example/listings/L-3", "https://shop.example/item?listing_id=L-4"
    }
