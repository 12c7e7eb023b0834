"""``/transparency``: the public transparency report, with charts drawn as SVG.

Public like ``/privacy`` (aggregates only, no tenant data), so it lives outside
``/portal``. The figures are the API's (``reports.service.transparency``) for the
same period, so the page, ``GET /api/v1/reports/transparency`` and the CLI agree.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from marketguard.api.deps import SessionDep
from marketguard.auth.portal_sessions import SignedIn
from marketguard.errors import InvalidInput
from marketguard.notices.settings import NoticeSettings, get_notice_settings
from marketguard.reports import service
from marketguard.reports.schemas import TransparencyReport
from marketguard.timeutil import utcnow
from marketguard.web.charts import Bar, bar_chart
from marketguard.web.guard import page_public
from marketguard.web.templating import render

router = APIRouter(tags=["portal"], include_in_schema=False)

# The current report covers the last twelve months up to and including today.
DEFAULT_PERIOD_DAYS = 365

_Visitor = Annotated[SignedIn | None, Depends(page_public())]
_Policy = Annotated[NoticeSettings, Depends(get_notice_settings)]


def _pct(value: float | None) -> str:
    return "no figures yet" if value is None else f"{value:.1%}"


def _charts(report: TransparencyReport) -> list[dict[str, Any]]:
    """The report's charts, each with the rows of its table alternative."""
    takedowns = [
        Bar("Proactive (found by us)", report.takedowns_proactive,
            str(report.takedowns_proactive)),
        Bar("Reactive (on a notice)", report.takedowns_reactive, str(report.takedowns_reactive)),
    ]
    notices = [
        Bar("Taken down on notice", report.listings_taken_down_on_notice,
            str(report.listings_taken_down_on_notice)),
        Bar("Rejected on notice", report.listings_rejected_on_notice,
            str(report.listings_rejected_on_notice)),
        Bar("Reinstated", report.listings_reinstated, str(report.listings_reinstated)),
    ]
    appeals = [
        Bar("Filed", report.appeals_filed, str(report.appeals_filed)),
        Bar("Granted", report.appeals_granted, str(report.appeals_granted)),
        Bar("Rejected", report.appeals_rejected, str(report.appeals_rejected)),
    ]
    shares = [
        Bar("Notices handled within 24 hours", report.share_within_24h or 0.0,
            _pct(report.share_within_24h)),
        Bar("Proactive takedowns before a first sale",
            report.proactive_before_first_sale_share or 0.0,
            _pct(report.proactive_before_first_sale_share)),
    ]
    accuracy = [Bar(f"{band} upheld", count, str(count))
                for band, count in report.notifier_accuracy.items()]
    specs = [
        ("takedowns", "Takedowns by origin", takedowns, None, "Takedowns"),
        ("notices", "Listings decided on notice", notices, None, "Listings"),
        ("appeals", "Appeals", appeals, None, "Appeals"),
        ("shares", "Speed and prevention", shares, 1.0, "Share"),
        ("accuracy", "Notifiers by accuracy", accuracy, None, "Notifiers"),
    ]
    return [
        {"id": chart_id, "title": title, "svg": bar_chart(chart_id, title, bars, scale=scale),
         "rows": [(b.label, b.text) for b in bars], "unit": unit}
        for chart_id, title, bars, scale, unit in specs
    ]


@router.get("/transparency", response_class=HTMLResponse)
def transparency_page(
    request: Request,
    visitor: _Visitor,
    session: SessionDep,
    policy: _Policy,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
) -> HTMLResponse:
    """The transparency report for the last twelve months, or for ``?from=&to=`` (days)."""
    today = utcnow().date()
    first = start or (today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)).isoformat()
    last = end or today.isoformat()
    try:
        report = service.transparency(
            session, start=service.parse_bound(first, end=False),
            end=service.parse_bound(last, end=True), settings=policy,
        )
    except InvalidInput as exc:
        return render(request, "transparency/report.html", visitor, status_code=exc.status,
                      error=exc.detail, report=None, start=first, end=last, charts=[])
    return render(request, "transparency/report.html", visitor, report=report, start=first,
                  end=last, charts=_charts(report), error=None, pct=_pct,
                  last_day=(report.end - timedelta(microseconds=1)).date())
