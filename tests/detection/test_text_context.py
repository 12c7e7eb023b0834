"""Context rules: nominative use, common words, denials and innocent phrases do not fire."""

from __future__ import annotations

import pytest

from marketguard.detection.text_analysis import analyse_text
from marketguard.detection.text_match import TextIndex
from marketguard.detection.text_normalize import normalise
from tests.detection.factories import knowledge, listing

INDEX = TextIndex(knowledge())


@pytest.mark.parametrize(
    ("title", "category"),
    [
        ("Rain cover compatible with Acme Summit 45", "bag-accessories"),
        ("Phone case compatible with Lumina X9", "phone-accessories"),
        ("Strap fits Acme SM45 backpacks", "bag-accessories"),
        ("Screen protector for your Lumina X9", "phone-accessories"),
        ("Housse compatible avec Acme Summit", "bag-accessories"),
        ("Coque pour Lumina X9", "phone-accessories"),
        ("Schutzhülle kompatibel mit Lumina X9", "phone-accessories"),
        ("Tasche passend für Acme Summit", "bag-accessories"),
        ("Funda compatible con Lumina X9", "phone-accessories"),
        ("Funda para Lumina X9", "phone-accessories"),
        ("Ersatzgurt für alle Acme Rucksäcke", "bag-accessories"),
    ],
)
def test_when_brand_named_for_compatibility_then_not_counted(title: str, category: str) -> None:
    analysis = analyse_text(INDEX, listing(title, category=category))
    assert analysis.brands, "the brand is still seen"
    assert not analysis.counted()
    assert all("nominative use" in m.reason for m in analysis.brands.values())


def test_when_compatible_item_in_brands_own_category_then_counted() -> None:
    analysis = analyse_text(INDEX, listing("Rain cover for Acme Summit 45", category="bags"))
    assert [m.brand.brand_id for m in analysis.counted()] == ["brand-acme"]


@pytest.mark.parametrize(
    ("title", "category"),
    [
        ("Apex aluminium ladder 3 m", "tools"),
        ("apex predator poster", "art"),
        ("Reach the apex: mountain guide book", "books"),
    ],
)
def test_when_brand_is_common_word_in_other_category_then_not_counted(
    title: str, category: str
) -> None:
    analysis = analyse_text(INDEX, listing(title, category=category))
    assert not analysis.counted()
    assert "common word" in analysis.brands["brand-apex"].reason


def test_when_common_word_brand_has_model_number_then_counted_in_any_category() -> None:
    analysis = analyse_text(INDEX, listing("Apex AT-100 tote", category="tools"))
    assert [m.brand.brand_id for m in analysis.counted()] == ["brand-apex"]


def test_when_common_word_brand_in_its_category_then_counted() -> None:
    analysis = analyse_text(INDEX, listing("Apex leather tote", category="bags"))
    assert [m.brand.brand_id for m in analysis.counted()] == ["brand-apex"]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Acme backpack replica", "replica"),
        ("Acme backpack 1:1 mirror quality", "mirror quality"),
        ("Acme super copy", "super copy"),
        ("Acme AAA quality", "aaa quality"),
        ("Acme knock-off", "knock-off"),
        ("Acme knockoff", "knockoff"),
        ("高仿 Acme 背包", "高仿"),
        ("复刻ACME双肩包", "复刻"),
        ("ACME原单", "原单"),
        ("ACME A货", "A货"),
        ("仿品ACME", "仿品"),
        ("Mochila Acme réplica", "réplica"),
        ("Mochila Acme imitación", "imitación"),
        ("Sac Acme réplique", "réplique"),
        ("Sac Acme contrefaçon", "contrefaçon"),
        ("Acme Rucksack Fälschung", "Fälschung"),
        ("Acme Rucksack Nachahmung", "Nachahmung"),
        ("Acme Rucksack Kopie", "Kopie"),
        ("Acme r3pl1ca", "replica"),
        ("Acme rep lica", "replica"),
        ("Acme backpack inspired by Acme", "inspired by acme"),
        ("Acme style backpack", "acme style"),
    ],
)
def test_when_counterfeit_vocabulary_present_then_found(text: str, term: str) -> None:
    analysis = analyse_text(INDEX, listing(text))
    found = {normalise(v.hit.term.text) for v in analysis.vocab if v.negated is None}
    assert normalise(term) in found


@pytest.mark.parametrize(
    "text",
    [
        "Acme backpack, not a replica",
        "Acme backpack - no fakes, 100% genuine",
        "Acme Rucksack, keine Fälschung",
        "Sac Acme, pas une contrefaçon",
        "Acme 背包 不是高仿",
    ],
)
def test_when_counterfeit_term_is_denied_then_marked_negated(text: str) -> None:
    analysis = analyse_text(INDEX, listing(text))
    assert analysis.vocab and all(v.negated for v in analysis.vocab)


@pytest.mark.parametrize(
    "text",
    [
        "Acme backpack with fake fur trim",
        "Acme bag, 1:1 scale model",
        "Kopie der Rechnung anbei, Acme",
    ],
)
def test_when_term_is_part_of_innocent_phrase_then_ignored(text: str) -> None:
    assert not analyse_text(INDEX, listing(text)).vocab
