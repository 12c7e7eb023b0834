"""``GET /privacy``: the public privacy notice, HTML for people and JSON for programs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.dataguard.retention import privacy

router = APIRouter(tags=["privacy"])


class PrivacyItemRead(BaseModel):
    dataset: str
    field: str
    purpose: str = Field(description="Why it is kept")
    level: int = Field(description="3 confidential, 4 secret: read only under a grant")
    retention: str | None = Field(description="ISO 8601 period, or null when none ends it")
    kept: str = Field(description="What happens to it and when, or why it is kept")
    recipients: list[str]


class PrivacyGroupRead(BaseModel):
    about: str = Field(description="Whom the data is about")
    items: list[PrivacyItemRead]


class PrivacyNoticeRead(BaseModel):
    groups: list[PrivacyGroupRead]
    vendors: list[str] = Field(description="Vendors registered to receive hand-overs")
    rights: list[str]


_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "HTML by default; JSON with `Accept: application/json`",
        "content": {"text/html": {"schema": {"type": "string"}}},
        "model": PrivacyNoticeRead,
    }
}


@router.get("/privacy", response_model=None, responses=_CONTENT)
def privacy_notice(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """What personal data the platform keeps, why, for how long and who receives it.

    Public (no token). Written from the data catalog on every request.
    """
    notice = privacy.build(session, settings)
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        body = PrivacyNoticeRead.model_validate(notice.as_json())
        return Response(body.model_dump_json(), media_type="application/json")
    return Response(privacy.render_html(notice), media_type="text/html; charset=utf-8")
