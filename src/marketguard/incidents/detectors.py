"""Where incidents open on their own: what each platform signal means as an incident.

Each function turns one thing the platform saw into a :class:`service.Signal`
with its scope computed from data (an export's rows and data level, an alert's
rows and level, a backlog's notices and listings) and hands it to
``service.signal``, which opens the incident or grows the open one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketguard.config import Settings
from marketguard.dataguard.alert_events import fields_level
from marketguard.incidents import service
from marketguard.incidents.models import Incident
from marketguard.incidents.scope import Scope

log = logging.getLogger(__name__)
DETECTOR = "marketguard:detector"

# Which scope count an export's rows land in, by dataset (records_exposed always).
_ROWS_ARE = {"sellers": "sellers", "orders": "orders", "listings": "listings"}


def audit_verification_failed(
    session: Session, settings: Settings, *, kind: str, message: str, records: int,
    record_id: str | None,
) -> Incident:
    """``audit_tamper``: ``audit verify`` (CLI, API or a scheduled check) found a problem.

    Scope: every record of the log is in doubt once the chain breaks; the log
    names people (level 3), so that is its level. The incident itself is not
    written to the audit log it is about (that log refuses writes once its
    head is broken, and would not be trusted if it took them).
    """
    seen = service.Signal(
        kind="audit_tamper", subject="audit-log",
        title=f"Audit log failed verification ({kind})",
        text=f"audit verify: {kind}: {message}",
        scope=Scope(records_exposed=max(records, 1), data_level=3),
        detail={"finding": kind, "record_id": record_id, "records": records},
    )
    incident, _ = service.signal(session, settings, seen, actor=DETECTOR, audited=False)
    return incident


def export_traced(session: Session, settings: Settings, matches: Sequence[Any]) -> Incident | None:
    """``data_leak``: a leaked file was traced to an export (the best match).

    Scope: the whole export is presumed out (a fragment was seen), at the level
    of its most sensitive field; its rows count as sellers/orders/listings too
    when the dataset is one of those.
    """
    if not matches:
        return None
    match = matches[0]
    level = fields_level(match.dataset, match.fields)
    rows = _export_rows(session, match.export_id)
    counts = {"records_exposed": rows}
    if match.dataset in _ROWS_ARE:
        counts[_ROWS_ARE[match.dataset]] = rows
    recipient = match.recipient.get("name") or match.recipient.get("id") or "unknown"
    seen = service.Signal(
        kind="data_leak", subject=match.export_id,
        title=f"Export {match.export_id} leaked ({match.dataset}, to {recipient})",
        text=(f"a leaked file traced to export {match.export_id} of {match.dataset} by "
              f"{match.exporter} ({match.rows_matched} rows matched, score {match.score:.2f})"),
        scope=Scope(**counts, data_level=max(level, 1)),
        detail={"export_id": match.export_id, "dataset": match.dataset,
                "fields": list(match.fields), "rows_matched": match.rows_matched,
                "score": match.score},
    )
    incident, _ = service.signal(session, settings, seen, actor=DETECTOR)
    return incident


def _export_rows(session: Session, export_id: str) -> int:
    from marketguard.dataguard.exports.models import DataExport

    rows = session.scalar(select(DataExport.rows).where(DataExport.id == export_id))
    return int(rows or 0)


def access_alert_raised(
    session: Session, settings: Settings, *, actor: str, dataset: str, level: int, rows: int,
    rule: str, alert_id: str,
) -> Incident:
    """``data_access_anomaly``: a data-access alert rule fired on someone's reads.

    One incident per person reading: their further alerts grow it. Scope: the
    rows of the read, at its level.
    """
    seen = service.Signal(
        kind="data_access_anomaly", subject=actor,
        title=f"Unusual access to personal data by {actor}",
        text=f"alert {rule}: {rows} rows of {dataset} (level {level})",
        scope=Scope(records_exposed=rows, data_level=max(1, min(level, 4))),
        detail={"alert_id": alert_id, "rule": rule, "dataset": dataset},
    )
    incident, _ = service.signal(session, settings, seen, actor=DETECTOR)
    return incident


def notice_backlog(session: Session, settings: Settings, *, within: timedelta) -> list[Incident]:
    """``notice_backlog``: notices about to miss their 24-hour clock, one incident per brand.

    A notice is at risk when it is still undecided and due within ``within``
    (or overdue). Scope: the brand, its at-risk notices' listings.
    """
    from marketguard.notices.clock import at_risk_by_brand

    opened = []
    at_least = settings.incident_backlog_notices
    for brand_id, notices, listings in at_risk_by_brand(session, within=within,
                                                        at_least=at_least):
        seen = service.Signal(
            kind="notice_backlog", subject=brand_id,
            title=f"Notices about to miss their clock for brand {brand_id}",
            text=f"{notices} notices with {listings} listings due within {within} or overdue",
            scope=Scope(brands=1, listings=listings),
            detail={"brand_id": brand_id, "notices": notices, "listings": listings},
        )
        incident, _ = service.signal(session, settings, seen, actor=DETECTOR)
        opened.append(incident)
    return opened


def open_count(session: Session, kind: str) -> int:
    """How many incidents of a kind are open (for tests and the demo)."""
    return int(session.scalar(select(func.count()).select_from(Incident).where(
        Incident.kind == kind, Incident.open_key.is_not(None))) or 0)
