"""Read a leaked file as rows of cell texts, whatever saved it last.

A leaked copy may be our CSV or JSONL as written, or the same re-saved by a
spreadsheet or a script: a byte-order mark, UTF-16 (a spreadsheet's "Unicode
text"), Windows line ends, every cell quoted, ``;`` or tab between cells, a JSON
array instead of lines, CSV turned into JSONL or back. Each becomes a list of
rows, a row a list of cell texts in the form the CSV writer would have given
them (a list joined by ``;``, ``true``/``false``, numbers as written), plus the
header when the first row names fields.

Why a row limit: a fragment of a few dozen rows is all trace needs; a whole
re-uploaded export is read up to :data:`MAX_ROWS` rows, and the answer says how
many were read.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson

from marketguard.errors import InvalidInput

MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 5_000
DELIMITERS = (",", ";", "\t", "|")
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_*]+)*$")
_AGE = b"age-encryption.org/"
_ZIP = b"PK\x03\x04"


class UnreadableLeak(InvalidInput):
    """The body is not a CSV or JSON-lines file trace can read."""


@dataclass(frozen=True)
class LeakedTable:
    """A leaked file's rows (cell texts), its header if it has one, and its shape."""

    header: list[str] | None
    rows: list[list[str]]
    kind: str  # "csv" or "jsonl"
    delimiter: str | None
    truncated: bool


def read_leaked(data: bytes) -> LeakedTable:
    """Parse a leaked file's bytes; raise :class:`UnreadableLeak` saying why it cannot."""
    if len(data) > MAX_BYTES:
        raise UnreadableLeak(
            f"the file is {len(data):,} bytes; trace reads at most {MAX_BYTES:,} "
            "(a few dozen rows are enough: cut the file)"
        )
    if data.startswith(_AGE):
        raise UnreadableLeak("the file is age-encrypted: decrypt it first (age -d -i KEY)")
    if data.startswith(_ZIP):
        raise UnreadableLeak("the file is a zip or a spreadsheet workbook: save it as CSV first")
    text = _decode(data)
    if not text.strip():
        raise UnreadableLeak("the file is empty: send the leaked file's bytes as the body")
    if "\x00" in text:
        raise UnreadableLeak("the file is binary, not CSV or JSON lines")
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        table = _json_table(stripped)
        if table is not None:
            return table
    return _csv_table(text)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        return data.decode("utf-16-le", errors="replace")  # UTF-16 without its mark
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # a spreadsheet's "ANSI" CSV


# -- JSON lines / a JSON array -------------------------------------------------------


def value_text(value: Any) -> str:
    """Return a JSON value as the text its CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return ";".join(value_text(v) for v in value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _json_table(text: str) -> LeakedTable | None:
    objects: list[dict[str, Any]] = []
    truncated = False
    if text.startswith("["):
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(parsed, list) or not all(isinstance(o, dict) for o in parsed):
            return None
        objects = parsed[:MAX_ROWS]
        truncated = len(parsed) > MAX_ROWS
    else:
        for line in text.splitlines():
            if not line.strip():
                continue
            if len(objects) == MAX_ROWS:
                truncated = True
                break
            try:
                parsed = orjson.loads(line)
            except orjson.JSONDecodeError:
                return None
            if not isinstance(parsed, dict):
                return None
            objects.append(parsed)
    keys: dict[str, None] = {}
    for obj in objects:
        keys.update(dict.fromkeys(obj))
    header = list(keys)
    rows = [[value_text(obj.get(k)) for k in header] for obj in objects]
    return LeakedTable(header=header, rows=rows, kind="jsonl", delimiter=None,
                       truncated=truncated)


# -- CSV in any dialect ---------------------------------------------------------------


def _parse(text: str, delimiter: str, limit: int) -> tuple[list[list[str]], bool]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        skipinitialspace=False, strict=False)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) == limit:
                return rows, True
            rows.append(row)
    except csv.Error:
        # A damaged tail (a copy cut inside a quoted cell): the rows read before it are
        # the evidence; trace works on fragments, so they are kept rather than refused.
        return rows, False
    return rows, False


def _consistency(rows: list[list[str]]) -> tuple[float, int]:
    """How well a delimiter splits rows: share of rows with the usual width, and the width."""
    if not rows:
        return 0.0, 0
    width, count = Counter(len(r) for r in rows).most_common(1)[0]
    if width < 2:
        return 0.0, width
    return count / len(rows), width


def _csv_table(text: str) -> LeakedTable:
    sample = text[:200_000]
    best: tuple[float, int, str] | None = None
    for delimiter in DELIMITERS:
        rows, _ = _parse(sample, delimiter, 200)
        share, width = _consistency(rows)
        if best is None or (share, width) > best[:2]:
            best = (share, width, delimiter)
    assert best is not None
    delimiter = best[2] if best[1] >= 2 else ","
    rows, truncated = _parse(text, delimiter, MAX_ROWS + 1)
    header = rows[0] if rows and looks_like_header(rows[0]) else None
    body = rows[1:] if header is not None else rows
    if len(body) > MAX_ROWS:
        body, truncated = body[:MAX_ROWS], True
    return LeakedTable(header=[h.strip() for h in header] if header else None,
                       rows=[[c for c in row] for row in body], kind="csv",
                       delimiter=delimiter, truncated=truncated)


def looks_like_header(row: list[str]) -> bool:
    """Whether a first row names fields (``seller_id``, ``identifiers.phone``) rather than data."""
    cells = [c.strip() for c in row if c.strip()]
    if not cells or len(set(cells)) != len(cells):
        return False
    if not all(_FIELD_NAME.match(c) for c in cells):
        return False
    from marketguard.dataguard.datasets import DATASETS

    known = {name for d in DATASETS.values() for name in d.fields}
    return any(c in known or "_" in c or "." in c for c in cells)
