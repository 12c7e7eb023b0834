"""The transparency report's shape (API, CLI ``--json`` and the demo)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class TransparencyReport(BaseModel):
    """Notice-and-takedown figures for one period [start, end)."""

    start: datetime
    end: datetime
    notices_received: int
    listings_noticed: int
    notices_decided: int
    share_within_24h: float | None = Field(
        description="Of notices decided, or due and undecided, by the end: the share decided "
        "within 24 hours of the clock start"
    )
    average_processing_hours: float | None
    sla_breaches: int
    fast_lane_notices: int
    listings_taken_down_on_notice: int
    listings_rejected_on_notice: int
    takedowns_proactive: int
    takedowns_reactive: int
    proactive_to_reactive: float | None = Field(description="proactive / reactive takedowns")
    proactive_before_first_sale_share: float | None
    listings_reinstated: int
    appeals_filed: int
    appeals_granted: int
    appeals_rejected: int
    stores_closed: int
    sellers_suspended: int
    strikes_added: int
    strikes_removed: int
    notifier_accuracy: dict[str, int] = Field(
        description="Notifiers by share of their decided listings upheld (as of the report)"
    )
    notifiers_in_fast_lane: int
    notifiers_suspended: int
