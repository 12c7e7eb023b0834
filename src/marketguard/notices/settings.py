"""The notice-and-takedown policy: clocks, the good-faith program, webhook retries.

Why a dataclass: these are policy an operator tunes and a test or simulation
pins; services take ``settings=`` and the API reads ``app.state.notice_settings``
when set (else these defaults).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import Request

from marketguard.enforcement.settings import DEFAULT_SETTINGS as ENFORCEMENT_DEFAULTS
from marketguard.enforcement.settings import EnforcementSettings


@dataclass(frozen=True)
class NoticeSettings:
    """Every threshold of the notice-and-takedown workflow, with its default."""

    # The 24-hour clock.
    sla: timedelta = timedelta(hours=24)
    escalate_before: timedelta = timedelta(hours=4)
    slowed_sla: timedelta = timedelta(hours=72)  # for notifiers slowed for abuse
    # Appeals: how long a rights holder has to answer a counter-notice.
    answer_window: timedelta = timedelta(days=7)
    # Good-faith fast lane: notices of accurate notifiers take effect on receipt.
    fast_lane_min_decided: int = 20
    fast_lane_min_upheld: float = 0.95
    fast_lane_max_overturned: float = 0.02
    # Abuse ladder for manifestly unfounded notices within abuse_window.
    abuse_window: timedelta = timedelta(days=180)
    warn_after: int = 1
    slow_after: int = 2
    suspend_after: int = 3
    suspension: timedelta = timedelta(days=30)
    # Intake limits.
    max_listings_per_notice: int = 10_000
    min_explanation: int = 20
    max_explanation: int = 2000
    max_bulk_bytes: int = 20 * 1024 * 1024
    # Webhooks.
    webhook_max_attempts: int = 8
    webhook_backoff: timedelta = timedelta(seconds=30)
    webhook_backoff_max: timedelta = timedelta(hours=6)
    webhook_timeout_s: float = 5.0
    enforcement: EnforcementSettings = field(default_factory=lambda: ENFORCEMENT_DEFAULTS)


DEFAULT_NOTICE_SETTINGS = NoticeSettings()


def get_notice_settings(request: Request) -> NoticeSettings:
    """The policy of this app (``app.state.notice_settings``), else the defaults."""
    found = getattr(request.app.state, "notice_settings", None)
    return found if isinstance(found, NoticeSettings) else DEFAULT_NOTICE_SETTINGS
