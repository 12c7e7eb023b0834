"""``marketguard brands ...``: import brand packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marketguard.auth.roles import cli_principal
from marketguard.brands import service
from marketguard.cli_support import cli_session, exit_for, print_reports

brands_app = typer.Typer(
    help="Brands and their IP rights and product knowledge.", no_args_is_help=True
)


@brands_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A brand pack (YAML/JSON) or a folder of them")],
) -> None:
    """Import brand packs; re-importing an unchanged pack changes nothing."""
    with cli_session() as session:
        report = service.import_packs(session, actor=cli_principal(), path=path)
    print_reports([report])
    exit_for([report])


def register(app: typer.Typer) -> None:
    app.add_typer(brands_app, name="brands")
