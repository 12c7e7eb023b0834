"""Typed helpers for the simulator tests: one small marketplace, and readers for it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from marketguard.simulate.service import SimulationConfig

START = datetime(2026, 10, 1, tzinfo=UTC)


def small_config(out: Path, *, seed: int = 11, **sizes: int) -> SimulationConfig:
    """A marketplace holding every kind of listing and fraud, small enough to be quick."""
    values = {"sellers": 60, "listings": 300, "events": 6000, "days": 30} | sizes
    return SimulationConfig(seed=seed, out=out, start=START, **values)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSON Lines file, failing on any line that is not a JSON object."""
    records = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        value = orjson.loads(line)
        assert isinstance(value, dict), f"{path}:{number} is not an object"
        records.append(value)
    return records


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
