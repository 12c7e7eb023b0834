"""Run a simulation: brands, sellers, listings and photos, orders, events, labels.

``simulate(config)`` is the one entry point; the CLI, the demo, the tests and the
benchmarks all call it. The stages draw from separate seeded generators, and
the output appears in ``config.out`` only once everything has been written.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from marketguard import __version__
from marketguard.simulate import events as event_files
from marketguard.simulate.brands import brand_count, generate_brands, write_packs
from marketguard.simulate.config import (
    FORMAT_VERSION,
    GENERATOR,
    SimulationConfig,
    SimulationSummary,
    validate,
)
from marketguard.simulate.listing_images import render_all
from marketguard.simulate.listings import plan_listings
from marketguard.simulate.orders import listing_orders
from marketguard.simulate.population import build_population, buyer_count
from marketguard.simulate.rng import IdFactory, stage_numpy, stage_random
from marketguard.simulate.sellers import generate_sellers
from marketguard.simulate.world import World
from marketguard.simulate.writer import (
    Progress,
    no_progress,
    rfc3339_s,
    staged,
    write_json,
    write_jsonl,
)

__all__ = ["SimulationConfig", "SimulationSummary", "simulate"]

FILES = {
    "brands": "brands",
    "sellers": "sellers.jsonl",
    "listings": "listings.jsonl",
    "listing_images": "img",
    "orders": "orders.jsonl",
    "events": "events.jsonl",
    "listing_labels": "labels/listings.jsonl",
    "seller_labels": "labels/sellers.jsonl",
    "event_labels": "labels/events.jsonl",
    "manifest": "manifest.json",
}


def simulate(config: SimulationConfig, progress: Progress | None = None) -> SimulationSummary:
    """Write a whole synthetic marketplace into ``config.out``; return what was written.

    Raises ``InvalidInput`` (and writes nothing) when the request makes no sense.
    """
    validate(config)
    report = progress or no_progress
    seed, start_ms, end_ms = config.seed, config.start_ms, config.end_ms
    seen: set[str] = set()
    out = Path(config.out)
    summary = SimulationSummary(out=out, seed=seed)
    with staged(out) as folder:
        report("brands", 0, 1)
        brands = generate_brands(
            stage_random(seed, "brands"),
            brand_count(config.listings),
            config.start.year,
            config.listings,
        )
        sellers = generate_sellers(
            stage_random(seed, "sellers"),
            IdFactory(stage_random(seed, "seller-ids"), seen),
            config.sellers,
            brands,
            start_ms,
            config.days,
        )
        write_packs(folder / "brands", brands, report)
        report("brands", 1, 1)
        write_jsonl(folder / "sellers.jsonl", (s.record() for s in sellers))
        write_jsonl(folder / "labels" / "sellers.jsonl", (s.label() for s in sellers))

        report("listings", 0, config.listings)
        listings = plan_listings(
            stage_random(seed, "listings"), config.listings, brands, sellers, start_ms, config.days
        )
        summary.listing_images = render_all(seed, listings, folder, report)
        write_jsonl(folder / "listings.jsonl", (item.record() for item in listings))
        write_jsonl(folder / "labels" / "listings.jsonl", (item.label() for item in listings))
        report("listings", config.listings, config.listings)

        report("events", 0, config.events)
        population = build_population(
            stage_random(seed, "population"),
            stage_numpy(seed, "population"),
            IdFactory(stage_random(seed, "population-ids"), seen),
            buyer_count(config.listings, config.events),
            sellers,
            start_ms,
            config.days,
        )
        book = listing_orders(
            stage_random(seed, "orders"), listings, population.registered_ms, end_ms
        )
        world = World(
            start_ms,
            end_ms,
            population,
            listings,
            book,
            IdFactory(stage_random(seed, "event-ids"), seen),
        )
        table, fraud = event_files.generate(
            world, stage_random(seed, "fraud"), stage_numpy(seed, "events"), config.events
        )
        orders = book.records(listings, population.tables.users)
        write_jsonl(folder / "orders.jsonl", orders)
        event_files.write(
            world, table, folder / "events.jsonl", folder / "labels" / "events.jsonl", report
        )

        summary.brands = len(brands)
        summary.products = sum(len(b.products) for b in brands)
        summary.sellers = len(sellers)
        summary.seller_kinds = dict(sorted(Counter(s.kind for s in sellers).items()))
        summary.listings = len(listings)
        summary.counterfeit_listings = sum(1 for item in listings if item.counterfeit)
        summary.disguises = dict(
            sorted(Counter(i.disguise for i in listings if i.disguise is not None).items())
        )
        summary.orders = len(orders)
        summary.events = len(table["ts"])
        summary.fraud_events = fraud
        write_json(folder / "manifest.json", _manifest(config, summary))
    summary.paths = {name: out / relative for name, relative in FILES.items()}
    return summary


def _manifest(config: SimulationConfig, summary: SimulationSummary) -> dict[str, object]:
    """Describe the run: enough to reproduce it, nothing that varies between runs."""
    return {
        "generator": GENERATOR,
        "generator_version": __version__,
        "format_version": FORMAT_VERSION,
        "seed": config.seed,
        "config": {
            "sellers": config.sellers,
            "listings": config.listings,
            "events": config.events,
            "days": config.days,
            "start": rfc3339_s(config.start_ms),
        },
        "counts": summary.counts(),
        "files": FILES,
        "labels_note": "labels/ holds the ground truth; the platform must never read it",
    }
