"""Report routes: the transparency report for a period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from marketguard.api.deps import SessionDep
from marketguard.notices.settings import NoticeSettings, get_notice_settings
from marketguard.reports import service
from marketguard.reports.auth import PublicReport
from marketguard.reports.schemas import TransparencyReport

router = APIRouter(tags=["reports"])


@router.get("/reports/transparency", response_model=TransparencyReport)
def transparency(
    _: PublicReport,
    session: SessionDep,
    policy: Annotated[NoticeSettings, Depends(get_notice_settings)],
    start: Annotated[str, Query(alias="from", description="YYYY-MM-DD (or RFC 3339)")],
    end: Annotated[str, Query(alias="to", description="YYYY-MM-DD, included (or RFC 3339)")],
) -> TransparencyReport:
    """Notice-and-takedown figures for a period (public: aggregates only)."""
    return service.transparency(
        session,
        start=service.parse_bound(start, end=False),
        end=service.parse_bound(end, end=True),
        settings=policy,
    )
