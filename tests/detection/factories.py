"""Typed factories for detection tests: brands, listings, sellers and generated images."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from marketguard.detection.detector import Detector
from marketguard.detection.knowledge import (
    BrandKnowledge,
    ListingInput,
    ProductKnowledge,
    ReferenceImage,
    SellerContext,
)
from marketguard.detection.policy import Policy

HONEST_SELLER = "S-0001"
UNKNOWN_SELLER = "S-0666"


def acme(**overrides: Any) -> BrandKnowledge:
    """A bag brand with one product, an authorised seller and one red-flag phrase."""
    values: dict[str, Any] = {
        "brand_id": "brand-acme",
        "name": "Acme Outdoor",
        "aliases": ("ACME",),
        "products": (
            ProductKnowledge(
                "prod-sm45",
                "Summit 45 backpack",
                ("SM45", "SM-45"),
                ("summit 45", "summit backpack"),
                "bags",
                18900,
                "EUR",
            ),
        ),  # fmt: skip
        "authorized_seller_ids": frozenset({HONEST_SELLER}),
        "counterfeit_terms": ("acme style", "inspired by acme"),
        "categories": ("bags",),
    }
    values.update(overrides)
    return BrandKnowledge(**values)


def apex() -> BrandKnowledge:
    """A brand whose name is a common word ("apex ladder") in other categories."""
    product = ProductKnowledge("prod-tote", "Apex Tote", ("AT-100",), (), "bags", 9900, "EUR")
    return BrandKnowledge("brand-apex", "Apex", products=(product,), categories=("bags",))


def lumina() -> BrandKnowledge:
    """An electronics brand with a long name (fuzzy matching) sold in USD."""
    product = ProductKnowledge(
        "prod-x9", "Lumina X9 phone", ("LX9",), ("lumina x9",), "phones", 89900, "USD"
    )
    return BrandKnowledge(
        "brand-lumina", "Luminatech", aliases=("Lumina",), products=(product,),
        categories=("phones",),
    )  # fmt: skip


def knowledge() -> list[BrandKnowledge]:
    return [acme(), apex(), lumina()]


def listing(title: str, **overrides: Any) -> ListingInput:
    values: dict[str, Any] = {
        "listing_id": "L-1",
        "seller_id": UNKNOWN_SELLER,
        "title": title,
        "description": "",
        "category": "bags",
        "price_amount": 17900,
        "price_currency": "EUR",
    }
    values.update(overrides)
    return ListingInput(**values)


def seller(**overrides: Any) -> SellerContext:
    values: dict[str, Any] = {"seller_id": UNKNOWN_SELLER, "account_age_days": 400.0}
    values.update(overrides)
    return SellerContext(**values)


def detector(
    references: Sequence[ReferenceImage] = (), policy: Policy | None = None, **kwargs: Any
) -> Detector:
    return Detector(knowledge(), references, policy, **kwargs)


def product_photo(seed: int, size: int = 480) -> Image.Image:
    """A product-shot-like image: textured background, a large coloured object, details."""
    rng = np.random.default_rng(seed)
    spectrum = rng.normal(size=(size, size // 2 + 1)) + 1j * rng.normal(size=(size, size // 2 + 1))
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    radius = np.sqrt(fx**2 + fy**2)
    radius[0, 0] = 1.0
    noise = np.fft.irfft2(spectrum / radius**1.5, s=(size, size))
    noise = (noise - noise.mean()) / noise.std()
    base = np.clip(200 + 30 * noise, 0, 255).astype(np.uint8)
    image = Image.fromarray(np.stack([base] * 3, axis=-1))
    draw = ImageDraw.Draw(image)
    cx, cy = (int(v) for v in rng.integers(size // 3, 2 * size // 3, 2))
    w, h = (int(v) for v in rng.integers(size // 6, size // 3, 2))
    body = tuple(int(v) for v in rng.integers(0, 200, 3))
    draw.rounded_rectangle(
        (cx - w, cy - h, cx + w, cy + h), radius=int(rng.integers(10, 50)), fill=body
    )
    for _ in range(6):
        x, y = int(cx + rng.integers(-w, w)), int(cy + rng.integers(-h, h))
        r = int(rng.integers(10, 50))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r, x + r, y + r // 2), fill=colour)
    return image


def painted_text(lines: Sequence[str], size: tuple[int, int] = (800, 400)) -> Image.Image:
    """A plain photo with large dark text painted on it, for OCR."""
    image = Image.new("RGB", size, (236, 232, 226))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=64)
    for row, line in enumerate(lines):
        draw.text((40, 60 + row * 110), line, fill=(25, 25, 25), font=font)
    return image


def save(image: Image.Image, path: Path, fmt: str = "PNG", **params: Any) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt, **params)
    return str(path)


def jpeg_bytes(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
