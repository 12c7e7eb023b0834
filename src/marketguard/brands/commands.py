"""``marketguard brands ...``: import brand packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marketguard.auth.roles import cli_principal
from marketguard.brands import service
from marketguard.cli_support import cli_session, console, exit_for, print_reports
from marketguard.config import get_settings
from marketguard.demo.progress import progress_bars
from marketguard.detection.service import backfill, hash_references

brands_app = typer.Typer(
    help="Brands and their IP rights and product knowledge.", no_args_is_help=True
)


@brands_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A brand pack (YAML/JSON) or a folder of them")],
) -> None:
    """Import brand packs, hash their images and rescan live listings if knowledge changed."""
    with cli_session() as session, progress_bars(console) as progress:
        report = service.import_packs(session, actor=cli_principal(), path=path)
        hash_references(session, progress=progress)
        if report.created or report.updated:
            backfill(session, actor=cli_principal(), settings=get_settings(), progress=progress)
    print_reports([report])
    exit_for([report])


def register(app: typer.Typer) -> None:
    app.add_typer(brands_app, name="brands")
