"""End-to-end decisions: who is allowed, who is held for review, who is blocked."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import orjson
import pytest

from marketguard.detection.evidence import Decision
from marketguard.detection.image_hash import reference_hashes
from marketguard.detection.knowledge import ReferenceImage, SellerContext
from tests.detection.factories import (
    HONEST_SELLER,
    detector,
    listing,
    product_photo,
    save,
    seller,
)
from tests.detection.test_image import png


@cache
def official() -> ReferenceImage:
    hashes = reference_hashes(png(product_photo(7)))
    return ReferenceImage(
        "ref-7", "brand-acme", "prod-sm45", "summit45_front.jpg", hashes.pdq, "official",
        hashes.variants,
    )  # fmt: skip


def check(title: str, tmp_path: Path, *, photo: bool = False, who: str = "S-0666",
          context: SellerContext | None = None, **fields: object) -> Decision:  # fmt: skip
    copy = product_photo(7).resize((400, 400))
    images = (save(copy, tmp_path / "copy.jpg", "JPEG", quality=70),) if photo else ()
    item = listing(title, seller_id=who, image_paths=images, **fields)
    return detector([official()]).check(item, context or seller(seller_id=who))


def test_when_authorized_seller_sells_genuine_goods_at_sane_price_then_allowed(
    tmp_path: Path,
) -> None:
    decision = check("Acme Summit 45 backpack, new", tmp_path, photo=True, who=HONEST_SELLER)
    assert decision.action == "allow"
    assert decision.brand == "Acme Outdoor"
    assert any(r.signal == "authorization" for r in decision.reasons)


@pytest.mark.parametrize(
    "title", ["Hiking backpack 45 l, waterproof", "Replica Roman gladius sword", "Fake fur blanket"]
)
def test_when_goods_are_unbranded_then_allowed(title: str, tmp_path: Path) -> None:
    decision = check(title, tmp_path, price_amount=1500)
    assert (decision.action, decision.brand) == ("allow", None)


@pytest.mark.parametrize(
    "title",
    [
        "Acme Summit 45 backpack replica",
        "ACME backpack 1:1 mirror quality",
        "Асme backpack super copy",
        "高仿 ACME 双肩包",
        "Mochila Acme réplica",
        "Acme Rucksack Fälschung",
    ],
)
def test_when_brand_and_counterfeit_vocabulary_then_blocked(title: str, tmp_path: Path) -> None:
    decision = check(title, tmp_path)
    assert decision.action == "block"
    assert decision.brand == "Acme Outdoor"
    assert decision.reasons[0].signal == "counterfeit_terms"


def test_when_stolen_official_photo_and_suspicious_price_from_unauthorized_seller_then_blocked(
    tmp_path: Path,
) -> None:
    decision = check("Summit 45 backpack", tmp_path, photo=True, price_amount=2900)
    assert decision.action == "block"
    signals = {r.signal for r in decision.reasons if r.weight > 0}
    assert {"image_match", "price"} <= signals
    assert any("official image summit45_front.jpg" in r.detail for r in decision.reasons)


def test_when_stolen_photo_without_brand_words_then_brand_identified_from_photo(
    tmp_path: Path,
) -> None:
    decision = check("Hiking backpack", tmp_path, photo=True, price_amount=2900)
    assert decision.brand == "Acme Outdoor"
    assert decision.action == "block"


@pytest.mark.parametrize(
    ("title", "photo", "price"),
    [
        ("Acme Summit 45 backpack", True, 16900),  # copied photo, sane price
        ("Acme Summit 45 backpack", False, 5500),  # price alone: 29% of MSRP
        ("Асme backpack", False, 16900),  # disguised name alone
        ("4cme backpack", False, 16900),
        ("Acme backpack dupe", False, 16900),
    ],
)
def test_when_evidence_is_weaker_then_held_for_review(
    title: str, photo: bool, price: int, tmp_path: Path
) -> None:
    decision = check(title, tmp_path, photo=photo, price_amount=price)
    assert decision.action == "review", decision.to_dict()


def test_when_plain_brand_listing_from_ordinary_seller_then_allowed(tmp_path: Path) -> None:
    assert check("Acme Summit 45 backpack, barely used", tmp_path).action == "allow"


def test_when_seller_is_risky_then_brand_listing_goes_to_review(tmp_path: Path) -> None:
    risky = seller(account_age_days=2, listings_last_24h=150, strikes=1,
                   linked_penalized_sellers=[("S-0009", "payment")])  # fmt: skip
    decision = check("Acme Summit 45 backpack", tmp_path, context=risky)
    assert decision.action == "review"
    assert any("payment with S-0009" in r.detail for r in decision.reasons)


def test_when_compatible_accessory_then_allowed_without_brand(tmp_path: Path) -> None:
    title = "Rain cover compatible with Acme Summit 45"
    decision = check(title, tmp_path, category="bag-accessories", price_amount=1200)
    assert (decision.action, decision.brand) == ("allow", None)


def test_when_currency_unknown_then_error_evidence_and_still_decided(tmp_path: Path) -> None:
    decision = check("Acme Summit 45 backpack", tmp_path, price_currency="XXX")
    [error] = [r for r in decision.reasons if r.error]
    assert error.signal == "price" and "no reference exchange rate for 'XXX'" in error.detail


def test_when_price_in_other_currency_then_converted(tmp_path: Path) -> None:
    decision = check("Acme Summit 45 backpack", tmp_path, price_amount=3000, price_currency="USD")
    [price] = [r for r in decision.reasons if r.signal == "price"]
    assert price.detail.startswith("15% of MSRP (30.00 USD vs MSRP 189.00 EUR")


def test_when_decision_serialised_then_matches_scan_format(tmp_path: Path) -> None:
    decision = check("Acme Summit 45 backpack replica", tmp_path, photo=True)
    line = orjson.loads(orjson.dumps(decision.to_dict()))
    assert list(line) == ["listing_id", "action", "score", "brand", "reasons"]
    assert line["brand"] == "Acme Outdoor" and 0 <= line["score"] <= 1
    assert all(set(r) == {"signal", "detail", "weight"} for r in line["reasons"])
    record = decision.to_record()
    assert record["versions"]["knowledge"] and record["brand_id"] == "brand-acme"


def test_when_batch_checked_then_decisions_in_input_order(tmp_path: Path) -> None:
    items = [listing(t, listing_id=f"L-{i}") for i, t in enumerate(["a bag", "Acme replica", "x"])]
    decisions = detector().check_batch(items, {"S-0666": seller()})
    assert [d.listing_id for d in decisions] == ["L-0", "L-1", "L-2"]
    assert [d.action for d in decisions] == ["allow", "block", "allow"]
