"""Reading the files operators feed us, with a clear error per bad record.

A bad record never stops a file: it is reported with its file, line and reason,
and the good records load. Every importer returns an :class:`ImportReport`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from marketguard.errors import InvalidInput


@dataclass(frozen=True)
class RecordError:
    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: counts by outcome and every rejected record."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RecordError] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [str(e) for e in self.errors],
        }


def require_file(path: Path, what: str) -> Path:
    """Return ``path`` if it is a readable file, else raise a clear error."""
    if not path.exists():
        raise InvalidInput(f"{what} file not found: {path}")
    if not path.is_file():
        raise InvalidInput(f"{what} must be a file, but {path} is a folder")
    return path


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    """Yield ``(line number, object or error)`` for each non-blank line of a JSONL file."""
    name = str(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield number, RecordError(name, number, f"not valid JSON ({exc.msg})")
                continue
            if not isinstance(value, dict):
                kind = type(value).__name__
                yield number, RecordError(name, number, f"expected a JSON object, got {kind}")
                continue
            yield number, value


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read by :func:`read_csv`: its header, its rows by line, its bad lines."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    errors: list[tuple[int, str]]


def read_csv(text: str) -> CsvTable:
    """Read CSV text into rows keyed by its header line, never raising on bad input.

    Lines may end in CRLF, LF or a bare CR; quoted fields may hold commas, quotes and
    line breaks. A row with more or fewer fields than the header, or a NUL character,
    is reported with its line; a broken quote (or an over-long field) stops the reading
    there, since nothing after it can be trusted to line up. Blank lines are skipped.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[tuple[int, str]] = []
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if any("\x00" in cell for cell in record):
                errors.append((line, "contains a NUL character; send plain UTF-8 text"))
            elif header is None:
                header = [cell.strip() for cell in record]
            elif len(record) != len(header):
                errors.append((line, f"{len(record)} fields where the header has "
                               f"{len(header)}; quote a field that holds a comma or a "
                               "line break"))
            else:
                rows.append((line, dict(zip(header, record, strict=True))))
    except csv.Error as exc:
        errors.append((start, f"not valid CSV ({exc}); quote a field that holds a comma, "
                       'a quote ("") or a line break, and close every quote'))
    return CsvTable(header or [], rows, errors)


def describe_validation(exc: ValidationError) -> str:
    """Render a pydantic error as one line naming each bad field."""
    parts = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)
