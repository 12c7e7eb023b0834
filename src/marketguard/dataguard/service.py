"""Access requests, approvals, grants, masked reads and the access log.

Services never commit; every change writes an audit record with its reason in
the caller's unit of work. A person is a token's name: nobody decides their own
request, and secret (level-4) data needs two different approvers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal, Role
from marketguard.config import Settings
from marketguard.dataguard import alerts
from marketguard.dataguard.access import (
    SENSITIVE,
    Permit,
    Visibility,
    clearance_patterns,
    clearance_roles,
    load_live_grants,
    show_records,
)
from marketguard.dataguard.alert_events import fields_level
from marketguard.dataguard.classification import Level
from marketguard.dataguard.datasets import DATASETS, Dataset, get_dataset
from marketguard.dataguard.durations import format_iso_duration, parse_iso_duration
from marketguard.dataguard.models import (
    DataAccessApproval,
    DataAccessLog,
    DataAccessRequest,
    DataGrant,
)
from marketguard.dataguard.retention.policy import (
    RetentionPolicy,
    kept_reason,
    policy_from,
    rule_for,
)
from marketguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

MAX_FIELDS = 200
MAX_PURPOSE = 2000


class DataGuardError(InvalidInput):
    """An access request breaks a rule (unknown field, empty purpose, too long)."""


# -- the catalog --------------------------------------------------------------


@dataclass(frozen=True)
class CatalogEntry:
    dataset: str
    field: str
    level: int
    category: str
    owner: str
    purpose: str
    clearances: list[str]
    retention: str | None = None  # ISO 8601 period of a personal field, if one ends it
    retention_rule: str | None = None  # what happens when, or why it is kept


def catalog(
    session: Session | None,
    *,
    clearances: dict[str, list[str]],
    retention: dict[str, str] | None = None,
) -> list[CatalogEntry]:
    """Return every classified field of every dataset, sorted by dataset and field.

    ``retention`` are the settings' overrides of the declared retention periods.
    """
    periods = policy_from(retention)
    entries: dict[tuple[str, str], CatalogEntry] = {}
    for dataset in DATASETS.values():
        for name, found in dataset.catalog_fields(session):
            kept = _retention(periods, dataset, name) if found.category == "personal" else None
            entries[(dataset.name, name)] = CatalogEntry(
                dataset=dataset.name,
                field=name,
                level=int(found.level),
                category=found.category.value,
                owner=dataset.owner,
                purpose=found.purpose,
                clearances=clearance_roles(clearances, dataset.name, name, found.level),
                retention=kept[0] if kept else None,
                retention_rule=kept[1] if kept else None,
            )
    return [entries[key] for key in sorted(entries)]


def _retention(
    periods: RetentionPolicy, dataset: Dataset, name: str
) -> tuple[str | None, str | None]:
    """Return a personal field's period and what happens at its end (or why it is kept)."""
    rule = rule_for(dataset.name, dataset.covering_names(name))
    if rule is not None:
        return periods.iso(rule.field), periods.describe(rule.field)
    return None, kept_reason(f"{dataset.name}.{name}")


# -- requests -----------------------------------------------------------------


def _field_name(dataset: Dataset, raw: str) -> str:
    name = raw.strip()
    prefix = dataset.name + "."
    if name.startswith(prefix) and dataset.classify(name) is None:
        name = name[len(prefix) :]
    return name


def _check_fields(session: Session, dataset: Dataset, fields: list[str]) -> dict[str, int]:
    if not fields:
        raise DataGuardError("name at least one field, e.g. identifiers.phone")
    if len(fields) > MAX_FIELDS:
        raise DataGuardError(f"at most {MAX_FIELDS} fields in one request, got {len(fields)}")
    # The fields the catalog names without looking at the data answer most requests; only a
    # field beyond them needs the keys observed in the data (a scan of the whole table).
    known = {name: int(found.level) for name, found in dataset.catalog_fields(None)}
    if any(_field_name(dataset, raw) not in known for raw in fields):
        known = {name: int(found.level) for name, found in dataset.catalog_fields(session)}
    levels: dict[str, int] = {}
    unknown: list[str] = []
    for raw in fields:
        name = _field_name(dataset, raw)
        level = known.get(name)
        if level is None and dataset.rule is not None:
            found = dataset.classify(name)
            level = int(found.level) if found is not None else None
        if level is None:
            unknown.append(raw)
        else:
            levels[name] = level
    if unknown:
        raise DataGuardError(
            f"unknown field(s) of dataset {dataset.name!r}: {', '.join(map(repr, unknown))}; "
            "GET /api/v1/data/catalog lists its fields"
        )
    return levels


def longest(settings: Settings, level: int) -> timedelta:
    """Return the longest grant a level allows."""
    return settings.data_max_duration_level4 if level >= Level.secret else (
        settings.data_max_duration_level3
    )


def create_request(
    session: Session,
    *,
    principal: Principal,
    dataset: str,
    fields: list[str],
    purpose: str,
    duration: str,
    settings: Settings,
) -> DataAccessRequest:
    """File a request for time-limited access to level-3/4 fields of one dataset."""
    found = DATASETS.get(dataset)
    if found is None:
        raise DataGuardError(
            f"unknown dataset {dataset!r}; GET /api/v1/data/catalog lists the datasets"
        )
    if not purpose.strip():
        raise DataGuardError("purpose must not be empty: say why you need the data")
    if len(purpose) > MAX_PURPOSE:
        raise DataGuardError(f"purpose is longer than {MAX_PURPOSE} characters")
    levels = _check_fields(session, found, fields)
    level = max(levels.values())
    if level < SENSITIVE:
        raise DataGuardError(
            f"the fields {sorted(levels)} are level 1/2: staff read them without a grant, "
            "so there is nothing to request"
        )
    try:
        length = parse_iso_duration(duration)
    except ValueError as exc:
        raise DataGuardError(str(exc)) from None
    cap = longest(settings, level)
    if length > cap:
        raise DataGuardError(
            f"duration {duration} is longer than the longest grant for level-{level} data "
            f"({format_iso_duration(cap)}); ask for {format_iso_duration(cap)} or less"
        )
    request = DataAccessRequest(
        id=new_id(),
        requester=principal.name,
        requester_role=principal.role.value,
        dataset=found.name,
        fields=sorted(levels),
        level=level,
        purpose=purpose.strip(),
        duration=duration.strip().upper(),
        duration_s=int(length.total_seconds()),
        approvals_required=2 if level >= Level.secret else 1,
        status="pending",
        created_at=utcnow(),
    )
    session.add(request)
    audit.record(
        session,
        actor=principal.actor,
        action="data.access_request",
        object_type="data_access_request",
        object_id=request.id,
        reason=request.purpose,
        after=_request_digest(request),
    )
    return request


def _request_digest(request: DataAccessRequest) -> dict[str, Any]:
    return {
        "requester": request.requester,
        "dataset": request.dataset,
        "fields": request.fields,
        "level": request.level,
        "duration": request.duration,
        "status": request.status,
    }


def get_request(session: Session, *, request_id: str) -> DataAccessRequest:
    """Return a request or raise 404."""
    found = session.get(DataAccessRequest, request_id)
    if found is None:
        raise NotFound(f"no access request with id {request_id!r}")
    return found


def approvals_of(session: Session, request_id: str) -> list[DataAccessApproval]:
    """Return a request's approvals and denials in the order they were given."""
    stmt = select(DataAccessApproval).where(DataAccessApproval.request_id == request_id)
    return list(session.scalars(stmt.order_by(DataAccessApproval.at, DataAccessApproval.id)))


def requests_query(principal: Principal, *, status: str | None) -> Select[Any]:
    """Requests a caller may list: data owners (of a dataset) and auditors all, others own."""
    stmt = select(DataAccessRequest)
    if principal.role in (Role.data_owner, Role.auditor, Role.platform_admin):
        if principal.dataset:
            stmt = stmt.where(DataAccessRequest.dataset == principal.dataset)
    else:
        stmt = stmt.where(DataAccessRequest.requester == principal.name)
    if status:
        stmt = stmt.where(DataAccessRequest.status == status)
    return stmt


def decide(
    session: Session,
    *,
    principal: Principal,
    request_id: str,
    outcome: str,
    reason: str,
    now: datetime | None = None,
) -> tuple[DataAccessRequest, DataGrant | None]:
    """Approve or deny a request; the last approval needed creates the grant."""
    if outcome not in ("approve", "deny"):
        raise InvalidInput(f"outcome must be approve or deny, got {outcome!r}")
    request = session.get(DataAccessRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"no access request with id {request_id!r}")
    if principal.dataset and principal.dataset != request.dataset:
        raise Forbidden(
            f"this data owner token is scoped to dataset {principal.dataset!r}; "
            f"the request is for {request.dataset!r}"
        )
    if request.requester == principal.name:
        raise Forbidden("nobody decides their own access request; ask another data owner")
    if request.status != "pending":
        raise Conflict(f"access request {request.id} is already {request.status}")
    given = approvals_of(session, request.id)
    if any(a.approver == principal.name for a in given):
        raise Conflict(
            f"{principal.name} already approved access request {request.id}; "
            "secret data needs a second, different approver"
        )
    moment = now or utcnow()
    approval = DataAccessApproval(
        id=new_id(),
        request_id=request.id,
        approver=principal.name,
        outcome=outcome,
        reason=reason.strip(),
        at=moment,
    )
    session.add(approval)
    try:
        session.flush()
    except IntegrityError:  # the same person, concurrently
        raise Conflict(f"{principal.name} already decided access request {request.id}") from None
    before = _request_digest(request)
    grant: DataGrant | None = None
    if outcome == "deny":
        request.status = "denied"
        request.decided_at = moment
        action = "data.access_deny"
    else:
        approved = sum(1 for a in given if a.outcome == "approve") + 1
        action = "data.access_approve"
        if approved >= request.approvals_required:
            grant = _grant(session, principal=principal, request=request, now=moment)
            request.status = "approved"
            request.decided_at = moment
            request.grant_id = grant.id
    audit.record(
        session,
        actor=principal.actor,
        action=action,
        object_type="data_access_request",
        object_id=request.id,
        reason=reason.strip() or None,
        before=before,
        after=_request_digest(request),
    )
    return request, grant


def _grant(
    session: Session, *, principal: Principal, request: DataAccessRequest, now: datetime
) -> DataGrant:
    grant = DataGrant(
        id=new_id(),
        request_id=request.id,
        grantee=request.requester,
        dataset=request.dataset,
        fields=list(request.fields),
        level=request.level,
        purpose=request.purpose,
        granted_at=now,
        expires_at=now + timedelta(seconds=request.duration_s),
    )
    session.add(grant)
    audit.record(
        session,
        actor=principal.actor,
        action="data.grant",
        object_type="data_grant",
        object_id=grant.id,
        reason=request.purpose,
        after={"grantee": grant.grantee, "dataset": grant.dataset, "fields": grant.fields,
               "expires_at": str(grant.expires_at)},
    )
    return grant


# -- grants -------------------------------------------------------------------


def sees_every_grant(principal: Principal) -> bool:
    return principal.role in (Role.data_owner, Role.auditor, Role.platform_admin)


def grants_query(
    principal: Principal, *, active: bool | None, now: datetime | None = None
) -> Select[Any]:
    """Grants a caller may list: their own, or every one (data owners, auditors, admins)."""
    stmt = select(DataGrant)
    if not sees_every_grant(principal):
        stmt = stmt.where(DataGrant.grantee == principal.name)
    elif principal.dataset:
        stmt = stmt.where(DataGrant.dataset == principal.dataset)
    moment = now or utcnow()
    if active is True:
        stmt = stmt.where(DataGrant.revoked_at.is_(None), DataGrant.expires_at > moment)
    elif active is False:
        stmt = stmt.where((DataGrant.revoked_at.is_not(None)) | (DataGrant.expires_at <= moment))
    return stmt


def revoke_grant(
    session: Session, *, principal: Principal, grant_id: str, reason: str | None = None
) -> DataGrant:
    """Revoke a grant now: its grantee, a data owner (of its dataset) or a platform admin."""
    grant = session.get(DataGrant, grant_id, with_for_update=True)
    own = grant is not None and grant.grantee == principal.name
    if grant is None or not (own or sees_every_grant(principal)):
        raise NotFound(f"no grant with id {grant_id!r}")
    if not own and principal.role not in (Role.data_owner, Role.platform_admin):
        raise Forbidden("only the grantee, a data owner or a platform admin revokes a grant")
    if not own and principal.dataset and principal.dataset != grant.dataset:
        raise Forbidden(
            f"this data owner token is scoped to dataset {principal.dataset!r}; "
            f"the grant is for {grant.dataset!r}"
        )
    if grant.revoked_at is None:
        grant.revoked_at = utcnow()
        grant.revoked_by = principal.name
        audit.record(
            session,
            actor=principal.actor,
            action="data.grant_revoke",
            object_type="data_grant",
            object_id=grant.id,
            reason=(reason or "").strip() or f"revoked by {principal.role.value}",
            after={"revoked_at": str(grant.revoked_at)},
        )
    return grant


# -- masked reads and the access log -----------------------------------------


def read_records(
    session: Session,
    *,
    principal: Principal,
    dataset: str,
    cursor: str | None,
    limit: int,
    settings: Settings,
    now: datetime | None = None,
    purpose: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Return a page of records, level-3/4 fields masked unless a grant or clearance allows.

    A page that shows level-3/4 values writes one access-log row per grant (or
    clearance) it relied on, with ``purpose`` (why the caller says they read,
    optional); once the page commits the alert evaluator looks at the new rows.
    """
    if purpose is not None and len(purpose) > MAX_PURPOSE:
        raise DataGuardError(f"purpose is longer than {MAX_PURPOSE} characters")
    found = get_dataset(dataset)
    if found.loader is None:
        if found.name in DATASETS and found.rule is not None:
            return [], None  # risk events are decided, not stored
        raise NotFound(
            f"dataset {dataset!r} has no records to read here; readable datasets: "
            "sellers, listings, notices, orders"
        )
    records, next_cursor = found.loader(session, cursor, limit)
    shown = shield(session, principal=principal, settings=settings, dataset=found.name,
                   records=records, now=now, purpose=purpose)
    return shown, next_cursor


def shield(
    session: Session,
    *,
    principal: Principal,
    settings: Settings,
    dataset: str,
    records: list[dict[str, Any]],
    now: datetime | None = None,
    purpose: str | None = None,
) -> list[dict[str, Any]]:
    """Mask what the caller may not see in records shaped like ``dataset``'s; log the rest.

    The one gate every route's answer goes through before it carries stored
    values: each level-3/4 field the caller holds no live grant or standing
    clearance for is masked and named in the record's ``masked``; a batch that
    shows such a field unmasked writes one access-log row per grant (or
    clearance) it relied on, with the purpose the caller declared, if any.
    Records may carry only some of the dataset's fields.
    """
    declared = (purpose.strip() or None) if purpose is not None else None
    found = get_dataset(dataset)
    moment = now or utcnow()
    grants = load_live_grants(session, grantee=principal.name, now=moment)
    patterns = clearance_patterns(settings.data_clearances, principal.role)
    visibility = Visibility(found, grants, patterns, principal.role.value)
    shown, access = show_records(visibility, records)
    for permit, paths in sorted(access.fields.items(), key=lambda kv: kv[0].grant_id or ""):
        log_access(session, actor=principal.name, dataset=found.name, fields=sorted(paths),
                   rows=access.rows[permit], permit=permit, kind="read", at=moment,
                   purpose_declared=declared, settings=settings)
    return shown


def log_access(
    session: Session,
    *,
    actor: str,
    dataset: str,
    fields: list[str],
    rows: int,
    permit: Permit,
    kind: str,
    at: datetime | None = None,
    purpose_declared: str | None = None,
    settings: Settings | None = None,
) -> str:
    """Append one access-log row, numbered in commit order; return its id.

    One prebuilt Core INSERT on the session's connection rather than an ORM
    object: it runs on every logged read. With ``settings``, the alert evaluator
    catches up once the unit of work commits.
    """
    entry_id = new_id()
    connection = session.connection()
    connection.execute(
        alerts.append_statement(connection),
        {
            "id": entry_id,
            "at": at or utcnow(),
            "actor": actor,
            "dataset": dataset,
            "fields": fields,
            "rows": rows,
            "grant_id": permit.grant_id,
            "purpose": permit.purpose,
            "kind": kind,
            "level": fields_level(dataset, fields),
            "purpose_declared": purpose_declared,
        },
    )
    if settings is not None:
        alerts.evaluate_after_commit(session, settings)
    return entry_id


def access_log_query(*, actor: str | None, dataset: str | None) -> Select[Any]:
    """Access-log rows, optionally for one actor and/or one dataset."""
    stmt = select(DataAccessLog)
    if actor:
        stmt = stmt.where(DataAccessLog.actor == actor)
    if dataset:
        stmt = stmt.where(DataAccessLog.dataset == dataset)
    return stmt
