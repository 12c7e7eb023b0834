"""``marketguard enforcement ...``: strikes, statements, store closure at the console."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from marketguard.auth.roles import cli_principal
from marketguard.cli_support import cli_session, console
from marketguard.enforcement import service
from marketguard.enforcement.models import Statement
from marketguard.timeutil import format_rfc3339

enforcement_app = typer.Typer(help="Restrictions, strikes and statements of reasons.",
                              no_args_is_help=True)


@enforcement_app.command("strikes")
def strikes(seller_id: Annotated[str, typer.Argument(help="The seller id")]) -> None:
    """Show a seller's standing and active strikes."""
    with cli_session() as session:
        standing = service.standing(session, seller_id=seller_id)
    console.print(f"{seller_id}: {standing.status}, {len(standing.strikes)} active strikes "
                  f"({standing.strikes_left} before closure)")
    for strike in standing.strikes:
        console.print(f"  {format_rfc3339(strike.created_at)} {strike.reason}", highlight=False)


@enforcement_app.command("statements")
def statements(
    listing: Annotated[str | None, typer.Option(help="Only this listing")] = None,
    seller: Annotated[str | None, typer.Option(help="Only this seller")] = None,
    limit: Annotated[int, typer.Option(help="How many")] = 20,
) -> None:
    """List statements of reasons, newest first."""
    with cli_session() as session:
        stmt = service.query(cli_principal(), listing_id=listing, seller_id=seller)
        rows = session.scalars(stmt.order_by(Statement.created_at.desc()).limit(limit)).all()
        table = Table("statement", "when", "seller", "listing", "action", "ground", "source",
                      "status")
        for s in rows:
            table.add_row(s.id, format_rfc3339(s.created_at), s.seller_id, s.listing_id or "",
                          f"{s.scope}:{s.action}", s.ground, s.source, s.status)
    console.print(table)


@enforcement_app.command("close-store")
def close_store(
    seller_id: Annotated[str, typer.Argument(help="The seller id")],
    facts: Annotated[str, typer.Option(help="The facts relied on")],
    clause: Annotated[str | None, typer.Option(help="The terms clause (default: repeat "
                                                     "infringer)")] = None,
) -> None:
    """Close a store on a terms-of-service ground, taking all its listings down."""
    with cli_session() as session:
        statement = service.close_store(
            session, actor=cli_principal(), seller_id=seller_id, ground="terms_of_service",
            facts=facts, tos_clause=clause, source="reviewer", automated_detection=False,
            automated_decision="not_automated")
    console.print(f"closed {seller_id}: statement {statement.id}, "
                  f"{len(statement.affected_listings)} listings taken down")


@enforcement_app.command("reinstate")
def reinstate(
    statement_id: Annotated[str, typer.Argument(help="The statement to lift")],
    reason: Annotated[str, typer.Option(help="Why")],
) -> None:
    """Lift a listing restriction (the listing goes live unless another one holds)."""
    with cli_session() as session:
        service.remove_strikes(session, actor=cli_principal(), statement_id=statement_id,
                               reason=reason)
        statement = service.reinstate_listing(session, actor=cli_principal(),
                                              statement_id=statement_id, reason=reason)
    console.print(f"lifted {statement.id} on {statement.listing_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(enforcement_app, name="enforcement")
