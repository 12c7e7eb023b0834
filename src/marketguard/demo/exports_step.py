"""Demo step for data leaving the platform: vendor hand-overs, one opened, leaked and traced.

An administrator registers two vendors, each with its own age key. An employee
hands the same sellers' contact fields to both: desensitized (pseudonyms, not
phone numbers), without the sellers who opted out of third-party sharing, and
encrypted to each vendor's key. One vendor decrypts its file with the stock
``age`` tool (or the same age format through pyrage where the tool is not
installed). Then a few dozen of its rows leak — shuffled, a column dropped,
re-saved with semicolons — and trace names the export, and so the vendor, they
came from.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyrage
from rich.table import Table

from marketguard.auth.roles import Principal, Role
from marketguard.dataguard.exports import service as exports
from marketguard.dataguard.exports import trace as tracing
from marketguard.dataguard.exports import vendors
from marketguard.incidents.detectors import export_traced
from marketguard.uow import unit_of_work

ADMIN = Principal(token_id="demo-admin", name="ari.admin", role=Role.platform_admin)
EMPLOYEE = Principal(token_id="demo-employee", name="dana.employee", role=Role.employee)
VENDORS = ("parcel-partners", "ledger-analytics")
FIELDS = ["seller_id", "country", "identifiers.phone", "identifiers.ip", "identifiers.device"]
LEAKED_ROWS = 30


def run_data_leaving(ctx: Any) -> None:
    """Hand the same fields to two vendors, open one hand-over, leak part of it, trace it."""
    settings, console, folder = ctx.settings, ctx.console, Path(ctx.folder)
    keys: dict[str, pyrage.x25519.Identity] = {}
    exported: dict[str, Any] = {}
    for name in VENDORS:
        identity = pyrage.x25519.Identity.generate()
        keys[name] = identity
        key_file = folder / f"{name}-key.txt"
        key_file.write_text(f"# public key: {identity.to_public()}\n{identity}\n")
        key_file.chmod(0o600)
        with unit_of_work(settings) as session:
            view = vendors.add_vendor(session, principal=ADMIN, name=name,
                                      age_recipient=str(identity.to_public()))
            vendor_id = view.vendor.id
        ask = exports.ExportAsk(
            dataset="sellers", fields=FIELDS, format="csv", recipient_kind="vendor",
            recipient_id=vendor_id, desensitize=True,
            purpose="delivery-address verification under the processing agreement",
        )
        with unit_of_work(settings) as session:
            row = exports.export(session, principal=EMPLOYEE, settings=settings, ask=ask)
            exported[name] = (row.id, row.rows, settings.exports_dir() / row.file_path)
    table = Table(title="Vendor hand-overs (desensitized, age-encrypted)")
    for column in ("vendor", "export", "rows", "file"):
        table.add_column(column)
    for name, (export_id, rows, path) in exported.items():
        table.add_row(name, export_id, f"{rows:,}", path.name)
    console.print(table)

    first = VENDORS[0]
    export_id, _, path = exported[first]
    plain, how = _decrypt(path, folder / f"{first}-key.txt", keys[first])
    rows = list(csv.DictReader(io.StringIO(plain.decode())))
    console.print(f"{first} opens its hand-over with {how}: {len(rows):,} rows; the first two:")
    for record in rows[:2]:
        console.print(f"  {record}")

    leak = _leak(rows, random.Random(ctx.size.seed))
    (folder / "leaked-fragment.csv").write_bytes(leak)
    with unit_of_work(settings) as session:
        matches = tracing.trace(session, leak, settings=settings)
        export_traced(session, settings, matches)  # a leak is an incident (step 11)
    console.print(f"a fragment of {LEAKED_ROWS} rows turns up (shuffled, phone column dropped, "
                  "re-saved with ';'); trace says:")
    found = Table()
    for column in ("export", "recipient", "exported by", "score"):
        found.add_column(column)
    for match in matches:
        found.add_row(match.export_id, f"{match.recipient['kind']} {match.recipient['name']}",
                      match.exporter, f"{match.score:.2f}")
    console.print(found)
    named = matches[0].export_id if matches else None
    style = "green" if named == export_id else "red"
    console.print(f"[{style}]traced to {first}'s hand-over: {named == export_id}[/{style}]")


def _decrypt(path: Path, key_file: Path, identity: pyrage.x25519.Identity) -> tuple[bytes, str]:
    """Open an age file the way a vendor does: the stock tool if installed, else pyrage."""
    tool = shutil.which("age")
    if tool is not None:
        done = subprocess.run([tool, "-d", "-i", str(key_file), str(path)],
                              capture_output=True, check=True, timeout=120)
        return done.stdout, "the age tool (age -d -i key.txt)"
    return pyrage.decrypt(path.read_bytes(), [identity]), "the age format (pyrage)"


def _leak(rows: list[dict[str, str]], rng: random.Random) -> bytes:
    """Some rows, shuffled, one column dropped, written the way a spreadsheet might."""
    picked = rng.sample(rows, min(LEAKED_ROWS, len(rows)))
    columns = [c for c in (picked[0].keys() if picked else []) if c != "identifiers.phone"]
    rng.shuffle(columns)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for row in picked:
        writer.writerow([row[c] for c in columns])
    return out.getvalue().encode()
