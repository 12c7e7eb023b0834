"""``marketguard scan``: import a listings file and write one decision a listing.

Decisions are written in input order (FORMATS §3). A line that could not be
imported gets ``{"listing_id": <id or null>, "line": N, "error": "..."}`` in its
place, so the output lines up with the input and nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.auth.roles import Principal
from marketguard.catalog import service as catalog
from marketguard.catalog.models import Listing
from marketguard.config import Settings
from marketguard.detection import service
from marketguard.detection.evidence import Decision
from marketguard.ingest import ImportReport

Progress = Callable[[str, int, int], None]


def scan_file(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    listings_path: Path,
    out: Path,
    ocr: bool = True,
    progress: Progress | None = None,
) -> tuple[ImportReport, dict[str, int]]:
    """Import, gate and (with ``ocr``) fully scan every listing; write decisions."""
    report = catalog.import_listings(session, actor=actor, path=listings_path, new_status="held")
    session.flush()
    order = _listing_ids_by_line(listings_path)
    errors = {error.line: error.reason for error in report.errors if error.line is not None}
    wanted = list(dict.fromkeys(i for line, i in order if i is not None and line not in errors))
    rows = {
        row.listing_id: row
        for start in range(0, len(wanted), 500)
        for row in session.scalars(
            select(Listing).where(Listing.listing_id.in_(wanted[start : start + 500]))
        )
    }
    listings = [rows[i] for i in wanted if i in rows]
    outcome = service.check_listings(
        session, actor=actor, settings=settings, listings=listings, stage="gate", progress=progress
    )
    final: dict[str, Decision] = {d.listing_id: d for d in outcome.decisions}
    if ocr:
        full = service.check_listings(
            session,
            actor=actor,
            settings=settings,
            listings=[item for item in listings if item.images],
            stage="full",
            progress=progress,
        )
        for decision in full.decisions:
            if (
                service.STRENGTH[decision.action]
                > service.STRENGTH[final[decision.listing_id].action]
            ):
                final[decision.listing_id] = decision
    counts = {"allow": 0, "review": 0, "block": 0, "error": 0}
    with out.open("wb") as handle:
        for line, listing_id in order:
            record: dict[str, Any]
            if line in errors or listing_id not in final:
                reason = errors.get(line, "the listing could not be scanned")
                record = {"listing_id": listing_id, "line": line, "error": reason}
                counts["error"] += 1
            else:
                record = final[listing_id].to_dict()
                counts[record["action"]] += 1
            handle.write(orjson.dumps(record) + b"\n")
    return report, counts


def _listing_ids_by_line(path: Path) -> list[tuple[int, str | None]]:
    """Return (line, listing id or None) for every non-blank line, in order."""
    found: list[tuple[int, str | None]] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                found.append((number, None))
                continue
            listing_id = value.get("listing_id") if isinstance(value, dict) else None
            found.append((number, listing_id if isinstance(listing_id, str) else None))
    return found
