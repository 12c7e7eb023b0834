"""``marketguard data export|exports|vendor …``: exports and vendors at the console.

The console acts as its operator (a platform admin named ``cli``) who holds no
grants, so it exports level-1/2 fields and desensitized personal fields only;
with ``--token`` (or ``MARKETGUARD_TOKEN``) it acts as that token's person, under
their grants and approvals, exactly as the API would.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from marketguard.auth.roles import Principal, cli_principal
from marketguard.auth.service import authenticate
from marketguard.cli_support import cli_session, console, err_console
from marketguard.config import get_settings
from marketguard.dataguard.exports import service, vendors
from marketguard.dataguard.exports.models import DataExport
from marketguard.dataguard.exports.trace_commands import trace_command
from marketguard.errors import InvalidInput
from marketguard.timeutil import format_rfc3339

vendor_app = typer.Typer(help="Vendors receiving encrypted hand-overs.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON object a line (JSONL)")]
TokenOption = Annotated[str | None, typer.Option(
    "--token", envvar="MARKETGUARD_TOKEN", show_envvar=True,
    help="Act as this API token's person (their grants); default: the console operator",
)]


def _principal(session: object, token: str | None) -> Principal:
    return authenticate(session, token) if token else cli_principal()  # type: ignore[arg-type]


def _recipient(text: str) -> tuple[str, str]:
    kind, sep, ident = text.partition(":")
    if not sep or kind not in ("employee", "vendor") or not ident.strip():
        raise InvalidInput(
            f"--recipient must be employee:NAME or vendor:ID (or vendor:NAME), got {text!r}"
        )
    return kind, ident.strip()


def export(
    dataset: Annotated[str, typer.Option(help="sellers, listings, notices or orders")],
    fields: Annotated[str, typer.Option(help="Comma-separated paths: seller_id,identifiers.ip")],
    out: Annotated[Path, typer.Option("--out", help="File to write (must not exist)")],
    recipient: Annotated[str, typer.Option(help="employee:NAME or vendor:ID")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    desensitize: Annotated[bool, typer.Option(
        "--desensitize", help="Personal fields become keyed pseudonyms (always for vendors)"
    )] = False,
    purpose: Annotated[str | None, typer.Option(
        help="Why the data leaves (default: the purpose of the grants used)"
    )] = None,
    approval: Annotated[str | None, typer.Option(
        help="A data owner's second approval id, for an export over the row cap"
    )] = None,
    token: TokenOption = None,
) -> None:
    """Export fields of a dataset to a file, showing progress; vendor files are age-encrypted."""
    if out.exists():
        raise InvalidInput(f"--out {out} exists; name a new file")
    if not out.parent.is_dir():
        raise InvalidInput(f"--out {out}: the folder {out.parent} does not exist")
    kind, ident = _recipient(recipient)
    names = [f.strip() for f in fields.split(",") if f.strip()]
    ask = service.ExportAsk(dataset=dataset, fields=names, format=fmt, recipient_kind=kind,
                            recipient_id=ident, desensitize=desensitize, purpose=purpose,
                            approval_id=approval)
    settings = get_settings()
    columns = (TextColumn("exporting {task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("rows"), TimeElapsedColumn())
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(dataset, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with cli_session() as session:
            row = service.export(session, principal=_principal(session, token), ask=ask,
                                 settings=settings, progress=advance)
            export_id, name, rows = row.id, row.file_path, row.rows
            suppressed, excluded, encrypted = row.suppressed, row.excluded, row.age_recipient
    shutil.copyfile(settings.exports_dir() / name, out)
    notes = [f"{suppressed} suppressed (k-anonymity)"] if suppressed else []
    notes += [f"{excluded} left out (no consent to sharing)"] if excluded else []
    notes += [f"encrypted to {encrypted}"] if encrypted else []
    extra = f" ({'; '.join(notes)})" if notes else ""
    console.print(f"export {export_id}: {rows} rows to {out}{extra}", highlight=False,
                  soft_wrap=True)


def list_exports(
    limit: Annotated[int, typer.Option(help="At most this many, newest last")] = 1000,
    as_json: JsonFlag = False,
) -> None:
    """Print the exports made: who, when, what, for whom, why."""
    with cli_session() as session:
        stmt = service.exports_query(cli_principal()).order_by(DataExport.id.desc())
        rows = list(session.scalars(stmt.limit(limit)))[::-1]
        if as_json:
            for r in rows:
                typer.echo(orjson.dumps({
                    "id": r.id, "created_at": format_rfc3339(r.created_at),
                    "exporter": r.exporter, "dataset": r.dataset, "fields": r.fields,
                    "format": r.format, "rows": r.rows,
                    "recipient": {"kind": r.recipient_kind, "id": r.recipient_id,
                                  "name": r.recipient_name},
                    "desensitized": r.desensitized, "purpose": r.purpose, "sha256": r.sha256,
                }).decode())
            return
        table = Table("id", "at", "exporter", "dataset", "fields", "rows", "recipient",
                      "desensitized", "purpose")
        for r in rows:
            table.add_row(r.id, format_rfc3339(r.created_at), r.exporter, r.dataset,
                          ", ".join(r.fields), str(r.rows),
                          f"{r.recipient_kind}:{r.recipient_name}",
                          "yes" if r.desensitized else "no", r.purpose)
    console.print(table)


@vendor_app.command("add")
def vendor_add(
    name: Annotated[str, typer.Option(help="The vendor's name (a vendor token of this name "
                                           "speaks for it)")],
    age_recipient: Annotated[str, typer.Option(help="Its age public key, age1…")],
) -> None:
    """Register a vendor and the age key its hand-overs are encrypted to; print its id."""
    with cli_session() as session:
        found = vendors.add_vendor(session, principal=cli_principal(), name=name,
                                   age_recipient=age_recipient)
        vendor_id = found.vendor.id
    err_console.print(f"vendor {name} registered; its id:", highlight=False)
    typer.echo(vendor_id)


@vendor_app.command("list")
def vendor_list(as_json: JsonFlag = False) -> None:
    """Print the vendors with their current key and how many keys they have held."""
    with cli_session() as session:
        found = [vendors.view(session, v)
                 for v in session.scalars(vendors.vendors_query(cli_principal()))]
        rows = [(v.vendor.id, v.vendor.name, v.key.age_recipient, v.keys,
                 format_rfc3339(v.key.added_at)) for v in found]
    if as_json:
        for vid, name, key, count, since in rows:
            typer.echo(orjson.dumps({"id": vid, "name": name, "age_recipient": key,
                                     "keys": count, "key_since": since}).decode())
        return
    table = Table("id", "name", "current key", "keys", "key since")
    for vid, name, key, count, since in rows:
        table.add_row(vid, name, key, str(count), since)
    console.print(table)


@vendor_app.command("rotate")
def vendor_rotate(
    vendor: Annotated[str, typer.Argument(help="The vendor's id or name")],
    age_recipient: Annotated[str, typer.Option(help="The new age public key, age1…")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log)")] = "",
) -> None:
    """Make a new key current; the old one is kept, retired, for earlier hand-overs."""
    with cli_session() as session:
        found = vendors.rotate_key(session, principal=cli_principal(), vendor=vendor,
                                   age_recipient=age_recipient, reason=reason)
        name, key = found.vendor.name, found.key.age_recipient
    console.print(f"vendor {name}: new hand-overs are encrypted to {key}", highlight=False)


def register(data_app: typer.Typer) -> None:
    """Add the export and vendor commands (and trace) to ``marketguard data``."""
    data_app.command("export")(export)
    data_app.command("exports")(list_exports)
    data_app.add_typer(vendor_app, name="vendor")
    data_app.command("trace")(trace_command)
