"""Build the detector's inputs from the database.

The detection layer is pure; this module is the one place that reads brands,
reference images, sellers and history and turns them into its plain values. The
built detector is cached per knowledge stamp, so a request pays for compiling the
automata and the image index only when brand knowledge actually changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketguard.brands.models import Brand, Product, ReferenceImage
from marketguard.catalog.models import Listing, Seller, SellerIdentifier
from marketguard.config import Settings
from marketguard.detection.detector import Detector
from marketguard.detection.knowledge import (
    BrandKnowledge,
    ListingInput,
    ProductKnowledge,
    SellerContext,
)
from marketguard.detection.knowledge import ReferenceImage as RefValue
from marketguard.detection.model import DetectionModel as LearnedModel
from marketguard.detection.models import DetectionModel
from marketguard.detection.policy import Policy
from marketguard.enforcement import service as enforcement

PENALIZED_STATUSES = ("suspended", "closed")
TAKEN_DOWN = ("removed", "blocked")
CHUNK = 400

_cache: OrderedDict[tuple[str, str], Detector] = OrderedDict()
_lock = threading.Lock()


def load_knowledge(session: Session) -> tuple[list[BrandKnowledge], list[RefValue]]:
    """Read every brand, product and hashed reference image."""
    products: dict[str, list[ProductKnowledge]] = defaultdict(list)
    for product in session.scalars(select(Product).order_by(Product.id)):
        products[product.brand_id].append(
            ProductKnowledge(
                product_id=product.id,
                name=product.name,
                model_numbers=product.model_numbers,
                keywords=product.keywords,
                category=product.category,
                msrp_amount=product.msrp_amount,
                msrp_currency=product.msrp_currency,
            )
        )
    brands = [
        BrandKnowledge(
            brand_id=brand.id,
            name=brand.name,
            aliases=brand.aliases,
            products=products.get(brand.id, []),
            authorized_seller_ids=brand.authorized_sellers,
            counterfeit_terms=brand.counterfeit_terms,
        )
        for brand in session.scalars(select(Brand).order_by(Brand.id))
    ]
    references = [
        RefValue(
            ref_id=ref.id,
            brand_id=ref.brand_id,
            product_id=ref.product_id,
            label=ref.label,
            pdq=ref.pdq,
            kind="confirmed_counterfeit" if ref.kind == "counterfeit" else ref.kind,  # type: ignore[arg-type]
            variants=[bytes.fromhex(v) for v in ref.pdq_variants or []],
        )
        for ref in session.scalars(
            select(ReferenceImage)
            .where(ReferenceImage.pdq.is_not(None))
            .order_by(ReferenceImage.id)
        )
        if ref.pdq
    ]
    return brands, references


def knowledge_stamp(session: Session) -> str:
    """A cheap fingerprint of brand knowledge and the active model, for caching."""
    brands = session.execute(select(func.count(), func.max(Brand.updated_at))).one()
    refs = session.execute(
        select(func.count(), func.max(ReferenceImage.created_at)).where(
            ReferenceImage.pdq.is_not(None)
        )
    ).one()
    model = session.scalar(select(DetectionModel.version).where(DetectionModel.active.is_(True)))
    return f"{brands[0]}:{brands[1]}:{refs[0]}:{refs[1]}:{model}"


def load_policy(settings: Settings) -> Policy:
    if settings.detection_policy_path is None:
        return Policy()
    return Policy.load(settings.detection_policy_path)


def active_model(session: Session) -> LearnedModel | None:
    row = session.scalars(select(DetectionModel).where(DetectionModel.active.is_(True))).first()
    return LearnedModel.load(Path(row.path)) if row is not None else None


def detector_for(session: Session, settings: Settings, *, use_model: bool = True) -> Detector:
    """Return a detector for the current knowledge (built once per knowledge stamp)."""
    stamp = knowledge_stamp(session) + (":model" if use_model else ":nomodel")
    key = (settings.database_url, stamp)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
    knowledge, references = load_knowledge(session)
    model = active_model(session) if use_model else None
    detector = Detector(knowledge, references, load_policy(settings), model)
    with _lock:
        _cache[key] = detector
        while len(_cache) > 4:
            _cache.popitem(last=False)
    return detector


def forget_detectors() -> None:
    """Drop cached detectors (after a policy file changes, and in tests)."""
    with _lock:
        _cache.clear()


def listing_input(listing: Listing) -> ListingInput:
    """Turn a stored listing into the detector's input (photos confined to its image root)."""
    return ListingInput(
        listing_id=listing.listing_id,
        seller_id=listing.seller_id,
        title=listing.title,
        description=listing.description,
        category=listing.category,
        price_amount=listing.price_amount,
        price_currency=listing.price_currency,
        image_paths=list(listing.images),
        created_at=listing.created_at,
        image_root=listing.image_root or ".",
        attributes=listing.attributes or {},
    )


def seller_contexts(
    session: Session, seller_ids: Iterable[str], *, now: datetime, publishing: bool = False
) -> dict[str, SellerContext]:
    """Gather behaviour facts for many sellers at once (a few grouped queries per chunk).

    ``publishing`` (the gate) adds each account's status, so a closed or
    suspended store's new listings are refused.
    """
    wanted = sorted(set(seller_ids))
    out: dict[str, SellerContext] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        out.update(_seller_chunk(session, chunk, now=now, publishing=publishing))
    return out


def _seller_chunk(
    session: Session, wanted: list[str], *, now: datetime, publishing: bool
) -> dict[str, SellerContext]:
    sellers = {
        s.seller_id: s for s in session.scalars(select(Seller).where(Seller.seller_id.in_(wanted)))
    }
    recent = dict(
        session.execute(
            select(Listing.seller_id, func.count())
            .where(Listing.seller_id.in_(wanted), Listing.created_at > now - timedelta(hours=24))
            .where(Listing.created_at <= now)
            .group_by(Listing.seller_id)
        ).all()
    )
    takedowns = _takedown_counts(session, wanted)
    links = _penalized_links(session, wanted)
    strikes = enforcement.strike_counts(session, seller_ids=set(wanted), now=now)
    return {
        seller_id: SellerContext(
            seller_id=seller_id,
            account_age_days=(now - sellers[seller_id].created_at).total_seconds() / 86400
            if seller_id in sellers
            else None,
            listings_last_24h=int(recent.get(seller_id, 0)),
            prior_takedowns=int(takedowns.get(seller_id, 0)),
            strikes=strikes.get(seller_id, 0),
            linked_penalized_sellers=links.get(seller_id, []),
            status=sellers[seller_id].status if publishing and seller_id in sellers else None,
        )
        for seller_id in wanted
    }


def _takedown_counts(session: Session, seller_ids: list[str]) -> dict[str, int]:
    rows = session.execute(
        select(Listing.seller_id, func.count())
        .where(Listing.seller_id.in_(seller_ids), Listing.status.in_(TAKEN_DOWN))
        .group_by(Listing.seller_id)
    ).all()
    return {seller_id: int(count) for seller_id, count in rows}


def _penalized_links(session: Session, seller_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Other sellers sharing an identifier that were closed, suspended or had takedowns."""
    mine = select(SellerIdentifier.kind, SellerIdentifier.value, SellerIdentifier.seller_id).where(
        SellerIdentifier.seller_id.in_(seller_ids)
    )
    own = session.execute(mine).all()
    if not own:
        return {}
    values = {(kind, value) for kind, value, _ in own}
    others: dict[tuple[str, str], set[str]] = defaultdict(set)
    for kind, value, seller_id in session.execute(
        select(SellerIdentifier.kind, SellerIdentifier.value, SellerIdentifier.seller_id).where(
            SellerIdentifier.value.in_(sorted({v for _, v in values}))
        )
    ):
        if (kind, value) in values:
            others[(kind, value)].add(seller_id)
    candidates = sorted({s for group in others.values() for s in group})
    penalized = set(
        session.scalars(
            select(Seller.seller_id).where(
                Seller.seller_id.in_(candidates), Seller.status.in_(PENALIZED_STATUSES)
            )
        )
    ) | set(_takedown_counts(session, candidates))
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for kind, value, seller_id in own:
        for other in sorted(others[(kind, value)] - {seller_id}):
            if other in penalized and (other, kind) not in out[seller_id]:
                out[seller_id].append((other, kind))
    return dict(out)
