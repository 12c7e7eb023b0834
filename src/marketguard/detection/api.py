"""Routes: the pre-publication gate, decision history and the review queue."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks
from sqlalchemy import select

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.auth.roles import SYSTEM
from marketguard.catalog import service as catalog
from marketguard.catalog.models import Listing
from marketguard.catalog.schemas import ListingIn
from marketguard.config import Settings
from marketguard.detection import review, service
from marketguard.detection.auth import DecisionsRead, GateCheck, ReviewWork
from marketguard.detection.models import ReviewCase, ScanDecision
from marketguard.detection.schemas import (
    CheckRead,
    DecisionRead,
    ReviewCaseRead,
    ReviewDecisionIn,
)
from marketguard.uow import unit_of_work

router = APIRouter(tags=["detection"])


def _full_scan_later(settings: Settings, listing_id: str) -> None:
    """Run the slow pass for one listing after the gate has answered."""
    with unit_of_work(settings) as session:
        listing = session.get(Listing, listing_id)
        if listing is None:
            return
        for row in session.scalars(
            select(ScanDecision).where(
                ScanDecision.listing_id == listing_id, ScanDecision.pending_full_scan.is_(True)
            )
        ):
            row.pending_full_scan = False
        service.check_listings(
            session, actor=SYSTEM, settings=settings, listings=[listing], stage="full"
        )


@router.post("/listings:check", response_model=CheckRead)
def check_listing(
    body: ListingIn,
    principal: GateCheck,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> CheckRead:
    """Decide a listing before it goes live: allow publishes, review holds, block refuses.

    Image paths are relative to the server's data folder. Text painted on photos
    is read afterwards; that slower pass can still block the listing.
    """
    listing, _ = catalog.upsert_listing(
        session,
        actor=principal,
        record=body,
        image_root=str(settings.data_dir.resolve()),
        new_status="held",
    )
    session.flush()
    outcome = service.check_listings(
        session, actor=principal, settings=settings, listings=[listing], stage="gate"
    )
    decision = outcome.decisions[0]
    stored = service.decisions_of(session, listing_id=listing.listing_id)[-1]
    if stored.pending_full_scan:
        background.add_task(_full_scan_later, settings, listing.listing_id)
    return CheckRead(
        **decision.to_dict(),
        status=listing.status,
        decision_id=stored.id,
        full_scan="pending" if stored.pending_full_scan else "not_needed",
        versions=dict(decision.versions),
    )


@router.get("/listings/{listing_id}/decisions", response_model=list[DecisionRead])
def listing_decisions(
    listing_id: str, principal: DecisionsRead, session: SessionDep
) -> list[DecisionRead]:
    """Every automated decision about a listing, with its evidence and versions."""
    catalog.get_listing(session, principal=principal, listing_id=listing_id)
    rows = service.decisions_of(session, listing_id=listing_id)
    return [DecisionRead.model_validate(row, from_attributes=True) for row in rows]


def _case_read(case: ReviewCase, decision: ScanDecision | None) -> ReviewCaseRead:
    read = ReviewCaseRead.model_validate(case, from_attributes=True)
    read.reasons = decision.reasons if decision is not None else []
    return read


@router.get("/review/listings", response_model=Page[ReviewCaseRead])
def review_queue(
    principal: ReviewWork,
    session: SessionDep,
    status: str = "open",
    brand_id: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ReviewCaseRead]:
    """Listings held for a person, oldest first, each with the evidence that held it."""
    stmt = review.queue_query(status=status, brand_id=brand_id)
    rows, next_cursor = paginate(session, stmt, ReviewCase.id, cursor=cursor, limit=limit)
    items = [_case_read(row, session.get(ScanDecision, row.decision_id)) for row in rows]
    return Page[ReviewCaseRead](items=items, next=next_cursor)


@router.post("/review/listings/{case_id}/decision", response_model=ReviewCaseRead)
def decide_review(
    case_id: str, body: ReviewDecisionIn, principal: ReviewWork, session: SessionDep
) -> ReviewCaseRead:
    """Confirm (block and learn) or overturn (publish) a held listing."""
    case = review.decide_case(
        session, actor=principal, case_id=case_id, outcome=body.outcome, reason=body.reason
    )
    return _case_read(case, session.get(ScanDecision, case.decision_id))
