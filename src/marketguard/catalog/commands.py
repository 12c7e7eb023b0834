"""``marketguard catalog ...``: import the marketplace's sellers, listings and orders.

An import publishes the marketplace's existing catalog as it is, except the new
listings of a closed or suspended store: the import holds them and the gate
then refuses them, with a statement of reasons, as it would over the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marketguard.auth.roles import cli_principal
from marketguard.catalog import service
from marketguard.cli_support import cli_session, console, exit_for, print_reports
from marketguard.config import get_settings
from marketguard.detection import service as detection
from marketguard.errors import InvalidInput
from marketguard.ingest import ImportReport, require_file

catalog_app = typer.Typer(
    help="The marketplace's sellers, listings and orders.", no_args_is_help=True
)

FileOption = Annotated[Path | None, typer.Option(help="A JSON Lines file", dir_okay=False)]


@catalog_app.command("import")
def import_command(
    sellers: FileOption = None, listings: FileOption = None, orders: FileOption = None
) -> None:
    """Import sellers, then listings, then orders (each optional, in that order)."""
    if sellers is None and listings is None and orders is None:
        raise InvalidInput("give at least one of --sellers, --listings, --orders")
    for path, what in ((sellers, "sellers"), (listings, "listings"), (orders, "orders")):
        if path is not None:
            require_file(path, what)
    reports: list[ImportReport] = []
    with cli_session() as session:
        actor = cli_principal()
        if sellers is not None:
            reports.append(service.import_sellers(session, actor=actor, path=sellers))
        if listings is not None:
            reports.append(service.import_listings(session, actor=actor, path=listings))
            # Listings held by the import (a store that may not publish) get their gate decision.
            gated = detection.gate_waiting(session, actor=actor, settings=get_settings())
            if gated.decisions:
                console.print(f"gate decided {len(gated.decisions)} held listings: {gated.actions}")
        if orders is not None:
            reports.append(service.import_orders(session, actor=actor, path=orders))
    print_reports(reports)
    exit_for(reports)


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
