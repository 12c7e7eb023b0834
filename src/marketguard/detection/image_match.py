"""Signal: a listing photo that matches a reference image of a brand.

Why: counterfeiters copy the brand's own product photos (the genuine article
sells the fake) or reuse photos of fakes already caught. A match ties the listing
to the brand and, from anyone but an authorised seller, weighs heavily; a match
with a confirmed counterfeit weighs most. Authorised sellers may use official
photos, so those matches are reported with weight 0. Photos that could not be
examined are reported as errors, one per photo, and never stop the scan; every
such error reads the same whatever the cause (missing, outside the folder, not
a regular file, too large, undecodable), so a caller naming paths learns nothing
about the server's files. The detector logs the precise cause for operators.
"""

from __future__ import annotations

from marketguard.detection.context import DetectorSetup, ImageResult, ScanContext
from marketguard.detection.evidence import Evidence
from marketguard.detection.image_hash import MIN_QUALITY
from marketguard.detection.image_index import ImageMatch

# kind -> (weight at the threshold, extra weight for an exact copy)
KIND_WEIGHTS = {
    "official": (0.45, 0.2),
    "confirmed_counterfeit": (0.7, 0.2),
    "design": (0.25, 0.15),
}
KIND_WORDS = {
    "official": "official image",
    "confirmed_counterfeit": "photo of a confirmed counterfeit",
    "design": "registered design",
}
MAX_MATCHES_PER_PHOTO = 3
REFUSED = (
    "photo {position} could not be used "
    "(missing, outside the data folder, too large or not an image)"
)


class ImageMatchSignal:
    """Reports photo matches with reference images, and photos that could not be read."""

    name = "image_match"

    def __init__(self, setup: DetectorSetup) -> None:
        self.setup = setup

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        """Return evidence per matched reference (best per brand) and per unreadable photo."""
        out = []
        for image in context.images:
            if image.error is not None:
                detail = REFUSED.format(position=image.position)
                out.append(Evidence(self.name, detail, 0.0, error=True, data={"path": image.path}))
                continue
            if image.ocr_error is not None:
                detail = f"text on {image.name} could not be read: {image.ocr_error}"
                out.append(Evidence(self.name, detail, 0.0, error=True, data={"path": image.path}))
            if image.hash is not None and image.hash.quality < MIN_QUALITY:
                detail = (
                    f"{image.name} has too little detail to compare "
                    f"(PDQ quality {image.hash.quality} < {MIN_QUALITY})"
                )
                out.append(Evidence(self.name, detail, 0.0, data={"path": image.path}))
            brands: set[str] = set()
            for match in image.matches:
                if match.reference.brand_id in brands or len(brands) >= MAX_MATCHES_PER_PHOTO:
                    continue
                brands.add(match.reference.brand_id)
                out.append(self._match(context, image, match))
        return out

    def _match(self, context: ScanContext, image: ImageResult, match: ImageMatch) -> Evidence:
        ref = match.reference
        threshold = self.setup.policy.image_max_distance
        base, bonus = KIND_WEIGHTS[ref.kind]
        weight = base + bonus * (1 - match.distance / (threshold + 1))
        variant = "" if match.variant == "original" else f", closest variant {match.variant}"
        detail = (
            f"PDQ distance {match.distance} to {KIND_WORDS[ref.kind]} {ref.label} "
            f"from {image.name}{variant}"
        )
        if ref.kind == "official" and context.is_authorized(ref.brand_id):
            weight = 0.0
            detail += "; the seller is authorised to use official photos"
        data = {"distance": match.distance, "ref_id": ref.ref_id, "kind": ref.kind,
                "variant": match.variant, "path": image.path}  # fmt: skip
        return Evidence(
            self.name, detail, round(weight, 4), ref.brand_id, ref.product_id,
            identifies_brand=True, data=data,
        )  # fmt: skip
