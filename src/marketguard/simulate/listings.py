"""Listings: who sells what, when, at what price, with which photos, and the truth.

Kinds are allocated by exact shares (largest remainder, at least one of each once
the catalogue is big enough) rather than drawn independently, so every disguise
and every hard negative is present even in a small test marketplace.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from marketguard.simulate import listing_text as text
from marketguard.simulate.brands import Brand, Product
from marketguard.simulate.config import DAY_MS
from marketguard.simulate.disguises import DISGUISES
from marketguard.simulate.sellers import Seller
from marketguard.simulate.writer import rfc3339_s

HONEST_SHARES: dict[str, float] = {
    "unbranded": 0.42,
    "genuine": 0.15,
    "secondhand": 0.06,
    "nominative": 0.04,
    "common_word": 0.025,
    "replica_unbranded": 0.02,
}
DISGUISE_SHARES: dict[str, float] = {
    "plain": 0.04,
    "homoglyph": 0.03,
    "leetspeak": 0.025,
    "spaced": 0.025,
    "misspelled": 0.025,
    "multilingual": 0.03,
    "stolen_photo": 0.035,
    "text_in_image": 0.025,
    "price_only": 0.025,
    "model_number": 0.025,
}
HOUR_MS = 3_600_000


@dataclass
class ImagePlan:
    """How to make one listing photo.

    ``shared`` photos (a pool of generic goods, official photos re-encoded, a ring's
    own product shot) are rendered once and referenced by many listings; the others
    are rendered for this listing alone from ``source`` with edits and a banner.
    """

    source: str  # "generic" | "official" | "knockoff"
    seed: int
    brand: str = ""
    view: int = 1
    shared_key: str | None = None
    edit_seed: int = 0
    edits: bool = False
    banner: str | None = None
    quality: int = 82
    path: str = ""
    transforms: list[str] = field(default_factory=list)


@dataclass
class Listing:
    """One listing with its ground truth (kind, disguise, brand) kept for the labels."""

    kind: str
    disguise: str | None
    seller: Seller
    brand: Brand | None
    product: Product | None
    text: text.Text
    price_amount: int
    currency: str
    created_ms: int
    images: list[ImagePlan]
    listing_id: str = ""

    @property
    def counterfeit(self) -> bool:
        return self.disguise is not None

    def record(self) -> dict[str, Any]:
        """Return the ``listings.jsonl`` line (FORMATS §2)."""
        return {
            "listing_id": self.listing_id,
            "seller_id": self.seller.seller_id,
            "created_at": rfc3339_s(self.created_ms),
            "title": self.text.title,
            "description": self.text.description,
            "category": self.text.category,
            "price": {"amount": self.price_amount, "currency": self.currency},
            "images": [image.path for image in self.images],
            "attributes": self.text.attributes,
        }

    def label(self) -> dict[str, Any]:
        """Return the ``labels/listings.jsonl`` line."""
        genuine_brand = self.kind in ("genuine", "secondhand") or self.counterfeit
        transforms = [t for image in self.images for t in image.transforms]
        return {
            "listing_id": self.listing_id,
            "counterfeit": self.counterfeit,
            "disguise": self.disguise,
            "brand": self.brand.name if self.brand and genuine_brand else None,
            "kind": "counterfeit" if self.counterfeit else self.kind,
            "product": self.product.name if self.product and genuine_brand else None,
            "mentions_brand": self.brand.name if self.brand and not genuine_brand else None,
            "language": self.text.language,
            "image_transforms": transforms,
        }


def allocate(rng: random.Random, total: int, shares: dict[str, float]) -> list[str]:
    """Split ``total`` into kinds by exact shares, at least one each when possible; shuffle."""
    weight = sum(shares.values())
    exact = {k: total * v / weight for k, v in shares.items()}
    counts = {k: int(x) for k, x in exact.items()}
    if total >= len(shares):
        for kind in counts:
            counts[kind] = max(1, counts[kind])
    leftovers = sorted(shares, key=lambda k: (counts[k] - exact[k], k))
    index = 0
    while sum(counts.values()) < total:
        counts[leftovers[index % len(leftovers)]] += 1
        index += 1
    while sum(counts.values()) > total:
        biggest = max(counts, key=lambda k: (counts[k], k))
        counts[biggest] -= 1
    kinds = [kind for kind in shares for _ in range(counts[kind])]
    rng.shuffle(kinds)
    return kinds


def _currency(rng: random.Random, country: str) -> str:
    roll = rng.random()
    local = {"CN": "CNY", "HK": "USD", "JP": "JPY", "US": "USD", "GB": "GBP"}.get(country)
    if local and roll < 0.7:
        return local
    return "USD" if roll > 0.95 else "EUR"


class Planner:
    """Plans every listing: seller, product, text, price, time and photos."""

    def __init__(
        self,
        rng: random.Random,
        brands: list[Brand],
        sellers: list[Seller],
        start_ms: int,
        end_ms: int,
        pool_size: int,
    ) -> None:
        self.rng = rng
        self.brands = brands
        self.start_ms, self.end_ms = start_ms, end_ms
        self.pool_size = pool_size
        self.by_kind: dict[str, list[Seller]] = {}
        for seller in sellers:
            self.by_kind.setdefault(seller.kind, []).append(seller)
        self.ring_new = [s for s in self.by_kind["ring"] if s.new_account]
        self.by_id = {s.seller_id: s for s in sellers}
        self.common = [b for b in brands if b.common_word]

    def _pick_product(self) -> tuple[Brand, Product]:
        brand = self.rng.choice(self.brands)
        return brand, self.rng.choice(brand.products)

    def _time(self, seller: Seller) -> int:
        low = max(self.start_ms, seller.created_ms + HOUR_MS)
        high = max(low + 1, self.end_ms - HOUR_MS)
        return self.rng.randrange(low, high)

    def _generic(self, count: int) -> list[ImagePlan]:
        keys = self.rng.sample(range(self.pool_size), min(count, self.pool_size))
        return [ImagePlan("generic", seed=k, shared_key=f"generic:{k}") for k in keys]

    def _official(self, product: Product, brand: Brand, edits: bool) -> ImagePlan:
        view = self.rng.randint(1, 2)
        if edits:
            return ImagePlan(
                "official",
                product.image_seed,
                brand.name,
                view,
                edits=True,
                edit_seed=self.rng.getrandbits(32),
                quality=self.rng.randint(60, 90),
            )
        return ImagePlan(
            "official",
            product.image_seed,
            brand.name,
            view,
            shared_key=f"official:{product.key}:{view}",
        )

    def _knockoff(self, seller: Seller, product: Product, brand: Brand) -> ImagePlan:
        owner = seller.ring or seller.seller_id
        variant = sum(map(ord, owner)) % 97
        return ImagePlan(
            "knockoff",
            product.image_seed,
            brand.name,
            view=variant,
            shared_key=f"knockoff:{owner}:{product.key}",
        )

    def plan(self, kind: str) -> Listing:
        """Return one listing of ``kind`` (an honest kind or a disguise)."""
        rng = self.rng
        brand: Brand | None = None
        product: Product | None = None
        disguise = kind if kind in DISGUISES else None
        if disguise is not None:
            brand, product = self._pick_product()
            fresh = disguise == "price_only" and self.ring_new
            seller = rng.choice(self.ring_new if fresh else self.by_kind["ring"])
            body = text.counterfeit(rng, disguise, brand, product)
            eur = text.product_price_eur(rng, product, disguise)
            photos = self._counterfeit_photos(disguise, seller, brand, product)
        elif kind in ("genuine", "secondhand", "nominative"):
            brand, product = self._pick_product()
            if kind == "genuine":
                seller = self.by_id[rng.choice(brand.authorized_sellers)]
                body = text.genuine(rng, brand, product)
                eur = text.product_price_eur(rng, product, "genuine")
                photos = [self._official(product, brand, False) for _ in range(rng.randint(1, 2))]
                photos = list({p.shared_key: p for p in photos}.values())
            elif kind == "secondhand":
                seller = rng.choice(self.by_kind["honest"] + self.by_kind["new"])
                body = text.secondhand(rng, brand, product)
                eur = text.product_price_eur(rng, product, "secondhand")
                photos = [
                    self._official(product, brand, True)
                    if rng.random() < 0.4
                    else self._own_shot(product, brand)
                ]
            else:
                seller = self._honest_seller()
                body = text.nominative(rng, brand, product)
                eur = text.unbranded_price_eur(rng, "accessories") // 3 + 500
                photos = self._generic(1)
        else:
            seller = self._honest_seller()
            if kind == "common_word" and self.common:
                brand = rng.choice(self.common)
                body = text.common_word(rng, brand)
            elif kind == "replica_unbranded":
                body = text.replica_unbranded(rng)
            else:
                body = text.unbranded(rng)
            eur = text.unbranded_price_eur(rng, body.category)
            photos = self._generic(rng.randint(1, 2))
        return self._finish(kind, disguise, seller, brand, product, body, eur, photos)

    def _finish(
        self,
        kind: str,
        disguise: str | None,
        seller: Seller,
        brand: Brand | None,
        product: Product | None,
        body: text.Text,
        eur: int,
        photos: list[ImagePlan],
    ) -> Listing:
        currency = _currency(self.rng, seller.country)
        amount = text.price(self.rng, eur, currency)
        return Listing(
            kind,
            disguise,
            seller,
            brand,
            product,
            body,
            amount,
            currency,
            self._time(seller),
            photos,
        )

    def _honest_seller(self) -> Seller:
        roll = self.rng.random()
        if roll < 0.12:
            return self.rng.choice(self.by_kind["authorized"])
        if roll < 0.22:
            return self.rng.choice(self.by_kind["new"])
        return self.rng.choice(self.by_kind["honest"])

    def _own_shot(self, product: Product, brand: Brand) -> ImagePlan:
        return ImagePlan(
            "knockoff",
            product.image_seed,
            brand.name,
            view=500 + self.rng.randint(0, 10**6),
            quality=self.rng.randint(70, 92),
        )

    def _counterfeit_photos(
        self, disguise: str, seller: Seller, brand: Brand, product: Product
    ) -> list[ImagePlan]:
        rng = self.rng
        if disguise == "stolen_photo":
            return [self._official(product, brand, True) for _ in range(rng.randint(1, 2))]
        if disguise == "text_in_image":
            if rng.random() < 0.4:
                base = self._official(product, brand, True)
            else:
                base = self._knockoff(seller, product, brand)
                base.shared_key = None
            base.banner = f"REPLICA {brand.name.upper()}"
            base.edit_seed = rng.getrandbits(32)
            return [base]
        if rng.random() < 0.5:
            return [self._official(product, brand, True)]
        return [self._knockoff(seller, product, brand)]


def plan_listings(
    rng: random.Random,
    count: int,
    brands: list[Brand],
    sellers: list[Seller],
    start_ms: int,
    days: int,
) -> list[Listing]:
    """Plan ``count`` listings, ordered by creation time and numbered ``L-000001``..."""
    pool = max(12, min(400, count // 25))
    planner = Planner(rng, brands, sellers, start_ms, start_ms + days * DAY_MS, pool)
    kinds = allocate(rng, count, {**HONEST_SHARES, **DISGUISE_SHARES})
    listings = [planner.plan(kind) for kind in kinds]
    listings.sort(key=lambda item: item.created_ms)
    width = max(6, len(str(count)))
    for number, listing in enumerate(listings, start=1):
        listing.listing_id = f"L-{number:0{width}d}"
    return listings
