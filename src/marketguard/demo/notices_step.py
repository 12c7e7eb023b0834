"""Demo step for notice and takedown: a month of brands' notices, then the report."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from rich.table import Table
from sqlalchemy import select

from marketguard.brands.models import Brand
from marketguard.catalog.models import Listing
from marketguard.demo.detection_step import read_labels
from marketguard.demo.progress import progress_bars
from marketguard.notices.simulation import run_simulated_notices
from marketguard.reports.service import render, transparency
from marketguard.uow import unit_of_work


def run_notices(ctx: Any) -> None:
    """Brands file notices on what they still see live; reviewers decide; sellers appeal."""
    labels = read_labels(ctx.folder / "marketplace" / "labels" / "listings.jsonl")
    with unit_of_work(ctx.settings) as session:
        brand_ids = {brand.name: brand.id for brand in session.scalars(select(Brand))}
        live = set(session.scalars(select(Listing.listing_id).where(Listing.status == "live")))
    suspects: dict[str, list[str]] = defaultdict(list)
    for listing_id, truth in labels.items():
        brand = truth.get("brand")
        if brand in brand_ids and listing_id in live:
            suspects[brand_ids[brand]].append(listing_id)
    fakes = {listing_id for listing_id, truth in labels.items() if truth.get("counterfeit")}
    end = ctx.size.start + timedelta(days=ctx.size.days)
    with unit_of_work(ctx.settings) as session, progress_bars(ctx.console) as progress:
        month = run_simulated_notices(
            session,
            brand_ids=sorted(suspects),
            listing_ids_by_brand=dict(suspects),
            counterfeit_truth=fakes,
            start=ctx.size.start,
            days=ctx.size.days,
            rng_seed=ctx.size.seed,
            progress=lambda done, total: progress("simulated days of notices", done, total),
        )
    table = Table(title="A month of notice and takedown")
    table.add_column("what")
    table.add_column("count", justify="right")
    for name in (
        "notices", "listings", "refused_notices", "takedowns", "rejections",
        "manifestly_unfounded", "appeals", "test_buys", "fast_lane_notices",
    ):  # fmt: skip
        table.add_row(name.replace("_", " "), f"{getattr(month, name):,}")
    ctx.console.print(table)
    with unit_of_work(ctx.settings) as session:
        report = transparency(session, start=ctx.size.start, end=end)
    ctx.console.print(render(report))
