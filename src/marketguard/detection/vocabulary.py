"""Counterfeit vocabulary, negations and nominative-use cues, in several languages.

Why: sellers of fakes tell buyers what they sell ("replica", "1:1", "高仿",
"réplique", "Fälschung") while honest sellers name brands to say what their goods
fit ("case compatible with Acme X", "pour", "kompatibel mit"). Both lists live
here as data so they can be reviewed and extended; brands add their own red
flags through ``BrandKnowledge.counterfeit_terms``.

Terms are written naturally; they are normalised with the same normaliser as
listings when the index is built, so "réplica" and "replica" are one term and
accents or case never matter. A weight is how strongly the term alone points at
a counterfeit *when a brand is involved*; without a brand every term is weak.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VocabTerm:
    """A counterfeit red-flag term, with words after it that make it innocent."""

    text: str
    weight: float
    lang: str
    unless_next: tuple[str, ...] = ()


_FAKE_INNOCENT = (
    "fur", "leather", "plant", "plants", "flower", "flowers", "grass", "eyelash", "eyelashes",
    "lashes", "nails", "tan", "snow", "blood", "tattoo", "tattoos", "money", "ivy", "tree",
)  # fmt: skip
_COPY_INNOCENT = ("of", "de", "del", "der", "des", "la", "rechnung", "invoice", "receipt")

COUNTERFEIT_TERMS: tuple[VocabTerm, ...] = (
    # English
    VocabTerm("replica", 0.9, "en"),
    VocabTerm("replicas", 0.9, "en"),
    VocabTerm("counterfeit", 0.9, "en"),
    VocabTerm("fake", 0.85, "en", _FAKE_INNOCENT),
    VocabTerm("fakes", 0.85, "en"),
    VocabTerm("knockoff", 0.85, "en"),
    VocabTerm("knock-off", 0.85, "en"),
    VocabTerm("imitation", 0.85, "en", ("leather", "pearl", "pearls", "crab", "vanilla")),
    VocabTerm("super copy", 0.9, "en"),
    VocabTerm("super fake", 0.9, "en"),
    VocabTerm("high copy", 0.85, "en"),
    VocabTerm("top copy", 0.85, "en"),
    VocabTerm("perfect copy", 0.85, "en"),
    VocabTerm("mirror quality", 0.9, "en"),
    VocabTerm("mirror grade", 0.9, "en"),
    VocabTerm("mirror copy", 0.9, "en"),
    VocabTerm("1:1 quality", 0.9, "en"),
    VocabTerm("1:1 copy", 0.9, "en"),
    VocabTerm("1:1 mirror", 0.9, "en"),
    VocabTerm("1:1", 0.5, "en", ("scale", "ratio", "aspect", "model", "size")),
    VocabTerm("aaa quality", 0.85, "en"),
    VocabTerm("aaa grade", 0.85, "en"),
    VocabTerm("grade aaa", 0.85, "en"),
    VocabTerm("aaa replica", 0.9, "en"),
    VocabTerm("aaa copy", 0.9, "en"),
    VocabTerm("aaaaa", 0.8, "en"),
    VocabTerm("5a quality", 0.8, "en"),
    VocabTerm("not original", 0.7, "en"),
    VocabTerm("non original", 0.7, "en"),
    VocabTerm("unauthentic", 0.8, "en"),
    VocabTerm("bootleg", 0.8, "en"),
    VocabTerm("same factory", 0.6, "en"),
    VocabTerm("inspired by", 0.5, "en"),
    VocabTerm("dupe", 0.5, "en"),
    VocabTerm("dupes", 0.5, "en"),
    VocabTerm("lookalike", 0.5, "en"),
    # Chinese
    VocabTerm("高仿", 0.9, "zh"),
    VocabTerm("复刻", 0.85, "zh"),
    VocabTerm("原单", 0.7, "zh"),
    VocabTerm("尾单", 0.6, "zh"),
    VocabTerm("A货", 0.9, "zh"),
    VocabTerm("仿品", 0.9, "zh"),
    VocabTerm("精仿", 0.9, "zh"),
    VocabTerm("仿冒", 0.9, "zh"),
    VocabTerm("假货", 0.9, "zh"),
    VocabTerm("山寨", 0.85, "zh"),
    VocabTerm("超A", 0.85, "zh"),
    VocabTerm("一比一", 0.85, "zh"),
    VocabTerm("1比1", 0.85, "zh"),
    VocabTerm("莆田", 0.6, "zh"),
    # Japanese and Korean
    VocabTerm("スーパーコピー", 0.9, "ja"),
    VocabTerm("コピー品", 0.85, "ja"),
    VocabTerm("偽物", 0.9, "ja"),
    VocabTerm("レプリカ", 0.9, "ja"),
    VocabTerm("짝퉁", 0.9, "ko"),
    VocabTerm("레플리카", 0.9, "ko"),
    # Spanish and Portuguese
    VocabTerm("réplica", 0.9, "es"),
    VocabTerm("imitación", 0.85, "es"),
    VocabTerm("falsificación", 0.9, "es"),
    VocabTerm("falsificado", 0.9, "es"),
    VocabTerm("falsificada", 0.9, "es"),
    VocabTerm("copia", 0.5, "es", _COPY_INNOCENT),
    VocabTerm("calidad aaa", 0.85, "es"),
    VocabTerm("no original", 0.7, "es"),
    VocabTerm("imitação", 0.85, "pt"),
    # French
    VocabTerm("réplique", 0.9, "fr"),
    VocabTerm("contrefaçon", 0.9, "fr"),
    VocabTerm("copie conforme", 0.8, "fr"),
    VocabTerm("qualité aaa", 0.85, "fr"),
    # German
    VocabTerm("Fälschung", 0.9, "de"),
    VocabTerm("Faelschung", 0.9, "de"),
    VocabTerm("gefälscht", 0.9, "de"),
    VocabTerm("Nachahmung", 0.7, "de"),
    VocabTerm("Kopie", 0.6, "de", _COPY_INNOCENT),
    VocabTerm("Replik", 0.9, "de"),
    VocabTerm("Plagiat", 0.85, "de"),
    VocabTerm("Nachbau", 0.6, "de"),
    # Italian
    VocabTerm("contraffatto", 0.9, "it"),
    VocabTerm("imitazione", 0.85, "it"),
)

BRAND_TERM_WEIGHT = 0.85  # a brand's own red-flag phrase ("inspired by acme")

# A counterfeit term right after one of these (allowing an article between) is
# a denial: "not a replica", "keine Fälschung", "不是高仿".
NEGATIONS: tuple[str, ...] = (
    "not", "no", "non", "never", "without", "zero", "nicht", "kein", "keine", "keinerlei",
    "pas", "sans", "jamais", "sin", "nunca", "ni", "nie", "mai", "niente",
    "不", "不是", "非", "没有", "無", "无", "아닌",
)  # fmt: skip

# A brand named right after one of these describes what an item fits, not what
# it is: "case compatible with Acme Summit", "housse pour Acme".
NOMINATIVE_CUES: tuple[str, ...] = (
    "compatible with", "compatible for", "compatible", "for", "fits", "fit for", "fits for",
    "to fit", "works with", "suitable for", "designed for", "made for", "replacement for",
    "compatible avec", "pour", "adapté à", "adapté pour",
    "kompatibel mit", "passend für", "passend zu", "für", "geeignet für",
    "compatible con", "para", "apto para", "compatibile con", "per",
    "适用于", "兼容", "适配", "対応",
)  # fmt: skip

# Words that may stand between a cue (or a negation) and what it governs.
FILLERS: frozenset[str] = frozenset(
    "the your all any a an my our this these le la les l votre vos un une el los las tu su "
    "sus die der das den dem ihr ihre alle ein eine il lo gli i".split()
)
