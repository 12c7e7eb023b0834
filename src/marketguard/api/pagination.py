"""Cursor pagination: ``{"items": [...], "next": <cursor or null>}``.

Cursors are opaque (base64 of the last sort key), so clients cannot depend on
their content and pages stay stable while rows are added.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from marketguard.errors import InvalidInput

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = None


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(f"the cursor {cursor!r} is not one this API handed out") from None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def paginate(
    session: Session,
    stmt: Select[Any],
    key: InstrumentedAttribute[str],
    *,
    cursor: str | None,
    limit: int = DEFAULT_LIMIT,
) -> tuple[list[Any], str | None]:
    """Return one page of ``stmt`` ordered by ``key`` and the cursor of the next."""
    limit = check_limit(limit)
    if cursor:
        stmt = stmt.where(key > decode_cursor(cursor))
    rows = list(session.scalars(stmt.order_by(key).limit(limit + 1)))
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(str(getattr(rows[-1], key.key)))
    return rows, None
