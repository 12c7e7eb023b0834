"""Signal: a brand named in the listing's text (title, description, photo text).

Why: naming a brand is how a listing claims to be that brand's product, so a
counted mention ties the listing to the brand (``identifies_brand``). A plain
mention weighs little (genuine resale is lawful); a *disguised* one weighs a lot,
because nobody selling the real thing writes "Асme" in Cyrillic letters or
"4cme" to get past a filter. Mentions that do not count (nominative use, a common
word in another category) are reported with weight 0 and the reason.
"""

from __future__ import annotations

from marketguard.detection.context import DetectorSetup, ScanContext
from marketguard.detection.evidence import Evidence
from marketguard.detection.text_analysis import BrandMention
from marketguard.detection.text_match import BRAND_KINDS, TextHit

NAME_WEIGHT = 0.15
MODEL_WEIGHT = 0.2
# How strongly each disguise suggests evasion (photo text is never called disguised:
# OCR itself confuses O and 0 and drops spaces).
DISGUISE_WEIGHTS = {
    "homoglyph": 0.6,
    "zero_width": 0.55,
    "leetspeak": 0.55,
    "spacing": 0.4,
    "lookalike": 0.35,
    "fullwidth": 0.3,  # also typed naturally by Chinese and Japanese input methods
    "misspelling": 0.25,
    "doubled_letters": 0.25,
    "diacritics": 0.2,
    "run_together": 0.0,
}
FIELD_NAMES = {"title": "title", "description": "description", "image_text": "text on a photo"}


def hit_weight(hit: TextHit) -> float:
    """Return how much one brand hit points at a counterfeit."""
    base = MODEL_WEIGHT if hit.term.kind == "model" else NAME_WEIGHT
    if hit.field == "image_text" or not hit.via:
        return base
    return max(base, max(DISGUISE_WEIGHTS.get(v, base) for v in hit.via))


def describe_hit(hit: TextHit) -> str:
    """Say in words what matched, where, and how it was disguised."""
    kinds = {"model": "model number", "keyword": "product keyword", "product": "product name"}
    what = kinds.get(hit.term.kind, "name")
    text = f"{what} {hit.term.text!r} in {FIELD_NAMES.get(hit.field, hit.field)} as {hit.snippet!r}"
    via = [v for v in hit.via if hit.field != "image_text" or v == "run_together"]
    return f"{text} ({', '.join(via)})" if via else text


class BrandTextSignal:
    """Reports each brand the text names, weighted by how it is written."""

    name = "brand_text"

    def __init__(self, setup: DetectorSetup) -> None:
        self.setup = setup

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        """Return one piece of evidence per brand mentioned."""
        return [self._evidence(m) for m in context.text.brands.values()]

    def _evidence(self, mention: BrandMention) -> Evidence:
        brand = mention.brand
        hits = [h for h in mention.hits if h.term.kind in BRAND_KINDS] or mention.hits
        best = max(hits, key=hit_weight)
        data = {
            "hits": [
                {"term": h.term.text, "kind": h.term.kind, "field": h.field, "text": h.snippet,
                 "start": h.start, "end": h.end, "via": list(h.via), "distance": h.distance}
                for h in mention.hits
            ],
            "category_match": mention.category_match,
        }  # fmt: skip
        if not mention.counted:
            return Evidence(
                self.name, f"not counted: {mention.reason}", 0.0, brand.brand_id, data=data
            )
        products = mention.product_ids
        detail = f"brand {brand.name!r}: {describe_hit(best)}"
        models = sorted({h.term.text for h in mention.hits if h.term.kind == "model"})
        if models and best.term.kind != "model":
            detail += f"; model number {', '.join(models)}"
        return Evidence(
            self.name,
            detail,
            hit_weight(best),
            brand.brand_id,
            products[0] if products else None,
            identifies_brand=True,
            data=data,
        )
