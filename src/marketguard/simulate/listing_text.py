"""Titles, descriptions, attributes and prices of listings, per kind of listing.

Honest listings include the hard negatives a naive filter gets wrong: accessories
that name a brand to say what they fit (nominative use), goods whose name is an
ordinary word that is also a brand, and "replica" goods with no brand at all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from marketguard.simulate import disguises
from marketguard.simulate.brands import Brand, Product, to_currency
from marketguard.simulate.vocab import (
    ADJECTIVES,
    CATEGORIES,
    COLOURS,
    COMMON_WORD_USES,
    NOMINATIVE,
    NOMINATIVE_DEFAULT,
    REPLICA_UNBRANDED,
    ZERO_DECIMAL,
)

# Share of the product's list price a listing asks, by kind (low, high).
PRICE_SHARE: dict[str, tuple[float, float]] = {
    "genuine": (0.85, 1.0),
    "secondhand": (0.4, 0.75),
    "plain": (0.08, 0.3),
    "homoglyph": (0.1, 0.4),
    "leetspeak": (0.1, 0.4),
    "spaced": (0.1, 0.4),
    "misspelled": (0.1, 0.4),
    "multilingual": (0.08, 0.35),
    "stolen_photo": (0.35, 0.65),
    "text_in_image": (0.25, 0.55),
    "price_only": (0.1, 0.3),
    "model_number": (0.1, 0.35),
}


@dataclass
class Text:
    """What a seller writes: title, description, category and attributes."""

    title: str
    description: str
    category: str
    attributes: dict[str, Any] = field(default_factory=dict)
    language: str = "en"


def price(rng: random.Random, eur_cents: int, currency: str) -> int:
    """Return a shop-style price (19.99, 25.00, 2,480 yen) in minor units of ``currency``."""
    amount = to_currency(max(100, eur_cents), currency)
    if currency in ZERO_DECIMAL:
        return max(10, round(amount / 10) * 10)
    whole = max(1, amount // 100)
    return whole * 100 + rng.choice((0, 0, 99, 99, 50, 90))


def product_price_eur(rng: random.Random, product: Product, kind: str) -> int:
    """Return the asking price in EUR cents for a listing of ``product``."""
    low, high = PRICE_SHARE[kind]
    return int(product.msrp_eur_cents * rng.uniform(low, high))


def unbranded_price_eur(rng: random.Random, category: str) -> int:
    """Return a plausible price in EUR cents for an unbranded good in ``category``."""
    info = CATEGORIES.get(category)
    low, high = (info.msrp_low, info.msrp_high) if info else (1_000, 8_000)
    return int(rng.randint(low, high) * rng.uniform(0.06, 0.45))


def genuine(rng: random.Random, brand: Brand, product: Product) -> Text:
    """An authorized reseller's listing: official name, full price, warranty."""
    model = product.model_numbers[0]
    colour = rng.choice(COLOURS)
    title = rng.choice(
        (
            f"{brand.name} {product.name}",
            f"{brand.name} {product.name} - {colour}",
            f"Official {brand.name} {product.name}",
            f"{brand.name} {product.name} ({model})",
        )
    )
    description = (
        f"Genuine {brand.name} {product.name}. Ships from our store with invoice and full "
        f"manufacturer warranty. Model {model}."
    )
    if rng.random() < 0.5:
        description += f" Authorized {brand.name} retailer."
    attributes = {"brand": brand.name, "condition": "new", "color": colour, "model": model}
    return Text(title, description, product.category, attributes)


def secondhand(rng: random.Random, brand: Brand, product: Product) -> Text:
    """A private seller's used genuine item at a moderate discount."""
    title = rng.choice(
        (
            f"{brand.name} {product.name}, used - good condition",
            f"Pre-owned {brand.name} {product.name}",
            f"{brand.name} {product.name} (used, with receipt)",
        )
    )
    description = (
        f"Selling my {brand.name} {product.name}, bought {rng.randint(2, 30)} months ago. "
        "Light signs of use. Original receipt available."
    )
    return Text(title, description, product.category, {"brand": brand.name, "condition": "used"})


def unbranded(rng: random.Random) -> Text:
    """An ordinary good with no brand involved."""
    category = rng.choice(sorted(CATEGORIES))
    noun = rng.choice(CATEGORIES[category].nouns)
    colour = rng.choice(COLOURS)
    adjective = rng.choice(ADJECTIVES)
    title = rng.choice(
        (
            f"{adjective} {colour} {noun}",
            f"{adjective} {noun}, {colour}",
            f"{noun.capitalize()} - {adjective.lower()}, {colour}",
        )
    )
    description = f"{adjective} {noun} in {colour}. " + rng.choice(
        (
            "Fast shipping.",
            "Ships within 2 days.",
            "Great value.",
            "Gift ready.",
            "Returns accepted within 30 days.",
        )
    )
    attributes: dict[str, Any] = {"condition": "new", "color": colour}
    if rng.random() < 0.3:
        attributes["brand"] = rng.choice(("unbranded", "generic", "no brand"))
    return Text(title, description, category, attributes)


def nominative(rng: random.Random, brand: Brand, product: Product) -> Text:
    """A third-party accessory naming the brand only to say what it fits."""
    templates = NOMINATIVE.get(product.category, NOMINATIVE_DEFAULT)
    title = rng.choice(templates).format(
        brand=brand.name, series=product.series, noun=product.noun, model=product.model_numbers[0]
    )
    description = (
        f"Third-party accessory. Not made by, affiliated with or endorsed by {brand.name}. "
        f"Fits the {brand.name} {product.series}."
    )
    attributes = {"condition": "new", "compatible_with": f"{brand.name} {product.series}"}
    return Text(title, description, "accessories", attributes)


def common_word(rng: random.Random, brand: Brand) -> Text:
    """A good whose title uses the brand's name as the ordinary word it also is."""
    title, category = rng.choice(COMMON_WORD_USES[brand.name])
    return Text(title, f"{title}. Ships within 2 days.", category, {"condition": "new"})


def replica_unbranded(rng: random.Random) -> Text:
    """A lawful replica of something no one owns (an old map, a Roman coin)."""
    title, category = rng.choice(REPLICA_UNBRANDED)
    description = "Faithful reproduction for display and decoration. Not an original."
    return Text(title, description, category, {"condition": "new"})


def counterfeit(rng: random.Random, disguise: str, brand: Brand, product: Product) -> Text:
    """A fake of ``product`` whose text hides the brand as ``disguise`` says."""
    name, model = brand.name, product.model_numbers[0]
    attributes: dict[str, Any] = {"condition": "new"}
    language = "en"
    if disguise == "plain":
        word = rng.choice(disguises.COUNTERFEIT_WORDS)
        title = rng.choice(
            (
                f"{name} {product.name} {word} top quality",
                f"{word.upper()} {name} {product.name}",
                f"{name} {product.name} - {word}, with logo and box",
                f"{product.name}, {rng.choice(brand.counterfeit_terms)}",
            )
        )
        description = "High quality replica, identical to the original. 1:1 copy with logo and box."
        attributes["brand"] = name
    elif disguise in ("homoglyph", "leetspeak", "spaced", "misspelled"):
        shown = disguises.disguise_name(disguise, name, rng)
        title = f"{shown} {product.name}" + rng.choice(
            ("", " new with tags", " original box", " 2026 collection", " free shipping")
        )
        description = f"{shown} {product.name}. Brand new."
        if rng.random() < 0.5:
            description += f" {rng.choice(disguises.SOFT_HINTS).capitalize()}."
        if rng.random() < 0.5:
            attributes["brand"] = shown
    elif disguise == "multilingual":
        title, description, language = disguises.multilingual(name, product.name, rng)
        attributes["brand"] = name
    elif disguise in ("stolen_photo", "price_only"):
        title = rng.choice(
            (
                f"{name} {product.name}",
                f"{name} {product.name} brand new",
                f"{name} {product.name} - 100% original",
                f"New {name} {product.name}",
            )
        )
        description = f"{name} {product.name}, brand new and sealed. Fast shipping."
        attributes["brand"] = name
    elif disguise == "text_in_image":
        title = rng.choice(
            (f"{product.name}, premium quality", f"{product.name} - new", f"{name} {product.name}")
        )
        description = "Premium quality. See photos for details. Fast shipping."
    elif disguise == "model_number":
        noun = product.noun
        title = rng.choice(
            (
                f"{model} {noun} 1:1 replica",
                f"{model} AAA quality {noun}",
                f"Mirror copy {model} {noun}",
                f"{noun} {model} super copy",
            )
        )
        description = f"Model {model}. Top replica, same materials as the original."
        attributes["model"] = model
    else:
        raise ValueError(f"unknown disguise {disguise!r}")
    return Text(title, description, product.category, attributes, language)
