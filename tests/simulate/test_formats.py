"""Every file parses and follows the exchange formats (FORMATS §1, §2, §4)."""

from __future__ import annotations

import re

import orjson
from PIL import Image

from marketguard.brands.packs import LoadedPack, load_pack, pack_files
from marketguard.catalog.schemas import ListingIn, OrderIn, SellerIn
from marketguard.money import MINOR_UNITS
from marketguard.simulate.service import SimulationSummary
from marketguard.timeutil import parse_rfc3339
from tests.simulate.helpers import read_jsonl

EVENT_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
EVENT_TYPES = {
    "account.register",
    "account.login",
    "account.password_reset",
    "address.changed",
    "order.created",
    "payment.authorized",
    "listing.published",
    "refund.requested",
}


def test_when_brand_packs_load_then_every_pack_validates_with_its_images(
    market: SimulationSummary,
) -> None:
    files = pack_files(market.out / "brands")
    packs = [load_pack(path) for path in files]
    assert len(packs) == market.brands >= 8
    assert all(isinstance(pack, LoadedPack) for pack in packs), packs
    loaded = [p for p in packs if isinstance(p, LoadedPack)]
    assert sum(len(p.pack.products) for p in loaded) == market.products
    assert all(3 <= len(p.pack.products) <= 8 for p in loaded)
    assert all(len(product.images) == 2 for p in loaded for product in p.pack.products)
    assert any(any(not a.isascii() for a in p.pack.aliases) for p in loaded)
    design_only = [p for p in loaded if [r.kind for r in p.pack.rights] == ["design"]]
    assert len(design_only) >= 1
    assert all(p.pack.authorized_sellers and p.pack.counterfeit_terms for p in loaded)


def test_when_sellers_and_listings_are_read_then_catalog_schemas_accept_them(
    market: SimulationSummary,
) -> None:
    sellers = [SellerIn.model_validate(r) for r in read_jsonl(market.out / "sellers.jsonl")]
    listings = [ListingIn.model_validate(r) for r in read_jsonl(market.out / "listings.jsonl")]
    assert len(sellers) == market.sellers and len(listings) == market.listings
    kinds = {"device", "payment", "phone", "address", "ip"}
    assert all(set(s.identifiers) == kinds and all(s.identifiers.values()) for s in sellers)
    known = {s.seller_id for s in sellers}
    assert all(item.seller_id in known for item in listings)
    assert [item.created_at for item in listings] == sorted(item.created_at for item in listings)
    assert all(item.price.currency in MINOR_UNITS and item.price.amount > 0 for item in listings)
    assert {item.price.currency for item in listings} >= {"EUR", "USD"}


def test_when_listing_images_are_opened_then_every_one_is_a_picture(
    market: SimulationSummary,
) -> None:
    folder = market.out
    paths = {path for r in read_jsonl(folder / "listings.jsonl") for path in r["images"]}
    assert all(p.startswith("img/") and p.endswith(".jpg") for p in paths)
    for relative in sorted(paths):
        with Image.open(folder / relative) as image:
            assert image.format == "JPEG"
            assert min(image.size) >= 64
    assert len(paths) == market.listing_images


def test_when_orders_are_read_then_they_reference_listings_and_are_in_time_order(
    market: SimulationSummary,
) -> None:
    listings = {r["listing_id"]: r for r in read_jsonl(market.out / "listings.jsonl")}
    orders = [OrderIn.model_validate(r) for r in read_jsonl(market.out / "orders.jsonl")]
    assert len(orders) == market.orders > 0
    assert [o.ts for o in orders] == sorted(o.ts for o in orders)
    for order in orders:
        listing = listings[order.listing_id]
        assert order.ts > parse_rfc3339(listing["created_at"])
        assert (order.amount, order.currency) == (
            listing["price"]["amount"],
            listing["price"]["currency"],
        )


def test_when_events_are_read_then_each_has_id_type_and_millisecond_utc_time(
    market: SimulationSummary,
) -> None:
    events = read_jsonl(market.out / "events.jsonl")
    assert len(events) == market.events == 6000
    assert len({e["event_id"] for e in events}) == len(events)
    assert {e["type"] for e in events} == EVENT_TYPES
    for event in events:
        assert EVENT_TS.match(event["ts"]), event
        parse_rfc3339(event["ts"])
        if "amount" in event:
            assert isinstance(event["amount"], int) and event["amount"] >= 0
            assert event["currency"] in MINOR_UNITS
        if event["type"] == "account.login":
            assert event["outcome"] in ("success", "failure")


def test_when_manifest_is_read_then_it_holds_config_and_counts(market: SimulationSummary) -> None:
    manifest = orjson.loads((market.out / "manifest.json").read_bytes())
    assert manifest["seed"] == market.seed
    assert manifest["config"] == {
        "sellers": 60,
        "listings": 300,
        "events": 6000,
        "days": 30,
        "start": "2026-10-01T00:00:00Z",
    }
    assert manifest["counts"]["counterfeit_listings"] == market.counterfeit_listings
    assert all((market.out / p).exists() for p in manifest["files"].values())
