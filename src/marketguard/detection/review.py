"""The review queue: listings held for a person, and what their decisions teach.

A confirmation blocks the listing, labels it counterfeit and adds its photos to
the reference index as confirmed counterfeits, so look-alikes are caught next
time; an overturn puts the listing live and labels it genuine. Both labels feed
``marketguard model train``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal
from marketguard.brands.models import ReferenceImage
from marketguard.catalog.models import Listing
from marketguard.detection.apply import apply_action
from marketguard.detection.image_files import ImageError, confine, read_image_file
from marketguard.detection.models import DetectionLabel, ReviewCase, ScanDecision
from marketguard.errors import Conflict, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

OUTCOMES = ("confirm", "overturn")


def queue_query(*, status: str = "open", brand_id: str | None = None) -> Any:
    """Open cases, most suspicious first (then oldest first)."""
    stmt = select(ReviewCase).where(ReviewCase.status == status)
    if brand_id is not None:
        stmt = stmt.where(ReviewCase.brand_id == brand_id)
    return stmt


def get_case(session: Session, *, case_id: str) -> ReviewCase:
    case = session.get(ReviewCase, case_id)
    if case is None:
        raise NotFound(f"no review case {case_id!r}")
    return case


def record_label(
    session: Session, *, listing_id: str, counterfeit: bool, source: str, brand_id: str | None
) -> None:
    """Store (or correct) what people concluded about a listing."""
    label = session.get(DetectionLabel, listing_id)
    if label is None:
        label = DetectionLabel(listing_id=listing_id, created_at=utcnow())
        session.add(label)
    label.counterfeit = counterfeit
    label.source = source
    label.brand_id = brand_id
    label.created_at = utcnow()


def decide_case(
    session: Session, *, actor: Principal, case_id: str, outcome: str, reason: str
) -> ReviewCase:
    """Confirm (block, learn the photos) or overturn (publish) a held listing."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if not reason.strip():
        raise InvalidInput("a review decision needs a reason")
    case = get_case(session, case_id=case_id)
    if case.status != "open":
        raise Conflict(f"review case {case_id} was already decided ({case.status})")
    listing = session.get(Listing, case.listing_id)
    if listing is None:
        raise NotFound(f"listing {case.listing_id} is gone")
    counterfeit = outcome == "confirm"
    case.status = "confirmed" if counterfeit else "overturned"
    case.decided_at = utcnow()
    case.decided_by = actor.actor
    case.reason = reason
    decision = session.get(ScanDecision, case.decision_id)
    apply_action(
        session,
        actor=actor,
        listing=listing,
        action="block" if counterfeit else "allow",
        decision=decision,
        reason=f"review {case.status}: {reason}",
        automated=False,
    )
    record_label(
        session,
        listing_id=listing.listing_id,
        counterfeit=counterfeit,
        source="review",
        brand_id=case.brand_id,
    )
    if counterfeit and case.brand_id:
        learn_counterfeit_images(session, listing=listing, brand_id=case.brand_id)
    audit.record(
        session,
        actor=actor.actor,
        action=f"review.{case.status}",
        object_type="listing",
        object_id=listing.listing_id,
        reason=reason,
        after={"case": case.id, "status": case.status},
    )
    return case


def learn_counterfeit_images(session: Session, *, listing: Listing, brand_id: str) -> int:
    """Add a confirmed counterfeit's photos to the reference index; return how many.

    Photos are read as the gate reads them (confined to the listing's folder,
    regular files under the cap); one that cannot be used is skipped.
    """
    added = 0
    root = listing.image_root or "."
    for relative in listing.images:
        try:
            path = confine(relative, root)
            data = read_image_file(relative, root=root)
        except ImageError:
            continue
        label = f"counterfeit:{listing.listing_id}:{Path(relative).name}"
        exists = session.scalars(
            select(ReferenceImage.id).where(
                ReferenceImage.brand_id == brand_id, ReferenceImage.label == label
            )
        ).first()
        if exists:
            continue
        session.add(
            ReferenceImage(
                id=new_id("img"),
                brand_id=brand_id,
                product_id=None,
                kind="counterfeit",
                label=label,
                path=str(path),
                sha256=hashlib.sha256(data).hexdigest(),
                created_at=utcnow(),
            )
        )
        added += 1
    return added
