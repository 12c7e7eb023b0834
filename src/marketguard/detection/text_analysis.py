"""Turn raw text hits into brand mentions and red-flag terms, with context rules applied.

Why: a brand name in a listing is not yet a brand *involved* in the listing.
"Case compatible with Acme Summit" in phone accessories names Acme to say what
the case fits (nominative use, lawful); "apex ladder" in tools uses a common word
that happens to be a bag brand; "not a replica" denies. These rules decide which
mentions count, and each decision carries a reason a reviewer can read.

Rules, per brand:
- A mention after a compatibility cue ("compatible with", "for", "pour",
  "kompatibel mit"...) is nominative use and does not count when the listing's
  category is not one of the brand's (or is unknown).
- A mention in a category that is not the brand's counts only with strong
  evidence: a model number, a product name or keyword, or the brand's own
  red-flag phrase. A name found only by fuzzy matching never counts there.
- A red-flag term right after a negation ("not", "keine", "不是") is a denial,
  and one followed by an innocent word ("fake fur", "1:1 scale") is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from marketguard.detection.knowledge import BrandKnowledge, ListingInput
from marketguard.detection.text_match import BRAND_KINDS, VOCAB_KINDS, FieldView, TextHit, TextIndex
from marketguard.detection.text_normalize import normalise, skeleton, tokenize
from marketguard.detection.vocabulary import FILLERS, NEGATIONS, NOMINATIVE_CUES

FIELDS = ("title", "description", "image_text")
STRONG_KINDS = frozenset({"model", "keyword", "product", "brand_vocab"})


Phrases = dict[str, list[tuple[tuple[str, ...], str]]]


def _phrases(texts: Sequence[str]) -> Phrases:
    """Index phrases by their last word: (canonical words, phrase as written) pairs."""
    index: Phrases = {}
    for text in texts:
        words = tuple(skeleton(t.canon) for t in tokenize(text))
        if words:
            index.setdefault(words[-1], []).append((words, text))
    return index


_CUES = _phrases(NOMINATIVE_CUES)
_NEGATIONS = _phrases(NEGATIONS)
_FILLERS = frozenset(skeleton(w) for w in FILLERS)


def _preceded_by(view: FieldView, index: int, phrases: Phrases) -> str | None:
    """Return the phrase that ends just before token ``index`` (fillers allowed), if any."""
    words = view.words[max(0, index - 5) : index]
    for _ in range(3):
        if not words:
            return None
        for phrase, written in phrases.get(words[-1], ()):
            if tuple(words[-len(phrase) :]) == phrase:
                return written
        if words[-1] not in _FILLERS:
            return None
        words = words[:-1]
    return None


def category_matches(listing_category: str | None, brand: BrandKnowledge) -> bool | None:
    """Return whether the listing is in one of the brand's categories (``None``: unknown)."""
    return category_in(listing_category, brand.all_categories())


@lru_cache(maxsize=4096)
def normalise_category(category: str) -> str:
    """Return a category name in comparable form ("Bags/Travel" -> "bags travel")."""
    return normalise(category)


def category_in(listing_category: str | None, categories: Sequence[str]) -> bool | None:
    """Return whether a category is one of ``categories`` or a sub-category ("bags/travel")."""
    if not listing_category or not categories:
        return None
    mine = normalise_category(listing_category)
    for category in categories:
        theirs = normalise_category(category)
        if mine == theirs or mine.startswith(theirs + " ") or theirs.startswith(mine + " "):
            return True
    return False


@dataclass(slots=True)
class BrandMention:
    """Everything the text says about one brand, and whether it counts."""

    brand: BrandKnowledge
    hits: list[TextHit] = field(default_factory=list)
    counted: bool = True
    reason: str = ""
    category_match: bool | None = None
    nominative_cue: str | None = None

    @property
    def strong(self) -> bool:
        """Return whether a model number, product name or keyword, or brand phrase matched."""
        return any(h.term.kind in STRONG_KINDS for h in self.hits)

    @property
    def product_ids(self) -> tuple[str, ...]:
        """Return the products named, most specific evidence first, without repeats."""
        order = {"model": 0, "product": 1, "keyword": 2}
        ranked = sorted(
            (h for h in self.hits if h.term.product_id), key=lambda h: order.get(h.term.kind, 3)
        )
        return tuple(dict.fromkeys(h.term.product_id for h in ranked if h.term.product_id))


@dataclass(frozen=True, slots=True)
class VocabMention:
    """A red-flag term found in the text; ``negated`` names the denial before it."""

    hit: TextHit
    negated: str | None = None


@dataclass(slots=True)
class TextAnalysis:
    """The text view of one listing: fields, brand mentions and red-flag terms."""

    views: dict[str, FieldView]
    brands: dict[str, BrandMention]
    vocab: list[VocabMention]

    def counted(self) -> list[BrandMention]:
        """Return the brand mentions that count, in order of first appearance."""
        return [m for m in self.brands.values() if m.counted]


def analyse_text(index: TextIndex, listing: ListingInput, image_text: str = "") -> TextAnalysis:
    """Find brands and red-flag terms in a listing's title, description and image text."""
    texts: Mapping[str, str] = {
        "title": listing.title or "",
        "description": listing.description or "",
        "image_text": image_text,
    }
    views = {name: FieldView(name, text) for name, text in texts.items() if text}
    brands: dict[str, BrandMention] = {}
    vocab: list[VocabMention] = []
    for name, view in views.items():
        for hit in index.find(view, loose=name == "image_text"):
            kind = hit.term.kind
            if kind in VOCAB_KINDS:
                following = view.tokens[hit.last + 1] if hit.last + 1 < len(view.tokens) else None
                if following is not None and view.words[hit.last + 1] in hit.term.unless_next:
                    continue
                vocab.append(VocabMention(hit, _preceded_by(view, hit.first, _NEGATIONS)))
            if hit.term.brand_id is not None and (kind in BRAND_KINDS or kind == "brand_vocab"):
                brand = index.brands[hit.term.brand_id]
                mention = brands.setdefault(brand.brand_id, BrandMention(brand))
                mention.hits.append(hit)
                if mention.nominative_cue is None and kind in BRAND_KINDS:
                    mention.nominative_cue = _preceded_by(view, hit.first, _CUES)
    for mention in brands.values():
        _judge(mention, listing.category)
    return TextAnalysis(views, brands, vocab)


def _judge(mention: BrandMention, category: str | None) -> None:
    """Decide whether a brand mention counts, and say why not when it does not."""
    brand = mention.brand
    mention.category_match = category_matches(category, brand)
    in_category = mention.category_match
    where = f"category {category!r}" if category else "a listing without a category"
    theirs = ", ".join(brand.all_categories()) or "none"
    brand_phrase = any(h.term.kind == "brand_vocab" for h in mention.hits)
    if mention.nominative_cue and in_category is not True and not brand_phrase:
        mention.counted = False
        mention.reason = (
            f"nominative use: {brand.name!r} named after {mention.nominative_cue!r} in {where}, "
            f"outside the brand's categories ({theirs})"
        )
        return
    if in_category is False and not mention.strong:
        mention.counted = False
        mention.reason = (
            f"{brand.name!r} matched only as a name in {where}, outside the brand's categories "
            f"({theirs}), with no model number or product keyword: likely a common word"
        )
        return
    exact = [h for h in mention.hits if not h.distance and "doubled_letters" not in h.via]
    if in_category is False and not exact:
        mention.counted = False
        mention.reason = f"{brand.name!r} matched only approximately in {where}"
