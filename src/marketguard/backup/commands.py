"""``marketguard backup ...``: create, verify and restore backups of the whole database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from marketguard.auth.roles import cli_principal
from marketguard.backup import service
from marketguard.backup.errors import BackupDamaged
from marketguard.backup.manifest import Manifest
from marketguard.cli_support import EXIT_REJECTED, console, err_console
from marketguard.config import get_settings
from marketguard.timeutil import format_rfc3339

backup_app = typer.Typer(
    help="Backups of the whole database as one file: create, verify (by restoring), restore.",
    no_args_is_help=True,
)
IdentityOption = Annotated[
    Path | None,
    typer.Option("--identity", "-i", help="age identity file (age-keygen output) of a recipient "
                 "an encrypted backup was made for"),
]  # fmt: skip


@backup_app.command("create")
def create(
    out: Annotated[Path, typer.Option("--out", help="The backup file to write (must not exist)")],
    encrypt_to: Annotated[
        list[str] | None,
        typer.Option("--encrypt-to", help="Encrypt the whole file to this age recipient "
                     "(age1…); repeat for several"),
    ] = None,  # fmt: skip
) -> None:
    """Back up the configured database into one file (SQLite backup API, or pg_dump)."""
    result = service.create_backup(
        get_settings(), out=out, encrypt_to=encrypt_to or [], actor=cli_principal()
    )
    for warning in result.warnings:
        err_console.print(f"warning: {warning}", highlight=False, soft_wrap=True)
    table = _manifest_table(result.manifest, title=f"Backup {result.path}")
    table.add_row("file size", f"{result.size} bytes")
    table.add_row("encrypted to", ", ".join(result.encrypted_to) or "not encrypted")
    console.print(table)


@backup_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="The backup file")],
    identity: IdentityOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document")] = False,
) -> None:
    """Restore a backup into a scratch database and check it; exit 1 unless every check holds."""
    try:
        result = service.verify_backup(get_settings(), path=file, identity=identity)
    except BackupDamaged as exc:
        if as_json:
            typer.echo(orjson.dumps({"ok": False, "damaged": exc.detail, "checks": []}).decode())
        err_console.print(f"DAMAGED: {exc.detail}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_REJECTED) from None
    if as_json:
        typer.echo(orjson.dumps({
            "ok": result.ok,
            "encrypted": result.encrypted,
            "checks": [vars(c) for c in result.checks],
            "manifest": result.manifest.to_json(),
        }).decode())  # fmt: skip
    else:
        console.print(_manifest_table(result.manifest, title=f"Backup {file}"))
        table = Table("check", "result", "detail", title="Verification")
        for check in result.checks:
            mark = "[green]ok[/green]" if check.ok else "[red]FAILED[/red]"
            table.add_row(check.name, mark, check.detail)
        console.print(table)
    if not result.ok:
        failed = next(c for c in result.checks if not c.ok)
        err_console.print(f"NOT VERIFIED: {failed.name}: {failed.detail}", highlight=False,
                          soft_wrap=True)  # fmt: skip
        raise typer.Exit(EXIT_REJECTED)
    if not as_json:
        console.print("OK: every check held", highlight=False)


@backup_app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="The backup file")],
    database_url: Annotated[
        str, typer.Option("--database-url", help="The empty database to restore into")
    ],
    identity: IdentityOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that is not empty")
    ] = False,
    audit_head: Annotated[
        Path | None,
        typer.Option("--audit-head", help="Where the restored database's signed audit head "
                     "goes (default: where its settings put it)"),
    ] = None,  # fmt: skip
) -> None:
    """Restore a backup into an empty database; its audit log then verifies."""
    result = service.restore_backup(
        get_settings(),
        path=file,
        url=database_url,
        identity=identity,
        force=force,
        audit_head=audit_head,
        actor=cli_principal(),
    )
    for warning in result.warnings:
        err_console.print(f"warning: {warning}", highlight=False, soft_wrap=True)
    manifest = result.manifest
    rows = sum(manifest.tables.values())
    console.print(
        f"restored backup {manifest.backup_id} (taken {format_rfc3339(manifest.created_at)}, "
        f"{rows} rows in {len(manifest.tables)} tables, schema {manifest.alembic_revision}); "
        f"the signed audit head {result.head_file} now names seq {result.reset_seq}, "
        "after the records of the restore",
        highlight=False,
        soft_wrap=True,
    )
    console.print("next: `marketguard db upgrade` if this version's schema is newer, then "
                  "`marketguard audit verify`", highlight=False)  # fmt: skip


def _manifest_table(manifest: Manifest, *, title: str) -> Table:
    table = Table("", "", title=title, show_header=False)
    head = manifest.audit_head
    table.add_row("backup id", manifest.backup_id)
    table.add_row("taken", format_rfc3339(manifest.created_at))
    table.add_row("database", f"{manifest.database} ({manifest.made_with.get('tool', '')})")
    table.add_row("schema revision", manifest.alembic_revision or "none")
    table.add_row("rows", f"{sum(manifest.tables.values())} in {len(manifest.tables)} tables")
    table.add_row("audit head", f"seq {head.seq}" + (f" ({head.record_id})" if head.seq else ""))
    table.add_row("payload", f"{manifest.payload.name}, {manifest.payload.size} bytes, "
                  f"SHA-256 {manifest.payload.sha256[:16]}…")  # fmt: skip
    return table


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
