"""API tokens for machines; people, passkeys and portal sessions for the portal.

Why: the secret is shown once and only its SHA-256 is stored, so a database leak
does not hand out working credentials; expiry and revocation are columns so an
operator can cut access without a deploy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.dataguard.classification import SECURITY, Category, Level, classified, owned_by
from marketguard.db import Base, JSONType, UTCDateTime

# How each column is classified (docs/data-protection.md).
_TOKEN = classified(Level.internal, Category.corporate, "authenticate API callers")
_HOLDER = classified(Level.confidential, Category.personal, "name the person a token speaks for")
_SCOPE = classified(Level.internal, Category.business, "limit a token to one tenant")
_SECRET = classified(Level.secret, Category.corporate, "verify a bearer secret")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_TOKEN)
    name: Mapped[str] = mapped_column(String(200), info=_HOLDER)
    role: Mapped[str] = mapped_column(String(40), info=_TOKEN)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_SCOPE)
    seller_id: Mapped[str | None] = mapped_column(String(100), index=True, info=_SCOPE)
    dataset: Mapped[str | None] = mapped_column(String(100), info=_SCOPE)  # data_owner only
    secret_hash: Mapped[str] = mapped_column(String(64), info=_SECRET)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_TOKEN)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_TOKEN)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_TOKEN)


# People who sign in to the portal with passkeys (FORMATS §9). Machines keep tokens.
_PERSON = classified(Level.confidential, Category.personal, "name the person who signs in")
_ROLE = classified(Level.internal, Category.corporate, "decide what a person may see and do")
_WHEN = classified(Level.internal, Category.corporate, "expire and audit sign-in material")
_KEY = classified(Level.internal, Category.corporate, "verify a passkey assertion")
_CLIENT = classified(Level.confidential, Category.personal, "rate-limit failed sign-ins")


class Person(Base):
    """Someone who signs in to the portal; holds one role and, for tenants, one scope."""

    __tablename__ = "people"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ROLE)
    email: Mapped[str] = mapped_column(String(320), unique=True, info=_PERSON)
    role: Mapped[str] = mapped_column(String(40), info=_ROLE)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_SCOPE)
    seller_id: Mapped[str | None] = mapped_column(String(100), index=True, info=_SCOPE)
    dataset: Mapped[str | None] = mapped_column(String(100), info=_SCOPE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WHEN)
    created_by: Mapped[str] = mapped_column(String(200), info=_PERSON)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WHEN)


class Passkey(Base):
    """A WebAuthn credential a person registered; only its public key is kept."""

    __tablename__ = "passkeys"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_KEY)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, info=_KEY)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True, info=_KEY)
    public_key: Mapped[bytes] = mapped_column(LargeBinary, info=_KEY)
    sign_count: Mapped[int] = mapped_column(Integer, default=0, info=_KEY)
    transports: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_KEY)
    name: Mapped[str] = mapped_column(String(200), info=_KEY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WHEN)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WHEN)


class Invitation(Base):
    """A one-time enrolment link: only the SHA-256 of its secret is kept."""

    __tablename__ = "invitations"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ROLE)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, info=_SECRET)
    email: Mapped[str] = mapped_column(String(320), index=True, info=_PERSON)
    role: Mapped[str] = mapped_column(String(40), info=_ROLE)
    brand_id: Mapped[str | None] = mapped_column(String(40), info=_SCOPE)
    seller_id: Mapped[str | None] = mapped_column(String(100), info=_SCOPE)
    dataset: Mapped[str | None] = mapped_column(String(100), info=_SCOPE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WHEN)
    created_by: Mapped[str] = mapped_column(String(200), info=_PERSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WHEN)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WHEN)
    person_id: Mapped[str | None] = mapped_column(String(40), info=_ROLE)


class PortalSession(Base):
    """A signed-in browser: the cookie holds a secret, the table its SHA-256.

    Why server-side: sign-out and an administrator's revocation end it at once,
    and ``verified_at`` (the last passkey assertion) drives step-up.
    """

    __tablename__ = "portal_sessions"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ROLE)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, info=_SECRET)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, info=_ROLE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WHEN)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WHEN)
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WHEN)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WHEN)


class WebAuthnChallenge(Base):
    """A challenge handed to a browser, used at most once and only briefly.

    ``purpose`` is ``enrol`` (with the invitation), ``sign-in`` or ``step-up``
    (with the session); the browser carries the challenge's id in a cookie.
    """

    __tablename__ = "webauthn_challenges"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_KEY)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, info=_SECRET)
    challenge: Mapped[bytes] = mapped_column(LargeBinary, info=_KEY)
    purpose: Mapped[str] = mapped_column(String(20), info=_KEY)
    invitation_id: Mapped[str | None] = mapped_column(String(40), info=_KEY)
    session_id: Mapped[str | None] = mapped_column(String(40), info=_KEY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WHEN)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_WHEN)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_WHEN)


class SignInFailure(Base):
    """A failed sign-in, counted per client address to slow guessing down."""

    __tablename__ = "sign_in_failures"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_WHEN)
    client: Mapped[str] = mapped_column(String(100), index=True, info=_CLIENT)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, info=_WHEN)
    reason: Mapped[str] = mapped_column(String(200), info=_WHEN)
