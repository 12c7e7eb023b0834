"""Catalog logic: import sellers, listings and orders; read and restrict listings."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.audit.chain import digest
from marketguard.auth.roles import Principal, Role
from marketguard.catalog.models import (
    LISTING_STATUSES,
    SELLER_STATUSES,
    Listing,
    Order,
    Seller,
    SellerIdentifier,
)
from marketguard.catalog.schemas import ListingIn, OrderIn, SellerIn
from marketguard.errors import InvalidInput, NotFound
from marketguard.ingest import ImportReport, RecordError, describe_validation, read_jsonl
from marketguard.timeutil import utcnow

M = TypeVar("M", bound=BaseModel)
CHUNK = 500


def _parse(path: Path, schema: type[M], id_field: str, report: ImportReport) -> list[tuple[int, M]]:
    """Validate every line; keep the first record per id (with its line); report bad ones.

    A later line with an id already seen in this file is a record error, not an update.
    """
    records: dict[str, tuple[int, M]] = {}
    for number, value in read_jsonl(path):
        if isinstance(value, RecordError):
            report.errors.append(value)
            continue
        try:
            record = schema.model_validate(value)
        except ValidationError as exc:
            report.errors.append(RecordError(str(path), number, describe_validation(exc)))
            continue
        key = getattr(record, id_field)
        if key in records:
            first = records[key][0]
            report.errors.append(RecordError(
                str(path), number, f"duplicate {id_field} {key} (first on line {first})"
            ))
            continue
        records[key] = (number, record)
    return list(records.values())


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _record_digest(record: BaseModel) -> str:
    return digest(record.model_dump(mode="json")) or ""


def import_sellers(session: Session, *, actor: Principal, path: Path) -> ImportReport:
    """Load ``sellers.jsonl``; re-importing the same file changes nothing."""
    report = ImportReport("sellers")
    records = _parse(path, SellerIn, "seller_id", report)
    ids = [r.seller_id for _, r in records]
    existing: dict[str, Seller] = {}
    for chunk in _chunks(ids):
        for found in session.scalars(select(Seller).where(Seller.seller_id.in_(chunk))):
            existing[found.seller_id] = found
    changed: list[str] = []
    for _, record in records:
        source = _record_digest(record)
        row = existing.get(record.seller_id)
        if row is not None and row.source_digest == source:
            report.unchanged += 1
            continue
        identifiers = {k: sorted(set(v)) for k, v in record.identifiers.items()}
        fields: dict[str, Any] = {
            "created_at": record.created_at,
            "country": record.country,
            "identifiers": identifiers,
            "extra": record.model_extra or {},
            "source_digest": source,
        }
        if row is None:
            session.add(Seller(seller_id=record.seller_id, status="active", **fields))
            report.created += 1
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            session.query(SellerIdentifier).filter_by(seller_id=record.seller_id).delete()
            report.updated += 1
        session.flush()
        session.add_all(
            SellerIdentifier(seller_id=record.seller_id, kind=kind, value=value)
            for kind, values in identifiers.items()
            for value in values
        )
        changed.append(record.seller_id)
    _audit_import(session, actor, path, report, changed)
    return report


def import_listings(
    session: Session, *, actor: Principal, path: Path, new_status: str = "live"
) -> ImportReport:
    """Load ``listings.jsonl`` (images relative to the file); idempotent by listing id.

    ``new_status`` is the status of listings seen for the first time: ``live`` for
    a marketplace's existing catalog, ``held`` for listings awaiting the gate. A
    store that is not active (suspended, closed) cannot publish: its new listings
    are always ``held``, for the gate to refuse them with a statement of reasons.
    """
    report = ImportReport("listings")
    records = _parse(path, ListingIn, "listing_id", report)
    image_root = str(path.resolve().parent)
    known_sellers = _existing_ids(session, Seller.seller_id, {r.seller_id for _, r in records})
    barred = _barred_sellers(session, known_sellers)
    existing: dict[str, Listing] = {}
    for chunk in _chunks([r.listing_id for _, r in records]):
        for found in session.scalars(select(Listing).where(Listing.listing_id.in_(chunk))):
            existing[found.listing_id] = found
    changed: list[str] = []
    for line, record in records:
        if record.seller_id not in known_sellers:
            report.errors.append(
                RecordError(
                    str(path),
                    line,
                    f"listing {record.listing_id}: unknown seller {record.seller_id} "
                    "(import the sellers file first)",
                )
            )
            continue
        status = "held" if record.seller_id in barred else new_status
        _, outcome = _upsert_listing(
            session, record, image_root, existing.get(record.listing_id), status
        )
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            changed.append(record.listing_id)
    _audit_import(session, actor, path, report, changed)
    return report


def upsert_listing(
    session: Session, *, actor: Principal, record: ListingIn, image_root: str, new_status: str
) -> tuple[Listing, str]:
    """Store one listing record (API gate); return it and created/updated/unchanged."""
    if session.get(Seller, record.seller_id) is None:
        raise InvalidInput(f"unknown seller {record.seller_id}: register the seller first")
    listing, outcome = _upsert_listing(
        session, record, image_root, session.get(Listing, record.listing_id), new_status
    )
    if outcome != "unchanged":
        audit.record(
            session,
            actor=actor.actor,
            action=f"listing.{outcome}",
            object_type="listing",
            object_id=record.listing_id,
            after={"source_digest": listing.source_digest},
        )
    return listing, outcome


def _upsert_listing(
    session: Session, record: ListingIn, image_root: str, row: Listing | None, new_status: str
) -> tuple[Listing, str]:
    source = _record_digest(record)
    if row is not None and row.source_digest == source:
        return row, "unchanged"
    fields: dict[str, Any] = {
        "seller_id": record.seller_id,
        "created_at": record.created_at,
        "title": record.title,
        "description": record.description,
        "category": record.category,
        "price_amount": record.price.amount,
        "price_currency": record.price.currency,
        "images": record.images,
        "image_root": image_root,
        "attributes": record.attributes,
        "extra": record.model_extra or {},
        "source_digest": source,
    }
    if row is None:
        row = Listing(listing_id=record.listing_id, status=new_status, **fields)
        session.add(row)
        return row, "created"
    for name, value in fields.items():
        setattr(row, name, value)
    return row, "updated"


def import_orders(session: Session, *, actor: Principal, path: Path) -> ImportReport:
    """Load ``orders.jsonl``; orders date each listing's first sale."""
    report = ImportReport("orders")
    records = _parse(path, OrderIn, "order_id", report)
    known = _existing_ids(session, Listing.listing_id, {r.listing_id for _, r in records})
    present = _existing_ids(session, Order.order_id, {r.order_id for _, r in records})
    changed: list[str] = []
    for line, record in records:
        if record.listing_id not in known:
            report.errors.append(
                RecordError(
                    str(path), line, f"order {record.order_id}: unknown listing {record.listing_id}"
                )
            )
            continue
        if record.order_id in present:
            report.unchanged += 1
            continue
        session.add(
            Order(
                order_id=record.order_id,
                listing_id=record.listing_id,
                buyer_id=record.user_id,
                created_at=record.ts,
                amount=record.amount,
                currency=record.currency,
                extra=record.model_extra or {},
            )
        )
        report.created += 1
        changed.append(record.order_id)
    _audit_import(session, actor, path, report, changed)
    return report


def _barred_sellers(session: Session, seller_ids: set[str]) -> set[str]:
    """Return the sellers among ``seller_ids`` whose store is not active."""
    barred: set[str] = set()
    for chunk in _chunks(sorted(seller_ids)):
        barred.update(
            session.scalars(
                select(Seller.seller_id).where(
                    Seller.seller_id.in_(chunk), Seller.status != "active"
                )
            )
        )
    return barred


def _existing_ids(session: Session, column: Any, wanted: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(wanted)):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _audit_import(
    session: Session, actor: Principal, path: Path, report: ImportReport, changed: list[str]
) -> None:
    """One audit record per import that changed anything, naming what changed."""
    session.flush()
    if not changed:
        return
    audit.record(
        session,
        actor=actor.actor,
        action=f"catalog.import_{report.kind}",
        object_type="file",
        object_id=path.name,
        reason=f"{report.created} created, {report.updated} updated",
        after={"ids": changed, "file_sha256": _file_sha256(path)},
    )


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def can_see_listing(principal: Principal, listing: Listing) -> bool:
    """Sellers see only their own listings; staff see all."""
    if principal.role is Role.seller:
        return principal.seller_id == listing.seller_id
    return principal.role in {Role.reviewer, Role.platform_admin, Role.analyst}


def get_listing(session: Session, *, principal: Principal, listing_id: str) -> Listing:
    """Return a listing the principal may see; others look absent (no existence leak)."""
    listing = session.get(Listing, listing_id)
    if listing is None or not can_see_listing(principal, listing):
        raise NotFound(f"no listing {listing_id!r} visible to this token")
    return listing


def get_seller(session: Session, *, principal: Principal, seller_id: str) -> tuple[Seller, int]:
    """Return a seller and its listing count, if the principal may see it."""
    if principal.role is Role.seller and principal.seller_id != seller_id:
        raise NotFound(f"no seller {seller_id!r} visible to this token")
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise NotFound(f"no seller {seller_id!r} visible to this token")
    count = session.scalar(select(func.count()).where(Listing.seller_id == seller_id)) or 0
    return seller, int(count)


def listings_query(principal: Principal, *, seller_id: str | None, status: str | None) -> Any:
    """Build the query of listings this principal may page through."""
    stmt = select(Listing)
    if principal.role is Role.seller:
        stmt = stmt.where(Listing.seller_id == principal.seller_id)
    if seller_id is not None:
        stmt = stmt.where(Listing.seller_id == seller_id)
    if status is not None:
        if status not in LISTING_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(LISTING_STATUSES)}")
        stmt = stmt.where(Listing.status == status)
    return stmt


def set_listing_status(
    session: Session, *, actor: Principal, listing_id: str, status: str, reason: str
) -> Listing:
    """Move a listing to ``live``/``held``/``blocked``/``removed``, audited."""
    if status not in LISTING_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(LISTING_STATUSES)}")
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"no listing {listing_id!r}")
    if listing.status != status:
        before = listing.status
        listing.status = status
        listing.status_changed_at = utcnow()
        audit.record(
            session,
            actor=actor.actor,
            action="listing.status",
            object_type="listing",
            object_id=listing_id,
            reason=reason,
            before={"status": before},
            after={"status": status},
        )
    return listing


def set_seller_status(
    session: Session, *, actor: Principal, seller: Seller, status: str, reason: str
) -> Seller:
    """Move a seller to ``active``/``suspended``/``closed``, audited (enforcement calls this)."""
    if status not in SELLER_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(SELLER_STATUSES)}")
    if seller.status != status:
        before = seller.status
        seller.status = status
        audit.record(
            session,
            actor=actor.actor,
            action="seller.status",
            object_type="seller",
            object_id=seller.seller_id,
            reason=reason,
            before={"status": before},
            after={"status": status},
        )
    return seller


def first_sale_at(session: Session, *, listing_id: str) -> Any:
    """Return when the listing first sold, or ``None`` if it never did."""
    return session.scalar(select(func.min(Order.created_at)).where(Order.listing_id == listing_id))
