"""Compute the transparency report and render it as a table.

The figures come from the notices and enforcement services (never their tables),
so the API, the CLI and the demo print the same numbers for the same period.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from rich.table import Table
from sqlalchemy.orm import Session

from marketguard.enforcement import service as enforcement
from marketguard.errors import InvalidInput
from marketguard.notices import appeals, clock, goodfaith
from marketguard.notices.settings import DEFAULT_NOTICE_SETTINGS, NoticeSettings
from marketguard.reports.schemas import TransparencyReport
from marketguard.timeutil import parse_rfc3339, utcnow


def parse_bound(text: str, *, end: bool) -> datetime:
    """Parse ``YYYY-MM-DD`` (a whole day; ``end`` includes it) or an RFC 3339 time."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        try:
            return parse_rfc3339(text)
        except ValueError:
            raise InvalidInput(f"not a date (YYYY-MM-DD) or an RFC 3339 time: {text!r}") from None
    moment = datetime.combine(day, time(0), tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def transparency(
    session: Session, *, start: datetime, end: datetime,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
) -> TransparencyReport:
    """Return the notice-and-takedown figures for [start, end)."""
    if end <= start:
        raise InvalidInput("the report's end must come after its start")
    notices = clock.figures(session, start=start, end=end, settings=settings)
    takedowns = enforcement.takedown_figures(session, start=start, end=end)
    appealed = appeals.figures(session, start=start, end=end)
    standing = goodfaith.standings(session, now=min(end, utcnow()))
    return TransparencyReport(
        start=start,
        end=end,
        notices_received=notices.received,
        listings_noticed=notices.listings,
        notices_decided=notices.decided,
        share_within_24h=_share(notices.within_sla, notices.measured),
        average_processing_hours=(
            round(notices.average_hours, 2) if notices.average_hours is not None else None
        ),
        sla_breaches=notices.breached,
        fast_lane_notices=notices.fast_lane,
        listings_taken_down_on_notice=notices.takedown_items,
        listings_rejected_on_notice=notices.rejected_items,
        takedowns_proactive=takedowns.proactive,
        takedowns_reactive=takedowns.reactive,
        proactive_to_reactive=(
            round(takedowns.proactive / takedowns.reactive, 3) if takedowns.reactive else None
        ),
        proactive_before_first_sale_share=_share(
            takedowns.proactive_before_first_sale, takedowns.proactive
        ),
        listings_reinstated=takedowns.reinstated,
        appeals_filed=appealed["filed"],
        appeals_granted=appealed["granted"],
        appeals_rejected=appealed["rejected"],
        stores_closed=takedowns.stores_closed,
        sellers_suspended=takedowns.sellers_suspended,
        strikes_added=takedowns.strikes_added,
        strikes_removed=takedowns.strikes_removed,
        notifier_accuracy=goodfaith.distribution(session),
        notifiers_in_fast_lane=standing["fast_lane"],
        notifiers_suspended=standing["suspended"],
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def render(report: TransparencyReport) -> Table:
    """Render the report as a Rich table (CLI and demo)."""
    until = (report.end - timedelta(microseconds=1)).date()
    table = Table(title=f"Transparency report {report.start.date()} to {until}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    ratio = report.proactive_to_reactive
    hours = report.average_processing_hours
    rows = [
        ("notices received (listings)", f"{report.notices_received} ({report.listings_noticed})"),
        ("notices decided", str(report.notices_decided)),
        ("share processed within 24 hours", _pct(report.share_within_24h)),
        ("average processing time", "—" if hours is None else f"{hours:.1f} h"),
        ("24-hour breaches (recorded)", str(report.sla_breaches)),
        ("notices in the good-faith fast lane", str(report.fast_lane_notices)),
        ("listings taken down / rejected on notice",
         f"{report.listings_taken_down_on_notice} / {report.listings_rejected_on_notice}"),
        ("takedowns proactive / reactive",
         f"{report.takedowns_proactive} / {report.takedowns_reactive}"),
        ("proactive : reactive", "—" if ratio is None else f"{ratio:.2f} : 1"),
        ("proactive takedowns before a first sale",
         _pct(report.proactive_before_first_sale_share)),
        ("listings reinstated", str(report.listings_reinstated)),
        ("appeals filed / granted / rejected",
         f"{report.appeals_filed} / {report.appeals_granted} / {report.appeals_rejected}"),
        ("stores closed for bad merchant behaviour", str(report.stores_closed)),
        ("sellers suspended", str(report.sellers_suspended)),
        ("strikes added / removed", f"{report.strikes_added} / {report.strikes_removed}"),
        ("notifier accuracy (upheld share: notifiers)",
         ", ".join(f"{k}: {v}" for k, v in report.notifier_accuracy.items())),
        ("notifiers in fast lane / suspended",
         f"{report.notifiers_in_fast_lane} / {report.notifiers_suspended}"),
    ]
    for measure, value in rows:
        table.add_row(measure, value)
    return table
