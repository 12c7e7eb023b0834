"""Scan a JSONL or CSV file for personal data, field by field, and suggest data levels.

Why: classification (FORMATS §7) protects the fields someone declared; personal data
turns up where nobody did (a phone number in a "notes" column, an IBAN in a free-text
field of an export). This reads a file once, streaming, and reports per field how
many values it scanned, how many held each kind of personal data, a few masked
examples (never a raw value), which recognizers found them, and the level the
field would need. A malformed line is reported with its number; the rest is scanned.

Fields are JSON paths with nested objects flattened by dots (``identifiers.phone``);
the elements of a list count under the list's field. CSV fields are the header's
column names. Strings are scanned for every kind; JSON integers only for payment
card numbers (a legacy card column stored as a number); booleans and nulls are not
values.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from marketguard.dataguard.pii import (
    CATEGORY,
    PiiAnalyzer,
    PiiKind,
    PiiMatch,
    shared_analyzer,
    suggested_level,
)
from marketguard.errors import InvalidInput
from marketguard.ingest import RecordError, read_jsonl, require_file

Format = Literal["jsonl", "csv"]
FORMATS: dict[str, Format] = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "csv",
}  # fmt: skip
MAX_EXAMPLES = 3
_NUMBER_KINDS = (PiiKind.PAYMENT_CARD,)


@dataclass(slots=True)
class KindFound:
    """How many values of a field held one kind of personal data, with masked examples."""

    values: int = 0
    examples: list[str] = field(default_factory=list)
    recognizers: set[str] = field(default_factory=set)

    def add(self, matches: list[PiiMatch]) -> None:
        """Count one value holding ``matches`` (all of this kind)."""
        self.values += 1
        for match in matches:
            self.recognizers.add(match.recognizer)
            masked = match.masked
            if len(self.examples) < MAX_EXAMPLES and masked not in self.examples:
                self.examples.append(masked)


@dataclass(slots=True)
class FieldReport:
    """What the scan found in one field."""

    path: str
    values: int = 0
    found: dict[PiiKind, KindFound] = field(default_factory=dict)

    def add(self, matches: list[PiiMatch]) -> None:
        """Count one scanned value and the personal data in it."""
        self.values += 1
        by_kind: dict[PiiKind, list[PiiMatch]] = {}
        for match in matches:
            by_kind.setdefault(match.kind, []).append(match)
        for kind, same in by_kind.items():
            self.found.setdefault(kind, KindFound()).add(same)

    @property
    def level(self) -> int | None:
        """Return the suggested FORMATS §7 level (None when nothing was found)."""
        return suggested_level(self.found)

    def to_dict(self) -> dict[str, Any]:
        """Return the field's line of ``marketguard data scan --json``."""
        level = self.level
        return {
            "field": self.path,
            "values": self.values,
            "found": {
                kind.value: {
                    "values": found.values,
                    "examples": list(found.examples),
                    "recognizers": sorted(found.recognizers),
                }
                for kind, found in sorted(self.found.items(), key=lambda item: -item[1].values)
            },
            "suggested": None if level is None else {"level": level, "category": CATEGORY},
        }


@dataclass(slots=True)
class ScanReport:
    """The outcome of scanning one file: fields in order of first appearance, and errors."""

    path: str
    format: Format
    records: int = 0
    fields: dict[str, FieldReport] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether every record could be read."""
        return not self.errors


def detect_format(path: Path, requested: str | None = None) -> Format:
    """Return the file's format: ``requested``, else from its suffix."""
    if requested is not None:
        if requested not in ("jsonl", "csv"):
            raise InvalidInput(f"unknown format {requested!r}: use jsonl or csv")
        return "csv" if requested == "csv" else "jsonl"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"cannot tell the format of {path}: name it .jsonl or .csv, or pass --format"
        )
    return fmt


def scan_file(
    path: Path,
    *,
    fmt: str | None = None,
    analyzer: PiiAnalyzer | None = None,
    limit: int | None = None,
) -> ScanReport:
    """Scan the records of a JSONL or CSV file (the first ``limit`` if given)."""
    require_file(path, "data")
    chosen = detect_format(path, fmt)
    report = ScanReport(str(path), chosen)
    records = read_jsonl(path) if chosen == "jsonl" else read_csv(path)
    scan_records(report, records, analyzer or shared_analyzer(), limit=limit)
    return report


def scan_records(
    report: ScanReport,
    records: Iterable[tuple[int, Mapping[str, Any] | RecordError]],
    analyzer: PiiAnalyzer,
    *,
    limit: int | None = None,
) -> None:
    """Add ``(line, record or error)`` pairs to ``report``, stopping after ``limit`` records."""
    for _, record in records:
        if limit is not None and report.records >= limit:
            break
        if isinstance(record, RecordError):
            report.errors.append(record)
            continue
        report.records += 1
        for path, value in flatten(record):
            stats = report.fields.get(path)
            if stats is None:
                stats = report.fields[path] = FieldReport(path)
            if isinstance(value, str):
                matches = analyzer.find(value, context=_context(path))
            else:
                matches = analyzer.find(str(value), _NUMBER_KINDS)
            stats.add(matches)


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str | int]]:
    """Yield ``(field path, value)`` for every non-empty string and integer in a record."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from flatten(item, prefix)
    elif isinstance(value, str):
        if value.strip():
            yield prefix, value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield prefix, value


_WORDS = re.compile(r"[^\W\d_]+")


def _context(path: str) -> tuple[str, ...]:
    """Return a field's name as context words ("identifiers.phone" -> identifiers, phone)."""
    return tuple(word.lower() for word in _WORDS.findall(path))


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str] | RecordError]]:
    """Yield ``(line, row by header or error)`` for each row after a CSV file's header.

    The delimiter is the most frequent of ``,``, ``;``, tab and ``|`` in the header.
    A row with more cells than the header, or one the CSV reader cannot parse, is an
    error naming its line; bytes that are not UTF-8 are replaced, not fatal.
    """
    name = str(path)
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
        handle.seek(0)
        delimiter = max(",;\t|", key=first.count) if first else ","
        reader = csv.reader(handle, delimiter=delimiter)
        header: list[str] | None = None
        failed_at = -1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if reader.line_num == failed_at:  # the reader cannot get past this line
                    return
                failed_at = reader.line_num
                yield reader.line_num, RecordError(name, reader.line_num, f"not valid CSV ({exc})")
                continue
            if header is None:
                header = [cell.strip() or f"column {i}" for i, cell in enumerate(row, start=1)]
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                reason = f"{len(row)} cells, but the header names {len(header)} columns"
                yield reader.line_num, RecordError(name, reader.line_num, reason)
                continue
            yield reader.line_num, dict(zip(header, row, strict=False))
