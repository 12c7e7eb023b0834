"""Write an export file (CSV or JSONL) that is watermarked and leaves a fingerprint.

Why watermark at all: two people may receive the very same rows; when one copy
leaks, only a difference between the two files can say whose it was. The
watermark changes no value — it picks, per cell and keyed by the export's secret
``mark``, among renderings that mean the same thing:

- the order of the elements of a set-valued list (``identifiers.*``): ascending
  or descending;
- a time: ``Z`` or ``+00:00``, and a whole second with ``.000`` or without;
- an e-mail address: its domain in lower or upper case (domains ignore case).

Which rendering a cell gets depends on the mark and on the keyed hash of the
cell's canonical value (:mod:`.cells`), so trace can recompute it from a leaked
cell alone. A copy that keeps a few dozen such cells names its export with near
certainty; one that keeps none (only ids and countries, say) cannot tell two
exports of the same rows apart, and trace then names both with equal scores.

Why columns and not rows: a million-row export must write at a good fraction of
the speed Polars writes a CSV, so a batch is a Polars frame, the watermark is a
handful of column expressions, and the fingerprint hashes whole columns with
numpy (:class:`.cells.CellHasher`). A column that repeats a few values (a
country, a status, a month) is canonicalised, hashed and rendered once per
distinct value and mapped back; a test holds it to writing each cell alone.
Records (dicts) are accepted too and turned into a frame first.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any, BinaryIO, Literal

import numpy as np
import orjson
import polars as pl
import pyarrow as pa

from marketguard.dataguard.exports.cells import (
    LIST_SEPARATOR,
    CellHasher,
    canonical_series,
    mix,
    patched,
    sort_lists,
)
from marketguard.dataguard.exports.fingerprint import (
    Fingerprint,
    distinct_counts,
    merge_counts,
)
from marketguard.errors import InvalidInput
from marketguard.timeutil import format_rfc3339

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
SET_FIELDS = ("identifiers.*",)  # lists whose order means nothing (watermarked)
_FINGERPRINT = b"marketguard export fingerprint\x00"
_UPPER = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
_LOWER = [c.lower() for c in _UPPER]
TIME_Z = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z$"
WHOLE_SECOND_Z = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
BIT_LIST, BIT_ZONE, BIT_FRACTION, BIT_DOMAIN = 1, 2, 4, 8
_SAMPLE = 4096


def fingerprint_key(secret_key: str) -> bytes:
    """Return the platform-wide key exported cells are hashed with (one for every export)."""
    return hmac.new(secret_key.encode(), _FINGERPRINT, hashlib.sha256).digest()


def mark_words(mark: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Return the two 64-bit words a mark mixes into each cell's watermark bits."""
    words = np.frombuffer(hashlib.blake2b(mark, digest_size=16, person=b"mg-mark").digest(),
                          dtype="<u8").astype(np.uint64)
    return words[0:1], words[1:2]


def watermark_bits(hashes: np.ndarray, mark: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Return the watermark bits (BIT_*) of cells with these canonical hashes under a mark."""
    return mix(mix(hashes ^ mark[0]) ^ mark[1])


def is_set_field(path: str) -> bool:
    """Whether a field's list value is a set (its order is free for the watermark)."""
    return any(fnmatchcase(path, pattern) for pattern in SET_FIELDS)


class ExportWriter:
    """Writes records (field path -> value; lists stay lists) as CSV or JSONL to a binary stream.

    ``write`` takes a batch — a Polars frame with a column per field path, or
    records — and may be called any number of times; ``finish`` returns the
    fingerprint to store with the export. ``key`` is the platform's fingerprint
    key (:func:`fingerprint_key`); without it, the process settings' secret is used.
    """

    def __init__(
        self,
        out: BinaryIO,
        *,
        fields: Sequence[str],
        fmt: Format,
        mark: bytes,
        key: bytes | None = None,
    ) -> None:
        if fmt not in FORMATS:
            raise InvalidInput(f"format must be csv or jsonl, got {fmt!r}")
        if not fields:
            raise InvalidInput("an export needs at least one field")
        twice = sorted({f for f in fields if list(fields).count(f) > 1})
        if twice:
            raise InvalidInput(f"fields named more than once: {', '.join(twice)}")
        if len(mark) < 16:
            raise ValueError("an export mark is a secret of at least 16 bytes")
        if key is None:
            from marketguard.config import get_settings

            key = fingerprint_key(get_settings().secret_key.get_secret_value())
        self.out = out
        self.fields = list(fields)
        self.fmt = fmt
        self.mark = bytes(mark)
        self.rows = 0
        self._hasher = CellHasher(key)
        self._words = mark_words(self.mark)
        self._hashes: list[np.ndarray] = []  # hashes of every non-empty cell (many values)
        self._few: list[tuple[np.ndarray, np.ndarray]] = []  # (hashes, counts) of few values
        self._started = False
        self._finished = False

    def write(self, records: pl.DataFrame | Iterable[Mapping[str, Any]]) -> int:
        """Write one batch; return how many rows it held."""
        if self._finished:
            raise RuntimeError("this export file is finished")
        frame = records if isinstance(records, pl.DataFrame) else frame_of(records, self.fields)
        missing = [f for f in self.fields if f not in frame.columns]
        if missing:
            raise ValueError(f"batch lacks the export's fields {missing}")
        frame = frame.select(self.fields)
        if frame.height == 0:
            return 0
        shown = self._watermarked(frame)
        if self.fmt == "csv":
            shown.write_csv(self.out, include_header=not self._started)
        else:
            shown.write_ndjson(self.out)
        self._started = True
        self.rows += frame.height
        return frame.height

    def finish(self) -> bytes:
        """Flush; return the fingerprint to store with the export."""
        if not self._started and self.fmt == "csv":
            self.out.write((",".join(_csv_header(self.fields)) + "\n").encode())
        self._started = True
        self._finished = True
        self.out.flush()
        hashes = (np.concatenate(self._hashes) if self._hashes
                  else np.zeros(0, dtype=np.uint64))
        values, counts = distinct_counts(hashes)
        self._hashes = []
        if self._few:
            values, counts = merge_counts(
                values, counts, np.concatenate([h for h, _ in self._few]),
                np.concatenate([c for _, c in self._few]))
        self._few = []
        return Fingerprint.from_counts(values, counts, rows=self.rows,
                                       key_id=self._hasher.key_id, mark=self.mark).pack()

    def _watermarked(self, frame: pl.DataFrame) -> pl.DataFrame:
        return pl.DataFrame([self._column(name, frame.get_column(name)).alias(name)
                             for name in self.fields])

    def _column(self, name: str, series: pl.Series) -> pl.Series:
        """Return a column as written; remember its cells' hashes for the fingerprint."""
        text = cell_text(series)
        if isinstance(series.dtype, pl.List) or not has_few_values(text):
            hashes, present = self._hasher.hash_series(canonical_series(text))
            self._hashes.append(hashes[present])
            return self._render(name, series, text, watermark_bits(hashes, self._words))
        # A column of few values (countries, statuses, months): each distinct one once.
        counted = text.value_counts(name="# cells").filter(pl.col(text.name).is_not_null())
        values = counted.get_column(text.name)
        hashes, present = self._hasher.hash_series(canonical_series(values))
        self._few.append((hashes[present], counted.get_column("# cells").to_numpy()[present]))
        if series.dtype != pl.String and self.fmt != "csv":
            return series
        shown = self._render(name, values, values.clone(),  # rendering patches in place
                             watermark_bits(hashes, self._words))
        if shown.equals(values):
            return text
        return text.replace_strict(values, shown, default=None, return_dtype=pl.String)

    def _render(
        self, name: str, series: pl.Series, text: pl.Series, bits: np.ndarray
    ) -> pl.Series:
        def flag(bit: int) -> pl.Series:
            return pl.Series((bits & np.uint64(bit)) != 0, dtype=pl.Boolean)

        if isinstance(series.dtype, pl.List):
            as_text = (series if series.dtype == pl.List(pl.String)
                       else series.list.eval(pl.element().cast(pl.String)))
            if is_set_field(name):
                as_text = _ordered_sets(as_text, flag(BIT_LIST))
            return as_text.list.join(LIST_SEPARATOR) if self.fmt == "csv" else as_text
        if series.dtype != pl.String and self.fmt != "csv":
            return series
        value = text
        maybe_time = value.str.ends_with("Z").fill_null(False)
        if maybe_time.any():
            value = patched(value, flag(BIT_FRACTION) & value.str.contains(WHOLE_SECOND_Z),
                            lambda s: s.str.replace("Z$", ".000Z"))
            value = patched(value, flag(BIT_ZONE) & value.str.contains(TIME_Z),
                            lambda s: s.str.replace("Z$", "+00:00"))
        maybe_mail = value.str.contains("@", literal=True).fill_null(False)
        if maybe_mail.any():
            is_mail = maybe_mail & value.str.contains(EMAIL)
            value = patched(value, is_mail & flag(BIT_DOMAIN),
                            lambda s: _domain_case(s, _LOWER, _UPPER))
            value = patched(value, is_mail & ~flag(BIT_DOMAIN),
                            lambda s: _domain_case(s, _UPPER, _LOWER))
        return value


def _ordered_sets(lists: pl.Series, flip: pl.Series) -> pl.Series:
    """Sort each list of two or more elements, descending where ``flip`` says (the watermark).

    Lists of none or one element are left alone: they have one order only, and
    in most exports (one phone, one device) they are nearly all there is.
    """
    several = (lists.list.len() > 1).fill_null(False)
    if not several.any():
        return lists
    rows = several.arg_true()
    ordered = pl.DataFrame({"v": sort_lists(lists.gather(rows)), "flip": flip.gather(rows)})
    ordered_lists = ordered.select(
        pl.when("flip").then(pl.col("v").list.reverse()).otherwise("v")
    ).to_series()
    # Series.scatter does not take list columns: put the rows back in place by index.
    kept = pl.DataFrame({"i": pl.int_range(0, len(lists), eager=True, dtype=pl.UInt32),
                         "v": lists}).filter(~several)
    changed = pl.DataFrame({"i": rows.cast(pl.UInt32), "v": ordered_lists})
    return pl.concat([kept, changed]).sort("i").get_column("v").alias(lists.name)


def has_few_values(text: pl.Series) -> bool:
    """Whether a column repeats a few values (judged on its first rows): worth counting first."""
    if len(text) < 64:
        return False
    head = text.head(_SAMPLE)
    return head.n_unique() * 8 <= len(head)


def _domain_case(mails: pl.Series, source: list[str], target: list[str]) -> pl.Series:
    frame = pl.DataFrame({"m": mails})
    return frame.select(pl.concat_str(
        pl.col("m").str.extract(r"^(.*@)", 1),
        pl.col("m").str.extract(r"@([^@]+)$", 1).str.replace_many(source, target),
    )).to_series()


def _csv_header(fields: Sequence[str]) -> list[str]:
    return [f'"{f}"' if any(c in f for c in ',"\n\r') else f for f in fields]


def cell_text(series: pl.Series) -> pl.Series:
    """Return a column as the text its CSV cells hold (lists joined, in stored order)."""
    dtype = series.dtype
    if isinstance(dtype, pl.List):
        return series.list.eval(pl.element().cast(pl.String)).list.join(LIST_SEPARATOR)
    if dtype == pl.Boolean:
        return pl.select(pl.when(pl.lit(series)).then(pl.lit("true"))
                         .otherwise(pl.when(pl.lit(series).is_not_null()).then(pl.lit("false"))))\
            .to_series()
    if isinstance(dtype, pl.Struct):
        return series.struct.json_encode()
    if isinstance(dtype, pl.Datetime):
        return pl.Series([_time_text(v) for v in series.to_list()], dtype=pl.String)
    return series.cast(pl.String)


def _time_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return format_rfc3339(value if value.tzinfo else value.replace(tzinfo=UTC))


def value_at(record: Mapping[str, Any], path: str) -> Any:
    """Return the value at a field path of a flat (by path) or nested record, or None."""
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def frame_of(records: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> pl.DataFrame:
    """Turn records (flat by path, or nested) into a frame with a typed column per field."""
    rows = list(records)
    columns: dict[str, pl.Series] = {}
    for name in fields:
        values = [value_at(record, name) for record in rows]
        columns[name] = _series(name, values)
    return pl.DataFrame(columns) if columns else pl.DataFrame()


def _series(name: str, values: list[Any]) -> pl.Series:
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {list, tuple}:
        lists = [None if v is None else [None if e is None else _scalar_text(e) for e in v]
                 for v in values]
        # Through Arrow: Polars builds a list column from Python lists one row at a time.
        built = pl.from_arrow(pa.array(lists, type=pa.list_(pa.string())))
        assert isinstance(built, pl.Series)
        return built.cast(pl.List(pl.String)).alias(name)
    if kinds == {bool}:
        return pl.Series(name, values, dtype=pl.Boolean)
    if kinds == {int}:
        return pl.Series(name, values, dtype=pl.Int64)
    if kinds and kinds <= {int, float}:
        return pl.Series(name, values, dtype=pl.Float64)
    texts = [None if v is None else _scalar_text(v) for v in values]
    return pl.Series(name, texts, dtype=pl.String)


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _time_text(value) or ""
    if isinstance(value, dict | list | tuple):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return str(value)
