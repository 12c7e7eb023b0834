"""Demo step for data alerts: a grant, reads that are logged, and the alerts they raise."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from sqlalchemy import select

from marketguard.auth.roles import Principal, Role
from marketguard.dataguard import alerts, service
from marketguard.dataguard.models import DataAlert
from marketguard.uow import unit_of_work

PURPOSE = "case 17: a counterfeit ring's sellers"


def run_data_alerts(ctx: Any) -> None:
    """An analyst gets a grant, reads off-purpose once, then pages through every seller fast."""
    settings = ctx.settings
    owner = Principal(token_id="demo", name="olga", role=Role.data_owner)
    reader = Principal(token_id="demo", name="erin", role=Role.employee)
    with unit_of_work(settings) as session:
        request = service.create_request(
            session, principal=reader, dataset="sellers",
            fields=["identifiers.ip", "identifiers.device"], purpose=PURPOSE, duration="PT8H",
            settings=settings,
        )
        service.decide(session, principal=owner, request_id=request.id, outcome="approve",
                       reason="the case needs the sellers' devices")
    cursor: str | None = None
    pages = 0
    while True:  # each page commits, is logged, and is evaluated against the alert rules
        with unit_of_work(settings) as session:
            _, cursor = service.read_records(
                session, principal=reader, dataset="sellers", cursor=cursor, limit=50,
                settings=settings, purpose="a marketing list" if pages == 0 else PURPOSE,
            )
        pages += 1
        if cursor is None:
            break
    alerts.evaluator_for(settings).catch_up()
    with unit_of_work(settings) as session:
        raised = list(session.scalars(select(DataAlert).order_by(DataAlert.id.desc())))
        table = Table(title=f"Alerts on {pages} pages read by erin (GET /api/v1/data/alerts)")
        for column in ("rule", "action", "actor", "dataset", "rows", "owners"):
            table.add_column(column)
        for a in raised:
            table.add_row(a.rule, a.action, a.actor, a.dataset, str(a.rows), ", ".join(a.owners))
    ctx.console.print(table)
