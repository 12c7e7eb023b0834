"""Scanning files for personal data: fields, counts, masked examples, levels, bad lines."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard.dataguard.pii import PiiKind
from marketguard.dataguard.scan import ScanReport, flatten, scan_file
from marketguard.errors import InvalidInput

RAW = ["+49 151 23456767", "jane.doe@example.com", "4111 1111 1111 1111", "192.168.1.20",
       "DE89 3704 0044 0532 0130 00", "Hauptstraße 12"]  # fmt: skip


def write_jsonl(
    path: Path, records: list[Any], *, extra_lines: dict[int, str] | None = None
) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    for index, line in sorted((extra_lines or {}).items()):
        lines.insert(index, line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seller(n: int, **identifiers: Any) -> dict[str, Any]:
    return {"seller_id": f"S-{n}", "country": "DE", "identifiers": identifiers}


def fields(report: ScanReport) -> dict[str, dict[str, Any]]:
    return {name: stats.to_dict() for name, stats in report.fields.items()}


def test_when_jsonl_is_scanned_then_each_nested_field_reports_its_personal_data(
    tmp_path: Path,
) -> None:
    records = [
        seller(1, phone="+49 151 23456767", email="jane.doe@example.com", ip="192.168.1.20",
               address="Hauptstraße 12, 10115 Berlin"),
        seller(2, phone="+86 138 0013 8000", email="li.wei@qq.com", ip="10.0.0.7",
               address="221B Baker Street, London NW1 6XE"),
        {**seller(3, phone=None), "payment": {"card": "4111 1111 1111 1111",
                                              "iban": "DE89 3704 0044 0532 0130 00"},
         "notes": ["call +1 (415) 555-2671", "nice buyer", "price 12.99 EUR"]},
    ]  # fmt: skip
    report = scan_file(write_jsonl(tmp_path / "sellers.jsonl", records))
    out = fields(report)
    assert report.records == 3 and report.ok
    assert list(out)[:3] == ["seller_id", "country", "identifiers.phone"]
    assert out["seller_id"]["found"] == {} and out["seller_id"]["suggested"] is None
    phone = out["identifiers.phone"]
    assert phone["values"] == 2  # null is not a value
    assert phone["found"]["phone"]["values"] == 2
    assert phone["found"]["phone"]["examples"] == ["+49 1** ******67", "+86 1** **** **00"]
    assert phone["suggested"] == {"level": 3, "category": "personal"}
    assert out["identifiers.email"]["found"]["email"]["values"] == 2
    assert out["identifiers.ip"]["found"]["ip_address"]["values"] == 2
    assert out["identifiers.address"]["found"]["postal_address"]["values"] == 2
    assert out["payment.card"]["suggested"] == {"level": 4, "category": "personal"}
    assert out["payment.iban"]["found"]["iban"]["recognizers"] == ["IbanRecognizer"]
    notes = out["notes"]  # list elements count under their field
    assert notes["values"] == 3 and notes["found"]["phone"]["values"] == 1
    dumped = orjson.dumps(list(out.values())).decode()
    for raw in RAW + ["+86 138 0013 8000", "li.wei@qq.com", "555-2671"]:
        assert raw not in dumped


def test_when_a_line_is_malformed_then_it_is_reported_by_number_and_the_rest_is_scanned(
    tmp_path: Path,
) -> None:
    records = [seller(1, phone="+49 151 23456767"), seller(2, phone="+1 415 555 2671")]
    path = write_jsonl(tmp_path / "x.jsonl", records, extra_lines={1: "{not json", 2: "[1, 2]"})
    report = scan_file(path)
    assert [(e.line, e.reason.split(" (")[0]) for e in report.errors] == [
        (2, "not valid JSON"), (3, "expected a JSON object, got list"),
    ]  # fmt: skip
    assert report.records == 2
    assert report.fields["identifiers.phone"].found[PiiKind.PHONE].values == 2


def test_when_csv_is_scanned_then_columns_are_fields_and_bad_rows_are_reported(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sellers.csv"
    path.write_text(
        "seller_id;contact;notes\n"
        "S-1;+49 151 23456767;\"two\nlines, call +86 138 0013 8000\"\n"
        "S-2;jane.doe@example.com;x;one too many\n"
        "S-3;;order 4155552671\n",
        encoding="utf-8",
    )
    report = scan_file(path)
    out = fields(report)
    assert report.records == 2
    assert [(e.line, e.reason) for e in report.errors] == [
        (4, "4 cells, but the header names 3 columns")
    ]
    assert out["contact"]["values"] == 1 and "phone" in out["contact"]["found"]
    assert out["notes"]["found"]["phone"]["values"] == 1  # the order id is not a phone
    assert out["seller_id"]["suggested"] is None


def test_when_json_numbers_hold_card_numbers_then_they_are_found(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [{"card": 4111111111111111, "n": 4155552671}])
    out = fields(scan_file(path))
    assert "payment_card" in out["card"]["found"]
    assert out["n"]["found"] == {}  # an integer is no phone number


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [("data.txt", None, "cannot tell the format"), ("data.csv", "xml", "unknown format")],
)
def test_when_format_is_unknown_then_refused(
    tmp_path: Path, name: str, fmt: str | None, message: str
) -> None:
    (tmp_path / name).write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        scan_file(tmp_path / name, fmt=fmt)


def test_when_limit_is_given_then_only_that_many_records_are_scanned(tmp_path: Path) -> None:
    records = [seller(n, phone="+49 151 23456767") for n in range(5)]
    path = write_jsonl(tmp_path / "x.jsonl", records)
    assert scan_file(path, limit=2).fields["identifiers.phone"].values == 2


def test_flatten_joins_objects_with_dots_and_lists_under_their_field() -> None:
    record = {"a": {"b": [{"c": "x"}, {"c": "y"}], "d": ""}, "e": [["f"], "g"], "t": True, "n": 3}
    assert list(flatten(record)) == [("a.b.c", "x"), ("a.b.c", "y"), ("e", "f"), ("e", "g"),
                                     ("n", 3)]  # fmt: skip


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
PII_TEXT = st.sampled_from(RAW + ["+86 138 0013 8000", "order 4155552671", "1.2.3.4.5"])
LINE = st.one_of(JSON.map(lambda v: json.dumps(v)), st.text(max_size=60),
                 st.dictionaries(st.sampled_from(["phone", "note", "x"]), PII_TEXT).map(json.dumps))


def _check_counts(report: ScanReport) -> None:
    for stats in report.fields.values():
        for found in stats.found.values():
            assert 0 < found.values <= stats.values
            assert len(found.examples) <= 3
        assert (stats.level is None) == (not stats.found)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINE, max_size=12))
def test_scanning_arbitrary_jsonl_never_crashes_and_counts_stay_within_values(
    lines: list[str],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.jsonl"
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        physical_lines = path.read_bytes().count(b"\n") + 1
        report = scan_file(path)
    _check_counts(report)
    assert report.records + len(report.errors) <= physical_lines


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300) | st.lists(
    st.lists(st.one_of(st.text(max_size=20), PII_TEXT), min_size=1, max_size=4)
    .map(lambda cells: ",".join(cells)), max_size=8).map("\n".join))  # fmt: skip
def test_scanning_arbitrary_csv_never_crashes_and_counts_stay_within_values(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.csv"
        path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        report = scan_file(path)
    _check_counts(report)
