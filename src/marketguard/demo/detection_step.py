"""Demo steps for brand protection: the gate, the full scan, the reviewer, the model."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from rich.table import Table
from sqlalchemy import select

from marketguard.auth.roles import Principal, cli_principal
from marketguard.catalog import service as catalog_service
from marketguard.catalog.models import Listing
from marketguard.config import Settings
from marketguard.demo.progress import ProgressCallback, progress_bars
from marketguard.detection import review, service, training
from marketguard.detection.models import ReviewCase, ScanDecision
from marketguard.uow import unit_of_work

REVIEWS_PER_DEMO = 200
FULL_SCAN_DELAY = timedelta(minutes=2)  # the slower pass, replayed shortly after submission


def read_labels(path: Path) -> dict[str, dict[str, Any]]:
    """Ground truth the platform never reads — only the demo's scoreboard does."""
    with path.open("rb") as handle:
        return {row["listing_id"]: row for row in map(orjson.loads, handle)}


def submit_and_scan(settings: Settings, market: Path, progress: ProgressCallback) -> None:
    """Submit every listing of a simulated market to the gate, then run the full scan."""
    actor = cli_principal("demo")
    with unit_of_work(settings) as session:
        catalog_service.import_listings(
            session, actor=actor, path=market / "listings.jsonl", new_status="held"
        )
        catalog_service.import_orders(session, actor=actor, path=market / "orders.jsonl")
        session.flush()
        listings = list(
            session.scalars(select(Listing).order_by(Listing.created_at, Listing.listing_id))
        )
        service.check_listings(
            session, actor=actor, settings=settings, listings=listings, stage="gate",
            replay=timedelta(0), progress=progress,
        )  # fmt: skip
        service.run_full_scans(
            session, actor=actor, settings=settings, limit=len(listings),
            replay=FULL_SCAN_DELAY, progress=progress,
        )  # fmt: skip


def listing_statuses(settings: Settings) -> dict[str, str]:
    with unit_of_work(settings) as session:
        return dict(session.execute(select(Listing.listing_id, Listing.status)).all())


def scan_new_listings(ctx: Any) -> None:
    """Submit every simulated listing to the gate, then run the slower full scan."""
    market = ctx.folder / "marketplace"
    with progress_bars(ctx.console) as progress:
        submit_and_scan(ctx.settings, market, progress)
    labels = read_labels(market / "labels" / "listings.jsonl")
    _print_scoreboard(ctx, labels)
    _print_examples(ctx, labels)


def _print_scoreboard(ctx: Any, labels: dict[str, dict[str, Any]]) -> None:
    statuses = listing_statuses(ctx.settings)
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for listing_id, status in statuses.items():
        truth = labels.get(listing_id, {})
        group = truth.get("disguise") or ("genuine" if not truth.get("counterfeit") else "other")
        rows[group][status] += 1
    table = Table(title="Listings by ground truth and where the platform put them")
    for column in ("listing kind", "listings", "blocked/removed", "held for review", "live"):
        table.add_column(column, justify="left" if column == "listing kind" else "right")
    for group in sorted(rows, key=lambda g: (g == "genuine", g)):
        counts = rows[group]
        taken_down = counts["blocked"] + counts["removed"]
        table.add_row(
            group,
            str(sum(counts.values())),
            str(taken_down),
            str(counts["held"]),
            str(counts["live"]),
        )
    ctx.console.print(table)
    counterfeit = [lid for lid, t in labels.items() if t.get("counterfeit")]
    genuine = [lid for lid, t in labels.items() if not t.get("counterfeit")]
    down = {lid for lid, s in statuses.items() if s in ("blocked", "removed")}
    held = {lid for lid, s in statuses.items() if s == "held"}
    caught = sum(1 for lid in counterfeit if lid in down or lid in held)
    blocked_true = sum(1 for lid in down if labels.get(lid, {}).get("counterfeit"))
    ctx.console.print(
        f"counterfeits stopped before going live (blocked or held): {caught}/{len(counterfeit)} "
        f"({caught / max(len(counterfeit), 1):.1%}); block precision "
        f"{blocked_true}/{len(down)} ({blocked_true / max(len(down), 1):.1%}); genuine listings "
        f"held or blocked: {sum(1 for lid in genuine if lid in down or lid in held)}/{len(genuine)}"
    )


def _print_examples(ctx: Any, labels: dict[str, dict[str, Any]]) -> None:
    """Show one blocked counterfeit per disguise with the evidence that convicted it."""
    shown: set[str] = set()
    table = Table(title="Why they were blocked (one example per disguise)", show_lines=True)
    table.add_column("listing / disguise")
    table.add_column("score", justify="right")
    table.add_column("evidence")
    with unit_of_work(ctx.settings) as session:
        rows = session.scalars(
            select(ScanDecision).where(ScanDecision.action == "block").order_by(ScanDecision.id)
        )
        for row in rows:
            disguise = labels.get(row.listing_id, {}).get("disguise")
            if not disguise or disguise in shown:
                continue
            shown.add(disguise)
            evidence = "\n".join(f"{r['signal']}: {r['detail']}" for r in row.reasons[:3])
            table.add_row(f"{row.listing_id}\n{disguise}", f"{row.score:.2f}", evidence)
    ctx.console.print(table)


def work_review_queue(ctx: Any) -> None:
    """A reviewer decides held listings (the demo answers from ground truth); then train."""
    labels = read_labels(ctx.folder / "marketplace" / "labels" / "listings.jsonl")
    reviewer = Principal(token_id="demo", name="demo reviewer", role=cli_principal().role)
    outcomes: Counter[str] = Counter()
    with unit_of_work(ctx.settings) as session:
        cases = list(session.scalars(review.queue_query().order_by(ReviewCase.id)))
        for case in cases[:REVIEWS_PER_DEMO]:
            fake = bool(labels.get(case.listing_id, {}).get("counterfeit"))
            review.decide_case(
                session,
                actor=reviewer,
                case_id=case.id,
                outcome="confirm" if fake else "overturn",
                reason="test buy confirmed a counterfeit" if fake else "genuine, verified",
            )
            outcomes["confirmed" if fake else "overturned"] += 1
        # Blocked listings the brands confirm (as notices would) are labels too.
        for row in session.scalars(
            select(Listing).where(Listing.status.in_(("blocked", "removed")))
        ):
            truth = labels.get(row.listing_id, {})
            review.record_label(
                session,
                listing_id=row.listing_id,
                counterfeit=bool(truth.get("counterfeit")),
                source="notice",
                brand_id=None,
            )
    ctx.console.print(
        f"reviewer decided {sum(outcomes.values())} of {len(cases)} held listings: "
        f"{outcomes['confirmed']} confirmed counterfeit (their photos joined the reference "
        f"index), {outcomes['overturned']} overturned and published"
    )
    with unit_of_work(ctx.settings) as session:
        result = training.train(session, actor=reviewer, settings=ctx.settings)
    ctx.console.print(
        f"trained detection model {result.version} on {result.examples} labelled listings "
        f"({result.positives} counterfeit); every later decision records this version"
    )
