"""Export files: what they hold, that the watermark changes no value, and reading copies back."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard.dataguard.exports.cells import (
    CellHasher,
    candidates,
    canonical,
    canonical_series,
)
from marketguard.dataguard.exports.files import ExportWriter
from marketguard.dataguard.exports.fingerprint import MAX_KEPT, Fingerprint
from marketguard.dataguard.exports.leaked import UnreadableLeak, read_leaked
from marketguard.errors import InvalidInput
from tests.dataguard.export_copies import SELLER_FIELDS, csv_rows, seller_rows

KEY = b"k" * 32


def write(records: list[dict] | pl.DataFrame, *, fmt: str = "csv", mark: bytes = b"m" * 32,
          fields: list[str] | None = None) -> tuple[bytes, Fingerprint]:
    out = io.BytesIO()
    writer = ExportWriter(out, fields=fields or SELLER_FIELDS, fmt=fmt,  # type: ignore[arg-type]
                          mark=mark, key=KEY)
    writer.write(records)
    fingerprint = Fingerprint.unpack(writer.finish())
    return out.getvalue(), fingerprint


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_when_written_as_csv_then_header_is_field_paths_and_values_mean_the_same() -> None:
    rows = seller_rows(50)
    data, fingerprint = write(rows)
    header, body = csv_rows(data)
    assert header == SELLER_FIELDS and len(body) == 50 and fingerprint.rows == 50
    for row, cells in zip(rows, body, strict=True):
        shown = dict(zip(header, cells, strict=True))
        assert shown["seller_id"] == row["seller_id"] and shown["country"] == row["country"]
        assert _instant(shown["created_at"]) == _instant(row["created_at"])
        for kind in ("identifiers.phone", "identifiers.ip", "identifiers.device"):
            assert sorted(shown[kind].split(";")) == sorted(row[kind])


def test_when_written_as_jsonl_then_one_flat_object_a_row_with_lists_kept() -> None:
    rows = seller_rows(20)
    data, _ = write(rows, fmt="jsonl")
    objects = [json.loads(line) for line in data.decode().splitlines()]
    assert [list(o) for o in objects] == [SELLER_FIELDS] * 20
    for row, obj in zip(rows, objects, strict=True):
        assert sorted(obj["identifiers.phone"]) == sorted(row["identifiers.phone"])
        assert _instant(obj["created_at"]) == _instant(row["created_at"])


def test_when_two_marks_write_the_same_rows_then_the_files_differ_only_in_rendering() -> None:
    rows = seller_rows(200)
    first, a = write(rows, mark=b"a" * 32)
    second, b = write(rows, mark=b"b" * 32)
    assert first != second
    assert np.array_equal(a.rare, b.rare)  # the same values, so the same fingerprint cells
    _, one = csv_rows(first)
    _, two = csv_rows(second)
    assert [[canonical(c) for c in r] for r in one] == [[canonical(c) for c in r] for r in two]


def test_when_a_batch_is_a_frame_or_nested_records_then_the_file_is_the_same() -> None:
    rows = seller_rows(30)
    nested = [{"seller_id": r["seller_id"], "created_at": r["created_at"],
               "country": r["country"], "status": r["status"],
               "identifiers": {k.split(".")[1]: v for k, v in r.items() if "." in k}}
              for r in rows]
    frame = pl.DataFrame(
        {f: [r[f] for r in rows] for f in SELLER_FIELDS},
        schema={f: pl.List(pl.String) if "." in f else pl.String for f in SELLER_FIELDS},
    )
    assert write(rows)[0] == write(nested)[0] == write(frame)[0]


def test_when_an_export_holds_no_rows_then_the_csv_is_its_header() -> None:
    data, fingerprint = write([])
    assert data.decode().splitlines() == [",".join(SELLER_FIELDS)]
    assert fingerprint.rows == 0 and len(fingerprint.rare) == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"fmt": "xlsx"}, "csv or jsonl"),
    ({"fields": []}, "at least one field"),
    ({"fields": ["seller_id", "seller_id"]}, "more than once"),
])
def test_when_asked_for_a_bad_file_then_one_clear_error(kwargs: dict, message: str) -> None:
    args = {"fields": SELLER_FIELDS, "fmt": "csv", **kwargs}
    with pytest.raises(InvalidInput, match=message):
        ExportWriter(io.BytesIO(), mark=b"m" * 32, key=KEY, **args)


def test_when_a_fingerprint_is_stored_then_it_is_small_and_reads_back() -> None:
    out = io.BytesIO()
    writer = ExportWriter(out, fields=SELLER_FIELDS, fmt="csv", mark=b"m" * 32, key=KEY)
    writer.write(seller_rows(10_000))
    packed = writer.finish()
    # A fraction of the file it describes: 4 bytes a distinct value, stored as they are so
    # that a trace in a fresh process reads a thousand of them without unpacking.
    assert len(packed) < 0.2 * len(out.getvalue())
    again = Fingerprint.unpack(packed)
    assert again.mark == b"m" * 32 and again.rows == 10_000 and len(again.rare) < MAX_KEPT
    assert np.array_equal(again.rare, write(seller_rows(10_000))[1].rare)
    for damaged in (packed[:-20], packed + b"\x00"):
        with pytest.raises(ValueError, match="damaged|truncated"):
            Fingerprint.unpack(damaged)


def test_when_a_fingerprint_was_stored_in_the_older_compressed_form_then_it_reads_the_same(
) -> None:
    out = io.BytesIO()
    writer = ExportWriter(out, fields=SELLER_FIELDS, fmt="csv", mark=b"m" * 32, key=KEY)
    writer.write(seller_rows(2_000))
    current = Fingerprint.unpack(writer.finish())
    older = current.pack(version=1)
    assert older[4] == 1 and len(older) < len(current.pack())
    again = Fingerprint.unpack(older)
    assert np.array_equal(again.rare, current.rare)
    assert np.array_equal(again.common, current.common)
    assert (again.mark, again.rows, again.threshold) == (current.mark, 2_000, current.threshold)
    with pytest.raises(ValueError, match="damaged|truncated"):
        Fingerprint.unpack(older[:-20])


# -- canonical forms: the writer's columns and a leaked cell agree -----------------------

_CELL_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789+-.;: TZtz/", max_size=30),
    st.from_regex(r"\A[+-]?0*[0-9]{1,12}(\.[0-9]{0,6}0*)?\Z"),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S") + "Z"),
    st.lists(st.text(alphabet="abcXYZ019 .", max_size=6), max_size=4).map(";".join),
)


@given(st.lists(_CELL_TEXT, min_size=1, max_size=20))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_the_column_canonical_form_equals_the_cell_canonical_form(texts: list[str]) -> None:
    column = canonical_series(pl.Series(texts, dtype=pl.String))
    assert column.to_list() == [canonical(t) for t in texts]


@given(st.lists(st.text(max_size=40), min_size=1, max_size=20))
@settings(max_examples=100, deadline=None)
def test_the_column_hash_equals_the_hash_of_each_cell(texts: list[str]) -> None:
    hasher = CellHasher(KEY)
    hashes, present = hasher.hash_series(pl.Series(texts, dtype=pl.String))
    one_by_one = np.array([hasher.hash_texts([t])[0] for t in texts], dtype=np.uint64)
    assert np.array_equal(hashes, one_by_one)
    assert present.tolist() == [bool(t) for t in texts]


@pytest.mark.parametrize("written, leaked", [
    ("2024-05-01T10:04:05Z", "01/05/2024 10:04"),
    ("2024-05-01T10:04:05Z", "2024-05-01 10:04:05"),
    ("2024-05-01T10:04:05Z", "2024-05-01T12:04:05+02:00"),
    ("2024-05-01T10:04:05.000+00:00", "5/1/2024 10:04 AM"),
    ("+8613800138021", "8613800138021"),
    ("+8613800138021", "+86 138 0013 8021"),
    ("1500", "1,500"),
    ("1500.5", "1.500,50"),
    ("1500", "1.5E+03"),
    ("true", " TRUE "),
    ("b;a;c", "c ; a;b"),
    ("ada@acme.example", "ada@ACME.EXAMPLE"),
])
def test_when_a_spreadsheet_reformatted_a_cell_then_one_reading_is_the_written_form(
    written: str, leaked: str
) -> None:
    assert canonical(written) in candidates(leaked)


# -- reading leaked copies ------------------------------------------------------------

_WORD = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                min_size=1, max_size=12).filter(lambda s: s.strip() == s)


@given(
    rows=st.lists(st.lists(_WORD, min_size=3, max_size=3), min_size=2, max_size=15),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-16"]),
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_csv_dialect_resave_parses_back_to_the_same_cells(
    rows: list[list[str]], delimiter: str, quoting: int, newline: str, bom: bool,
    encoding: str,
) -> None:
    header = ["seller_id", "identifiers.phone", "country"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    text = ("\ufeff" if bom and encoding == "utf-8" else "") + out.getvalue()
    table = read_leaked(text.encode(encoding))
    assert table.header == header
    assert table.rows == rows


def test_when_a_json_array_or_lines_leak_then_cells_read_as_csv_would_show_them() -> None:
    objects = [{"seller_id": "S-1", "identifiers.phone": ["+1", "+2"], "n": 3, "ok": True,
                "gone": None}]
    for body in (json.dumps(objects), "\n".join(json.dumps(o) for o in objects)):
        table = read_leaked(body.encode())
        assert table.kind == "jsonl" and table.rows == [["S-1", "+1;+2", "3", "true", ""]]


def test_when_the_bytes_are_no_table_then_trace_says_what_to_do() -> None:
    with pytest.raises(UnreadableLeak, match="binary"):
        read_leaked(b"\x00\x01\x02\x03abc\x00" * 10)


# -- the cell hash is the documented function, whatever numpy or Polars do -----------------

_MASK = (1 << 64) - 1


def _mix(z: int) -> int:
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & _MASK
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _reference_hash(key: bytes, text: str) -> int:
    """The keyed cell hash written out in plain Python: NH over 16-byte blocks, then mixing."""
    import hashlib

    stream = hashlib.blake2b(key, digest_size=64, person=b"mg-cell-hash").digest()
    nh = [int.from_bytes(stream[i : i + 4], "little") for i in range(0, 16, 4)]
    start, out1, out2, round_ = (int.from_bytes(stream[i : i + 8], "little")
                                 for i in range(16, 48, 8))
    data = text.encode()
    state = start ^ ((len(data) * 0x9E3779B97F4A7C15) & _MASK)
    for block in range(0, len(data), 16):
        chunk = data[block : block + 16].ljust(16, b"\x00")
        w = [(int.from_bytes(chunk[i : i + 4], "little") + nh[i // 4]) & 0xFFFFFFFF
             for i in range(0, 16, 4)]
        summed = (w[0] * w[1] + w[2] * w[3]) & _MASK
        state = _mix(state ^ summed ^ _mix((round_ + block) & _MASK))
    return _mix(_mix(state ^ out1) ^ out2)


@given(st.lists(st.text(max_size=70), min_size=1, max_size=30))
@settings(max_examples=150, deadline=None)
def test_the_column_hash_is_the_reference_function_of_the_cell_bytes(texts: list[str]) -> None:
    hashes = CellHasher(KEY).hash_texts(texts)
    assert [int(h) for h in hashes] == [_reference_hash(KEY, t) for t in texts]


def test_the_cell_hash_of_known_texts_never_changes() -> None:
    # Stored fingerprints hold these hashes: a change here makes every recorded export untraceable.
    texts = ["", "a", "s-0000001", "2026-01-01 00:00", "exactly16bytes!!", "seventeen bytes!!",
             "ünïcödé ✓ text that is longer than thirty-two bytes"]
    assert [hex(h) for h in CellHasher(KEY).hash_texts(texts)] == [
        "0xdf1bf3ca00d950e0", "0x3bf0b1978f62cd2f", "0x44cb062e351375a5", "0xba23bc9f924083cd",
        "0x79d837b300c3a9de", "0xe4fcdf1b211b0908", "0x164e5a64b1746350",
    ]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_when_a_column_repeats_few_values_then_each_cell_is_written_as_if_alone(fmt: str) -> None:
    # Few-valued columns are worked out once per distinct value; many-valued ones cell by cell.
    rows = seller_rows(400)
    for n, row in enumerate(rows):
        row["created_at"] = ["2026-01-01T00:00:00Z", "2026-02-01T10:00:00.250000Z", None][n % 3]
        row["country"] = ["DE", None, "cn"][n % 3]
    def body(data: bytes) -> bytes:
        return data.split(b"\n", 1)[1] if fmt == "csv" else data  # without the header

    whole, whole_print = write(rows, fmt=fmt)
    assert body(whole) == b"".join(body(write([row], fmt=fmt)[0]) for row in rows)
    assert whole_print.rows == 400 and len(whole_print.common) >= 2
