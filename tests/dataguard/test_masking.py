"""Masking keeps a value's kind and never its content."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketguard.dataguard.masking import mask


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("+8613800138021", "+86*********21"),
        ("jane@example.com", "j***@e******.com"),
        ("203.0.113.9", "***.*.***.*"),
        ("2001:db8::1", "****:***::*"),
        ("d-91", "****"),
        ("p-3", "***"),
        ("", ""),
        (None, None),
        (12000, "*****"),
        (True, "****"),
        (["+8613800138021", None], ["+86*********21", None]),
        ({"street": "12 Harbour Road"}, {"street": "12***********ad"}),
    ],
)
def test_when_a_value_is_masked_then_it_keeps_its_kind(raw: Any, masked: Any) -> None:
    assert mask(raw) == masked


def _leaks(raw: Any, masked: Any) -> bool:
    if isinstance(raw, list):
        return any(_leaks(r, m) for r, m in zip(raw, masked, strict=True))
    if raw is None:
        return masked is not None
    text = raw if isinstance(raw, str) else json.dumps(raw)
    return text != "" and text in json.dumps(masked, ensure_ascii=False) + str(masked)


scalars = st.one_of(
    st.text().filter(lambda s: s.strip("*") != ""),
    st.emails(),
    st.ip_addresses().map(str),
    st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


@given(st.one_of(scalars, st.lists(scalars, max_size=5)))
def test_when_any_value_is_masked_then_the_raw_value_never_appears_in_the_result(
    raw: Any,
) -> None:
    masked = mask(raw)
    assert not _leaks(raw, masked), (raw, masked)
    if isinstance(raw, str) and raw:
        assert len(masked) == len(raw) and "*" in masked  # the same kind, something hidden


@given(st.text(min_size=6).filter(lambda s: "@" not in s and s.strip("*") != ""))
def test_when_plain_text_is_masked_then_most_characters_are_starred(raw: str) -> None:
    masked = mask(raw)
    assert masked.count("*") > len(raw) / 2 or raw.replace(":", "").replace(".", "") == ""
