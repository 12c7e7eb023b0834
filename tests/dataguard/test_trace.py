"""Trace names the export a leaked copy came from, or says that none did (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketguard.config import Settings
from marketguard.dataguard.exports.leaked import UnreadableLeak
from marketguard.dataguard.exports.models import DataExport
from marketguard.dataguard.exports.trace import forget_fingerprints, trace, trace_report
from marketguard.uow import unit_of_work
from tests.dataguard.export_copies import (
    SELLER_FIELDS,
    leak,
    record_export,
    seller_rows,
    to_jsonl,
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    forget_fingerprints()


@pytest.fixture
def world(settings: Settings) -> dict[str, tuple[str, bytes]]:
    """Two exports of the same 400 sellers (to alice and bob) and one of other sellers."""
    same = seller_rows(400, seed=3)
    with unit_of_work(settings) as session:
        return {
            "alice": record_export(session, same, recipient="alice", exporter="olga"),
            "bob": record_export(session, same, recipient="bob", exporter="olga"),
            "other": record_export(session, seller_rows(400, seed=99, prefix="T"),
                                   recipient="carol"),
        }


def _trace(settings: Settings, data: bytes) -> list:
    with unit_of_work(settings) as session:
        return trace(session, data, settings=settings)


def test_when_a_shuffled_fragment_leaks_then_its_export_is_named_first(
    settings: Settings, world: dict[str, tuple[str, bytes]]
) -> None:
    export_id, data = world["alice"]
    matches = _trace(settings, leak(data, rows=30, seed=5))
    assert matches[0].export_id == export_id
    assert matches[0].recipient == {"kind": "employee", "id": "alice", "name": "alice"}
    assert matches[0].exporter == "olga" and matches[0].rows_matched == 30
    assert matches[0].score == 1.0
    assert world["other"][0] not in [m.export_id for m in matches]


def test_when_the_same_rows_went_to_two_people_then_the_watermark_tells_whose_copy_leaked(
    settings: Settings, world: dict[str, tuple[str, bytes]]
) -> None:
    for person, other in (("alice", "bob"), ("bob", "alice")):
        export_id, data = world[person]
        matches = _trace(settings, leak(data, rows=20, seed=11))
        scores = {m.export_id: m for m in matches}
        assert matches[0].export_id == export_id
        source, rival = scores[export_id], scores[world[other][0]]
        assert source.watermark_agreeing == source.watermark_observed >= 20
        assert rival.score < 0.75 * source.score


@pytest.mark.parametrize("copy", [
    {"rows": 25, "keep": ["identifiers.phone", "seller_id"], "delimiter": ";", "quote_all": True,
     "crlf": True, "bom": True},
    {"rows": 25, "keep": ["created_at", "identifiers.device", "country"], "delimiter": "\t"},
    {"rows": 25, "spreadsheet": True, "delimiter": ";", "crlf": True},
    {"rows": 25, "header": False, "keep": ["identifiers.ip", "identifiers.phone"]},
    {"rows": 25, "encoding": "utf-16", "delimiter": "\t"},
], ids=["semicolon-quoted-bom", "tab-reordered", "spreadsheet-resave", "no-header",
        "utf16-unicode-text"])
def test_when_a_copy_was_resaved_or_cut_then_it_is_still_traced(
    settings: Settings, world: dict[str, tuple[str, bytes]], copy: dict
) -> None:
    export_id, data = world["bob"]
    matches = _trace(settings, leak(data, seed=21, **copy))
    assert matches and matches[0].export_id == export_id


def test_when_a_csv_export_leaks_as_json_lines_then_it_is_traced(
    settings: Settings, world: dict[str, tuple[str, bytes]]
) -> None:
    export_id, data = world["alice"]
    matches = _trace(settings, to_jsonl(leak(data, rows=20, seed=2)))
    assert matches[0].export_id == export_id and matches[0].score == 1.0


def test_when_a_jsonl_export_leaks_as_csv_then_it_is_traced(settings: Settings) -> None:
    rows = seller_rows(200, seed=4)
    with unit_of_work(settings) as session:
        export_id, data = record_export(session, rows, fmt="jsonl", recipient="dora")
    import csv
    import io
    import json

    objects = [json.loads(line) for line in data.splitlines()][:30]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SELLER_FIELDS)
    for obj in objects:
        writer.writerow([";".join(v) if isinstance(v, list) else v for v in obj.values()])
    matches = _trace(settings, out.getvalue().encode())
    assert matches[0].export_id == export_id


def test_when_the_file_is_unrelated_then_nothing_matches(
    settings: Settings, world: dict[str, tuple[str, bytes]]
) -> None:
    stranger = seller_rows(300, seed=12345, prefix="S")  # same shape and ids, other values
    import io

    from marketguard.dataguard.exports.files import ExportWriter

    out = io.BytesIO()
    writer = ExportWriter(out, fields=SELLER_FIELDS, fmt="csv", mark=b"x" * 32, key=b"k" * 32)
    writer.write(stranger)
    unrelated = leak(out.getvalue(), rows=40, keep=["identifiers.phone", "identifiers.device",
                                                    "created_at"])
    assert _trace(settings, unrelated) == []
    assert _trace(settings, b"name,city\nJane,Lisbon\nJoe,Porto\nAda,Braga\n") == []


def test_when_only_unwatermarked_columns_leak_then_both_recipients_are_named_equally(
    settings: Settings, world: dict[str, tuple[str, bytes]]
) -> None:
    _, data = world["alice"]
    matches = _trace(settings, leak(data, rows=30, keep=["seller_id", "country"]))
    top = {m.export_id: m.score for m in matches}
    assert set(top) == {world["alice"][0], world["bob"][0]}
    assert len(set(top.values())) == 1  # honestly: either of them may have leaked it
    assert all(m.watermark_observed == 0 for m in matches)


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"age-encryption.org/v1\n-> X25519 abc\n", "age-encrypted"),
    (b"PK\x03\x04\x14\x00\x06\x00", "save it as CSV"),
    (b"seller_id,created_at\n", "no rows"),
])
def test_when_the_body_is_not_a_readable_file_then_one_clear_error_and_nothing_changes(
    settings: Settings, world: dict[str, tuple[str, bytes]], body: bytes, reason: str
) -> None:
    with unit_of_work(settings) as session:
        before = session.scalar(select(func.count()).select_from(DataExport))
        with pytest.raises(UnreadableLeak, match=reason):
            trace(session, body, settings=settings)
    with unit_of_work(settings) as session:
        assert session.scalar(select(func.count()).select_from(DataExport)) == before


def test_when_the_platform_key_changed_then_older_exports_are_counted_not_matched(
    settings: Settings, world: dict[str, tuple[str, bytes]]
) -> None:
    with unit_of_work(settings) as session:
        _, data = record_export(session, seller_rows(100, seed=8), secret="an-older-secret")
    with unit_of_work(settings) as session:
        report = trace_report(session, leak(data, rows=20), settings=settings)
    assert report.matches == [] and report.exports_other_key == 1

