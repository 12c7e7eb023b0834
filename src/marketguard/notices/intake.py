"""What a valid notice must contain, checked element by element (DSA Art. 16(2)).

A notice needs: the right relied on (a registered right of the filing brand),
the exact listings (ids or listing URLs), a reasoned explanation, the notifier's
name and email, and a good-faith statement. Every missing or inconsistent
element gets its own reason, and nothing is created unless all are right.
Bulk files (CSV or JSON Lines) are parsed here into the same submissions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM
from marketguard.brands import service as brands_service
from marketguard.brands.models import Right
from marketguard.catalog import service as catalog_service
from marketguard.catalog.models import Listing
from marketguard.errors import InvalidInput, NotFound
from marketguard.ingest import read_csv
from marketguard.notices.models import Notice, NoticeItem
from marketguard.notices.settings import NoticeSettings

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CSV_COLUMNS = (
    "right_id", "listing", "explanation", "notifier_name", "notifier_email", "good_faith"
)
ROW_KEYS = {*CSV_COLUMNS, "notice_ref", "listing_ids", "listing_urls", "notifier"}
TRUE_WORDS = {"true", "yes", "y", "1"}
CHUNK = 500


@dataclass
class Submission:
    """A notice as the notifier sent it, before any check (lines: bulk line per listing)."""

    right_id: Any = None
    listings: list[Any] = field(default_factory=list)
    explanation: Any = None
    notifier_name: Any = None
    notifier_email: Any = None
    good_faith: Any = None
    lines: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class CheckedNotice:
    """A submission whose every element passed: ready to file."""

    right: Right
    listings: list[tuple[str, Listing]]  # (as submitted, the listing)
    explanation: str
    notifier_name: str
    notifier_email: str


def listing_ref(value: str) -> str:
    """Return the listing id a reference names: the id itself, or the id in a listing URL."""
    text = value.strip()
    if not text.lower().startswith(("http://", "https://")):
        return text
    parts = urlsplit(text)
    query = parse_qs(parts.query)
    for key in ("listing_id", "id"):
        if query.get(key):
            return query[key][0]
    segments = [s for s in parts.path.split("/") if s]
    return unquote(segments[-1]) if segments else ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def load_listings(session: Session, ids: set[str]) -> dict[str, Listing]:
    """Fetch listings by id through the catalog's query, a chunk at a time."""
    found: dict[str, Listing] = {}
    ordered = sorted(ids)
    for chunk in _chunks(ordered):
        stmt = catalog_service.listings_query(SYSTEM, seller_id=None, status=None)
        for listing in session.scalars(stmt.where(Listing.listing_id.in_(chunk))):
            found[listing.listing_id] = listing
    return found


def open_notices(session: Session, *, brand_id: str, listing_ids: set[str]) -> dict[str, str]:
    """Map each listing already awaiting a decision on this brand's notice to that notice."""
    out: dict[str, str] = {}
    for chunk in _chunks(sorted(listing_ids)):
        stmt = (
            select(NoticeItem.listing_id, NoticeItem.notice_id)
            .join(Notice, Notice.id == NoticeItem.notice_id)
            .where(Notice.brand_id == brand_id, NoticeItem.status == "pending")
            .where(NoticeItem.listing_id.in_(chunk))
        )
        out.update({row[0]: row[1] for row in session.execute(stmt)})
    return out


def _check_right(session: Session, brand_id: str, right_id: Any, today: date) -> tuple[
    Right | None, list[dict[str, Any]]
]:
    if _blank(right_id) or not isinstance(right_id, str):
        reason = "name the registered right you rely on (right_id; see GET /api/v1/brands)"
        return None, [{"field": "right_id", "reason": reason}]
    try:
        right: Right | None = brands_service.get_right(session, right_id=right_id.strip())
    except NotFound:
        right = None
    if right is None or right.brand_id != brand_id:
        return None, [{"field": "right_id", "reason": f"no right {right_id!r} registered "
                       "for your brand"}]
    if right.verification == "rejected":
        return None, [{"field": "right_id", "reason": f"right {right.number} was rejected at "
                       f"verification ({right.verification_reason}); a notice cannot rely on it"}]
    if right.valid_until is not None and right.valid_until < today:
        return None, [{"field": "right_id", "reason": f"right {right.number} expired on "
                       f"{right.valid_until.isoformat()}"}]
    return right, []


def check(
    session: Session,
    *,
    brand_id: str,
    submission: Submission,
    settings: NoticeSettings,
    today: date,
    listings: dict[str, Listing],
    under_notice: dict[str, str],
) -> tuple[CheckedNotice | None, list[dict[str, Any]]]:
    """Check every element of a submission; return the checked notice or every reason."""
    right, errors = _check_right(session, brand_id, submission.right_id, today)
    refs = submission.listings
    if not refs:
        errors.append({"field": "listing_ids", "reason": "list the exact listings concerned "
                       "(listing ids or listing URLs)"})
    elif len(refs) > settings.max_listings_per_notice:
        errors.append({"field": "listing_ids", "reason": f"{len(refs)} listings; one notice "
                       f"may name at most {settings.max_listings_per_notice}"})
    chosen: list[tuple[str, Listing]] = []
    seen: set[str] = set()
    for index, raw in enumerate(refs):
        where = _where(submission, index)
        if not isinstance(raw, str) or _blank(raw):
            errors.append({**where, "reason": "a listing must be an id or a URL (a string)"})
            continue
        listing_id = listing_ref(raw)
        listing = listings.get(listing_id)
        if listing is None:
            errors.append({**where, "reason": f"no listing {raw.strip()!r} on this marketplace"})
        elif listing_id in seen:
            errors.append({**where, "reason": f"listing {listing_id} is named twice"})
        elif listing.status in ("removed", "blocked"):
            errors.append({**where, "reason": f"listing {listing_id} is already {listing.status}"})
        elif listing_id in under_notice:
            errors.append({**where, "reason": f"listing {listing_id} already awaits a decision "
                           f"on your notice {under_notice[listing_id]}"})
        else:
            chosen.append((raw.strip(), listing))
        seen.add(listing_id)
    explanation = submission.explanation
    if _blank(explanation) or not isinstance(explanation, str):
        errors.append({"field": "explanation", "reason": "give a reasoned explanation of why the "
                       "listings infringe the right"})
    elif len(explanation.strip()) < settings.min_explanation:
        errors.append({"field": "explanation", "reason": "too short to be a reasoned explanation "
                       f"(at least {settings.min_explanation} characters)"})
    elif len(explanation) > settings.max_explanation:
        errors.append({"field": "explanation", "reason": f"at most {settings.max_explanation} "
                       "characters"})
    name, email = submission.notifier_name, submission.notifier_email
    if _blank(name) or not isinstance(name, str):
        errors.append({"field": "notifier.name", "reason": "give the notifier's name"})
    if _blank(email) or not isinstance(email, str):
        errors.append({"field": "notifier.email", "reason": "give the notifier's email"})
    elif not EMAIL.match(email.strip()):
        errors.append({"field": "notifier.email", "reason": f"{email!r} is not an email address"})
    if submission.good_faith is not True:
        errors.append({"field": "good_faith", "reason": "confirm in good faith that the notice "
                       "is accurate and complete (good_faith: true)"})
    if errors or right is None:
        return None, errors
    assert isinstance(explanation, str) and isinstance(name, str) and isinstance(email, str)
    return CheckedNotice(right, chosen, explanation.strip(), name.strip(), email.strip()), []


def _where(submission: Submission, index: int) -> dict[str, Any]:
    if submission.lines:
        return {"line": submission.lines[index], "field": "listing"}
    return {"field": f"listing_ids[{index}]"}


def _truthy(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    return value


def parse_bulk(body: bytes, content_type: str) -> tuple[list[Submission], list[dict[str, Any]]]:
    """Parse a CSV or JSON Lines body into submissions grouped into notices."""
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the bulk file must be UTF-8 text") from None
    if kind in ("text/csv", "application/csv"):
        rows, errors = _csv_rows(text)
    elif kind in ("application/x-ndjson", "application/jsonl", "application/json-lines",
                  "application/x-jsonlines", "application/ndjson"):
        rows, errors = _jsonl_rows(text)
    else:
        raise InvalidInput(
            f"unsupported bulk content type {kind!r}: send text/csv or application/x-ndjson"
        )
    groups: dict[Any, Submission] = {}
    for line, row in rows:
        refs = row.get("listing_ids") or row.get("listing_urls") or row.get("listing")
        refs = refs if isinstance(refs, list) else [refs]
        notifier = row.get("notifier") if isinstance(row.get("notifier"), dict) else {}
        assert isinstance(notifier, dict)
        name = row.get("notifier_name", notifier.get("name"))
        email = row.get("notifier_email", notifier.get("email"))
        good_faith = _truthy(row.get("good_faith"))
        key = row.get("notice_ref") or (
            str(row.get("right_id")), str(row.get("explanation")), str(name), str(email),
            str(good_faith),
        )
        group = groups.setdefault(
            str(key),
            Submission(row.get("right_id"), [], row.get("explanation"), name, email, good_faith),
        )
        for ref in refs:
            group.listings.append(ref)
            group.lines.append(line)
    if not rows and not errors:
        errors.append({"line": 1, "field": "body", "reason": "the file holds no notices"})
    return list(groups.values()), errors


def _csv_rows(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    table = read_csv(text)
    errors: list[dict[str, Any]] = [
        {"line": line, "field": "line", "reason": reason} for line, reason in table.errors
    ]
    missing = [c for c in CSV_COLUMNS if c not in table.header]
    if missing:
        if table.header or not errors:  # else the header line itself is malformed
            errors.insert(0, {"line": 1, "field": "header",
                              "reason": "missing column(s): " + ", ".join(missing)})
        return [], errors
    errors += [{"line": 1, "field": "header", "reason": f"unknown column {c!r}"}
               for c in table.header if c not in ROW_KEYS]
    return list(table.rows), errors


def _jsonl_rows(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            errors.append({"line": number, "field": "line", "reason": f"not valid JSON ({exc})"})
            continue
        if not isinstance(value, dict):
            errors.append({"line": number, "field": "line", "reason": "expected a JSON object"})
            continue
        for key in sorted(set(value) - ROW_KEYS):
            errors.append({"line": number, "field": key, "reason": "unknown field"})
        rows.append((number, value))
    return rows, errors
