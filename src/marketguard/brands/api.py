"""Brand routes: a thin layer over :mod:`marketguard.brands.service`."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks
from pydantic import Field
from sqlalchemy.orm import Session

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.auth.roles import SYSTEM
from marketguard.brands import manage, service
from marketguard.brands.auth import BrandsManage, BrandsRead, RightsVerify
from marketguard.brands.models import Brand, Product, Right
from marketguard.brands.schemas import (
    BrandPackIn,
    BrandRead,
    ProductRead,
    RightRead,
    VerificationIn,
)
from marketguard.config import Settings
from marketguard.detection import service as detection
from marketguard.money import Money
from marketguard.uow import unit_of_work

router = APIRouter(tags=["brands"])


def _right(right: Right) -> RightRead:
    return RightRead.model_validate(right, from_attributes=True)


def _product(product: Product) -> ProductRead:
    msrp = None
    if product.msrp_amount is not None and product.msrp_currency:
        msrp = Money(amount=product.msrp_amount, currency=product.msrp_currency)
    return ProductRead(
        id=product.id,
        name=product.name,
        model_numbers=product.model_numbers,
        keywords=product.keywords,
        category=product.category,
        msrp=msrp,
    )


def _brands(session: Session, brands: list[Brand]) -> list[BrandRead]:
    ids = [b.id for b in brands]
    rights = service.rights_of(session, ids)
    products = service.products_of(session, ids)
    return [
        BrandRead(
            id=b.id,
            name=b.name,
            aliases=b.aliases,
            authorized_sellers=b.authorized_sellers,
            counterfeit_terms=b.counterfeit_terms,
            rights=[_right(r) for r in rights[b.id]],
            products=[_product(p) for p in products[b.id]],
        )
        for b in brands
    ]


@router.get("/brands", response_model=Page[BrandRead])
def list_brands(
    principal: BrandsRead,
    session: SessionDep,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[BrandRead]:
    """List the brands visible to the caller (a rights holder sees only its own)."""
    rows, next_cursor = paginate(
        session, service.brands_query(principal), Brand.id, cursor=cursor, limit=limit
    )
    return Page[BrandRead](items=_brands(session, rows), next=next_cursor)


@router.get("/brands/{brand_id}", response_model=BrandRead)
def get_brand(brand_id: str, principal: BrandsRead, session: SessionDep) -> BrandRead:
    """Return one brand with its rights and products."""
    brand = service.get_brand(session, principal=principal, brand_id=brand_id)
    return _brands(session, [brand])[0]


class BrandPackUpdate(BrandPackIn):
    """A brand pack (FORMATS §1) with its images inline: ``{"name.png": "<base64>"}``."""

    image_data: dict[str, str] = Field(default_factory=dict)


@router.put("/brands/{brand_id}", response_model=BrandRead)
def update_brand(
    brand_id: str,
    body: BrandPackUpdate,
    principal: BrandsManage,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> BrandRead:
    """Replace a brand's knowledge (its own agent or an admin); live listings are rescanned."""
    pack = BrandPackIn.model_validate(body.model_dump(exclude={"image_data"}))
    report = manage.update_pack(
        session, actor=principal, brand_id=brand_id, pack=pack, images=body.image_data,
        data_dir=settings.data_dir,
    )  # fmt: skip
    if report.created or report.updated:
        background.add_task(_after_knowledge_change, settings)
    brand = service.get_brand(session, principal=principal, brand_id=brand_id)
    return _brands(session, [brand])[0]


def _after_knowledge_change(settings: Settings) -> None:
    """Hash the new images and rescan live listings (after the answer was sent)."""
    with unit_of_work(settings) as session:
        detection.hash_references(session)
        detection.backfill(session, actor=SYSTEM, settings=settings)


@router.post("/rights/{right_id}/verification", response_model=RightRead)
def verify_right(
    right_id: str, body: VerificationIn, principal: RightsVerify, session: SessionDep
) -> RightRead:
    """Mark a right verified or rejected (platform admins only)."""
    right = service.verify_right(
        session, actor=principal, right_id=right_id, status=body.status, reason=body.reason
    )
    return _right(right)
