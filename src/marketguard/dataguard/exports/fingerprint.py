"""The fingerprint an export leaves behind: what trace compares a leaked file with.

Why this shape: a leaked fragment is a few dozen rows, maybe with columns
dropped, so trace asks one question per cell — "did this export hand out this
value?" — and the fingerprint answers it without the data: a sorted array of the
top 32 bits of the keyed hashes of the export's distinct cell values (``rare``),
plus the values so frequent in the export that they prove nothing (``common``:
a country, a status). Looking up a cell is a binary search; a 50-row fragment
against a thousand exports is a thousand small ``searchsorted`` calls.

Why it stays small: values are kept once however often they occur, 32 bits each.
Version 1 delta-coded, byte-shuffled and compressed them (about 2 bytes a value
for an export of ten thousand rows); version 2, written now, stores them as they
are (4 bytes a value), because a trace in a fresh process reads every recorded
fingerprint and unpacking a thousand compressed ones took longer than the rest
of the trace: a version-2 fingerprint is read with ``np.frombuffer``, no copy.
Both versions stay readable. A very large export keeps a consistent sample of its
values (those whose hash's low 32 bits fall under ``threshold``); a leaked cell
is then only judged if its hash would have been kept, so the sample costs
evidence, never correctness.

The export's mark travels with its fingerprint, so trace can check the watermark
without re-deriving it; the key id says which platform key hashed the cells (a
rotated ``MARKETGUARD_SECRET_KEY`` makes older fingerprints unreadable, and trace
says how many it skipped).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

from marketguard.dataguard.exports.cells import low32, top32

MAGIC = b"MGFP"
VERSION = 2
READABLE = (1, 2)
ALL = 1 << 32  # threshold meaning "every value kept"
MAX_KEPT = 1 << 21  # values kept from one export (about 4 MB before compression)
_HEAD = struct.Struct("<4sB4s32sQQI")


def common_limit(rows: int) -> int:
    """Occurrences above which a value proves nothing about where a row came from."""
    return max(2, rows // 100)


@dataclass(frozen=True)
class Fingerprint:
    """What one export handed out, as hashes; see the module docstring."""

    key_id: bytes
    mark: bytes
    rows: int
    threshold: int
    common: np.ndarray  # sorted uint32
    rare: np.ndarray  # sorted uint32

    @classmethod
    def build(cls, hashes: np.ndarray, *, rows: int, key_id: bytes, mark: bytes) -> Fingerprint:
        """Build the fingerprint of an export from the hashes of all its non-empty cells."""
        values, counts = distinct_counts(hashes)
        return cls.from_counts(values, counts, rows=rows, key_id=key_id, mark=mark)

    @classmethod
    def from_counts(
        cls, values: np.ndarray, counts: np.ndarray, *, rows: int, key_id: bytes, mark: bytes
    ) -> Fingerprint:
        """Build it from the export's distinct cell hashes (sorted) and how often each occurs."""
        frequent = counts > common_limit(rows)
        rare = values[~frequent]
        threshold = ALL
        if len(rare) > MAX_KEPT:
            threshold = MAX_KEPT * ALL // len(rare)
            rare = rare[low32(rare) < threshold]
        return cls(key_id=key_id, mark=mark, rows=rows, threshold=threshold,
                   common=distinct_counts(top32(values[frequent]))[0],
                   rare=distinct_counts(top32(rare))[0])

    def pack(self, *, version: int = VERSION) -> bytes:
        """Return the bytes stored with the export (``version`` 1: the older, compressed form)."""
        if version not in READABLE:
            raise ValueError(f"no export fingerprint version {version}")
        head = _HEAD.pack(MAGIC, version, self.key_id, self.mark, self.rows, self.threshold,
                          len(self.common))
        common = self.common.astype("<u4").tobytes()
        if version == 1:
            return head + common + _squeeze(self.rare)
        return head + common + struct.pack("<I", len(self.rare)) + self.rare.astype("<u4").tobytes()

    @classmethod
    def unpack(cls, blob: bytes) -> Fingerprint:
        """Read stored bytes back; raise ValueError when they are not a fingerprint."""
        if len(blob) < _HEAD.size or blob[:4] != MAGIC:
            raise ValueError("not an export fingerprint")
        magic, version, key_id, mark, rows, threshold, n_common = _HEAD.unpack_from(blob)
        if version not in READABLE:
            raise ValueError(f"export fingerprint version {version} is not readable here")
        start = _HEAD.size
        if len(blob) < start + 4 * n_common + 4:
            raise ValueError("export fingerprint is truncated")
        common = np.frombuffer(blob, dtype="<u4", count=n_common, offset=start)
        if version == 1:
            rare = _unsqueeze(blob[start + 4 * n_common :])
        else:
            (n_rare,) = struct.unpack_from("<I", blob, start + 4 * n_common)
            at = start + 4 * n_common + 4
            if len(blob) != at + 4 * n_rare:
                raise ValueError("export fingerprint is truncated")
            rare = np.frombuffer(blob, dtype="<u4", count=n_rare, offset=at)
        return cls(key_id=key_id, mark=mark, rows=rows, threshold=threshold,
                   common=common, rare=rare)

    @property
    def nbytes(self) -> int:
        """Memory the arrays take (what a cache of fingerprints counts)."""
        return int(self.common.nbytes + self.rare.nbytes)


def _squeeze(values: np.ndarray) -> bytes:
    deltas = np.diff(values.astype(np.uint32), prepend=np.uint32(0)).astype("<u4")
    shuffled = deltas.view(np.uint8).reshape(-1, 4).T.tobytes()
    return struct.pack("<I", len(values)) + zlib.compress(shuffled, 6)


def _unsqueeze(data: bytes) -> np.ndarray:
    if len(data) < 4:
        raise ValueError("export fingerprint is truncated")
    (count,) = struct.unpack_from("<I", data)
    try:
        shuffled = zlib.decompress(data[4:])
    except zlib.error as exc:
        raise ValueError(f"export fingerprint is damaged: {exc}") from None
    if len(shuffled) != 4 * count:
        raise ValueError("export fingerprint is truncated")
    deltas = np.frombuffer(shuffled, dtype=np.uint8).reshape(4, count).T.copy().view("<u4")
    return np.cumsum(deltas.ravel(), dtype=np.uint64).astype(np.uint32)


def distinct_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the sorted distinct values and how often each occurs.

    Why not ``np.unique``: recent numpy answers it with a hash table, several
    times slower than sorting for millions of 64-bit hashes.
    """
    ordered = np.sort(values)
    if not len(ordered):
        return ordered, np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1])
    counts = np.diff(np.concatenate([starts, [len(ordered)]]))
    return ordered[starts], counts.astype(np.int64)


def merge_counts(
    values: np.ndarray, counts: np.ndarray, more: np.ndarray, more_counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Add (``more``, ``more_counts``) to sorted distinct ``values`` with ``counts``.

    Why not one ``np.unique`` over everything: the few values of a column of
    countries or statuses join millions of ids; inserting a handful into a sorted
    array is linear, re-sorting the whole is not.
    """
    if not len(more):
        return values, counts
    extra, inverse = np.unique(more, return_inverse=True)
    extra_counts = np.bincount(inverse.ravel(), weights=more_counts, minlength=len(extra))
    extra_counts = extra_counts.astype(np.int64)
    at = np.searchsorted(values, extra)
    hit = at < len(values)
    hit[hit] = values[at[hit]] == extra[hit]
    counts = counts.astype(np.int64, copy=True)
    counts[at[hit]] += extra_counts[hit]
    return (np.insert(values, at[~hit], extra[~hit]),
            np.insert(counts, at[~hit], extra_counts[~hit]))
