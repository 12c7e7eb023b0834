"""Catalog routes: listings and sellers, each caller seeing only what it may."""

from __future__ import annotations

from fastapi import APIRouter

from marketguard.api.deps import SessionDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.catalog import service
from marketguard.catalog.auth import CatalogRead
from marketguard.catalog.models import Listing
from marketguard.catalog.schemas import ListingRead, SellerRead
from marketguard.money import Money

router = APIRouter(tags=["catalog"])


def listing_read(listing: Listing) -> ListingRead:
    return ListingRead(
        listing_id=listing.listing_id,
        seller_id=listing.seller_id,
        status=listing.status,
        created_at=listing.created_at,
        title=listing.title,
        description=listing.description,
        category=listing.category,
        price=Money(amount=listing.price_amount, currency=listing.price_currency),
        images=listing.images,
        attributes=listing.attributes,
    )


@router.get("/listings/{listing_id}", response_model=ListingRead)
def get_listing(listing_id: str, principal: CatalogRead, session: SessionDep) -> ListingRead:
    """Return a listing and its status (``live``, ``held``, ``blocked``, ``removed``)."""
    return listing_read(service.get_listing(session, principal=principal, listing_id=listing_id))


@router.get("/listings", response_model=Page[ListingRead])
def list_listings(
    principal: CatalogRead,
    session: SessionDep,
    seller_id: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ListingRead]:
    """Page through listings (a seller sees only its own)."""
    stmt = service.listings_query(principal, seller_id=seller_id, status=status)
    rows, next_cursor = paginate(session, stmt, Listing.listing_id, cursor=cursor, limit=limit)
    return Page[ListingRead](items=[listing_read(r) for r in rows], next=next_cursor)


@router.get("/sellers/{seller_id}", response_model=SellerRead)
def get_seller(seller_id: str, principal: CatalogRead, session: SessionDep) -> SellerRead:
    """Return a seller's standing (a seller sees only itself)."""
    seller, count = service.get_seller(session, principal=principal, seller_id=seller_id)
    return SellerRead(
        seller_id=seller.seller_id,
        status=seller.status,
        created_at=seller.created_at,
        country=seller.country,
        listings=count,
    )
