"""Brand names are found through every disguise, and only where they really are."""

from __future__ import annotations

import pytest

from marketguard.detection.text_analysis import TextAnalysis, analyse_text
from marketguard.detection.text_match import FieldView, TextIndex
from tests.detection.factories import knowledge, listing

INDEX = TextIndex(knowledge())


def analyse(
    title: str, description: str = "", category: str | None = "bags", image_text: str = ""
) -> TextAnalysis:
    return analyse_text(
        INDEX, listing(title, description=description, category=category), image_text
    )


def vias(analysis: TextAnalysis, brand_id: str) -> set[str]:
    return {v for hit in analysis.brands[brand_id].hits for v in hit.via}


@pytest.mark.parametrize(
    ("title", "disguise"),
    [
        ("Acme Outdoor backpack", None),
        ("ACME backpack", None),
        ("Асме backpack", "homoglyph"),  # Cyrillic
        ("ΑϹΜΕ backpack", "homoglyph"),  # Greek
        ("ＡＣＭＥ backpack", "fullwidth"),
        ("4cm3 backpack", "leetspeak"),
        ("@cme backpack", "leetspeak"),
        ("a c m e backpack", "spacing"),
        ("A.C.M.E backpack", "spacing"),
        ("Ac me Outdoor backpack", "spacing"),
        ("ac\u200bme backpack", "zero_width"),
        ("Àcmé backpack", "diacritics"),
        ("Acmme backpack", "doubled_letters"),
        ("Acme Outdor backpack", None),  # the alias still matches exactly
    ],
)
def test_when_title_uses_disguise_then_brand_matched(title: str, disguise: str | None) -> None:
    analysis = analyse(title)
    assert "brand-acme" in analysis.brands
    assert analysis.brands["brand-acme"].counted
    if disguise is not None:
        assert disguise in vias(analysis, "brand-acme")
    else:
        assert all(not hit.via for hit in analysis.brands["brand-acme"].hits)


def test_when_title_uses_cyrillic_homoglyphs_then_brand_matched() -> None:
    analysis = analyse("Новый Асме рюкзак")
    [hit] = [h for h in analysis.brands["brand-acme"].hits]
    assert hit.snippet == "Асме"
    assert hit.via == ("homoglyph",)


@pytest.mark.parametrize(
    ("title", "disguise"),
    [
        ("Lumniatech phone", "misspelling"),  # swapped letters
        ("Lumnatech phone", "misspelling"),  # dropped letter
        ("Luminnatech phone", "doubled_letters"),
        ("Luminatek phone", "misspelling"),
        ("L u m i n a t e c h phone", "spacing"),
        ("1um1natech phone", "leetspeak"),
    ],
)
def test_when_long_brand_name_is_misspelled_then_fuzzy_matched(title: str, disguise: str) -> None:
    analysis = analyse(title, category="phones")
    assert analysis.brands["brand-lumina"].counted
    assert disguise in vias(analysis, "brand-lumina")


@pytest.mark.parametrize("title", ["SM45 backpack", "SM-45 backpack", "sm 45 rucksack"])
def test_when_model_number_named_then_product_matched(title: str) -> None:
    mention = analyse(title).brands["brand-acme"]
    assert mention.product_ids == ("prod-sm45",)
    assert mention.strong


def test_when_match_found_then_hit_reports_field_offsets_and_text() -> None:
    text = "Brand new\u200b Асме bag"
    [hit] = INDEX.find(FieldView("title", text))
    assert (hit.field, hit.snippet, text[hit.start : hit.end]) == ("title", "Асме", "Асме")


@pytest.mark.parametrize(
    "title",
    [
        "capex report binder",  # "apex" inside another word
        "acne cream",  # one letter from "acme": too short for fuzzy matching
        "11 inch tablet",  # "1:1" needs the colon's two tokens
        "Luminous lamp",
    ],
)
def test_when_brand_only_looks_similar_then_not_matched(title: str) -> None:
    analysis = analyse(title, category=None)
    assert not analysis.brands
    assert not [v for v in analysis.vocab if v.hit.term.text == "1:1"]


def test_when_photo_text_runs_words_together_then_brand_still_found() -> None:
    analysis = analyse("Backpack", image_text="REPLICAACME")
    assert analysis.brands["brand-acme"].counted
    assert [v.hit.term.text for v in analysis.vocab] == ["replica"]
