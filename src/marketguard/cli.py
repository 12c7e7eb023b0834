"""The ``marketguard`` command.

Each domain contributes its commands through ``register(app)`` in its
``commands.py``. Errors a user can cause print one line and exit non-zero; only a
bug shows a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError

from marketguard import __version__
from marketguard.audit import commands as audit_commands
from marketguard.audit import service as audit_service
from marketguard.audit.checkpoint import CheckpointError
from marketguard.auth import commands as auth_commands
from marketguard.backup import commands as backup_commands
from marketguard.brands import commands as brands_commands
from marketguard.catalog import commands as catalog_commands
from marketguard.cli_support import EXIT_ERROR, console, err_console
from marketguard.config import get_settings
from marketguard.dataguard import commands as dataguard_commands
from marketguard.dataguard import pii_commands
from marketguard.dataguard.exports import commands as exports_commands
from marketguard.dataguard.retention import commands as retention_commands
from marketguard.demo import commands as demo_commands
from marketguard.detection import commands as detection_commands
from marketguard.enforcement import commands as enforcement_commands
from marketguard.errors import MarketguardError
from marketguard.incidents import commands as incidents_commands
from marketguard.notices import commands as notices_commands
from marketguard.reports import commands as reports_commands
from marketguard.risk import commands as risk_commands
from marketguard.simulate import commands as simulate_commands
from marketguard.uow import unit_of_work

app = typer.Typer(
    name="marketguard",
    help="Trust & safety for online marketplaces. Try `marketguard demo` first.\n\n"
    "A first session: (1) `marketguard db upgrade`, "
    "(2) `marketguard simulate --out sim`, "
    "(3) `marketguard brands import sim/brands`, "
    "(4) `marketguard catalog import --sellers sim/sellers.jsonl --listings sim/listings.jsonl`, "
    "(5) `marketguard scan --listings new.jsonl --out decisions.jsonl`, "
    "(6) `marketguard serve`, then open http://127.0.0.1:8000/docs.\n\n"
    "Settings come from MARKETGUARD_* environment variables (docs/configuration.md).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or migrate it to the newest schema."""
    from marketguard.migrate import upgrade

    settings = get_settings()
    revision = upgrade(settings.database_url)
    console.print(f"database at revision {revision} ({_safe_url(settings.database_url)})")
    try:
        with unit_of_work(settings) as session:
            started = audit_service.start_log_if_new(session)
    except CheckpointError as exc:  # an existing log without its head: say so, don't fail
        err_console.print(f"warning: {exc.detail}", highlight=False, soft_wrap=True)
        return
    if started is not None:
        console.print(f"signed the head of the new audit log at {settings.checkpoint_path()}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs)."""
    import uvicorn

    from marketguard.migrate import current_revision, head_revision

    settings = get_settings()
    if current_revision(settings.database_url) != head_revision(settings.database_url):
        raise MarketguardError(
            "the database is not at the newest schema: run `marketguard db upgrade`"
        )
    console.print(f"serving on http://{host}:{port} (docs at /docs)")
    if workers > 1 and settings.risk_state == "process":
        err_console.print(
            f"note: each of the {workers} processes keeps its own risk feature state, so "
            "POST /api/v1/risk/decisions would see part of the traffic in each; serve risk "
            "decisions from a one-process server, set MARKETGUARD_RISK_STATE=redis, or use "
            "`marketguard risk worker` (docs/risk.md)"
        )
    uvicorn.run(
        "marketguard.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


for module in (
    demo_commands,
    simulate_commands,
    brands_commands,
    catalog_commands,
    detection_commands,
    risk_commands,
    notices_commands,
    enforcement_commands,
    reports_commands,
    auth_commands,
    audit_commands,
    dataguard_commands,
    backup_commands,
    incidents_commands,
):
    module.register(app)
pii_commands.register(dataguard_commands.data_app)  # `data scan` beside the other data commands
exports_commands.register(dataguard_commands.data_app)  # `data export`, `data vendor`, `data trace`
retention_commands.register(dataguard_commands.data_app)  # `data retention`, `data subject`


def _safe_url(url: str) -> str:
    """Hide a password in a database URL before printing it."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def main() -> None:
    """Run the CLI, turning user errors into one line and a non-zero exit."""
    try:
        app()
    except MarketguardError as exc:
        err_console.print(f"error: {exc.detail}", highlight=False, soft_wrap=True)
        sys.exit(EXIT_ERROR)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        err_console.print(f"error: cannot use the database: {reason}", highlight=False)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
