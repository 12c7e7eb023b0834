"""The normaliser undoes disguises, never crashes, and is idempotent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketguard.detection.text_normalize import normalise, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＣＭＥ Outdoor", "acme outdoor"),  # fullwidth
        ("Асме Outdoor", "acme outdoor"),  # Cyrillic А, с, м, е
        ("ΑϹΜΕ", "acme"),  # Greek capitals and lunate sigma
        ("𝐀𝐜𝐦𝐞", "acme"),  # mathematical bold
        ("ᴀᴄᴍᴇ", "acme"),  # small capitals
        ("4cm3", "acme"),  # leetspeak
        ("@cme", "acme"),
        ("$ummit", "summit"),
        ("r3pl1ca", "replica"),
        ("b00st", "boost"),
        ("a c m e", "acme"),  # spelled out
        ("A.C.M.E.", "acme"),
        ("a-c-m-e bag", "acme bag"),
        ("ac\u200bme", "acme"),  # zero-width space
        ("ac\u00adme", "acme"),  # soft hyphen
        ("ac\u200dm\ufeffe", "acme"),  # joiner and BOM
        ("Àcmé", "acme"),  # diacritics
        ("Ac\u0301me", "acme"),  # combining accent
        ("Fälschung", "falschung"),
        ("STRASSE Straße", "strasse strasse"),
        ("高仿ACME包", "高 仿 acme 包"),  # CJK characters are tokens of their own
    ],
)
def test_when_text_is_disguised_then_normalises_to_plain_form(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SM45 backpack", "sm45 backpack"),  # model numbers keep their digits
        ("iphone15 10pcs", "iphone15 10pcs"),
        ("size 4k 2024", "size 4k 2024"),
        ("1:1 scale", "1 1 scale"),
    ],
)
def test_when_digits_are_real_numbers_then_they_stay(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_when_leet_token_decoded_then_literal_view_keeps_digits() -> None:
    [token] = tokenize("n1ke")
    assert (token.literal, token.canon, token.leet) == ("n1ke", "nike", True)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_when_normalised_twice_then_same_as_once(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_when_text_is_arbitrary_then_normalise_never_crashes(text: str) -> None:
    assert isinstance(normalise(text), str)


_DISGUISES = {
    "a": ["a", "A", "а", "А", "α", "Α", "4", "@", "ａ", "Ａ", "à", "á", "ᴀ"],
    "c": ["c", "C", "с", "С", "ϲ", "Ϲ", "ｃ", "ç", "ᴄ"],
    "m": ["m", "M", "м", "М", "Μ", "ｍ", "ᴍ"],
    "e": ["e", "E", "е", "Е", "ε", "Ε", "3", "ｅ", "é", "è", "ᴇ"],
}
_INVISIBLE = ["", "", "\u200b", "\u200c", "\u200d", "\u00ad", "\ufeff", "\u2060"]


@settings(max_examples=300, deadline=None)
@given(
    st.tuples(*(st.sampled_from(_DISGUISES[c]) for c in "acme")),
    st.lists(st.sampled_from(_INVISIBLE), min_size=3, max_size=3),
)
def test_when_brand_is_disguised_then_normalises_to_brand(
    letters: tuple[str, ...], gaps: list[str]
) -> None:
    word = letters[0] + gaps[0] + letters[1] + gaps[1] + letters[2] + gaps[2] + letters[3]
    assert normalise(f"new {word} backpack") == "new acme backpack"
