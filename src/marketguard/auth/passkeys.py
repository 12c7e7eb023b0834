"""Passkeys (WebAuthn): enrolment, sign-in, step-up, and the limits around them.

Why these choices:

- User verification is REQUIRED: a passkey stands in for a password *and* a
  second factor only if the device checked the person (biometrics or PIN).
- Sign-in uses discoverable credentials, so nobody types a user name and an
  unknown address cannot be probed.
- The challenge lives server-side (``WebAuthnChallenge``), bound to the browser
  by a short-lived cookie, used once and expired after ``CHALLENGE_TTL``: a
  replayed assertion finds nothing to match.
- A credential whose signature counter goes backwards is a cloned authenticator
  and is refused (and audited), as WebAuthn §6.1.1 advises.
- Failed sign-ins are counted per client address; past
  ``portal_sign_in_failures`` in ``FAILURE_WINDOW`` further attempts are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from marketguard.audit import service as audit
from marketguard.auth.models import Passkey, Person, SignInFailure, WebAuthnChallenge
from marketguard.auth.roles import Principal
from marketguard.config import Settings
from marketguard.errors import Conflict, InvalidInput, MarketguardError, NotFound
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

CHALLENGE_TTL = timedelta(minutes=5)
FAILURE_WINDOW = timedelta(minutes=15)
RP_NAME = "marketguard"
CEREMONY_TIMEOUT_MS = 120_000

ENROL = "enrol"
SIGN_IN = "sign-in"
STEP_UP = "step-up"
ADD = "add"


class CeremonyFailed(MarketguardError):
    """A passkey ceremony that did not prove who the browser is (counted and audited)."""

    status = 400
    title = "Passkey not accepted"
    type_slug = "passkey-not-accepted"


class TooManyFailures(MarketguardError):
    """Too many failed sign-ins from one address in the window."""

    status = 429
    title = "Too many failed sign-ins"
    type_slug = "too-many-sign-in-failures"


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkey is for (``rp_id``, a host name) and the origin ceremonies come from."""

    rp_id: str
    origin: str


def relying_party(settings: Settings, *, scheme: str, host: str) -> RelyingParty:
    """Settings when they pin them, else the host and origin the browser used."""
    origin = (settings.portal_origin or f"{scheme}://{host}").rstrip("/")
    rp_id = settings.portal_rp_id or host.rsplit(":", 1)[0].strip("[]")
    return RelyingParty(rp_id=rp_id, origin=origin)


# -- challenges -------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _store_challenge(
    session: Session, challenge: bytes, purpose: str, *, invitation_id: str | None = None,
    session_id: str | None = None, now: datetime | None = None,
) -> str:
    """Keep a challenge server-side; return the secret the browser's cookie carries."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    session.add(WebAuthnChallenge(
        id=new_id("wac"), secret_hash=_hash(secret), challenge=challenge, purpose=purpose,
        invitation_id=invitation_id, session_id=session_id, created_at=now,
        expires_at=now + CHALLENGE_TTL,
    ))
    session.flush()
    return secret


def take_challenge(session: Session, secret: str | None, purpose: str,
                   now: datetime | None = None) -> WebAuthnChallenge:
    """Spend the challenge behind a cookie: once, before it expires, for this purpose only."""
    row = None
    if secret:
        row = session.scalars(
            select(WebAuthnChallenge).where(WebAuthnChallenge.secret_hash == _hash(secret))
        ).first()
    now = now or utcnow()
    if row is None or row.purpose != purpose:
        raise CeremonyFailed("no passkey request is under way in this browser: start again")
    if row.used_at is not None:
        raise CeremonyFailed("this passkey request was already used: start again")
    if now >= row.expires_at:
        raise CeremonyFailed("this passkey request expired: start again")
    row.used_at = now
    return row


# -- options ----------------------------------------------------------------------


def user_handle(settings: Settings, email: str) -> bytes:
    """A stable, opaque user handle: authenticators group a person's passkeys by it."""
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"user:{email}".encode(), hashlib.sha256).digest()[:32]


def _descriptors(keys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    out = []
    for key in keys:
        transports = []
        for name in key.transports or []:
            try:
                transports.append(AuthenticatorTransport(name))
            except ValueError:
                continue
        out.append(PublicKeyCredentialDescriptor(id=_unb64(key.credential_id),
                                                 transports=transports or None))
    return out


def _unb64(value: str) -> bytes:
    from webauthn import base64url_to_bytes

    return base64url_to_bytes(value)


def registration_options(
    session: Session, settings: Settings, rp: RelyingParty, *, email: str, purpose: str,
    invitation_id: str | None = None, session_id: str | None = None,
    existing: list[Passkey] | None = None,
) -> tuple[dict[str, Any], str]:
    """Options for ``navigator.credentials.create`` and the challenge cookie's secret."""
    options = generate_registration_options(
        rp_id=rp.rp_id, rp_name=RP_NAME, user_name=email, user_display_name=email,
        user_id=user_handle(settings, email), timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(existing or []),
    )
    secret = _store_challenge(session, options.challenge, purpose,
                              invitation_id=invitation_id, session_id=session_id)
    return json.loads(options_to_json(options)), secret


def authentication_options(
    session: Session, rp: RelyingParty, *, purpose: str, session_id: str | None = None,
    allowed: list[Passkey] | None = None,
) -> tuple[dict[str, Any], str]:
    """Options for ``navigator.credentials.get`` (discoverable unless ``allowed``)."""
    options = generate_authentication_options(
        rp_id=rp.rp_id, timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=_descriptors(allowed) if allowed else None,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    secret = _store_challenge(session, options.challenge, purpose, session_id=session_id)
    return json.loads(options_to_json(options)), secret


# -- verification -----------------------------------------------------------------


def _default_name(credential: dict[str, Any]) -> str:
    attachment = credential.get("authenticatorAttachment")
    return "Passkey on this device" if attachment == "platform" else "Passkey"


@dataclass(frozen=True)
class NewCredential:
    """A verified new credential, not stored yet (its person may not exist yet)."""

    credential_id: str
    public_key: bytes
    sign_count: int
    transports: list[str]
    name: str


def verify_new(
    challenge: WebAuthnChallenge, rp: RelyingParty, *, credential: dict[str, Any],
    name: str | None = None,
) -> NewCredential:
    """Verify ``navigator.credentials.create``'s answer (user verification required)."""
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge.challenge,
            expected_rp_id=rp.rp_id, expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise CeremonyFailed(f"the new passkey could not be verified: {exc}") from None
    response = credential.get("response")
    transports = response.get("transports") if isinstance(response, dict) else None
    return NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[str(t) for t in transports or []][:8],
        name=(name or "").strip()[:200] or _default_name(credential),
    )


def keep(session: Session, person: Person, new: NewCredential,
         now: datetime | None = None) -> Passkey:
    """Store a verified credential's public key for ``person``."""
    taken = select(Passkey).where(Passkey.credential_id == new.credential_id)
    if session.scalars(taken).first() is not None:
        raise Conflict("this passkey is already registered")
    key = Passkey(
        id=new_id("pky"), person_id=person.id, credential_id=new.credential_id,
        public_key=new.public_key, sign_count=new.sign_count, transports=new.transports,
        name=new.name, created_at=now or utcnow(),
    )
    session.add(key)
    session.flush()
    return key


@dataclass(frozen=True)
class Asserted:
    """A verified assertion: which passkey, whose."""

    passkey: Passkey
    person: Person


def authenticate(
    session: Session, challenge: WebAuthnChallenge, rp: RelyingParty, *,
    credential: dict[str, Any], now: datetime | None = None,
) -> Asserted:
    """Verify an assertion against the stored public key; refuse a counter going backwards.

    Raises ``CeremonyFailed`` with a reason for the failure log; the caller counts it.
    """
    raw_id = credential.get("rawId") or credential.get("id")
    key = None
    if isinstance(raw_id, str):
        key = session.scalars(select(Passkey).where(Passkey.credential_id == raw_id)).first()
    if key is None:
        raise CeremonyFailed("this passkey is not registered here (it may have been removed)")
    person = session.get(Person, key.person_id)
    if person is None or person.disabled_at is not None:
        raise CeremonyFailed("this account is disabled")
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge.challenge,
            expected_rp_id=rp.rp_id, expected_origin=rp.origin,
            credential_public_key=key.public_key, credential_current_sign_count=key.sign_count,
            require_user_verification=True,
        )
    except InvalidAuthenticationResponse as exc:
        if "sign count" in str(exc).lower():
            audit.record(session, actor=f"passkey:{person.email}", action="passkey.clone_suspected",
                         object_type="passkey", object_id=key.id,
                         reason="signature counter went backwards: a cloned authenticator?",
                         before={"sign_count": key.sign_count})
            raise CeremonyFailed("this passkey's counter went backwards (a copied "
                                 "authenticator?): refused") from None
        raise CeremonyFailed(f"the passkey could not be verified: {exc}") from None
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise CeremonyFailed(f"the passkey could not be verified: {exc}") from None
    key.sign_count = verified.new_sign_count
    key.last_used_at = now or utcnow()
    return Asserted(passkey=key, person=person)


# -- failed sign-ins --------------------------------------------------------------


def recent_failures(session: Session, client: str, now: datetime | None = None) -> int:
    since = (now or utcnow()) - FAILURE_WINDOW
    return int(session.scalar(
        select(func.count()).select_from(SignInFailure)
        .where(SignInFailure.client == client, SignInFailure.at > since)
    ) or 0)


def check_not_limited(session: Session, settings: Settings, client: str,
                      now: datetime | None = None) -> None:
    """Refuse (429) a client past ``portal_sign_in_failures`` failures in the window."""
    if recent_failures(session, client, now) >= settings.portal_sign_in_failures:
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        raise TooManyFailures(f"too many failed sign-ins from this address: try again in "
                              f"{minutes} minutes")


def record_failure(session: Session, client: str, reason: str,
                   now: datetime | None = None) -> None:
    """Count a failed sign-in for its client address and audit it."""
    row = SignInFailure(id=new_id("sif"), client=client[:100], at=now or utcnow(),
                        reason=reason[:200])
    session.add(row)
    session.flush()
    audit.record(session, actor=f"anonymous:{client[:100]}", action="portal.sign_in_failed",
                 object_type="sign_in_failure", object_id=row.id, reason=reason[:200])


# -- a person's passkeys ------------------------------------------------------------


def list_for(session: Session, person_id: str) -> list[Passkey]:
    return list(session.scalars(
        select(Passkey).where(Passkey.person_id == person_id).order_by(Passkey.created_at)
    ))


def remove(session: Session, *, actor: Principal, person_id: str, passkey_id: str) -> Passkey:
    """Remove one of a person's passkeys; refuse the last one (they could not sign in)."""
    key = session.get(Passkey, passkey_id)
    if key is None or key.person_id != person_id:
        raise NotFound(f"no passkey {passkey_id} of yours")
    if len(list_for(session, person_id)) <= 1:
        raise InvalidInput("this is your only passkey: add another before removing it")
    session.delete(key)
    session.flush()
    audit.record(session, actor=actor.actor, action="passkey.remove", object_type="passkey",
                 object_id=key.id, before={"name": key.name})
    return key
