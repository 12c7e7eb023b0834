"""Detection service: hash references, check listings, scan files, learn from people.

Two passes share one detector. The **gate** runs before a listing goes live and
decides on what is ready at once (text, photo hashes, price, seller); the **full
scan** adds text read from the photos (OCR) and may still block a listing later —
the decision records whether that happened before or after the first sale.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.auth.roles import Principal
from marketguard.brands.models import ReferenceImage
from marketguard.catalog.models import Listing
from marketguard.config import Settings
from marketguard.detection import loader
from marketguard.detection.apply import apply_action
from marketguard.detection.detector import Detector
from marketguard.detection.evidence import Decision
from marketguard.detection.image_hash import ImageError, ReferenceHashes, reference_hashes
from marketguard.detection.models import ScanDecision
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

STRENGTH = {"allow": 0, "review": 1, "block": 2}
# stage -> (read photo text, only ever escalate)
STAGES = {"gate": (False, False), "full": (True, True), "backfill": (False, True)}
Progress = Callable[[str, int, int], None]


@dataclass
class ScanOutcome:
    """What a batch scan did, for the CLI and the demo."""

    decisions: list[Decision] = field(default_factory=list)
    actions: dict[str, int] = field(default_factory=lambda: {"allow": 0, "review": 0, "block": 0})

    def add(self, decision: Decision) -> None:
        self.decisions.append(decision)
        self.actions[decision.action] = self.actions.get(decision.action, 0) + 1


def hash_references(session: Session, *, progress: Progress | None = None) -> tuple[int, int]:
    """Hash every reference image not hashed yet; return (hashed, failed).

    Each reference needs a few hundred variant hashes (about 0.4 s of CPU), so
    larger batches are spread over the machine's cores.
    """
    pending = list(session.scalars(select(ReferenceImage).where(ReferenceImage.pdq.is_(None))))
    failed = 0
    workers = min(os.cpu_count() or 1, 4) if len(pending) >= 8 else 1
    context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context) if workers > 1 else None
    with executor if executor is not None else nullcontext() as pool:
        mapper = pool.map if pool is not None else map
        results = mapper(_hash_one, [ref.path for ref in pending])
        for number, (ref, result) in enumerate(zip(pending, results, strict=True), start=1):
            if isinstance(result, str):
                ref.hash_error = result
                failed += 1
            else:
                ref.pdq = result.pdq.hex()
                ref.pdq_quality = result.quality
                ref.pdq_variants = [v.hex() for v in result.variants]
                ref.hash_error = None
            if progress is not None:
                progress("hash reference images", number, len(pending))
    session.flush()
    return len(pending) - failed, failed


def _hash_one(path: str) -> ReferenceHashes | str:
    try:
        return reference_hashes(path)
    except ImageError as exc:
        return str(exc)


def _store(
    session: Session, decision: Decision, *, stage: str, pending_full: bool, at: datetime
) -> ScanDecision:
    record = decision.to_record()
    row = ScanDecision(
        id=new_id("scn"),
        listing_id=decision.listing_id,
        stage=stage,
        action=decision.action,
        score=float(decision.score),
        brand_id=decision.brand_id,
        reasons=record["reasons"],
        versions=record["versions"],
        applied=False,
        pending_full_scan=pending_full,
        created_at=at,
    )
    session.add(row)
    return row


def check_listings(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    listings: Sequence[Listing],
    stage: str,
    detector: Detector | None = None,
    now: datetime | None = None,
    replay: timedelta | None = None,
    progress: Progress | None = None,
) -> ScanOutcome:
    """Decide listings at ``stage``, store and apply each decision.

    ``gate`` applies its action outright; ``full`` (with OCR) and ``backfill`` only
    ever escalate (allow → review → block), so they never undo a person's call.
    With ``replay``, each listing is decided as of its own ``created_at`` plus
    ``replay`` (history replayed: seller facts, statements and first-sale checks
    are taken at that moment); otherwise as of ``now``.
    """
    detector = detector or loader.detector_for(session, settings)
    moment = now or utcnow()
    publishing = stage == "gate"  # only the gate asks whether the store may publish
    contexts = (
        {}
        if replay is not None
        else loader.seller_contexts(
            session, (item.seller_id for item in listings), now=moment, publishing=publishing
        )
    )
    outcome = ScanOutcome()
    ocr, escalate_only = STAGES[stage]
    for number, listing in enumerate(listings, start=1):
        if progress is not None and (number % 50 == 0 or number == len(listings)):
            progress(f"{stage} scan", number, len(listings))
        if escalate_only and _current_strength(listing) == STRENGTH["block"]:
            continue  # already down: a slower look cannot make it stricter
        when = moment if replay is None else listing.created_at + replay
        if replay is not None:
            contexts = loader.seller_contexts(
                session, [listing.seller_id], now=when, publishing=publishing
            )
        decision = detector.check(
            loader.listing_input(listing), contexts.get(listing.seller_id), ocr=ocr
        )
        outcome.add(decision)
        pending_full = stage == "gate" and bool(listing.images)
        row = _store(session, decision, stage=stage, pending_full=pending_full, at=when)
        if not escalate_only or STRENGTH[decision.action] > _current_strength(listing):
            apply_action(
                session,
                actor=actor,
                listing=listing,
                action=decision.action,
                decision=row,
                reason=_reason(decision, stage),
                now=when,
            )
    session.flush()
    return outcome


def _current_strength(listing: Listing) -> int:
    return {"held": 1, "blocked": 2, "removed": 2}.get(listing.status, 0)


def _reason(decision: Decision, stage: str) -> str:
    top = decision.reasons[0].detail if decision.reasons else "no signal"
    return f"{stage} scan: {decision.action} at score {decision.score:.2f} ({top})"


def gate_waiting(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    progress: Progress | None = None,
) -> ScanOutcome:
    """Run the gate on held listings that have no decision yet, oldest id first.

    A catalog import holds the new listings of a store that may not publish
    instead of putting them live; this gives each its decision (a block, with a
    statement of reasons) exactly as the API gate would.
    """
    decided = select(ScanDecision.id).where(ScanDecision.listing_id == Listing.listing_id)
    waiting = list(
        session.scalars(
            select(Listing)
            .where(Listing.status == "held", ~decided.exists())
            .order_by(Listing.listing_id)
        )
    )
    if not waiting:
        return ScanOutcome()  # no detector to build
    return check_listings(
        session, actor=actor, settings=settings, listings=waiting, stage="gate", progress=progress
    )


def run_full_scans(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    limit: int = 500,
    replay: timedelta | None = None,
    progress: Progress | None = None,
) -> ScanOutcome:
    """Run the slow pass (OCR) for listings whose gate decision left it pending."""
    pending = list(
        session.scalars(
            select(ScanDecision)
            .where(ScanDecision.pending_full_scan.is_(True))
            .order_by(ScanDecision.created_at)
            .limit(limit)
        )
    )
    ids = list(dict.fromkeys(row.listing_id for row in pending))
    for row in pending:
        row.pending_full_scan = False
    listings = list(session.scalars(select(Listing).where(Listing.listing_id.in_(ids))))
    order = {listing_id: index for index, listing_id in enumerate(ids)}
    listings.sort(key=lambda item: order[item.listing_id])
    return check_listings(
        session,
        actor=actor,
        settings=settings,
        listings=listings,
        stage="full",
        replay=replay,
        progress=progress,
    )


def backfill(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    progress: Progress | None = None,
) -> ScanOutcome:
    """Rescan live listings after brand knowledge changed (no OCR, escalate only)."""
    listings = list(
        session.scalars(
            select(Listing).where(Listing.status == "live").order_by(Listing.listing_id)
        )
    )
    return check_listings(
        session,
        actor=actor,
        settings=settings,
        listings=listings,
        stage="backfill",
        progress=progress,
    )


def decisions_of(session: Session, *, listing_id: str) -> list[ScanDecision]:
    """Every decision about a listing, oldest first (what an appeal will look at)."""
    return list(
        session.scalars(
            select(ScanDecision)
            .where(ScanDecision.listing_id == listing_id)
            .order_by(ScanDecision.created_at, ScanDecision.id)
        )
    )
