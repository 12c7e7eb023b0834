"""Timezone-aware UTC time: the only clock and the only RFC 3339 parser we use."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 timestamp with ``Z`` or an offset into aware UTC.

    Up to nine fraction digits are accepted; digits past microseconds are dropped
    (datetime cannot hold them). Raises ``ValueError`` with a readable reason.
    """
    match = _RFC3339.match(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 time with a zone: {text!r}")
    year, month, day, hour, minute, second, frac, zulu, sign, oh, om = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if not zulu:
        offset = timedelta(hours=int(oh), minutes=int(om))
        if sign == "-":
            offset = -offset
    try:
        naive = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro
        )
    except ValueError as exc:
        raise ValueError(f"not a valid time: {text!r} ({exc})") from None
    return (naive - offset).replace(tzinfo=UTC)


def format_rfc3339(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with a ``Z``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: marketguard keeps every time in UTC")
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


MAX_DURATION = timedelta(days=3650)  # ten years: longer is a typo, not a policy
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_UNIT_NAMES = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str, *, maximum: timedelta = MAX_DURATION) -> timedelta:
    """Parse ``30s``, ``10m``, ``24h`` or ``30d`` into a timedelta of at most ``maximum``."""
    shown = text.strip() if len(text.strip()) <= 24 else text.strip()[:20] + "..."
    match = re.fullmatch(r"([1-9][0-9]*)([smhd])", text.strip())
    if match is None:
        raise ValueError(f"not a duration like 30s, 10m, 24h or 30d: {shown!r}")
    digits, unit = match.group(1), match.group(2)
    limit = int(maximum.total_seconds()) // _UNIT_SECONDS[unit]
    # Compare digit counts first: a thousand-digit number must not reach int().
    if len(digits) > len(str(limit)) or int(digits) > limit:
        days = maximum.days
        raise ValueError(
            f"duration {shown!r} is too long: at most {days}d "
            f"({limit:,} {_UNIT_NAMES[unit]})"
        )
    return timedelta(seconds=int(digits) * _UNIT_SECONDS[unit])
