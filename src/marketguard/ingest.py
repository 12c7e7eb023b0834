"""Reading the files operators feed us, with a clear error per bad record.

A bad record never stops a file: it is reported with its file, line and reason,
and the good records load. Every importer returns an :class:`ImportReport`.
"""

from __future__ import annotations

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


def describe_validation(exc: ValidationError) -> str:
    """Render a pydantic error as one line naming each bad field."""
    parts = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)
