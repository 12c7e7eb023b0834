"""Invented brands with their rights, products and official photos (FORMATS §1)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from marketguard.simulate import images
from marketguard.simulate.vocab import (
    BRAND_SEEDS,
    CATEGORIES,
    CURRENCY_PER_EUR,
    SERIES,
    SERIES_SUFFIXES,
    ZERO_DECIMAL,
    BrandSeed,
)
from marketguard.simulate.writer import Progress


@dataclass
class Product:
    """A genuine product: what a listing of it (or a fake of it) refers to."""

    key: str
    brand: str
    name: str
    series: str
    noun: str
    model_numbers: list[str]
    keywords: list[str]
    category: str
    msrp_amount: int
    msrp_currency: str
    msrp_eur_cents: int
    image_seed: int
    images: list[str]


@dataclass
class Brand:
    """A brand and its pack; ``small`` brands hold only a design right, no trademark."""

    name: str
    slug: str
    seed: BrandSeed
    aliases: list[str]
    rights: list[dict[str, Any]]
    products: list[Product]
    counterfeit_terms: list[str]
    small: bool = False
    authorized_sellers: list[str] = field(default_factory=list)

    @property
    def common_word(self) -> bool:
        return self.seed.common_word


def brand_count(listings: int) -> int:
    """Scale the number of brands modestly with the catalogue: 8 to 20."""
    return max(8, min(20, 8 + listings // 1000))


def to_currency(eur_cents: int, currency: str) -> int:
    """Convert EUR cents to minor units of ``currency`` at the simulation's fixed rates."""
    major = eur_cents / 100 * CURRENCY_PER_EUR[currency]
    return int(round(major)) if currency in ZERO_DECIMAL else int(round(major * 100))


def _nice(amount: int) -> int:
    """Round to whole units (or to 100 yen): list prices look like 189.00, not 188.37."""
    return max(100, int(round(amount / 100)) * 100)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _prefix(name: str) -> str:
    consonants = [c for c in name[1:].upper() if c.isalpha() and c not in "AEIOU"]
    return name[0].upper() + (consonants[0] if consonants else "X")


def _right(rng: random.Random, kind: str, seed: BrandSeed, year: int) -> dict[str, Any]:
    """Return one IP right with a number in the style of its office."""
    jurisdiction = seed.jurisdiction
    if kind == "trademark":
        number = {
            "EU": f"EU-0{rng.randint(18_000_000, 18_999_999)}",
            "US": f"US-{rng.randint(5_000_000, 7_999_999)}",
            "GB": f"UK0000{rng.randint(3_000_000, 3_999_999)}",
            "JP": f"JP-{rng.randint(5_000_000, 6_999_999)}",
            "CN": f"CN-{rng.randint(30_000_000, 69_999_999)}",
        }[jurisdiction]
    elif kind == "design":
        jurisdiction = "EU"
        number = f"RCD-00{rng.randint(1_000_000, 9_999_999)}-0001"
    else:
        jurisdiction = "EP"
        number = f"EP{rng.randint(3_000_000, 4_999_999)}"
    return {
        "kind": kind,
        "number": number,
        "jurisdiction": jurisdiction,
        "holder": f"{seed.name} {seed.holder_suffix}",
        "valid_until": date(year + rng.randint(2, 10), rng.randint(1, 12), rng.randint(1, 28)),
    }


def _products(
    rng: random.Random, seed: BrandSeed, count: int, used_models: set[str]
) -> list[Product]:
    category = CATEGORIES[seed.category]
    series = rng.sample(SERIES, count)
    nouns = list(category.nouns)
    rng.shuffle(nouns)
    products: list[Product] = []
    prefix = _prefix(seed.name)
    for index, base in enumerate(series):
        label = base + rng.choice(SERIES_SUFFIXES)
        noun = nouns[index % len(nouns)]
        while True:
            number = rng.randint(100, 9999)
            model = f"{prefix}-{number}"
            if model not in used_models:
                used_models.add(model)
                break
        eur = _nice(rng.randint(category.msrp_low, category.msrp_high))
        name = f"{label} {noun}"
        slug = _slug(name)
        products.append(
            Product(
                key=f"{_slug(seed.name)}/{slug}",
                brand=seed.name,
                name=name,
                series=label,
                noun=noun,
                model_numbers=[model, model.replace("-", "")],
                keywords=[label.lower(), f"{base} {noun}".lower()],
                category=seed.category,
                msrp_amount=_nice(to_currency(eur, seed.currency)),
                msrp_currency=seed.currency,
                msrp_eur_cents=eur,
                image_seed=rng.getrandbits(32),
                images=[f"img/{slug}-1.png", f"img/{slug}-2.png"],
            )
        )
    return products


def generate_brands(rng: random.Random, count: int, year: int, listings: int) -> list[Brand]:
    """Pick ``count`` invented brands: two common-word names and one small design-only brand.

    Brands hold 3–8 products; small catalogues get fewer (photos are the slow part).
    """
    most = min(8, 3 + listings // 400)
    common = [s for s in BRAND_SEEDS if s.common_word]
    other = [s for s in BRAND_SEEDS if not s.common_word]
    chosen = rng.sample(common, 2) + rng.sample(other, count - 2)
    small_name = next(s.name for s in chosen if not s.common_word)
    used_models: set[str] = set()
    brands: list[Brand] = []
    for seed in sorted(chosen, key=lambda s: s.name):
        small = seed.name == small_name
        aliases = [seed.name.upper()] + ([seed.nonlatin] if seed.nonlatin else [])
        if small:
            rights = [_right(rng, "design", seed, year)]
        else:
            rights = [_right(rng, "trademark", seed, year)]
            if rng.random() < 0.5:
                rights.append(_right(rng, rng.choice(("design", "design", "patent")), seed, year))
        products = _products(rng, seed, 3 if small else rng.randint(3, most), used_models)
        lower = seed.name.lower()
        brands.append(
            Brand(
                name=seed.name,
                slug=_slug(seed.name),
                seed=seed,
                aliases=aliases,
                rights=rights,
                products=products,
                counterfeit_terms=[f"{lower} style", f"inspired by {lower}", f"{lower} dupe"],
                small=small,
            )
        )
    return brands


def pack_document(brand: Brand) -> dict[str, Any]:
    """Return the brand pack as FORMATS §1 describes it."""
    return {
        "brand": brand.name,
        "aliases": brand.aliases,
        "rights": brand.rights,
        "authorized_sellers": brand.authorized_sellers,
        "products": [
            {
                "name": p.name,
                "model_numbers": p.model_numbers,
                "keywords": p.keywords,
                "category": p.category,
                "msrp": {"amount": p.msrp_amount, "currency": p.msrp_currency},
                "images": p.images,
            }
            for p in brand.products
        ],
        "counterfeit_terms": brand.counterfeit_terms,
    }


def write_packs(folder: Path, brands: list[Brand], progress: Progress) -> int:
    """Write ``<slug>/brand.yaml`` and the official PNGs of every brand; return image count."""
    total = sum(len(p.images) for b in brands for p in b.products)
    done = 0
    progress("brand images", 0, total)
    for brand in brands:
        home = folder / brand.slug
        (home / "img").mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(pack_document(brand), allow_unicode=True, sort_keys=False, width=100)
        (home / "brand.yaml").write_text(text, encoding="utf-8")
        for product in brand.products:
            for view, relative in enumerate(product.images, start=1):
                image = images.render_product(product.image_seed, brand.name, view)
                images.save_png(image, home / relative)
                done += 1
        progress("brand images", done, total)
    return done
