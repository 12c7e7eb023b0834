"""Server-side portal sessions: start, find, end, and the CSRF token bound to each.

Why server-side rather than a signed cookie: signing out, disabling a person or
an idle timeout must end the session at once in every API process, and step-up
needs the time of the last passkey assertion, which only the server may set.
The cookie carries a random secret; the table keeps its SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketguard.auth.models import Person, PortalSession
from marketguard.auth.roles import Principal, Role
from marketguard.config import Settings
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

# A session seen within this long is not written to again: most page views then
# cost one SELECT, and the idle timeout is still exact to the minute.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A live portal session and the person behind it."""

    session_id: str
    person: Principal
    person_id: str
    verified_at: datetime
    csrf_token: str

    def needs_step_up(self, settings: Settings, now: datetime | None = None) -> bool:
        """Tell whether a sensitive action must ask for the passkey again."""
        return (now or utcnow()) - self.verified_at > settings.portal_step_up_after


def principal_of(person: Person, session_id: str) -> Principal:
    """The principal a signed-in person acts as: audited as ``role:email (token session …)``."""
    return Principal(
        token_id=f"session {session_id}",
        name=person.email,
        role=Role(person.role),
        brand_id=person.brand_id,
        seller_id=person.seller_id,
        dataset=person.dataset,
    )


def csrf_token(settings: Settings, session_id: str) -> str:
    """The token every form of this session carries (HMAC of the session id).

    Derived rather than stored, so no extra column or write; it changes with
    every new session and cannot be computed without the server's secret key.
    """
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"csrf:{session_id}".encode(), hashlib.sha256).hexdigest()


def start(session: Session, person: Person, now: datetime | None = None) -> tuple[str, str]:
    """Open a session for ``person`` just after a passkey assertion; return (id, cookie secret)."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    row = PortalSession(
        id=new_id("pss"),
        secret_hash=_hash(secret),
        person_id=person.id,
        created_at=now,
        last_seen_at=now,
        verified_at=now,
    )
    session.add(row)
    session.flush()
    return row.id, secret


def find(
    session: Session, settings: Settings, secret: str | None, now: datetime | None = None
) -> SignedIn | None:
    """Return the live session behind a cookie secret, or None (unknown, ended, timed out).

    A session past its idle or absolute timeout is ended here, so it stays ended
    even if the clock of another process disagrees later.
    """
    if not secret:
        return None
    now = now or utcnow()
    found = session.execute(
        select(PortalSession, Person)
        .join(Person, Person.id == PortalSession.person_id)
        .where(PortalSession.secret_hash == _hash(secret), PortalSession.ended_at.is_(None))
    ).first()
    if found is None:
        return None
    row, person = found
    expired = (
        now - row.last_seen_at > settings.portal_idle_timeout
        or now - row.created_at > settings.portal_absolute_timeout
        or person.disabled_at is not None
    )
    if expired:
        row.ended_at = now
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return SignedIn(
        session_id=row.id,
        person=principal_of(person, row.id),
        person_id=person.id,
        verified_at=row.verified_at,
        csrf_token=csrf_token(settings, row.id),
    )


def mark_verified(session: Session, session_id: str, now: datetime | None = None) -> None:
    """Record a fresh passkey assertion (step-up) on a live session."""
    session.execute(
        update(PortalSession)
        .where(PortalSession.id == session_id, PortalSession.ended_at.is_(None))
        .values(verified_at=now or utcnow())
    )


def end(session: Session, session_id: str, now: datetime | None = None) -> None:
    """End a session (sign-out); its cookie no longer opens anything."""
    session.execute(
        update(PortalSession)
        .where(PortalSession.id == session_id, PortalSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
    )


def end_all_for(session: Session, person_id: str, now: datetime | None = None) -> int:
    """End every session of a person (disabled, or a passkey reported lost)."""
    result = session.execute(
        update(PortalSession)
        .where(PortalSession.person_id == person_id, PortalSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
