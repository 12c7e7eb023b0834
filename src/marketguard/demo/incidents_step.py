"""Demo step: the incidents the month opened on its own, ranked by damage, with their scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from marketguard.incidents import service
from marketguard.uow import unit_of_work

if TYPE_CHECKING:
    from marketguard.demo.run import DemoContext

_SCOPE_FIELDS = ("users", "sellers", "brands", "listings", "orders", "records_exposed")


def _scope_text(scope: dict[str, object]) -> str:
    parts = [f"{name.replace('_', ' ')} {scope[name]:,}" for name in _SCOPE_FIELDS
             if scope.get(name)]
    if scope.get("records_exposed"):
        parts.append(f"level {scope.get('data_level')}")
    money = scope.get("money_at_risk")
    if isinstance(money, dict):
        parts.append(f"money {money['amount']:,} {money['currency']} (minor units)")
    return ", ".join(parts) or "-"


def run_incidents(ctx: DemoContext) -> None:
    """Print every incident the earlier steps opened, highest damage first."""
    with unit_of_work(ctx.settings) as session:
        rows = list(session.scalars(service.ranked(session)))
        table = Table(title="Incidents opened by the platform itself, highest damage first")
        for column in ("severity", "damage", "kind", "incident", "scope", "signals"):
            table.add_column(column, justify="right" if column in ("damage", "signals")
                             else "left")
        for row in rows:
            signals = sum(1 for e in service.timeline(session, row.id) if e.kind == "signal")
            table.add_row(row.severity, f"{row.damage:.1f}", row.kind, row.title,
                          _scope_text(row.scope), str(signals))
    ctx.console.print(table if rows else "no incidents were opened")
    ctx.console.print("Responders work them with `marketguard incidents list|show|update` or "
                      "on /portal/incidents; damage comes from scope (docs/incidents.md).")
