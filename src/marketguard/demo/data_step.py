"""Demo step for data protection: the catalog, a masked read, approved access, revocation.

It walks the path a real request takes: an employee sees sellers' contact and
payment identifiers masked, asks for a day's access with a purpose, two data
owners approve (payment instruments are level 4), the employee reads the values,
the grant is revoked and the next read is masked again; the access log shows
who saw what, under which grant and why.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.table import Table
from sqlalchemy import select

from marketguard.auth.roles import Principal, Role
from marketguard.dataguard import service as dataguard
from marketguard.dataguard.models import DataAccessLog
from marketguard.uow import unit_of_work

EMPLOYEE = Principal(token_id="demo-employee", name="dana.employee", role=Role.employee)
OWNERS = (
    Principal(token_id="demo-owner-1", name="omar.owner", role=Role.data_owner),
    Principal(token_id="demo-owner-2", name="priya.owner", role=Role.data_owner),
)
FIELDS = ["identifiers.phone", "identifiers.payment"]
SHOWN = 3


def run_data_protection(ctx: Any) -> None:
    """Run the access-control story on the demo database and print each stage."""
    settings = ctx.settings
    console = ctx.console
    with unit_of_work(settings) as session:
        entries = dataguard.catalog(session, clearances=settings.data_clearances)
    console.print(_catalog_table(entries))
    sensitive = Counter(entry.dataset for entry in entries if entry.level >= 3)
    top = ", ".join(f"{name} ({count})" for name, count in sensitive.most_common(4))
    console.print(f"datasets with the most level-3/4 fields: {top}")

    _show_employee_read(console, settings, "An employee reads sellers: level 3/4 masked")

    with unit_of_work(settings) as session:
        request = dataguard.create_request(
            session, principal=EMPLOYEE, dataset="sellers", fields=FIELDS,
            purpose="chargeback investigation CB-2291", duration="PT8H", settings=settings,
        )  # fmt: skip
        request_id = request.id
    console.print(
        f"access request {request_id}: level {request.level}, "
        f"{request.approvals_required} approvals required"
    )
    granted: tuple[str, Any] | None = None
    for owner in OWNERS:
        with unit_of_work(settings) as session:
            decided, grant = dataguard.decide(
                session, principal=owner, request_id=request_id, outcome="approve",
                reason="case CB-2291 confirmed with the payments team",
            )  # fmt: skip
            status = decided.status
            if grant is not None:
                granted = (grant.id, grant.expires_at)
        console.print(f"  {owner.name} approves → {status}")
    assert granted is not None, "two approvals grant a level-4 request"
    grant_id, expires = granted
    console.print(f"  grant {grant_id} expires {expires:%Y-%m-%d %H:%M}Z")

    _show_employee_read(console, settings, "With the grant: the values, and a line in the log")

    with unit_of_work(settings) as session:
        dataguard.revoke_grant(
            session, principal=OWNERS[0], grant_id=grant_id, reason="investigation closed"
        )
    _show_employee_read(console, settings, "Revoked: the very next read is masked again")

    with unit_of_work(settings) as session:
        rows = list(session.scalars(select(DataAccessLog).order_by(DataAccessLog.at)))
    log = Table(title="Access log")
    for column in ("actor", "dataset", "fields", "rows", "grant", "purpose", "kind"):
        log.add_column(column)
    for row in rows:
        log.add_row(row.actor, row.dataset, ", ".join(row.fields), str(row.rows),
                    row.grant_id or "clearance", row.purpose or "", row.kind)  # fmt: skip
    console.print(log)


def _show_employee_read(console: Any, settings: Any, title: str) -> None:
    """Print the first sellers as the employee sees them now (one committed, logged read)."""
    with unit_of_work(settings) as session:
        records, _ = dataguard.read_records(
            session, principal=EMPLOYEE, dataset="sellers", cursor=None, limit=SHOWN,
            settings=settings,
        )
    console.print(_records_table(title, records))


def _catalog_table(entries: list[dataguard.CatalogEntry]) -> Table:
    by_level = Counter(entry.level for entry in entries)
    table = Table(title=f"Data catalog: {len(entries)} classified fields")
    table.add_column("level")
    table.add_column("fields", justify="right")
    names = {1: "1 public", 2: "2 internal", 3: "3 confidential", 4: "4 secret"}
    for level in sorted(by_level):
        table.add_row(names.get(level, str(level)), str(by_level[level]))
    return table


def _records_table(title: str, records: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    for column in ("seller_id", *FIELDS, "masked"):
        table.add_column(column)
    for record in records:
        identifiers = record.get("identifiers") or {}
        cells = [_cell(identifiers.get(name.split(".", 1)[1])) for name in FIELDS]
        masked = [name for name in record.get("masked", []) if name in FIELDS]
        table.add_row(str(record.get("seller_id")), *cells, ", ".join(masked) or "—")
    return table


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)
