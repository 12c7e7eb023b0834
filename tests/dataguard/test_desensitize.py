"""Desensitized sharing: pseudonyms per recipient, coarser facts, k-anonymity, refusals."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketguard.dataguard.datasets import DATASETS
from marketguard.dataguard.exports.desensitize import (
    DesensitizeRefused,
    desensitize,
    pseudonym,
)
from marketguard.errors import InvalidInput

SELLERS = DATASETS["sellers"]
KEY = b"p" * 32
FIELDS = ["seller_id", "created_at", "country", "identifiers.phone", "identifiers.address",
          "identifiers.payment"]  # fmt: skip


def seller(i: int, *, country: str = "CN", month: int = 5, phone: str | None = None) -> dict:
    return {
        "seller_id": f"S-{i:04d}",
        "created_at": f"2024-{month:02d}-{i % 27 + 1:02d}T10:{i % 60:02d}:00Z",
        "country": country,
        "identifiers": {"phone": [phone or f"+86138{i:08d}"],
                        "address": [f"{i} Harbour Road, Shenzhen"],
                        "payment": [f"p-card-4242-{i:04d}"]},
    }


def test_when_desensitized_then_personal_fields_are_pseudonyms_and_facts_are_coarser() -> None:
    rows = [seller(i) for i in range(10)]
    done = desensitize(rows, dataset=SELLERS, fields=FIELDS, key=KEY, recipient="vendor:V1")
    assert done.suppressed == 0
    assert done.quasi_identifiers == ("created_at", "country", "identifiers.address")
    first = done.records[0]
    assert list(first) == FIELDS
    assert first["seller_id"] == "S-0000" and first["created_at"] == "2024-05"
    assert first["identifiers.address"] == "CN"
    assert first["identifiers.phone"] == [pseudonym("+8613800000000", key=KEY,
                                                    recipient="vendor:V1",
                                                    field="sellers.identifiers.phone")]
    assert first["identifiers.payment"][0].startswith("p_")


def test_when_a_combination_is_rarer_than_k_then_its_rows_are_suppressed_and_counted() -> None:
    rows = [seller(i) for i in range(12)] + [seller(100, country="IS"), seller(101, month=1)]
    done = desensitize(rows, dataset=SELLERS, fields=FIELDS, key=KEY, recipient="r", k=5)
    assert done.suppressed == 2
    assert {r["seller_id"] for r in done.records} == {f"S-{i:04d}" for i in range(12)}


def test_when_suppression_would_remove_most_rows_then_the_export_is_refused() -> None:
    rows = [seller(i, country=c) for i, c in enumerate(["CN", "DE", "US", "FR", "BR", "IT"])]
    with pytest.raises(DesensitizeRefused, match="suppress 6 of 6 rows") as refused:
        desensitize(rows, dataset=SELLERS, fields=FIELDS, key=KEY, recipient="r", k=5)
    assert isinstance(refused.value, InvalidInput) and refused.value.status == 422
    assert "created_at, country" in str(refused.value)


def test_when_no_quasi_identifier_is_exported_then_nothing_is_suppressed() -> None:
    rows = [seller(i) for i in range(3)]
    done = desensitize(rows, dataset=SELLERS, fields=["seller_id", "identifiers.phone"],
                       key=KEY, recipient="r")
    assert done.suppressed == 0 and len(done.records) == 3 and done.quasi_identifiers == ()


# -- properties ---------------------------------------------------------------------------

_PHONE = st.from_regex(r"\A\+[1-9][0-9]{8,12}\Z")
_ROW = st.fixed_dictionaries({
    "country": st.sampled_from(["CN", "DE", "US"]),
    "month": st.integers(1, 3),
    "phones": st.lists(_PHONE, min_size=1, max_size=3, unique=True),
})


def _records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, row in enumerate(rows):
        record = seller(i, country=row["country"], month=row["month"])
        record["identifiers"]["phone"] = row["phones"]
        out.append(record)
    return out


@given(st.lists(_ROW, min_size=1, max_size=60), st.integers(2, 6))
@settings(max_examples=150, deadline=None)
def test_no_raw_personal_value_leaves_and_every_combination_occurs_k_times(
    rows: list[dict[str, Any]], k: int
) -> None:
    records = _records(rows)
    try:
        done = desensitize(records, dataset=SELLERS, fields=FIELDS, key=KEY, recipient="r",
                           k=k, max_suppressed=1.0)
    except DesensitizeRefused:
        groups = Counter((r["country"], r["month"]) for r in rows)
        assert all(count < k for count in groups.values())  # refused only when nothing is left
        return
    text = repr(done.records)
    for record in records:
        for kind in ("phone", "address", "payment"):
            for raw in record["identifiers"][kind]:
                assert raw not in text
    combos = Counter(tuple(str(r[f]) for f in done.quasi_identifiers) for r in done.records)
    assert all(count >= k for count in combos.values())
    assert done.suppressed + len(done.records) == len(records)


@given(_PHONE, st.text(min_size=1, max_size=10), st.text(min_size=1, max_size=10))
def test_pseudonyms_are_stable_per_recipient_and_differ_between_recipients(
    phone: str, one: str, other: str
) -> None:
    field = "sellers.identifiers.phone"
    first = pseudonym(phone, key=KEY, recipient=one, field=field)
    assert first == pseudonym(phone, key=KEY, recipient=one, field=field)
    assert phone not in first
    if one != other:
        assert first != pseudonym(phone, key=KEY, recipient=other, field=field)
    assert first != pseudonym(phone, key=b"q" * 32, recipient=one, field=field)
