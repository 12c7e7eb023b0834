"""How a notice's clock reads in words: properties over any due time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from marketguard.web.notice_views import time_left

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
WORDS = re.compile(r"^(?:overdue by )?(?:(\d+) d (\d+) h|(\d+) h (\d+) min|(\d+) min)(?: left)?$")


def _minutes(text: str) -> int:
    found = WORDS.match(text)
    assert found is not None, text
    d, dh, h, hm, m = (int(g) if g else 0 for g in found.groups())
    return d * 1440 + dh * 60 + h * 60 + hm + m


@given(st.integers(min_value=-10 * 24 * 3600, max_value=10 * 24 * 3600))
def test_the_clock_says_left_or_overdue_and_rounds_down_to_the_minute(seconds: int) -> None:
    text = time_left(NOW + timedelta(seconds=seconds), NOW)
    assert text.endswith(" left") == (seconds >= 0)
    assert text.startswith("overdue by ") == (seconds < 0)
    minutes = _minutes(text)
    if abs(seconds) < 24 * 3600:  # under a day: exact to the minute
        assert minutes == abs(seconds) // 60
    else:  # days and hours: exact to the hour
        assert minutes == abs(seconds) // 3600 * 60


@given(st.integers(min_value=0, max_value=3 * 24 * 3600), st.integers(min_value=1, max_value=3600))
def test_a_later_due_time_never_reads_as_less_time_left(seconds: int, later: int) -> None:
    sooner = _minutes(time_left(NOW + timedelta(seconds=seconds), NOW))
    assert _minutes(time_left(NOW + timedelta(seconds=seconds + later), NOW)) >= sooner


def test_a_notice_without_a_clock_says_so() -> None:
    assert time_left(None, NOW) == "no clock"
