"""Name the export a leaked file came from — or say that none did.

How a leaked file is judged against one export's fingerprint:

1. **Membership.** Each cell of the leak (every reading of it: see
   :func:`.cells.candidates`) is looked up among the values the export handed
   out. Values the export holds in a great many rows (a country, a status) are
   neutral; a number or a time that is not found may just have been
   reformatted by a spreadsheet, so it only counts against a row that nothing
   else ties to the export. A row scores the share of its cells found; the
   export scores the mean over the rows that say anything.
2. **Watermark.** Where the leak kept a watermarked rendering (an ordered set, a
   time's ``Z`` or ``+00:00`` and ``.000``, an e-mail domain's case), the
   export's mark says which rendering its file had; the share that agrees
   refines the score. The source export agrees on all of them; another export
   of the same rows on about half.

An export is named only when its membership is at least 0.6 and
at least :data:`MIN_FOUND` cells were found; an unrelated file gives no match
rather than a weak best guess. ``score`` = membership x watermark agreement.

Why a process cache: fingerprints never change once written, so each is read
from the database and unpacked once per process; a trace then costs one query
for the exports' ids and names plus a few array lookups per export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.dataguard.exports.cells import (
    LIST_SEPARATOR,
    CellHasher,
    candidates,
    low32,
    reformattable,
    top32,
)
from marketguard.dataguard.exports.files import (
    BIT_DOMAIN,
    BIT_FRACTION,
    BIT_LIST,
    BIT_ZONE,
    EMAIL,
    fingerprint_key,
    is_set_field,
    mark_words,
    watermark_bits,
)
from marketguard.dataguard.exports.fingerprint import Fingerprint
from marketguard.dataguard.exports.leaked import LeakedTable, UnreadableLeak, read_leaked
from marketguard.dataguard.exports.models import DataExport

if TYPE_CHECKING:
    from marketguard.config import Settings

MIN_MEMBERSHIP = 0.6
MIN_FOUND = 3
CACHE_BYTES = 512 * 1024 * 1024
_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|\+00:00)\Z"
)
_EMAIL = re.compile(EMAIL.removesuffix("$") + r"\Z")


@dataclass(frozen=True)
class TraceMatch:
    """An export a leaked file came from: whose it was, and how sure."""

    export_id: str
    recipient: dict[str, str]
    score: float
    exporter: str
    created_at: datetime
    dataset: str
    fields: list[str]
    rows_matched: int  # rows of the leak holding a value the export handed out
    membership: float  # mean share of a judged row's cells the export handed out
    watermark_observed: int  # watermarked renderings the leak kept, among its found cells
    watermark_agreeing: int  # of those, how many this export's mark would have written


@dataclass(frozen=True)
class TraceReport:
    """Everything a trace found out, for the route and the command to show."""

    matches: list[TraceMatch]
    rows_read: int
    truncated: bool
    exports_searched: int
    exports_other_key: int  # fingerprints made under another platform key (not searchable)


@dataclass
class Fragment:
    """A leaked table as arrays: its cells' readings, hashes and watermark renderings."""

    rows: int
    cell_row: np.ndarray
    cell_soft: np.ndarray
    cell_hash: np.ndarray  # the canonical reading's hash (for the watermark)
    cand_cell: np.ndarray
    cand_top: np.ndarray
    cand_low: np.ndarray
    cand_primary: np.ndarray
    obs_cell: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    obs_bit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    obs_value: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def _observations(text: str, list_column: bool) -> list[tuple[int, bool]]:
    """Return the watermark renderings one cell shows: (bit, whether the bit is set)."""
    found: list[tuple[int, bool]] = []
    stripped = text.strip()
    if LIST_SEPARATOR in stripped:
        if list_column:
            parts = [p.strip() for p in stripped.split(LIST_SEPARATOR)]
            if len(parts) >= 2 and len(set(parts)) == len(parts):
                if parts == sorted(parts):
                    found.append((BIT_LIST, False))
                elif parts == sorted(parts, reverse=True):
                    found.append((BIT_LIST, True))
        return found
    time = _TIME.match(stripped)
    if time:
        fraction, zone = time.groups()
        found.append((BIT_ZONE, zone == "+00:00"))
        if fraction is None or fraction == ".000":
            found.append((BIT_FRACTION, fraction == ".000"))
        return found
    if _EMAIL.match(stripped):
        domain = stripped.rsplit("@", 1)[1]
        letters = [c for c in domain if c.isascii() and c.isalpha()]
        if letters and all(c.islower() for c in letters):
            found.append((BIT_DOMAIN, False))
        elif letters and all(c.isupper() for c in letters):
            found.append((BIT_DOMAIN, True))
    return found


def fragment_of(table: LeakedTable, hasher: CellHasher) -> Fragment:
    """Turn a leaked table into the arrays every export is compared with."""
    cell_row: list[int] = []
    cell_soft: list[bool] = []
    cand_texts: list[str] = []
    cand_cell: list[int] = []
    cand_primary: list[bool] = []
    obs_cell: list[int] = []
    obs_bit: list[int] = []
    obs_value: list[bool] = []
    header = table.header
    list_columns = [header is None or is_set_field(name) for name in (header or [])]
    for r, row in enumerate(table.rows):
        for c, text in enumerate(row):
            if not text.strip():
                continue
            index = len(cell_row)
            cell_row.append(r)
            cell_soft.append(reformattable(text))
            for i, reading in enumerate(candidates(text)):
                cand_texts.append(reading)
                cand_cell.append(index)
                cand_primary.append(i == 0)
            list_column = list_columns[c] if c < len(list_columns) else header is None
            for bit, value in _observations(text, list_column):
                obs_cell.append(index)
                obs_bit.append(bit)
                obs_value.append(value)
    hashes = hasher.hash_texts(cand_texts) if cand_texts else np.zeros(0, dtype=np.uint64)
    primary = np.asarray(cand_primary, dtype=bool)
    return Fragment(
        rows=len(table.rows),
        cell_row=np.asarray(cell_row, dtype=np.int64),
        cell_soft=np.asarray(cell_soft, dtype=bool),
        cell_hash=hashes[primary] if len(hashes) else hashes,
        cand_cell=np.asarray(cand_cell, dtype=np.int64),
        cand_top=top32(hashes),
        cand_low=low32(hashes),
        cand_primary=primary,
        obs_cell=np.asarray(obs_cell, dtype=np.int64),
        obs_bit=np.asarray(obs_bit, dtype=np.uint64),
        obs_value=np.asarray(obs_value, dtype=bool),
    )


@dataclass(frozen=True)
class Judgement:
    """How one export fares against a fragment."""

    membership: float
    found: int
    rows_matched: int
    observed: int
    agreeing: int

    @property
    def score(self) -> float:
        agreement = self.agreeing / self.observed if self.observed else 1.0
        return self.membership * agreement

    @property
    def is_match(self) -> bool:
        return self.membership >= MIN_MEMBERSHIP and self.found >= MIN_FOUND


def _contains(sorted_values: np.ndarray, probes: np.ndarray) -> np.ndarray:
    if not len(sorted_values):
        return np.zeros(len(probes), dtype=bool)
    at = np.searchsorted(sorted_values, probes)
    at[at == len(sorted_values)] = 0
    return np.asarray(sorted_values[at] == probes)


def judge(fragment: Fragment, fingerprint: Fingerprint) -> Judgement:
    """Compare a fragment with one export's fingerprint (see the module docstring)."""
    cells = len(fragment.cell_row)
    eligible = fragment.cand_low.astype(np.uint64) < np.uint64(fingerprint.threshold)
    found_cand = eligible & _contains(fingerprint.rare, fragment.cand_top)
    common_cand = _contains(fingerprint.common, fragment.cand_top)
    found = np.bincount(fragment.cand_cell[found_cand], minlength=cells) > 0
    common = (np.bincount(fragment.cand_cell[common_cand], minlength=cells) > 0) & ~found
    primary_eligible = np.zeros(cells, dtype=bool)
    primary_eligible[fragment.cand_cell[fragment.cand_primary]] = eligible[fragment.cand_primary]
    miss = ~found & ~common & primary_eligible
    rows = fragment.rows
    row_found = np.bincount(fragment.cell_row[found], minlength=rows)
    row_hard = np.bincount(fragment.cell_row[miss & ~fragment.cell_soft], minlength=rows)
    judged = (row_found > 0) | (row_hard > 0)
    if not judged.any():
        return Judgement(0.0, 0, 0, 0, 0)
    share = row_found[judged] / (row_found[judged] + row_hard[judged])
    seen = found[fragment.obs_cell]
    observed = int(seen.sum())
    agreeing = 0
    if observed:
        bits = watermark_bits(fragment.cell_hash[fragment.obs_cell[seen]],
                              mark_words(fingerprint.mark))
        expected = (bits & fragment.obs_bit[seen]) != 0
        agreeing = int((expected == fragment.obs_value[seen]).sum())
    return Judgement(
        membership=float(share.mean()),
        found=int(found.sum()),
        rows_matched=int((row_found > 0).sum()),
        observed=observed,
        agreeing=agreeing,
    )


# -- fingerprints, read once per process -------------------------------------------

_cache: dict[str, Fingerprint] = {}
_cache_bytes = 0


def _fingerprints(session: Session, ids: list[str]) -> dict[str, Fingerprint]:
    global _cache_bytes
    missing = [i for i in ids if i not in _cache]
    fresh: dict[str, Fingerprint] = {}
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        rows = session.execute(
            select(DataExport.id, DataExport.fingerprint).where(DataExport.id.in_(chunk))
        )
        for export_id, blob in rows:
            if blob is None:
                continue
            try:
                fresh[export_id] = Fingerprint.unpack(bytes(blob))
            except ValueError:
                continue  # a damaged fingerprint cannot name its export; the others still can
    for export_id, found in fresh.items():
        if _cache_bytes + found.nbytes <= CACHE_BYTES:
            _cache[export_id] = found
            _cache_bytes += found.nbytes
    return {i: _cache.get(i) or fresh[i] for i in ids if i in _cache or i in fresh}


def forget_fingerprints() -> None:
    """Empty the process cache (tests that recreate a database with the same ids)."""
    global _cache_bytes
    _cache.clear()
    _cache_bytes = 0


def _key(settings: Settings | None) -> bytes:
    if settings is None:
        from marketguard.config import get_settings

        settings = get_settings()
    return fingerprint_key(settings.secret_key.get_secret_value())


def trace_report(
    session: Session, data: bytes, *, limit: int = 5, settings: Settings | None = None
) -> TraceReport:
    """Compare a leaked file with every recorded export; the matches, best first."""
    table = read_leaked(data)
    if not table.rows:
        raise UnreadableLeak("the file holds a header but no rows: trace needs some of its rows")
    hasher = CellHasher(_key(settings))
    fragment = fragment_of(table, hasher)
    exports = list(session.execute(
        select(DataExport.id, DataExport.recipient_kind, DataExport.recipient_id,
               DataExport.recipient_name, DataExport.exporter, DataExport.created_at,
               DataExport.dataset, DataExport.fields)
        .where(DataExport.fingerprint.is_not(None))
    ))
    prints = _fingerprints(session, [row.id for row in exports])
    matches: list[TraceMatch] = []
    other_key = 0
    for row in exports:
        fingerprint = prints.get(row.id)
        if fingerprint is None:
            continue
        if fingerprint.key_id != hasher.key_id:
            other_key += 1
            continue
        verdict = judge(fragment, fingerprint)
        if not verdict.is_match:
            continue
        matches.append(TraceMatch(
            export_id=row.id,
            recipient={"kind": row.recipient_kind, "id": row.recipient_id,
                       "name": row.recipient_name},
            score=round(verdict.score, 4),
            exporter=row.exporter,
            created_at=row.created_at,
            dataset=row.dataset,
            fields=list(row.fields or []),
            rows_matched=verdict.rows_matched,
            membership=round(verdict.membership, 4),
            watermark_observed=verdict.observed,
            watermark_agreeing=verdict.agreeing,
        ))
    matches.sort(key=lambda m: (-m.score, -m.membership, m.export_id))
    return TraceReport(matches=matches[: max(1, limit)], rows_read=len(table.rows),
                       truncated=table.truncated, exports_searched=len(exports) - other_key,
                       exports_other_key=other_key)


def trace(
    session: Session, data: bytes, *, limit: int = 5, settings: Settings | None = None
) -> list[TraceMatch]:
    """Return the exports a leaked file came from, best first; empty when none did."""
    return trace_report(session, data, limit=limit, settings=settings).matches
