"""Ground truth: complete, kept apart, and covering every disguise and seller kind."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from marketguard.simulate.disguises import DISGUISES
from marketguard.simulate.service import SimulationSummary
from tests.simulate.helpers import read_jsonl

HONEST_KINDS = {
    "unbranded",
    "genuine",
    "secondhand",
    "nominative",
    "common_word",
    "replica_unbranded",
}


def test_when_labels_are_read_then_every_record_has_exactly_one(market: SimulationSummary) -> None:
    out = market.out
    for data, labels, key in (
        ("listings.jsonl", "labels/listings.jsonl", "listing_id"),
        ("sellers.jsonl", "labels/sellers.jsonl", "seller_id"),
        ("events.jsonl", "labels/events.jsonl", "event_id"),
    ):
        ids = [r[key] for r in read_jsonl(out / data)]
        assert [r[key] for r in read_jsonl(out / labels)] == ids


def test_when_data_files_are_read_then_they_hold_no_ground_truth(market: SimulationSummary) -> None:
    truth = {"counterfeit", "disguise", "kind", "ring", "pattern", "label", "fraud"}
    for name in ("sellers.jsonl", "listings.jsonl", "orders.jsonl", "events.jsonl"):
        for record in read_jsonl(market.out / name):
            assert not truth & set(record), (name, record)
    names = [p for r in read_jsonl(market.out / "listings.jsonl") for p in r["images"]]
    assert not any(word in p for p in names for word in ("official", "fake", "knockoff", "ring"))


@pytest.mark.parametrize("disguise", DISGUISES)
def test_when_catalogue_is_moderate_then_every_disguise_appears(
    market: SimulationSummary, disguise: str
) -> None:
    labels = read_jsonl(market.out / "labels" / "listings.jsonl")
    tagged = [r for r in labels if r["disguise"] == disguise]
    assert len(tagged) >= 3
    assert all(r["counterfeit"] and r["brand"] and r["kind"] == "counterfeit" for r in tagged)


def test_when_listings_are_labelled_then_hard_negatives_are_honest(
    market: SimulationSummary,
) -> None:
    labels = read_jsonl(market.out / "labels" / "listings.jsonl")
    kinds = Counter(r["kind"] for r in labels if not r["counterfeit"])
    assert set(kinds) == HONEST_KINDS
    listings = {r["listing_id"]: r for r in read_jsonl(market.out / "listings.jsonl")}
    for label in labels:
        title = listings[label["listing_id"]]["title"]
        if label["kind"] == "replica_unbranded":
            assert "replica" in title.lower() and label["brand"] is None
        if label["kind"] in ("nominative", "common_word"):
            assert label["brand"] is None
            assert label["mentions_brand"].lower() in title.lower()


def test_when_disguises_are_applied_then_titles_hide_or_show_brand_as_tagged(
    market: SimulationSummary,
) -> None:
    listings = {r["listing_id"]: r for r in read_jsonl(market.out / "listings.jsonl")}
    for label in read_jsonl(market.out / "labels" / "listings.jsonl"):
        text = (
            listings[label["listing_id"]]["title"]
            + " "
            + listings[label["listing_id"]]["description"]
        )
        brand = label["brand"]
        if label["disguise"] in ("homoglyph", "leetspeak", "spaced", "misspelled", "model_number"):
            assert brand not in text, (label, text)
        if label["disguise"] == "text_in_image":
            assert any(t.startswith("banner:REPLICA ") for t in label["image_transforms"])
            assert "replica" not in text.lower()
        if label["disguise"] == "stolen_photo":
            assert label["image_transforms"]


def test_when_sellers_are_in_a_ring_then_each_shares_an_identifier_with_another(
    market: SimulationSummary,
) -> None:
    sellers = {r["seller_id"]: r for r in read_jsonl(market.out / "sellers.jsonl")}
    labels = read_jsonl(market.out / "labels" / "sellers.jsonl")
    rings: dict[str, list[str]] = defaultdict(list)
    for label in labels:
        if label["ring"]:
            rings[label["ring"]].append(label["seller_id"])
    assert rings and all(3 <= len(members) <= 8 for members in rings.values())

    def values(seller_id: str) -> set[str]:
        return {v for vs in sellers[seller_id]["identifiers"].values() for v in vs}

    for members in rings.values():
        for member in members:
            others = set().union(*(values(m) for m in members if m != member))
            assert values(member) & others, member
    ring_values = set().union(*(values(m) for ms in rings.values() for m in ms))
    outsiders = [s for s in sellers if not any(s in ms for ms in rings.values())]
    assert all(not (values(s) & ring_values) for s in outsiders)
    assert {label["kind"] for label in labels} == {"honest", "authorized", "ring", "new"}


def test_when_price_only_fakes_are_listed_then_a_new_ring_account_sells_them(
    market: SimulationSummary,
) -> None:
    sellers = {r["seller_id"]: r for r in read_jsonl(market.out / "labels" / "sellers.jsonl")}
    listings = {r["listing_id"]: r for r in read_jsonl(market.out / "listings.jsonl")}
    for label in read_jsonl(market.out / "labels" / "listings.jsonl"):
        if label["disguise"] == "price_only":
            seller = sellers[listings[label["listing_id"]]["seller_id"]]
            assert seller["kind"] == "ring" and seller["new_account"]
