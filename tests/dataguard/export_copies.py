"""Exports recorded as the export service records them, and the ways a copy leaks.

A leaked copy is made the way people make them: a few rows cut out and
shuffled, columns dropped or moved, re-saved by a spreadsheet (another
delimiter, every cell quoted, Windows line ends, a byte-order mark, cells
trimmed, numbers and times reformatted), or converted to JSON lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from marketguard.dataguard.exports.files import ExportWriter, fingerprint_key
from marketguard.dataguard.exports.keys import export_mark
from marketguard.dataguard.exports.models import DataExport
from marketguard.ids import new_id
from tests.conftest import TEST_SECRET

SELLER_FIELDS = ["seller_id", "created_at", "country", "status", "identifiers.phone",
                 "identifiers.ip", "identifiers.device"]  # fmt: skip


def seller_rows(count: int, *, seed: int = 7, prefix: str = "S") -> list[dict[str, Any]]:
    """Seller records (flat, by field path) with set-valued identifiers and times."""
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(count):
        opened = start + timedelta(seconds=rng.randrange(0, 3600 * 24 * 600))
        rows.append({
            "seller_id": f"{prefix}-{i:06d}",
            "created_at": opened.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "country": rng.choice(["CN", "DE", "US", "FR", "BR"]),
            "status": rng.choice(["active", "active", "suspended"]),
            "identifiers.phone": [f"+86{rng.randrange(10**10, 10**11)}"
                                  for _ in range(rng.choice([1, 2, 3]))],
            "identifiers.ip": [f"203.0.{rng.randrange(256)}.{rng.randrange(256)}"
                               for _ in range(rng.choice([1, 2]))],
            "identifiers.device": [f"dev-{rng.getrandbits(40):010x}"],
        })
    return rows


def record_export(
    session: Session,
    records: list[dict[str, Any]],
    *,
    fields: list[str] | None = None,
    recipient: str = "alice",
    kind: str = "employee",
    fmt: str = "csv",
    dataset: str = "sellers",
    exporter: str = "alice",
    secret: str = TEST_SECRET,
) -> tuple[str, bytes]:
    """Write an export file as the export service does and record it; return (id, bytes)."""
    export_id = new_id()
    chosen = fields or SELLER_FIELDS
    out = io.BytesIO()
    writer = ExportWriter(out, fields=chosen, fmt=fmt,  # type: ignore[arg-type]
                          mark=export_mark(secret, export_id), key=fingerprint_key(secret))
    writer.write(records)
    fingerprint = writer.finish()
    data = out.getvalue()
    session.add(DataExport(
        id=export_id, dataset=dataset, fields=chosen, format=fmt, recipient_kind=kind,
        recipient_id=recipient, recipient_name=recipient, exporter=exporter,
        purpose="investigate a counterfeit ring", created_at=datetime.now(UTC),
        rows=len(records), desensitized=False, suppressed=0, excluded=0,
        file_path=f"{export_id}.{fmt}", sha256=hashlib.sha256(data).hexdigest(), grant_ids=[],
        fingerprint=fingerprint,
    ))
    session.flush()
    return export_id, data


def csv_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def leak(
    data: bytes,
    *,
    rows: int,
    keep: list[str] | None = None,
    seed: int = 1,
    delimiter: str = ",",
    quote_all: bool = False,
    crlf: bool = False,
    bom: bool = False,
    header: bool = True,
    spreadsheet: bool = False,
    encoding: str = "utf-8",
) -> bytes:
    """Cut ``rows`` shuffled rows (and the ``keep`` columns, in that order) out of a CSV export.

    ``spreadsheet`` re-saves the way a spreadsheet does: cells trimmed, times shown as
    ``02/01/2024 03:04`` (seconds and zone gone), a leading ``+`` of a number dropped.
    """
    names, body = csv_rows(data)
    rng = random.Random(seed)
    picked = rng.sample(body, min(rows, len(body)))
    columns = [names.index(k) for k in (keep or names)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n",
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    if header:
        writer.writerow([names[c] for c in columns])
    for row in picked:
        cells = [row[c] for c in columns]
        if spreadsheet:
            cells = [_spreadsheet(cell) for cell in cells]
        writer.writerow(cells)
    text = ("\ufeff" if bom else "") + out.getvalue()
    return text.encode(encoding)


def _spreadsheet(cell: str) -> str:
    cell = cell.strip()
    if len(cell) >= 16 and cell[4] == "-" and cell[10] == "T":
        moment = datetime.fromisoformat(cell.replace("Z", "+00:00"))
        return moment.strftime("%d/%m/%Y %H:%M")
    if cell.startswith("+") and cell[1:].isdigit():
        return cell[1:]
    return cell


def to_jsonl(data: bytes) -> bytes:
    """Convert a CSV (export or leak) to JSON lines the way a script would (all strings)."""
    names, body = csv_rows(data)
    return "".join(json.dumps(dict(zip(names, row, strict=True))) + "\n"
                   for row in body).encode()
