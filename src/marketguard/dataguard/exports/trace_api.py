"""``POST /data/exports/trace``: the leaked file's bytes in, the exports it came from out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.auth.deps import allow
from marketguard.auth.roles import Principal, Role
from marketguard.dataguard.exports.leaked import MAX_BYTES, UnreadableLeak
from marketguard.dataguard.exports.trace import TraceMatch, trace_report
from marketguard.incidents.detectors import export_traced

router = APIRouter(prefix="/data/exports", tags=["data protection"])
TraceReaders = Annotated[Principal, Depends(allow(Role.platform_admin, Role.auditor))]
MAX_MATCHES = 50


async def leaked_bytes(request: Request) -> bytes:
    """Read the raw body, refusing more than trace reads (before holding it all)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise UnreadableLeak(
                f"the body is over {MAX_BYTES:,} bytes; a few dozen rows of the leaked file "
                "are enough: cut it"
            )
        chunks.append(chunk)
    return b"".join(chunks)


LeakedBody = Annotated[bytes, Depends(leaked_bytes)]


class Watermark(BaseModel):
    observed: int = Field(description="Watermarked renderings the leaked file kept")
    agreeing: int = Field(description="Of those, how many this export's mark would have written")


class MatchRead(BaseModel):
    export_id: str
    recipient: dict[str, str] = Field(description='{"kind": "employee" | "vendor", "id", "name"}')
    score: float = Field(description="membership x watermark agreement, 0..1; best first")
    exporter: str
    created_at: datetime
    dataset: str
    fields: list[str]
    rows_matched: int = Field(description="Rows of the leaked file holding this export's values")
    membership: float = Field(description="Mean share of a row's cells this export handed out")
    watermark: Watermark


class TraceRead(BaseModel):
    matches: list[MatchRead] = Field(description="Best first; empty when no export matches")
    rows_read: int
    truncated: bool = Field(description="The file had more rows than trace reads")
    exports_searched: int
    exports_other_key: int = Field(
        description="Exports fingerprinted under an earlier platform key, not searchable"
    )


def match_read(match: TraceMatch) -> MatchRead:
    return MatchRead(
        export_id=match.export_id, recipient=match.recipient, score=match.score,
        exporter=match.exporter, created_at=match.created_at, dataset=match.dataset,
        fields=match.fields, rows_matched=match.rows_matched, membership=match.membership,
        watermark=Watermark(observed=match.watermark_observed,
                            agreeing=match.watermark_agreeing),
    )


_BODY = {"schema": {"type": "string", "format": "binary"}}


@router.post(
    "/trace",
    response_model=TraceRead,
    openapi_extra={"requestBody": {"required": True, "content": {
        "text/csv": _BODY, "application/x-ndjson": _BODY, "application/octet-stream": _BODY,
    }}},
)
def trace_leak(
    body: LeakedBody,
    principal: TraceReaders,
    session: SessionDep,
    settings: SettingsDep,
    limit: int = 5,
) -> TraceRead:
    """Name the export a leaked CSV/JSONL file (or a fragment of it) came from.

    The body is the leaked file's raw bytes, as found: shuffled, columns dropped
    or reordered, re-saved by a spreadsheet, converted CSV <-> JSONL.
    """
    if not 1 <= limit <= MAX_MATCHES:
        raise UnreadableLeak(f"limit must be between 1 and {MAX_MATCHES}, got {limit}")
    report = trace_report(session, body, limit=limit, settings=settings)
    export_traced(session, settings, report.matches)  # opens the data_leak incident
    return TraceRead(
        matches=[match_read(m) for m in report.matches], rows_read=report.rows_read,
        truncated=report.truncated, exports_searched=report.exports_searched,
        exports_other_key=report.exports_other_key,
    )
