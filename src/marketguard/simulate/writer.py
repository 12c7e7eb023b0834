"""Writing the output: RFC 3339 times, JSON Lines in chunks, and the staging folder.

Everything is written into a hidden staging folder next to ``out`` and moved into
place only when the whole simulation has succeeded, so a failed or interrupted
run never leaves a half-written marketplace behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """Ignore progress reports (the default when the caller passes none)."""


def rfc3339_ms(ms: int) -> str:
    """Format epoch milliseconds as ``2026-10-01T08:00:00.123Z``."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def rfc3339_s(ms: int) -> str:
    """Format epoch milliseconds as ``2026-10-01T08:00:00Z`` (whole seconds)."""
    return datetime.fromtimestamp(ms // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_many(ms: np.ndarray) -> list[str]:
    """Format many epoch milliseconds at once (vectorised; the event file's hot path)."""
    text = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms")
    return [f"{value}Z" for value in text.tolist()]


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write ``records`` one a line; return how many."""
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        batch: list[bytes] = []
        for record in records:
            batch.append(orjson.dumps(record))
            count += 1
            if len(batch) >= 10_000:
                handle.write(b"\n".join(batch) + b"\n")
                batch.clear()
        if batch:
            handle.write(b"\n".join(batch) + b"\n")
    return count


def write_json(path: Path, value: Any) -> None:
    """Write one JSON document, indented for people, keys in insertion order."""
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """Yield a fresh staging folder; on success it replaces ``out``, on failure it goes."""
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.simulating"
    previous = out.parent / f".{out.name}.previous"
    for leftover in (staging, previous):
        if leftover.exists():
            shutil.rmtree(leftover)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists():
        out.rename(previous)
    staging.rename(out)
    if previous.exists():
        shutil.rmtree(previous)
