"""Find every brand name, alias, model number, keyword and red-flag term in one pass.

Why: a marketplace knows thousands of brands and each listing must be checked
against all of them in well under a millisecond. All terms go into one
Aho-Corasick automaton (pyahocorasick), built once per knowledge version, and a
listing field is scanned in two views: *literal* (digits as written, for model
numbers) and *canonical* (leetspeak decoded, ``l``/``i`` merged). Both views are
the field's words run together, so "a c m e", "ac-me" and "acme" all read
"acme"; a match must start and end on word boundaries, so "apex" is not found
inside "capex". Dropped or doubled letters are caught by a deletion-neighbourhood
index (the words that are one or two deletions away from a brand name) checked
with RapidFuzz's Levenshtein distance, which costs a few dictionary lookups per
word instead of one comparison per brand.

Each hit says which term matched, in which field, where (original offsets and
text) and through which disguises (``homoglyph``, ``leetspeak``, ``spacing``...).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from typing import Literal

import ahocorasick
from rapidfuzz.distance import Levenshtein

from marketguard.detection.confusables import disguise_of
from marketguard.detection.knowledge import BrandKnowledge
from marketguard.detection.text_normalize import (
    Token,
    fold,
    folded_origins,
    skeleton,
    tokenize,
    tokens_of_folded,
)
from marketguard.detection.vocabulary import BRAND_TERM_WEIGHT, COUNTERFEIT_TERMS, VocabTerm

TermKind = Literal["brand", "alias", "model", "keyword", "product", "vocab", "brand_vocab"]
BRAND_KINDS: frozenset[str] = frozenset({"brand", "alias", "model", "keyword", "product"})
VOCAB_KINDS: frozenset[str] = frozenset({"vocab", "brand_vocab"})
FUZZY_KINDS: frozenset[str] = frozenset({"brand", "alias", "keyword", "product"})
FUZZY_MIN_LEN = 5  # shorter names have too many innocent neighbours ("acne" for "acme")
LOOSE_MIN_LEN = 4  # shortest term found inside run-together OCR text


@dataclass(frozen=True, slots=True)
class Term:
    """One searchable phrase and what it stands for."""

    term_id: int
    text: str
    kind: TermKind
    brand_id: str | None
    product_id: str | None
    weight: float
    lang: str | None
    literal_tokens: tuple[str, ...]
    canon_tokens: tuple[str, ...]
    exact_tokens: bool
    unless_next: frozenset[str]


@dataclass(frozen=True, slots=True)
class TextHit:
    """A term found in a field: where, as what text, and through which disguises."""

    term: Term
    field: str
    first: int
    last: int
    start: int
    end: int
    snippet: str
    via: tuple[str, ...] = ()
    distance: int = 0


class FieldView:
    """One listing field, folded and tokenised, with its two run-together views."""

    __slots__ = ("name", "text", "folded", "tokens", "words", "views", "__dict__")

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.folded = fold(text)
        self.tokens: list[Token] = tokens_of_folded(self.folded)
        self.words = [t.canon.replace("l", "i") for t in self.tokens]  # see skeleton()
        self.views = [("literal", *self._view([t.literal for t in self.tokens]))]
        # The automaton also holds every term's canonical key, so the literal view
        # finds l/I look-alikes; a second, canonical view is needed only for leetspeak.
        if any(t.leet for t in self.tokens):
            self.views.append(("canon", *self._view(self.words)))

    @staticmethod
    def _view(parts: list[str]) -> tuple[str, dict[int, int], dict[int, int], list[int]]:
        """Run the words together; map run-together offsets back to word indexes."""
        offsets = list(accumulate(map(len, parts), initial=0))
        starts = dict(zip(offsets[:-1], range(len(parts)), strict=True))
        ends = dict(zip(offsets[1:], range(len(parts)), strict=True))
        return "".join(parts), starts, ends, offsets[:-1]

    @cached_property
    def _origins(self) -> list[int] | None:
        return None if len(self.folded) == len(self.text) else folded_origins(self.text)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Return original-text offsets covering tokens ``first``..``last``."""
        start, end = self.tokens[first].start, self.tokens[last].end
        origins = self._origins
        if origins is None:
            return start, end
        return origins[start], origins[end - 1] + 1


def _term_tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    tokens = tokenize(text)
    return tuple(t.literal for t in tokens), tuple(skeleton(t.canon) for t in tokens)


def _squeeze(word: str) -> str:
    """Collapse doubled letters ("acmme" -> "acme")."""
    return "".join(c for i, c in enumerate(word) if i == 0 or c != word[i - 1])


def _deletions(word: str, depth: int) -> set[str]:
    """Return ``word`` and every string made by deleting up to ``depth`` letters."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _fuzzy_depth(length: int) -> int:
    return 1 if length < 9 else 2


class TextIndex:
    """All terms of a knowledge version, compiled for matching (build once, reuse)."""

    def __init__(
        self,
        knowledge: Sequence[BrandKnowledge],
        vocabulary: Iterable[VocabTerm] = COUNTERFEIT_TERMS,
    ) -> None:
        self.brands = {b.brand_id: b for b in knowledge}
        self.terms: list[Term] = []
        self._seen: set[tuple[str, str | None, str | None, tuple[str, ...]]] = set()
        for brand in knowledge:
            self._add(brand.name, "brand", brand.brand_id)
            for alias in brand.aliases:
                self._add(alias, "alias", brand.brand_id)
            for product in brand.products:
                self._add(product.name, "product", brand.brand_id, product.product_id)
                for model in product.model_numbers:
                    self._add(model, "model", brand.brand_id, product.product_id)
                for keyword in product.keywords:
                    self._add(keyword, "keyword", brand.brand_id, product.product_id)
            for phrase in brand.counterfeit_terms:
                self._add(phrase, "brand_vocab", brand.brand_id, weight=BRAND_TERM_WEIGHT)
        for term in vocabulary:
            self._add(term.text, "vocab", None, None, term.weight, term.lang, term.unless_next)
        self._automaton, self._fuzzy = self._compile()
        # Values are tuples, which the garbage collector stops tracking: a detector
        # holds hundreds of thousands of them and must not slow collections down.
        self._fuzzy_cache: dict[str, tuple[tuple[int, int], ...]] = {}

    def _add(
        self,
        text: str,
        kind: TermKind,
        brand_id: str | None,
        product_id: str | None = None,
        weight: float = 0.0,
        lang: str | None = None,
        unless_next: Iterable[str] = (),
    ) -> None:
        literal, canon = _term_tokens(text)
        compact = "".join(literal)
        identity = (kind, brand_id, product_id, canon)
        if not compact or identity in self._seen:
            return  # "réplica" and "replica" are one term once normalised
        self._seen.add(identity)
        has_digit_token = any(t.isdigit() for t in literal)
        exact = len(compact) < 4 or (kind in VOCAB_KINDS and has_digit_token)
        nexts = frozenset(skeleton(t.canon) for w in unless_next for t in tokenize(w))
        self.terms.append(
            Term(len(self.terms), text, kind, brand_id, product_id, weight, lang,
                 literal, canon, exact, nexts)
        )  # fmt: skip

    def _compile(self) -> tuple[ahocorasick.Automaton, dict[str, tuple[int, ...]]]:
        keys: dict[str, set[int]] = {}
        fuzzy: dict[str, set[int]] = {}
        for term in self.terms:
            literal, canon = "".join(term.literal_tokens), "".join(term.canon_tokens)
            keys.setdefault(literal, set()).add(term.term_id)
            keys.setdefault(canon, set()).add(term.term_id)
            if term.kind in FUZZY_KINDS and canon.isascii() and canon.isalpha():
                # Names of five letters or more tolerate a wrong letter; shorter ones
                # only doubled letters ("acmme"), as "acne" is not "acme".
                squeezed = _squeeze(canon)
                depth = _fuzzy_depth(len(squeezed)) if len(canon) >= FUZZY_MIN_LEN else 0
                if len(squeezed) >= 3:
                    for variant in _deletions(squeezed, depth):
                        fuzzy.setdefault(variant, set()).add(term.term_id)
        frozen = {variant: tuple(sorted(ids)) for variant, ids in fuzzy.items()}
        automaton = ahocorasick.Automaton()
        for key, term_ids in keys.items():
            automaton.add_word(key, (len(key), tuple(sorted(term_ids))))
        if keys:
            automaton.make_automaton()
        # Squeezed candidate lengths that can be within reach of some fuzzy name.
        self._fuzzy_lengths = {len(k) + d for k in fuzzy for d in (0, 1, 2)}
        # A pair of words is worth a lookup only if it starts or ends like a name.
        self._fuzzy_heads = {k[:2] for k in fuzzy if len(k) >= 4}
        self._fuzzy_tails = {k[-2:] for k in fuzzy if len(k) >= 4}
        return automaton, frozen

    def find(self, view: FieldView, *, loose: bool = False) -> list[TextHit]:
        """Return every term in ``view``; ``loose`` also finds terms inside run-together words."""
        found: dict[tuple[int, int, int], TextHit] = {}
        if self._automaton.kind != ahocorasick.AHOCORASICK:
            return []
        for view_name, compact, starts, ends, offsets in view.views:
            for end_index, (length, term_ids) in self._automaton.iter(compact):
                begin = end_index - length + 1
                first, last = starts.get(begin), ends.get(end_index + 1)
                run_together = first is None or last is None
                if run_together:
                    if not loose or length < LOOSE_MIN_LEN:
                        continue
                    first = bisect.bisect_right(offsets, begin) - 1
                    last = bisect.bisect_right(offsets, end_index) - 1
                assert first is not None and last is not None
                matched = compact[begin : end_index + 1]
                for term_id in term_ids:
                    term = self.terms[term_id]
                    if (term_id, first, last) in found:
                        continue
                    # Matched through the canonical form (leetspeak decoded, l/I merged)?
                    canon = view_name == "canon" or matched != "".join(term.literal_tokens)
                    if term.exact_tokens and not run_together:
                        if canon:
                            want, got = term.canon_tokens, tuple(view.words[first : last + 1])
                        else:
                            words = view.tokens[first : last + 1]
                            want, got = term.literal_tokens, tuple(w.literal for w in words)
                        if got != want:
                            continue
                    via = self._via(view, term, first, last, canon, run_together)
                    found[(term_id, first, last)] = self._hit(view, term, first, last, via)
        self._find_fuzzy(view, found)
        return sorted(found.values(), key=lambda h: (h.first, h.term.term_id))

    def _hit(
        self,
        view: FieldView,
        term: Term,
        first: int,
        last: int,
        via: tuple[str, ...],
        distance: int = 0,
    ) -> TextHit:
        start, end = view.span(first, last)
        return TextHit(
            term, view.name, first, last, start, end, view.text[start:end], via, distance
        )

    def _via(
        self, view: FieldView, term: Term, first: int, last: int, canon: bool, run_together: bool
    ) -> tuple[str, ...]:
        start, end = view.span(first, last)
        via = {d for c in view.text[start:end] if (d := disguise_of(c)) is not None}
        words = view.tokens[first : last + 1]
        if term.kind != "model" and (
            any(w.joined for w in words) or len(words) > len(term.canon_tokens)
        ):
            via.add("spacing")
        if canon:
            via.add("leetspeak" if any(w.leet for w in words) else "lookalike")
        if run_together:
            via.add("run_together")
        return tuple(sorted(via))

    def _find_fuzzy(self, view: FieldView, found: dict[tuple[int, int, int], TextHit]) -> None:
        """Look up each word in the deletion index, and in short fields each pair of words.

        Pairs catch a misspelled name split in two ("Lumina tek"); in descriptions,
        which are long, only single words are looked up, to keep the gate fast.
        """
        if not self._fuzzy:
            return
        pairs = view.name != "description"
        covered: set[tuple[str | None, int]] | None = None
        words = view.words
        cache = self._fuzzy_cache
        usable = [w.isascii() and w.isalpha() for w in words]
        for first, word in enumerate(words):
            if not usable[first]:
                continue
            candidates = [(first, word)]
            if pairs and first + 1 < len(words) and usable[first + 1]:
                pair = word + words[first + 1]
                if pair[:2] in self._fuzzy_heads or pair[-2:] in self._fuzzy_tails:
                    candidates.append((first + 1, pair))
            for last, candidate in candidates:
                if len(candidate) < FUZZY_MIN_LEN - 1:
                    continue  # one letter dropped from the shortest fuzzy name
                matches = cache.get(candidate)
                if matches is None:
                    matches = self._fuzzy_lookup(candidate, last > first)
                for term_id, distance in matches:
                    term = self.terms[term_id]
                    if covered is None:  # words already matched exactly, per brand
                        terms = self.terms
                        covered = {
                            (terms[t].brand_id, i) for t, a, b in found for i in range(a, b + 1)
                        }
                    if any((term.brand_id, i) in covered for i in range(first, last + 1)):
                        continue
                    via = ("doubled_letters",) if distance == 0 else ("misspelling",)
                    hit = self._hit(view, term, first, last, via, distance)
                    found[(term_id, first, last)] = hit

    def _fuzzy_lookup(self, candidate: str, pair: bool = False) -> tuple[tuple[int, int], ...]:
        """Return ``(term id, distance)`` of names within reach of ``candidate`` (cached).

        Two words run together are looked up one deletion deep only (a split name
        with a second typo is rare, and deeper lookups of long strings are costly).
        """
        cached = self._fuzzy_cache.get(candidate)
        if cached is not None:
            return cached
        squeezed = _squeeze(candidate)
        term_ids: set[int] = set()
        if len(squeezed) in self._fuzzy_lengths:
            depth = min(_fuzzy_depth(len(squeezed)), 1 if pair else 2)
            for variant in _deletions(squeezed, depth):
                found = self._fuzzy.get(variant)
                if found:
                    term_ids.update(found)
        result = []
        for term_id in sorted(term_ids):
            term = self.terms[term_id]
            key = "".join(term.canon_tokens)
            if candidate == key:
                continue  # an exact match, already found by the automaton
            key_squeezed = _squeeze(key)
            limit = _fuzzy_depth(len(key_squeezed)) if len(key) >= FUZZY_MIN_LEN else 0
            distance = Levenshtein.distance(squeezed, key_squeezed, score_cutoff=limit)
            if distance <= limit:
                result.append((term_id, distance))
        if len(self._fuzzy_cache) > 200_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[candidate] = frozen_result = tuple(result)
        return frozen_result
