"""Each text disguise keeps the name readable for a person and breaks exact matching."""

from __future__ import annotations

import random
import unicodedata

import pytest

from marketguard.simulate import disguises

NAMES = ["Veltrano", "Orbit", "Kivora", "Saffron", "Yumeko", "Brixa"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", range(5))
def test_when_name_is_disguised_then_it_no_longer_matches_exactly(name: str, seed: int) -> None:
    rng = random.Random(seed)
    for disguise in ("homoglyph", "leetspeak", "spaced", "misspelled"):
        shown = disguises.disguise_name(disguise, name, rng)
        assert shown != name and name.lower() not in shown.lower(), (disguise, shown)


@pytest.mark.parametrize("name", NAMES)
def test_when_homoglyphs_are_used_then_letters_come_from_other_scripts(name: str) -> None:
    shown = disguises.homoglyph(name, random.Random(3))
    foreign = [c for c in shown if not c.isascii()]
    assert foreign
    assert all(unicodedata.name(c).split()[0] in ("CYRILLIC", "GREEK") for c in foreign)


def test_when_leetspeak_is_used_then_digits_replace_letters() -> None:
    shown = disguises.leetspeak("Saffron", random.Random(1))
    assert any(c.isdigit() for c in shown) and len(shown) == len("Saffron")


def test_when_multilingual_then_foreign_counterfeit_vocabulary_is_used() -> None:
    vocabulary = (
        "高仿",
        "复刻",
        "原单",
        "A货",
        "精仿",
        "Réplica",
        "réplique",
        "Nachahmung",
        "imitación",
        "Replik",
        "Kopie",
        "copia",
        "Copie",
        "imitation",
        "Imitazione",
        "imitazione",
    )
    for seed in range(20):
        title, _, language = disguises.multilingual("Kivora", "Luna watch", random.Random(seed))
        assert language in ("zh", "es", "fr", "de", "it")
        assert any(word in title for word in vocabulary), title
