"""What signals see: the detector's compiled knowledge and one listing being checked.

Why: signals are small and independent, but several need the same expensive
facts (the listing's normalised text and brand mentions, its photos' hashes and
matches). The scan context computes each of those once, on first use, and
every signal reads them from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from marketguard.detection.image_hash import ImageHash
from marketguard.detection.image_index import ImageMatch, ReferenceIndex
from marketguard.detection.knowledge import (
    BrandKnowledge,
    CategoryPriceStats,
    ListingInput,
    ProductKnowledge,
    SellerContext,
)
from marketguard.detection.policy import Policy
from marketguard.detection.text_analysis import TextAnalysis, analyse_text
from marketguard.detection.text_match import TextIndex


@dataclass(frozen=True, slots=True)
class DetectorSetup:
    """The compiled knowledge a detector was built with, shared by all its signals."""

    knowledge: tuple[BrandKnowledge, ...]
    brands: Mapping[str, BrandKnowledge]
    text_index: TextIndex
    reference_index: ReferenceIndex
    policy: Policy


@dataclass(frozen=True, slots=True)
class ImageResult:
    """One listing photo: its hash and matches, or why it could not be examined."""

    position: int
    path: str
    hash: ImageHash | None = None
    error: str | None = None
    matches: tuple[ImageMatch, ...] = ()
    ocr_text: str = ""
    ocr_error: str | None = None

    @property
    def name(self) -> str:
        """Return a short way to refer to the photo in an explanation."""
        return f"image {self.position} ({self.path.rsplit('/', 1)[-1]})"


class ScanContext:
    """One listing under examination, with lazily computed shared facts."""

    def __init__(
        self,
        setup: DetectorSetup,
        listing: ListingInput,
        seller: SellerContext | None = None,
        images: tuple[ImageResult, ...] = (),
        price_stats: CategoryPriceStats | None = None,
    ) -> None:
        self.setup = setup
        self.listing = listing
        self.seller = seller
        self.images = images
        self.price_stats = price_stats

    @property
    def image_text(self) -> str:
        """Return the text read from the photos (empty unless OCR ran)."""
        return "\n".join(image.ocr_text for image in self.images if image.ocr_text)

    @cached_property
    def text(self) -> TextAnalysis:
        """Return the listing's brand mentions and red-flag terms (title, description, photos)."""
        return analyse_text(self.setup.text_index, self.listing, self.image_text)

    @cached_property
    def image_brands(self) -> dict[str, list[tuple[ImageResult, ImageMatch]]]:
        """Return photo matches grouped by the brand of the matched reference."""
        grouped: dict[str, list[tuple[ImageResult, ImageMatch]]] = {}
        for image in self.images:
            for match in image.matches:
                grouped.setdefault(match.reference.brand_id, []).append((image, match))
        return grouped

    def involved_brand_ids(self) -> list[str]:
        """Return brands shown by counted text mentions or by photo matches."""
        ids = [m.brand.brand_id for m in self.text.counted()]
        ids += [b for b in self.image_brands if b not in ids]
        return [b for b in ids if b in self.setup.brands]

    def products_for(self, brand_id: str) -> list[ProductKnowledge]:
        """Return the brand's products this listing names or shows, most specific first."""
        brand = self.setup.brands[brand_id]
        ids: list[str] = []
        mention = self.text.brands.get(brand_id)
        if mention is not None:
            ids.extend(mention.product_ids)
        for _, match in self.image_brands.get(brand_id, ()):
            if match.reference.product_id and match.reference.product_id not in ids:
                ids.append(match.reference.product_id)
        return [p for p in (brand.product(i) for i in ids) if p is not None]

    def is_authorized(self, brand_id: str) -> bool:
        """Return whether the listing's seller may sell this brand's genuine goods."""
        brand = self.setup.brands.get(brand_id)
        return brand is not None and self.listing.seller_id in brand.authorized_seller_ids
