"""The contact-details signal: phone numbers and e-mail addresses in listings."""

from __future__ import annotations

from typing import Any

import pytest

from marketguard.detection.evidence import Decision, Evidence
from marketguard.detection.policy import Policy
from marketguard.detection.registry import default_registry
from tests.detection.factories import HONEST_SELLER, detector, listing, seller


def check(title: str, policy: Policy | None = None, **fields: Any) -> Decision:
    return detector(policy=policy).check(listing(title, **fields), seller(), images=False)


def contact_reasons(decision: Decision) -> list[dict[str, Any]]:
    return [r.to_reason() for r in decision.reasons if r.signal == "contact_details"]


def test_when_description_has_a_phone_number_then_held_for_review_with_masked_detail() -> None:
    decision = check("Blue hiking backpack",
                     description="WhatsApp +49 151 23456767 for a better price")  # fmt: skip
    assert decision.action == "review"
    assert contact_reasons(decision) == [{
        "signal": "contact_details",
        "detail": "description contains a phone number (+49 1** ******67): "
                  "contact details that take buyers off the platform",
        "weight": 0.65,
    }]  # fmt: skip
    assert "23456767" not in str(decision.to_record())
    assert decision.reasons[0].data["found"][0]["recognizer"] == "SellerPhoneRecognizer"


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"title": "Backpack - mail jane.doe@gmail.com"}, "title contains an e-mail address"),
        ({"description": "微信 13800138000 便宜"}, "description contains a phone number (138"),
        ({"description": "call +1 (415) 555-2671 or bob at gmail dot com"},
         "description contains a phone number (+1 (41*) ***-**71) and an e-mail address"),
        ({"attributes": {"contact": {"wechat": "+86 138 0013 8000"}}},
         "attribute 'contact.wechat' contains a phone number (+86 1** **** **00)"),
    ],
)  # fmt: skip
def test_when_contact_details_are_anywhere_in_the_listing_then_review(
    fields: dict[str, Any], where: str
) -> None:
    title = fields.pop("title", "Blue hiking backpack")
    decision = check(title, **fields)
    assert decision.action == "review"
    assert contact_reasons(decision)[0]["detail"].startswith(where)


GENUINE = [
    ("Acme Summit 45 backpack", "Genuine SM-45, bought 2024-01-15, order 4155552671, 189.00 EUR"),
    ("Blue hiking backpack 45 l", "30 x 20 x 60 cm, 1.2 kg, firmware-free :) EAN 4006381333931"),
    ("Apex Tote AT-100", "Size 42 EU / 8 UK. Ships in 2 days. Version 1.2.3.4"),
    ("Roman sword replica", "decorative, 95 cm, SKU 2345678901"),
    ("Case compatible with Lumina X9", "fits LX9, 12:30 pickup, 1,299.00 USD"),
]


@pytest.mark.parametrize(("title", "description"), GENUINE)
def test_when_listing_has_no_contact_details_then_decision_is_unchanged(
    title: str, description: str
) -> None:
    without = default_registry()
    without.unregister("contact_details")
    item = listing(title, description=description)
    before = detector(registry=without).check(item, seller(), images=False)
    after = detector().check(item, seller(), images=False)
    assert contact_reasons(after) == []
    assert (after.action, after.score, after.reasons) == (before.action, before.score,
                                                          before.reasons)  # fmt: skip


def test_when_contact_details_come_with_risky_seller_then_still_review_not_block() -> None:
    item = listing("Blue hiking backpack", description="tel +49 151 23456767")
    risky = seller(account_age_days=2.0, listings_last_24h=150, prior_takedowns=3, strikes=2)
    decision = detector().check(item, risky, images=False)
    assert decision.action == "review"
    assert decision.score < Policy().block_threshold


def test_when_counterfeit_listing_also_has_contact_details_then_still_blocked() -> None:
    decision = check("Acme Summit 45 backpack replica 1:1", price_amount=3000,
                     description="call +49 151 23456767")  # fmt: skip
    assert decision.action == "block"
    assert contact_reasons(decision)


def test_when_authorised_seller_posts_a_phone_number_then_not_discounted() -> None:
    item = listing("Acme Summit 45 backpack", seller_id=HONEST_SELLER,
                   description="original, call +49 151 23456767")  # fmt: skip
    decision = detector().check(item, seller(seller_id=HONEST_SELLER), images=False)
    assert decision.action == "review"


def test_the_weight_sits_between_the_policy_thresholds() -> None:
    policy = Policy(block_threshold=0.9, review_threshold=0.6)
    decision = check("Backpack", policy, description="jane.doe@gmail.com")
    assert contact_reasons(decision)[0]["weight"] == 0.75
    assert decision.action == "review"


def test_when_policy_weighs_the_signal_zero_then_it_is_off() -> None:
    policy = Policy(signal_weights={"contact_details": 0.0})
    decision = check("Backpack", policy, description="call +49 151 23456767")
    assert decision.action == "allow"


def test_evidence_round_trips_through_its_record() -> None:
    reason = check("Backpack", description="call +49 151 23456767").reasons[0]
    assert Evidence.from_record(reason.to_record()) == reason
    assert reason.platform_rule
