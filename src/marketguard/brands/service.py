"""Brand logic: import packs, read brands within the caller's scope, verify rights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.audit.chain import digest
from marketguard.auth.roles import Principal, Role
from marketguard.brands.models import Brand, Product, ReferenceImage, Right
from marketguard.brands.packs import LoadedPack, load_pack, pack_files
from marketguard.errors import InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.ingest import ImportReport, RecordError
from marketguard.timeutil import utcnow


def import_packs(session: Session, *, actor: Principal, path: Path) -> ImportReport:
    """Import every brand pack at ``path``; unchanged packs change nothing."""
    report = ImportReport("brands")
    for file in pack_files(path):
        loaded = load_pack(file)
        if isinstance(loaded, RecordError):
            report.errors.append(loaded)
            continue
        outcome = _upsert(session, actor, loaded)
        setattr(report, outcome, getattr(report, outcome) + 1)
    session.flush()
    return report


def _pack_digest(loaded: LoadedPack) -> str:
    body = loaded.pack.model_dump(mode="json")
    body["_images"] = {k: v.sha256 for k, v in sorted(loaded.images.items())}
    return digest(body) or ""


def _upsert(session: Session, actor: Principal, loaded: LoadedPack) -> str:
    pack = loaded.pack
    source = _pack_digest(loaded)
    brand = session.scalars(select(Brand).where(Brand.name == pack.brand)).first()
    if brand is not None and brand.source_digest == source:
        return "unchanged"
    now = utcnow()
    created = brand is None
    if brand is None:
        brand = Brand(id=new_id("brd"), name=pack.brand, created_at=now)
        session.add(brand)
    before = None if created else brand.source_digest
    brand.aliases = list(dict.fromkeys(a.strip() for a in pack.aliases if a.strip()))
    brand.authorized_sellers = sorted(set(pack.authorized_sellers))
    brand.counterfeit_terms = list(dict.fromkeys(pack.counterfeit_terms))
    brand.extra = pack.model_extra or {}
    brand.source_digest = source
    brand.updated_at = now
    session.flush()
    _sync_rights(session, brand, pack.rights)
    _sync_products(session, brand, loaded, now)
    audit.record(
        session,
        actor=actor.actor,
        action="brand.import",
        object_type="brand",
        object_id=brand.id,
        reason=f"brand pack {loaded.source.name}",
        before={"source_digest": before} if before else None,
        after={"source_digest": source},
    )
    return "created" if created else "updated"


def _sync_rights(session: Session, brand: Brand, rights: list[Any]) -> None:
    """Add new rights and update holders; existing verification states are kept."""
    existing = {
        (r.kind, r.number, r.jurisdiction): r
        for r in session.scalars(select(Right).where(Right.brand_id == brand.id))
    }
    for item in rights:
        key = (item.kind, item.number, item.jurisdiction)
        right = existing.get(key)
        if right is None:
            right = Right(
                id=new_id("rgt"),
                brand_id=brand.id,
                kind=item.kind,
                number=item.number,
                jurisdiction=item.jurisdiction,
                verification="pending",
            )
            session.add(right)
        right.holder = item.holder
        right.valid_until = item.valid_until
        right.description = item.description


def _sync_products(session: Session, brand: Brand, loaded: LoadedPack, now: Any) -> None:
    existing = {
        p.name: p for p in session.scalars(select(Product).where(Product.brand_id == brand.id))
    }
    images = {
        (i.product_id, i.label): i
        for i in session.scalars(select(ReferenceImage).where(ReferenceImage.brand_id == brand.id))
    }
    for item in loaded.pack.products:
        product = existing.get(item.name)
        if product is None:
            product = Product(id=new_id("prd"), brand_id=brand.id, name=item.name)
            session.add(product)
        product.model_numbers = item.model_numbers
        product.keywords = item.keywords
        product.category = item.category
        product.msrp_amount = item.msrp.amount if item.msrp else None
        product.msrp_currency = item.msrp.currency if item.msrp else None
        session.flush()
        for relative in item.images:
            image = loaded.images[relative]
            label = Path(relative).name
            ref = images.get((product.id, label))
            if ref is None:
                ref = ReferenceImage(
                    id=new_id("img"),
                    brand_id=brand.id,
                    product_id=product.id,
                    kind="official",
                    label=label,
                    created_at=now,
                )
                session.add(ref)
            if ref.sha256 != image.sha256:
                ref.pdq = None  # the picture changed: hash it again
            ref.path = str(image.path)
            ref.sha256 = image.sha256


def brand_scope(principal: Principal) -> str | None:
    """Return the only brand a principal may see, or ``None`` for staff (all brands)."""
    if principal.role is Role.rights_holder:
        return principal.brand_id
    return None


def resolve_brand(session: Session, ref: str) -> Brand:
    """Find a brand by id or exact name (for CLI flags such as ``--brand``)."""
    brand = (
        session.get(Brand, ref) or session.scalars(select(Brand).where(Brand.name == ref)).first()
    )
    if brand is None:
        raise NotFound(f"unknown brand {ref!r}: give a brand id or its exact name")
    return brand


def get_brand(session: Session, *, principal: Principal, brand_id: str) -> Brand:
    scope = brand_scope(principal)
    brand = session.get(Brand, brand_id)
    if brand is None or (scope is not None and scope != brand_id):
        raise NotFound(f"no brand {brand_id!r} visible to this token")
    return brand


def brands_query(principal: Principal) -> Any:
    stmt = select(Brand)
    scope = brand_scope(principal)
    if scope is not None:
        stmt = stmt.where(Brand.id == scope)
    return stmt


def rights_of(session: Session, brand_ids: list[str]) -> dict[str, list[Right]]:
    out: dict[str, list[Right]] = {b: [] for b in brand_ids}
    for right in session.scalars(
        select(Right).where(Right.brand_id.in_(brand_ids)).order_by(Right.id)
    ):
        out[right.brand_id].append(right)
    return out


def products_of(session: Session, brand_ids: list[str]) -> dict[str, list[Product]]:
    out: dict[str, list[Product]] = {b: [] for b in brand_ids}
    stmt = select(Product).where(Product.brand_id.in_(brand_ids)).order_by(Product.id)
    for product in session.scalars(stmt):
        out[product.brand_id].append(product)
    return out


def get_right(session: Session, *, right_id: str) -> Right:
    right = session.get(Right, right_id)
    if right is None:
        raise NotFound(f"no right {right_id!r}")
    return right


def verify_right(
    session: Session, *, actor: Principal, right_id: str, status: str, reason: str
) -> Right:
    """Record the platform's verification of a right (``verified`` or ``rejected``)."""
    if status not in ("verified", "rejected"):
        raise InvalidInput("status must be 'verified' or 'rejected'")
    if not reason.strip():
        raise InvalidInput("a verification decision needs a reason")
    right = get_right(session, right_id=right_id)
    before = right.verification
    right.verification = status
    right.verification_reason = reason
    right.verified_at = utcnow()
    audit.record(
        session,
        actor=actor.actor,
        action="right.verify",
        object_type="right",
        object_id=right_id,
        reason=reason,
        before={"verification": before},
        after={"verification": status},
    )
    return right
