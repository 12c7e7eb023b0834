"""The column-by-column reader of big exports gives what the row-by-row reader gives."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from marketguard.config import Settings
from marketguard.dataguard.exports import columns, loading, service
from marketguard.dataguard.exports.cells import canonical
from marketguard.dataguard.exports.files import ExportWriter, frame_of
from marketguard.dataguard.exports.fingerprint import Fingerprint
from marketguard.dataguard.exports.leaked import read_leaked
from marketguard.uow import unit_of_work
from tests.dataguard.export_world import API, CROWD, export, granted, seed_exports
from tests.dataguard.test_exports_loading import every_record, seeded  # noqa: F401

KEY = b"k" * 32


def _paths(settings: Settings, dataset: str) -> list[str]:
    with unit_of_work(settings) as session:
        records = every_record(session, dataset)
    return sorted({p for r in records for p in r} - {"masked"})


def _both(settings: Settings, dataset: str, paths: list[str], *, third_party: bool = False
          ) -> tuple[list[pl.DataFrame], list[pl.DataFrame]]:
    """Both readers' batches: of 3 rows on SQLite; one batch (the driver's size) on PostgreSQL."""
    size = 3 if settings.database_url.startswith("sqlite") else 10**6
    with unit_of_work(settings) as session:
        direct = list(columns.frames(session, dataset, paths, third_party=third_party,
                                     size=size))
        rows = [frame_of(batch, paths) for batch in
                loading.batches(session, dataset, paths, third_party=third_party, size=size)]
    return direct, rows


@pytest.mark.parametrize("dataset", loading.exportable())
def test_when_a_big_export_reads_column_by_column_then_each_batch_equals_the_row_reader(
    seeded: Settings, dataset: str  # noqa: F811
) -> None:
    paths = _paths(seeded, dataset)
    direct, rows = _both(seeded, dataset, paths)
    assert rows and len(direct) == len(rows)
    for got, expected in zip(direct, rows, strict=True):
        assert got.schema == expected.schema
        assert got.equals(expected), (got, expected)


def test_when_sellers_opted_out_then_the_column_reader_leaves_them_out_too(
    seeded: Settings,  # noqa: F811
) -> None:
    direct, rows = _both(seeded, "sellers", ["seller_id"], third_party=True)
    read = pl.concat(direct).get_column("seller_id").to_list()
    assert read == pl.concat(rows).get_column("seller_id").to_list()
    assert {"S-0103", "S-0107"}.isdisjoint(read) and "S-0101" in read


def test_when_both_readers_feed_the_writer_then_file_and_fingerprint_are_identical(
    seeded: Settings,  # noqa: F811
) -> None:
    paths = _paths(seeded, "sellers")
    outputs = []
    for batches in _both(seeded, "sellers", paths):
        out = io.BytesIO()
        writer = ExportWriter(out, fields=paths, fmt="csv", mark=b"m" * 32, key=KEY)
        for batch in batches:
            writer.write(batch)
        outputs.append((out.getvalue(), writer.finish()))
    assert outputs[0] == outputs[1]
    assert Fingerprint.unpack(outputs[0][1]).rows == len(outputs[0][0].splitlines()) - 1


def test_when_a_limit_is_given_then_no_more_rows_are_read(
    seeded: Settings,  # noqa: F811
) -> None:
    with unit_of_work(seeded) as session:
        everyone = loading.count(session, "sellers")
        read = list(columns.frames(session, "sellers", ["seller_id"], limit=5, size=2))
    assert everyone > 5 and sum(f.height for f in read) == 5
    if seeded.database_url.startswith("sqlite"):  # PostgreSQL's driver sizes batches in bytes
        assert [f.height for f in read] == [2, 2, 1]


def test_when_a_time_was_stored_in_another_form_then_it_reads_as_the_orm_reads_it(
    seeded: Settings,  # noqa: F811
) -> None:
    if not seeded.database_url.startswith("sqlite"):
        pytest.skip("only SQLite keeps times as text a hand may have written")
    with unit_of_work(seeded) as session:
        session.execute(text("UPDATE sellers SET created_at = '2026-10-05 09:30:00' "
                             "WHERE seller_id = 'S-0101'"))
        session.execute(text("UPDATE sellers SET created_at = '2026-10-05 09:30:00.250000' "
                             "WHERE seller_id = 'S-0102'"))
    direct, rows = _both(seeded, "sellers", ["seller_id", "created_at"])
    got = dict(pl.concat(direct).iter_rows())
    assert got == dict(pl.concat(rows).iter_rows())
    assert got["S-0101"] == "2026-10-05T09:30:00Z"
    assert got["S-0102"] == "2026-10-05T09:30:00.250000Z"


def test_when_the_writer_stops_early_then_the_reading_thread_ends_and_lets_go(
    seeded: Settings,  # noqa: F811
) -> None:
    with unit_of_work(seeded) as session:
        batches = columns.frames(session, "sellers", ["seller_id"], size=1)
        first = next(batches)
        batches.close()  # type: ignore[attr-defined]
    assert first.height >= 1
    assert not [t for t in threading.enumerate() if t.name == "export-reader"]


def test_when_a_field_cannot_be_named_in_sql_then_the_column_reader_declines_before_reading(
    seeded: Settings,  # noqa: F811
) -> None:
    with unit_of_work(seeded) as session, pytest.raises(columns.NotDirect):
        columns.frames(session, "sellers", ["seller_id", "notes.we ird"])


def test_when_the_database_is_in_memory_then_the_column_reader_is_not_offered(
    tmp_path: Path,
) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    with Session(create_engine("sqlite://")) as session:
        assert not columns.available(session)
    with Session(create_engine(f"sqlite:///{tmp_path / 'x.db'}")) as session:
        assert columns.available(session)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_when_an_export_is_big_enough_to_read_by_columns_then_it_holds_what_rows_would_give(
    client: TestClient, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    world = seed_exports(settings, tmp_path / "seed")
    granted(client, world, "alice", ["identifiers.phone"])
    fields = ["seller_id", "created_at", "country", "identifiers.phone"]
    files = {}
    for direct_from in (10**9, 0):  # the row reader, then the column reader
        monkeypatch.setattr(service, "DIRECT_ROWS", direct_from)
        body = export(client, world.headers["alice"], fields=fields, fmt=fmt,
                      purpose="call sellers in the ring").json()
        got = client.get(body["download"], headers=world.headers["alice"])
        assert got.status_code == 200
        files[direct_from] = (body, got.content)
    (by_rows, rows_file), (by_columns, columns_file) = files[10**9], files[0]
    assert by_columns["rows"] == by_rows["rows"] == 2 + len(CROWD)

    def meaning(data: bytes) -> list[tuple[str, ...]]:
        table = read_leaked(data)
        return [tuple(canonical(cell) for cell in row) for row in table.rows]

    assert meaning(columns_file) == meaning(rows_file)  # same rows, same order
    trace = client.post(f"{API}/exports/trace", content=columns_file,
                        headers=world.headers["audrey"]).json()
    # Both exports hold the same rows and few watermarked cells (one signup time for the
    # crowd): the column-read one is named among the best, perhaps tied with the other.
    best = trace["matches"][0]["score"]
    assert by_columns["id"] in {m["export_id"] for m in trace["matches"] if m["score"] == best}
    log = client.get(f"{API}/access-log?actor=alice", headers=world.headers["audrey"]).json()
    assert sum(1 for r in log["items"] if r["kind"] == "export") == 2


def test_when_the_driver_cannot_open_the_database_then_the_export_reads_row_by_row(
    client: TestClient, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("one database is enough to show the fallback")
    import adbc_driver_sqlite.dbapi as sqlite_adbc

    world = seed_exports(settings, tmp_path / "seed")
    monkeypatch.setattr(service, "DIRECT_ROWS", 0)
    # The real driver, pointed at a database it cannot open.
    monkeypatch.setattr(columns, "_connect", lambda url: sqlite_adbc.connect(
        f"file:{tmp_path / 'missing' / 'none.db'}?mode=ro"))
    answer = export(client, world.headers["alice"], fields=["seller_id", "country"],
                    purpose="count sellers by country")
    assert answer.status_code == 201, answer.text
    got = client.get(answer.json()["download"], headers=world.headers["alice"])
    assert len(read_leaked(got.content).rows) == answer.json()["rows"] == 2 + len(CROWD)
