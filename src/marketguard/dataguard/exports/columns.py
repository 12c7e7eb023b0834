"""Read an export's fields column by column, straight into Polars frames.

Why a second reader beside :func:`.loading.batches`: that one builds a Python
tuple and a dict for every row, which is right for a few thousand rows and is
most of the time of a million-row export. Here an ADBC driver (the database's
own C client, answering in Arrow) runs one SELECT and hands over record batches;
no Python object is made per row. Each field becomes one column: text as text,
numbers and booleans typed, times formatted as RFC 3339 and JSON values (a key
of ``identifiers``, a kept unknown field) decoded, all with column operations.
A column whose values the vectorised rules do not cover (an odd stored time, a
JSON value that is not a string or a list of strings) is decoded value by value
exactly as :func:`.loading.batches` does, so both readers give the same frame
(:func:`.files.frame_of` of its records); a test holds them to it on both
databases.

What it reads: what is committed, through its own read-only connection. An
export runs in a unit of work that has not written to the dataset it reads, so
that is the same data; ``limit`` (the row count the caps were checked against)
keeps rows added meanwhile from slipping past the cap.

Why every value is selected as text on SQLite: its columns have no fixed type
and the driver guesses a column's type from the first batch, so a nullable
column that starts with nulls would be guessed wrongly; text plus an ``IS NULL``
flag is exact.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import queue
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
import polars as pl
import pyarrow as pa
from sqlalchemy import JSON, Boolean, Integer, Text, cast, func, literal, select
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime

from marketguard.dataguard.exports.files import frame_of
from marketguard.dataguard.exports.loading import SOURCES, Source, _shared
from marketguard.timeutil import format_rfc3339

BATCH = 100_000
_KEY_PART = re.compile(r"^[A-Za-z0-9_-]+$")  # JSON keys a path may name in SQL as they are
_STORED_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}$"
_STRING_LIST = r'^\[\s*(?:"(?:[^"\\]|\\.)*"\s*(?:,\s*"(?:[^"\\]|\\.)*"\s*)*)?\]$'
_STRING = r'^"(?:[^"\\]|\\.)*"$'


class NotDirect(Exception):
    """This database or field cannot be read column by column; read it row by row."""


@dataclass(frozen=True)
class _Column:
    """One field: the SQL expression selected, and how its text becomes the field's column."""

    name: str
    expression: Any
    kind: str  # "text" | "integer" | "boolean" | "time" | "json"
    nullable: bool


def available(session: Session) -> bool:
    """Whether this session's database can be read column by column here."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        return (bool(url.database) and url.database != ":memory:"
                and importlib.util.find_spec("adbc_driver_sqlite") is not None)
    if url.get_backend_name() == "postgresql":
        return importlib.util.find_spec("adbc_driver_postgresql") is not None
    return False


def _python_type(kind: Any) -> type | None:
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _json_path(column: Any, parts: Sequence[str], dialect: str) -> Any:
    if not all(_KEY_PART.match(p) for p in parts):
        raise NotDirect(f"the path {'.'.join(parts)} cannot be named in SQL as it is")
    if dialect == "sqlite":
        return column.op("->")(literal("$." + ".".join(f'"{p}"' for p in parts)))
    expression = column
    for part in parts:
        expression = expression.op("->")(literal(part, Text))
    return cast(expression, Text)


def _time_text(column: Any, dialect: str) -> Any:
    if dialect == "sqlite":
        return column  # stored as text: YYYY-MM-DD HH:MM:SS.ffffff
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")


def _columns(source: Source, fields: Sequence[str], dialect: str) -> list[_Column]:
    found: list[_Column] = []
    for path in fields:
        head, dot, rest = path.partition(".")
        if path in source.fixed:
            column = source.fixed[path]
            nullable = bool(getattr(column.property.columns[0], "nullable", True))
            kind_of = column.type
            if path in source.times:
                found.append(_Column(path, _time_text(column, dialect), "time", nullable))
            elif isinstance(kind_of, JSON):
                found.append(_Column(path, column, "json", True))
            elif isinstance(kind_of, Boolean):
                found.append(_Column(path, column, "boolean", nullable))
            elif isinstance(kind_of, Integer):
                found.append(_Column(path, column, "integer", nullable))
            elif isinstance(kind_of, DateTime):
                raise NotDirect(f"{path} is a time this reader does not format")
            elif _python_type(kind_of) is str:
                found.append(_Column(path, column, "text", nullable))
            else:
                raise NotDirect(f"{path} has a type this reader does not decode")
        elif dot and head in source.objects:
            found.append(_Column(path, _json_path(source.objects[head], [rest], dialect),
                                 "json", True))
        elif source.extra is not None:
            found.append(_Column(path, _json_path(source.extra, path.split("."), dialect),
                                 "json", True))
        else:
            raise LookupError(f"{path} is not a field this dataset stores")
    return found


def _statement(source: Source, columns: list[_Column], dialect: str, third_party: bool,
               limit: int | None) -> Any:
    selected: list[Any] = []
    for column in columns:
        if dialect == "sqlite" and column.kind == "json":  # JSON null and no value read alike
            selected.append(func.coalesce(column.expression, "null"))
        elif dialect == "sqlite":
            selected.append(func.coalesce(cast(column.expression, Text), ""))
            if column.nullable:
                selected.append(column.expression.is_(None))
        elif column.kind in ("time", "json"):
            selected.append(cast(column.expression, Text))  # jsonb's text: JSON
        else:
            selected.append(column.expression)
    stmt = select(*selected).order_by(source.key)
    kept = _shared(source) if third_party else None
    if kept is not None:
        stmt = stmt.where(kept)
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def _sql(stmt: Any, dialect: Dialect) -> str:
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _connect(url: URL) -> Any:
    if url.get_backend_name() == "sqlite":
        import adbc_driver_sqlite.dbapi as sqlite_adbc

        return sqlite_adbc.connect(f"file:{quote(str(url.database))}?mode=ro")
    import adbc_driver_postgresql.dbapi as pg_adbc

    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return pg_adbc.connect(plain)


def frames(
    session: Session,
    dataset: str,
    fields: Sequence[str],
    *,
    third_party: bool = False,
    limit: int | None = None,
    size: int = BATCH,
) -> Iterator[pl.DataFrame]:
    """Yield the export's rows as frames (a column per field), in the dataset's key order.

    Raises :class:`NotDirect` when a field or the database needs the row-by-row
    reader: at once for a field, at the first batch when the driver cannot connect
    or run the query (before any row is read, so the caller can still switch).
    """
    bind = session.get_bind()
    dialect = bind.dialect
    columns = _columns(SOURCES[dataset], fields, dialect.name)
    sql = _sql(_statement(SOURCES[dataset], columns, dialect.name, third_party, limit), dialect)
    return _read(bind.engine.url, sql, columns, dialect, size)


def _read(url: URL, sql: str, columns: list[_Column], dialect: Dialect, size: int
          ) -> Iterator[pl.DataFrame]:
    """Read and decode in a second thread, a batch or two ahead of the writer.

    Why a thread: the driver and Polars release the GIL while they work, so the
    database answers the next batch while this one is hashed and written. The
    queue holds at most two batches, so memory stays bounded however big the export.
    """
    ready: queue.Queue[pl.DataFrame | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            try:
                connection = _connect(url)
            except Exception as exc:  # any driver error: read row by row
                raise NotDirect(f"the column reader cannot connect: {exc}") from exc
            try:
                cursor = connection.cursor()
                if dialect.name == "sqlite":
                    cursor.adbc_statement.set_options(
                        **{"adbc.sqlite.query.batch_rows": str(size)})
                try:
                    cursor.execute(sql)
                except Exception as exc:
                    raise NotDirect(f"the column reader's query failed: {exc}") from exc
                for batch in cursor.fetch_record_batch():
                    if stop.is_set():
                        break
                    if batch.num_rows:
                        _put(ready, stop, _frame(batch, columns, dialect))
                cursor.close()
            finally:
                connection.close()
            _put(ready, stop, None)
        except BaseException as exc:  # handed to the reading thread, raised there
            _put(ready, stop, exc)

    worker = threading.Thread(target=produce, name="export-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let the reader see the stop and close its connection
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.05)
        worker.join()


def _put(ready: queue.Queue[Any], stop: threading.Event, item: Any) -> None:
    while not stop.is_set():
        with contextlib.suppress(queue.Full):
            ready.put(item, timeout=0.1)
            return


def _frame(batch: pa.RecordBatch, columns: list[_Column], dialect: Dialect) -> pl.DataFrame:
    out: list[pl.Series] = []
    at = 0
    for column in columns:
        raw = _series(batch.column(at))
        at += 1
        if dialect.name == "sqlite" and column.kind != "json":
            if column.nullable:
                missing = _series(batch.column(at)).cast(pl.Boolean)
                at += 1
                raw = pl.select(pl.when(pl.lit(missing)).then(None).otherwise(pl.lit(raw)))\
                    .to_series()
            raw = _typed(raw, column.kind)
        out.append(_decoded(raw, column, dialect).alias(column.name))
    return pl.DataFrame(out)


def _series(array: Any) -> pl.Series:
    series = pl.from_arrow(array)
    assert isinstance(series, pl.Series)
    return series


def _typed(text: pl.Series, kind: str) -> pl.Series:
    """SQLite answered text: give integers and booleans their type back."""
    if kind == "integer":
        typed = text.cast(pl.Int64, strict=False)
        return typed if typed.null_count() == text.null_count() else text
    if kind == "boolean":
        return text.cast(pl.Int64, strict=False).cast(pl.Boolean)
    return text


def _decoded(raw: pl.Series, column: _Column, dialect: Dialect) -> pl.Series:
    if raw.dtype == pl.Null or raw.null_count() == len(raw):
        return pl.Series([None] * len(raw), dtype=pl.String)
    if column.kind == "time":
        return _times(raw, dialect)
    if column.kind == "json":
        return _json(raw, column.name)
    if raw.dtype in (pl.String, pl.Int64, pl.Boolean):
        return raw
    if raw.dtype.is_integer():
        return raw.cast(pl.Int64)
    return frame_of(({column.name: v} for v in raw.to_list()), [column.name]).to_series()


def _times(text: pl.Series, dialect: Dialect) -> pl.Series:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC) -> RFC 3339 as ``datetime.isoformat`` gives it."""
    text = text.cast(pl.String)
    usual = text.str.contains(_STORED_TIME).fill_null(True)
    frame = pl.DataFrame({"t": text})
    shown = frame.select(
        pl.when(pl.col("t").str.ends_with(".000000"))
        .then(pl.concat_str(pl.col("t").str.slice(0, 10), pl.lit("T"),
                            pl.col("t").str.slice(11, 8), pl.lit("Z")))
        .otherwise(pl.concat_str(pl.col("t").str.slice(0, 10), pl.lit("T"),
                                 pl.col("t").str.slice(11, 15), pl.lit("Z")))
    ).to_series()
    if usual.all():
        return shown
    # Stored some other way (written by hand, an older version): as the ORM reads it.
    process = DateTime().dialect_impl(dialect).result_processor(dialect, None)
    rows = (~usual).arg_true()
    odd = [_odd_time(v, process) for v in text.gather(rows).to_list()]
    return shown.scatter(rows, pl.Series(odd, dtype=pl.String))


def _odd_time(value: str | None, process: Any) -> str | None:
    from datetime import UTC, datetime

    moment = process(value) if process is not None else value
    if not isinstance(moment, datetime):
        return None if moment is None else str(moment)
    return format_rfc3339(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what orjson refuses (integers past 64 bits) json reads
        return json.loads(text)


def _json(text: pl.Series, name: str) -> pl.Series:
    """JSON texts -> the column :func:`.files.frame_of` would build from the decoded values."""
    text = text.cast(pl.String)
    present = text.filter(text.is_not_null() & (text != "null"))
    if len(present) and present.str.contains(_STRING_LIST).all():
        cleaned = text.replace("null", None)
        return cleaned.str.json_decode(pl.List(pl.String))
    if len(present) and present.str.contains(_STRING).all():
        cleaned = text.replace("null", None)
        return pl.DataFrame({"v": cleaned}).select(
            pl.concat_str(pl.lit('{"v":'), pl.col("v"), pl.lit("}"))
            .str.json_decode(pl.Struct({"v": pl.String})).struct.field("v")
        ).to_series()
    values = [None if v is None else _loads(v) for v in text.to_list()]
    return frame_of(({name: v} for v in values), [name]).to_series()
