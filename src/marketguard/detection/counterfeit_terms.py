"""Signal: words that say the item is not genuine ("replica", "1:1", "高仿", "Fälschung").

Why: sellers of fakes have to tell buyers what they sell; those words are the
strongest text evidence there is, *when a brand is involved*. Without a brand,
"replica" describes a prop sword or a model ship and is at most a weak hint, so
its weight is capped. Denials ("not a replica") are reported with weight 0.
"""

from __future__ import annotations

from marketguard.detection.brand_text import FIELD_NAMES
from marketguard.detection.context import DetectorSetup, ScanContext
from marketguard.detection.evidence import Evidence

UNBRANDED_WEIGHT = 0.1


class CounterfeitTermsSignal:
    """Reports counterfeit vocabulary, strong with a brand and weak without."""

    name = "counterfeit_terms"

    def __init__(self, setup: DetectorSetup) -> None:
        self.setup = setup

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        """Return one piece of evidence per distinct red-flag term."""
        involved = bool(context.involved_brand_ids())
        seen: set[int] = set()
        out = []
        for mention in context.text.vocab:
            hit, term = mention.hit, mention.hit.term
            if term.term_id in seen:
                continue
            seen.add(term.term_id)
            where = f"{FIELD_NAMES.get(hit.field, hit.field)} as {hit.snippet!r}"
            lang = f" ({term.lang})" if term.lang and term.lang != "en" else ""
            data = {"term": term.text, "field": hit.field, "text": hit.snippet, "lang": term.lang}
            if mention.negated:
                detail = f"denial, not counted: {mention.negated!r} before {term.text!r} in {where}"
                out.append(Evidence(self.name, detail, 0.0, term.brand_id, data=data))
                continue
            detail = f"counterfeit term {term.text!r}{lang} in {where}"
            if term.kind == "brand_vocab":
                brand = self.setup.brands[term.brand_id] if term.brand_id else None
                owner = f" (a red flag registered by {brand.name!r})" if brand else ""
                out.append(
                    Evidence(self.name, detail + owner, term.weight, term.brand_id,
                             identifies_brand=True, data=data)
                )  # fmt: skip
            elif involved:
                out.append(Evidence(self.name, detail, term.weight, data=data))
            else:
                detail += "; no brand involved, so only a weak hint"
                out.append(
                    Evidence(self.name, detail, min(term.weight, UNBRANDED_WEIGHT), data=data)
                )
        return out
