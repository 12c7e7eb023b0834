"""ISO 8601 durations for access requests: ``PT8H``, ``P1D``, ``P14D``, ``P1DT12H``.

Why no years or months: their length depends on the calendar, and a grant's
expiry must be exact; ask for days (``P30D``) instead.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_CALENDAR = re.compile(r"^P(?:\d+Y)?(?:\d+M)?")


def parse_iso_duration(text: str) -> timedelta:
    """Parse an ISO 8601 duration of weeks, days, hours, minutes and seconds.

    Raises ``ValueError`` with a reason a person can act on.
    """
    value = text.strip().upper()
    match = _DURATION.match(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        calendar = _CALENDAR.match(value)
        if calendar and calendar.group(0) != "P":
            raise ValueError(
                f"duration {text!r} uses years or months, whose length varies; use days (P30D)"
            )
        raise ValueError(
            f"duration {text!r} is not ISO 8601 like PT8H, P1D, P14D or P1DT12H"
        )
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    duration = timedelta(**parts)
    if duration <= timedelta(0):
        raise ValueError(f"duration {text!r} must be longer than zero")
    return duration


def format_iso_duration(duration: timedelta) -> str:
    """Format a timedelta as ISO 8601 (``P1DT12H``, ``PT8H``)."""
    total = int(duration.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    out = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return out if out != "P" else "PT0S"
