"""RFC 3339 timestamps to integer nanoseconds since the epoch, fast and exact.

Why not ``datetime``: windows compare ``ts`` values exactly and events may carry
nine fraction digits, which ``datetime`` cannot hold; and the engine parses one
timestamp per event, so the date part of each minute is cached.
"""

from __future__ import annotations

import re
from datetime import date

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))",
    re.ASCII,
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NS = 1_000_000_000
_MINUTES: dict[str, int | None] = {}


def _minute_ns(year: str, month: str, day: str, hour: str, minute: str) -> int | None:
    try:
        ordinal = date(int(year), int(month), int(day)).toordinal()
    except ValueError:
        return None
    h, m = int(hour), int(minute)
    if h > 23 or m > 59:
        return None
    return ((ordinal - _EPOCH_ORDINAL) * 86400 + h * 3600 + m * 60) * _NS


_SECONDS: dict[str, int] = {}
"""``YYYY-MM-DDTHH:MM:SS`` prefixes already validated, to nanoseconds (the fast path)."""
_SCALE = tuple(10 ** (9 - digits) if digits <= 9 else 0 for digits in range(10))


def _tails() -> dict[str, int]:
    """Return every ``Z`` / ``.f`` / ``.ff`` / ``.fffZ`` ending (either case of Z) in ns.

    Why a table: most events carry at most millisecond precision, so the part
    after the seconds is one of 1,111 strings per case of ``Z``; one dictionary
    lookup then replaces checking and converting the digits (~40 % of a parse).
    """
    tails: dict[str, int] = {}
    for zone in ("Z", "z"):
        tails[zone] = 0
        for digits in (1, 2, 3):
            for value in range(10**digits):
                tails[f".{value:0{digits}d}{zone}"] = value * _SCALE[digits]
    return tails


_TAILS = _tails()


def parse_ts(text: object) -> int | None:
    """Return ``text`` as nanoseconds since 1970-01-01T00:00:00Z, or None if invalid.

    Accepts RFC 3339 date-times with ``Z`` or a ``±hh:mm`` offset and at most nine
    fraction digits (``T``/``Z`` in either case, as RFC 3339 allows). Events of
    the same second share a validated prefix, so the common ``...SS.fffZ`` form
    only has its tail looked up.
    """
    if type(text) is not str:
        return None
    base = _SECONDS.get(text[:19])
    if base is not None:
        tail = _TAILS.get(text[19:])
        if tail is not None:
            return base + tail
        size = len(text)
        last = text[-1]
        if 21 < size <= 30 and (last == "Z" or last == "z") and text[19] == ".":
            frac = text[20:-1]
            if frac.isdigit() and frac.isascii():
                return base + int(frac) * _SCALE[len(frac)]
    return _parse_slow(text)


def _parse_slow(text: str) -> int | None:
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, frac, sign, oh, om = match.groups()
    key = text[:16]
    base = _MINUTES.get(key, -1)
    if base == -1:
        base = _minute_ns(year, month, day, hour, minute)
        if len(_MINUTES) > 200_000:
            _MINUTES.clear()
        _MINUTES[key] = base
    if base is None:
        return None
    sec = int(second)
    if sec > 59:
        return None
    ns = base + sec * _NS
    if frac:
        ns += int(frac) * 10 ** (9 - len(frac))
    if sign:
        hours, minutes = int(oh), int(om)
        if hours > 23 or minutes > 59:
            return None
        offset = (hours * 3600 + minutes * 60) * _NS
        ns = ns - offset if sign == "+" else ns + offset
    elif text[10] == "T":
        if len(_SECONDS) > 100_000:
            _SECONDS.clear()
        _SECONDS[text[:19]] = base + sec * _NS
    return ns


def ts_problem(value: object) -> str:
    """Explain why ``value`` is not an acceptable event ``ts``."""
    if value is None:
        return "missing ts"
    if not isinstance(value, str):
        return f"ts must be an RFC 3339 string, not {type(value).__name__}"
    shown = value if len(value) <= 60 else value[:57] + "..."
    match = re.fullmatch(r".*\.([0-9]+)([Zz]|[+-][0-9]{2}:[0-9]{2})", value)
    if match and len(match.group(1)) > 9:
        return f"ts {shown!r} has more than 9 fraction digits"
    if _RFC3339.fullmatch(value):
        return f"ts {shown!r} is not a real date and time"
    return f"ts {shown!r} is not RFC 3339 with Z or an offset (like 2026-11-11T00:00:00Z)"


def format_ns(ns: int) -> str:
    """Format nanoseconds since the epoch as RFC 3339 UTC (for messages and tests)."""
    days, rest = divmod(ns, 86400 * _NS)
    day = date.fromordinal(days + _EPOCH_ORDINAL)
    secs, frac = divmod(rest, _NS)
    h, remainder = divmod(secs, 3600)
    m, s = divmod(remainder, 60)
    text = f"{day.isoformat()}T{h:02d}:{m:02d}:{s:02d}"
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"
