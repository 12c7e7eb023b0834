"""Statements of reasons in the DSA Transparency Database's submission format.

One JSON object per statement, each a valid ``POST /api/v2/statement`` body
(checked by :mod:`.dsa_schema`). No personal data is exported: facts name
listings, rights and brands, never the notifier's name or email.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from marketguard.brands import service as brands_service
from marketguard.enforcement import service as enforcement
from marketguard.enforcement.models import Statement
from marketguard.enforcement.settings import DEFAULT_SETTINGS, EnforcementSettings

VISIBILITY = {
    "block": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "remove": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "disable": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "hold": "DECISION_VISIBILITY_OTHER",
}
AUTOMATED = {
    "fully": "AUTOMATED_DECISION_FULLY",
    "partially": "AUTOMATED_DECISION_PARTIALLY",
    "not_automated": "AUTOMATED_DECISION_NOT_AUTOMATED",
}
HOLD_WORDS = "Listing held and not visible until a reviewer decides"


def _fit(text: str, limit: int) -> str:
    """Shorten visibly (never silently) to the database's limit for a field."""
    if len(text) <= limit:
        return text
    marker = " [shortened; full text in the statement]"
    return text[: limit - len(marker)] + marker


def _day(moment: datetime | None) -> str | None:
    return moment.date().isoformat() if moment else None


def to_dsa(
    statement: Statement,
    *,
    brand_name: str | None = None,
    settings: EnforcementSettings = DEFAULT_SETTINGS,
) -> dict[str, Any]:
    """Return the submission for one statement."""
    out: dict[str, Any] = {}
    if statement.scope == "listing":
        out["decision_visibility"] = [VISIBILITY[statement.action]]
        if statement.action == "hold":
            out["decision_visibility_other"] = HOLD_WORDS
    elif statement.scope == "seller":
        out["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
        out["decision_provision"] = "DECISION_PROVISION_TOTAL_SUSPENSION"
        if statement.ends_at is not None:
            out["end_date_account_restriction"] = _day(statement.ends_at)
            out["end_date_service_restriction"] = _day(statement.ends_at)
    else:
        out["decision_account"] = "DECISION_ACCOUNT_TERMINATED"
        out["decision_provision"] = "DECISION_PROVISION_TOTAL_TERMINATION"
        if statement.affected_listings:
            out["decision_visibility"] = ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    if statement.ground == "illegal_content":
        out["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        out["illegal_content_legal_ground"] = _fit(statement.legal_ground or "", 500)
        out["illegal_content_explanation"] = _fit(statement.explanation, 2000)
    else:
        out["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        out["incompatible_content_ground"] = _fit(statement.tos_clause or "", 500)
        out["incompatible_content_explanation"] = _fit(statement.explanation, 2000)
        out["incompatible_content_illegal"] = "Yes" if statement.right_id else "No"
    out["content_type"] = ["CONTENT_TYPE_PRODUCT"]
    out["category"] = statement.category
    if statement.keywords:
        out["category_specification"] = list(statement.keywords)
    out["territorial_scope"] = list(settings.territorial_scope)
    out["content_date"] = _day(statement.content_date or statement.created_at)
    out["application_date"] = _day(statement.created_at)
    out["decision_facts"] = _fit(statement.facts, 5000)
    if statement.source == "notice":
        out["source_type"] = "SOURCE_ARTICLE_16"
        if brand_name:
            out["source_identity"] = _fit(f"Rights holder {brand_name}", 500)
    else:
        out["source_type"] = "SOURCE_VOLUNTARY"
    out["automated_detection"] = "Yes" if statement.automated_detection else "No"
    out["automated_decision"] = AUTOMATED[statement.automated_decision]
    out["puid"] = statement.id
    return out


def export(
    session: Session,
    *,
    since: datetime,
    until: datetime | None = None,
    settings: EnforcementSettings = DEFAULT_SETTINGS,
) -> Iterator[dict[str, Any]]:
    """Yield the submission of every statement created in [since, until)."""
    names: dict[str, str] = {}
    for statement in enforcement.iter_statements(session, since=since, until=until):
        name = None
        if statement.brand_id:
            if statement.brand_id not in names:
                brand = brands_service.resolve_brand(session, statement.brand_id)
                names[statement.brand_id] = brand.name
            name = names[statement.brand_id]
        yield to_dsa(statement, brand_name=name, settings=settings)
