"""What an exported cell *is*, whatever a spreadsheet did to it, and its keyed hash.

Why a canonical form: a leaked copy is rarely the file we wrote. It has been
re-saved by a spreadsheet (cells trimmed, ``007`` turned into ``7``, times shown
without seconds, ``TRUE`` for ``true``) or converted between CSV and JSONL, and
it carries the watermark we put in (list order, ``Z`` or ``+00:00``, ``.000`` or
not, the case of an e-mail domain). The canonical form forgets all of these, so a
cell of the file we wrote and the same cell of any such copy hash alike:

- surrounding blanks go, ASCII letters are lowered;
- a time (``2024-05-01T10:04:05Z``, ``2024-05-01 10:04``) becomes
  ``2024-05-01 10:04`` — minutes, because spreadsheets often drop seconds;
- a plain number loses a leading ``+``, leading and trailing zeros (``+0012.50``
  becomes ``12.5``), so a phone number survives a spreadsheet eating its ``+``;
- a list cell (``a;b``) becomes its canonical elements, sorted.

The writer canonicalises whole columns with Polars, a leaked file is
canonicalised cell by cell in Python; :func:`canonical` and
:func:`canonical_series` must agree exactly (a property test checks it).
:func:`candidates` adds the other readings of a leaked cell (``01/02/2024`` is
the 1st of February or the 2nd of January; ``1.500`` is 1.5 or 1500).

Why a hand-written hash: a million-row export has millions of cells and
``hashlib`` costs a Python call for each. :func:`hash_texts` hashes a whole
column at once with numpy: the UTF-8 bytes in 16-byte blocks through a keyed NH
sum (a universal hash, as in UMAC), then keyed 64-bit mixing rounds. Without the
platform key the hashes say nothing about the values (a phone number cannot be
confirmed by hashing guesses); with it, they only confirm a value already known.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

LIST_SEPARATOR = ";"
_BLANKS = " \t\r\n"
_UPPER = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
_LOWER = [c.lower() for c in _UPPER]
_ASCII_LOWER = str.maketrans(dict(zip(_UPPER, _LOWER, strict=True)))

# The same patterns for Python's re (\Z: the very end) and Polars' Rust regex ($).
_TIME = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[t ]([0-9]{2}):([0-9]{2})"
    r"(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:z|[+-]00:?00)?"
)
_NUMBER = r"^[+-]?[0-9]+(?:\.[0-9]+)?"
_TIME_RE = re.compile(_TIME + r"\Z")
_NUMBER_RE = re.compile(_NUMBER + r"\Z")
_LEADING_ZEROS_RE = re.compile(r"^(-?)0+([0-9])")
_TRAILING_ZEROS_RE = re.compile(r"0+\Z")


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def _atom(text: str) -> str:
    """Canonicalise one element (already trimmed and lowered)."""
    text = text.strip(_BLANKS)
    time = _TIME_RE.match(text)
    if time:
        year, month, day, hour, minute = time.groups()
        return f"{year}-{month}-{day} {hour}:{minute}"
    if _NUMBER_RE.match(text):
        text = text.removeprefix("+")
        text = _LEADING_ZEROS_RE.sub(r"\1\2", text, count=1)
        if "." in text:
            text = _TRAILING_ZEROS_RE.sub("", text).removesuffix(".")
        return text
    return text


def canonical(text: str) -> str:
    """Return the canonical form of one cell's text (see the module docstring)."""
    base = _ascii_lower(text.strip(_BLANKS))
    if LIST_SEPARATOR in base:
        return LIST_SEPARATOR.join(sorted(_atom(part) for part in base.split(LIST_SEPARATOR)))
    return _atom(base)


def patched(series: pl.Series, mask: pl.Series, change: Callable[[pl.Series], pl.Series]
             ) -> pl.Series:
    """Apply ``change`` to the rows under ``mask`` only (most rows of a column need nothing)."""
    where = mask.fill_null(False)
    if not where.any():
        return series
    if where.all():
        return change(series)
    rows = where.arg_true()
    return series.scatter(rows, change(series.gather(rows)))


def _number_series(texts: pl.Series) -> pl.Series:
    number = texts.str.strip_prefix("+")
    number = patched(number, number.str.starts_with("0") | number.str.starts_with("-0"),
                     lambda s: s.str.replace(r"^(-?)0+([0-9])", "${1}${2}"))
    return patched(number, number.str.contains(".", literal=True),
                   lambda s: s.str.replace(r"0+$", "").str.strip_suffix("."))


def _minutes(times: pl.Series) -> pl.Series:
    """``2024-05-01T10:04:05Z`` -> ``2024-05-01 10:04``: the pattern fixes the positions."""
    frame = pl.DataFrame({"t": times})
    return frame.select(pl.concat_str(pl.col("t").str.slice(0, 10), pl.lit(" "),
                                      pl.col("t").str.slice(11, 5))).to_series()


def _atom_series(texts: pl.Series) -> pl.Series:
    """Canonicalise elements already trimmed (see :func:`_atom`)."""
    is_time = texts.str.contains(_TIME + "$")
    out = patched(texts, is_time, _minutes)
    return patched(out, ~is_time.fill_null(False) & texts.str.contains(_NUMBER + "$"),
                   _number_series)


def _list_series(texts: pl.Series) -> pl.Series:
    parts = pl.DataFrame({"row": pl.int_range(0, len(texts), eager=True),
                          "part": texts.str.split(LIST_SEPARATOR)}).explode("part")
    trimmed = parts.get_column("part").str.strip_chars(_BLANKS)
    parts = parts.with_columns(_atom_series(trimmed).alias("part"))
    return sorted_lists_of(parts).list.join(LIST_SEPARATOR)


def sorted_lists_of(parts: pl.DataFrame) -> pl.Series:
    """Return the ``part`` values of each ``row`` as one sorted list per row, rows in order.

    Why not ``Series.list.sort``: on lists of strings it is two orders of magnitude
    slower than sorting the exploded elements once and gathering them back.
    """
    ordered = parts.sort(["row", "part"], nulls_last=True)
    return ordered.group_by("row", maintain_order=True).agg(pl.col("part")).get_column("part")


def sort_lists(lists: pl.Series) -> pl.Series:
    """Sort the elements of every list of a List(String) column (nulls and [] kept)."""
    rows = pl.DataFrame({"row": pl.int_range(0, len(lists), eager=True), "part": lists})
    ordered = sorted_lists_of(rows.explode("part"))
    sizes = lists.list.len()
    return pl.DataFrame({"n": sizes, "given": lists, "sorted": ordered}).select(
        pl.when(pl.col("n").is_null()).then(None)
        .when(pl.col("n") == 0).then("given")
        .otherwise("sorted")
    ).to_series()


def canonical_series(texts: pl.Series) -> pl.Series:
    """Canonicalise a String column (nulls stay null); equals :func:`canonical` per cell.

    Each rule runs only on the rows it applies to: a column of ids pays for a
    strip, a lowercase and two pattern tests, not for every rule.
    """
    base = texts.str.strip_chars(_BLANKS)
    upper = base.str.contains("[A-Z]").fill_null(False)
    if upper.any():
        # Unicode lowering differs from ASCII lowering beyond ASCII: there lower A-Z only.
        wide = (base.str.len_bytes() != base.str.len_chars()).fill_null(False)
        lowered = patched(base, upper & ~wide, lambda s: s.str.to_lowercase())
        lowered = patched(lowered, upper & wide, lambda s: s.str.replace_many(_UPPER, _LOWER))
    else:
        lowered = base
    # Only a cell that starts like a number or a time, or holds a list, has more to do.
    busy = lowered.str.contains(r"^[0-9+-]|;").fill_null(False)
    if not busy.any():
        return lowered
    is_list = busy & lowered.str.contains(LIST_SEPARATOR, literal=True).fill_null(False)
    out = patched(lowered, busy & ~is_list, _atom_series)
    return patched(out, is_list, _list_series)


# -- other readings of a leaked cell -----------------------------------------------

_DAY_FIRST_OR_MONTH_FIRST = re.compile(
    r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{2}|[0-9]{4})[ t]+([0-9]{1,2}):([0-9]{2})"
    r"(?::[0-9]{2}(?:\.[0-9]+)?)?(?: ?([ap])\.?m\.?)?\Z"
)
_YEAR_FIRST = re.compile(
    r"^([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})[ t]+([0-9]{1,2}):([0-9]{2})"
    r"(?::[0-9]{2}(?:\.[0-9]+)?)?\Z"
)
_ISO_OFFSET = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[t ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?"
    r" ?([+-])([0-9]{2}):?([0-9]{2})\Z"
)
_DATE_ONLY = re.compile(r"^(?:[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}[-/.][0-9]{1,2}"
                        r"[-/.](?:[0-9]{2}|[0-9]{4}))\Z")
_GROUPED = re.compile(r"^[+-]?[0-9]{1,3}(?:([,. '])[0-9]{3})+(?:([.,])[0-9]+)?\Z")
_SCIENTIFIC = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?e[+-]?[0-9]+\Z")
_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+,[0-9]+\Z")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,}[0-9]\Z")


def _minute(year: int, month: int, day: int, hour: int, minute: int) -> str | None:
    try:
        return datetime(year, month, day, hour, minute).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return None


def _times(text: str) -> list[str]:
    found: list[str] = []
    match = _DAY_FIRST_OR_MONTH_FIRST.match(text)
    if match:
        first, second, year_text, hour_text, minute_text, half = match.groups()
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        hour = int(hour_text) % 12 + (12 if half == "p" else 0) if half else int(hour_text)
        for day, month in ((int(first), int(second)), (int(second), int(first))):
            found.append(_minute(year, month, day, hour, int(minute_text)) or "")
    match = _YEAR_FIRST.match(text)
    if match:
        y, mo, d, h, mi = (int(g) for g in match.groups())
        found.append(_minute(y, mo, d, h, mi) or "")
    match = _ISO_OFFSET.match(text)
    if match:
        y, mo, d, h, mi = (int(g) for g in match.groups()[:5])
        sign, oh, om = match.group(7), int(match.group(8)), int(match.group(9))
        try:
            local = datetime(y, mo, d, h, mi, tzinfo=UTC)
        except ValueError:
            local = None
        if local is not None:
            offset = timedelta(hours=oh, minutes=om) * (1 if sign == "+" else -1)
            found.append((local - offset).strftime("%Y-%m-%d %H:%M"))
    return [f for f in found if f]


def _numbers(text: str) -> list[str]:
    found: list[str] = []
    grouped = _GROUPED.match(text)
    if grouped:
        thousands, decimal = grouped.groups()
        if decimal is None or decimal != thousands:
            whole = text.replace(thousands, "")
            found.append(whole.replace(",", ".") if decimal == "," else whole)
    if _DECIMAL_COMMA.match(text):
        found.append(text.replace(",", "."))
        found.append(text.replace(",", ""))
    if _SCIENTIFIC.match(text):
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            value = None
        if value is not None and abs(value) < 1e18:
            found.append(str(int(value)) if value == int(value) else repr(value))
    if _PHONE.match(text) and not _NUMBER_RE.match(text):
        found.append(re.sub(r"[^0-9]", "", text))
    return [_atom(f) for f in found]


def candidates(text: str) -> list[str]:
    """Return the readings of a leaked cell, its canonical form first, without duplicates."""
    first = canonical(text)
    base = _ascii_lower(text.strip(_BLANKS))
    others = [] if LIST_SEPARATOR in base else _times(base) + _numbers(base)
    return list(dict.fromkeys([first, *others]))


def reformattable(text: str) -> bool:
    """Whether a spreadsheet may have reformatted this cell (a number or a date/time)."""
    base = _ascii_lower(text.strip(_BLANKS))
    if LIST_SEPARATOR in base or not base:
        return False
    return bool(
        _TIME_RE.match(base) or _NUMBER_RE.match(base) or _DATE_ONLY.match(base)
        or _times(base) or _numbers(base)
    )


# -- keyed hashing of whole columns ---------------------------------------------------

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_M32 = np.uint64(0xFFFFFFFF)
_BLOCK = 16
_S30, _S27, _S31, _S32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def mix(z: np.ndarray) -> np.ndarray:
    """Return the splitmix64 finaliser of each element (a bijection of uint64)."""
    z = z ^ (z >> _S30)
    z = z * _C1
    z = z ^ (z >> _S27)
    z = z * _C2
    return z ^ (z >> _S31)


class CellHasher:
    """Keyed 64-bit hashes of whole columns of text, the same on every machine."""

    def __init__(self, key: bytes) -> None:
        stream = hashlib.blake2b(key, digest_size=64, person=b"mg-cell-hash").digest()
        words = np.frombuffer(stream, dtype="<u8")
        self._nh32 = np.frombuffer(stream[:16], dtype="<u4").astype(np.uint32)
        self._start, self._out1, self._out2 = (np.uint64(w) for w in words[2:5])
        self._round = words[5:6].astype(np.uint64)  # an array: its sums wrap without a warning
        self.key_id = hashlib.blake2b(key, digest_size=4, person=b"mg-cell-key-id").digest()

    def hash_series(self, texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """Return (hashes, present): a uint64 per cell, and which cells are non-empty."""
        array = texts.cast(pl.String).to_arrow()
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        array = pc.cast(array, pa.large_string())
        return self._hash_arrow(array)

    def hash_texts(self, texts: list[str]) -> np.ndarray:
        """Return the uint64 hash of each string (empty strings hash too)."""
        hashes, _ = self._hash_arrow(pa.array(texts, type=pa.large_string()))
        return hashes

    def _hash_arrow(self, array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        n = len(array)
        _, offsets_buffer, data_buffer = array.buffers()
        offsets = (np.frombuffer(offsets_buffer, dtype=np.int64, count=n + 1,
                                 offset=array.offset * 8) if n else np.zeros(1, dtype=np.int64))
        data = (np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None
                else np.zeros(0, dtype=np.uint8))
        starts = offsets[:-1]
        lengths = offsets[1:] - starts
        present = lengths > 0
        if array.null_count:
            present &= np.asarray(array.is_valid())
        state = np.full(n, self._start, dtype=np.uint64) ^ (lengths.astype(np.uint64) * _GOLDEN)
        longest = int(lengths.max()) if n else 0
        if longest:
            blocks = _blocks_of(data)
            for block in range(0, longest, _BLOCK):
                every = block == 0 and bool(present.all())
                rows = np.nonzero(lengths > block)[0] if not every else None
                at = starts + block if rows is None else starts[rows] + block
                left = lengths - block if rows is None else lengths[rows] - block
                words = blocks[at].view("<u4").reshape(-1, 4)
                short = left < _BLOCK
                if short.any():  # the last block of a cell: bytes past its end count as zeros
                    words = words & _KEEP_MASKS[np.minimum(left, _BLOCK)]
                lanes = words + self._nh32  # (word + key) mod 2**32, as NH adds
                summed = (lanes[:, 0].astype(np.uint64) * lanes[:, 1]
                          + lanes[:, 2].astype(np.uint64) * lanes[:, 3])
                step = mix(self._round + np.uint64(block))
                if rows is None:
                    state = mix(state ^ summed ^ step)
                else:
                    state[rows] = mix(state[rows] ^ summed ^ step)
        hashes = mix(mix(state ^ self._out1) ^ self._out2)
        return hashes, present


def _blocks_of(data: np.ndarray) -> np.ndarray:
    """View every byte offset of ``data`` as the start of a 16-byte block (zeros past the end).

    Why: gathering ``blocks[starts]`` copies one 16-byte item a cell in C, where
    indexing bytes one by one would build and read an index array 16 times larger.
    """
    padded = np.concatenate([data, np.zeros(_BLOCK, dtype=np.uint8)])
    return np.ndarray(shape=(len(padded) - _BLOCK + 1,), dtype=np.dtype((np.void, _BLOCK)),
                      buffer=padded, strides=(1,))


def _keep_masks() -> np.ndarray:
    """Row k: the four little-endian 32-bit word masks keeping the first k bytes of a block."""
    keep = np.arange(_BLOCK)[None, :] < np.arange(_BLOCK + 1)[:, None]
    masks = np.where(keep, np.uint8(0xFF), np.uint8(0)).astype(np.uint8)
    return np.ascontiguousarray(masks).view("<u4").reshape(_BLOCK + 1, 4)


_KEEP_MASKS = _keep_masks()


def top32(hashes: np.ndarray) -> np.ndarray:
    """The high 32 bits of each hash: what a fingerprint stores."""
    return (hashes >> _S32).astype(np.uint32)


def low32(hashes: np.ndarray) -> np.ndarray:
    """The low 32 bits of each hash: what decides whether a large export keeps it."""
    return (hashes & _M32).astype(np.uint32)
