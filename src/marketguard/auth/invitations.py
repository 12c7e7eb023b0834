"""One-time enrolment links: ``marketguard user invite`` makes one, the first passkey uses it.

Why a link and not a password: the person's first credential is a passkey made
on their own device; the link only proves the operator meant them. It carries a
random secret (the table keeps its SHA-256), works once, and expires after
``portal_invitation_ttl`` (24 h). Role and scope are checked when the link is
made, exactly as a token's, so a wrong one is refused before anyone is told.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth import people
from marketguard.auth.models import Invitation, Person
from marketguard.auth.roles import Principal, Role
from marketguard.auth.service import check_role_scope
from marketguard.config import Settings
from marketguard.errors import Conflict, InvalidInput
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

ENROL_PATH = "/portal/enrol"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    """A new invitation and its secret, which is shown once (in the URL)."""

    invitation: Invitation
    secret: str
    url: str


def enrolment_url(settings: Settings, secret: str) -> str:
    """The link a person opens to create their first passkey."""
    return f"{settings.portal_url.rstrip('/')}{ENROL_PATH}?{urlencode({'invitation': secret})}"


def invite(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    email: str,
    role: str,
    brand_id: str | None = None,
    seller_id: str | None = None,
    dataset: str | None = None,
    now: datetime | None = None,
) -> Issued:
    """Make a one-time enrolment link for a person who has no portal account yet."""
    address = people.normalise_email(email)
    parsed = check_role_scope(session, role, brand_id=brand_id, seller_id=seller_id,
                              dataset=dataset)
    if people.find_by_email(session, address) is not None:
        raise Conflict(f"{address} already has a portal account: they add passkeys from "
                       "their Passkeys page")
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        id=new_id("inv"),
        secret_hash=_hash(secret),
        email=address,
        role=parsed.value,
        brand_id=brand_id,
        seller_id=seller_id,
        dataset=dataset,
        created_at=now,
        created_by=actor.actor,
        expires_at=now + settings.portal_invitation_ttl,
    )
    session.add(invitation)
    session.flush()
    audit.record(session, actor=actor.actor, action="invitation.create",
                 object_type="invitation", object_id=invitation.id,
                 after={"email": address, "role": parsed.value, "brand_id": brand_id,
                        "seller_id": seller_id, "dataset": dataset,
                        "expires_at": invitation.expires_at.isoformat()})
    return Issued(invitation=invitation, secret=secret, url=enrolment_url(settings, secret))


def open_invitation(session: Session, secret: str | None, now: datetime | None = None
                    ) -> Invitation:
    """The invitation behind a link's secret, refusing one unknown, used or expired."""
    if not secret:
        raise InvalidInput("this enrolment link has no invitation in it: ask for a new one")
    invitation = session.scalars(
        select(Invitation).where(Invitation.secret_hash == _hash(secret))
    ).first()
    if invitation is None:
        raise InvalidInput("this enrolment link is not valid: ask for a new one")
    if invitation.used_at is not None:
        raise InvalidInput("this enrolment link was already used: it works once. Sign in "
                           "with your passkey, or ask for a new link")
    if (now or utcnow()) >= invitation.expires_at:
        raise InvalidInput("this enrolment link has expired: ask for a new one")
    return invitation


def get_open(session: Session, invitation_id: str | None, now: datetime | None = None
             ) -> Invitation:
    """The invitation a challenge was issued for, still unused and unexpired."""
    invitation = session.get(Invitation, invitation_id) if invitation_id else None
    if invitation is None or invitation.used_at is not None:
        raise InvalidInput("this enrolment link was already used: it works once")
    if (now or utcnow()) >= invitation.expires_at:
        raise InvalidInput("this enrolment link has expired: ask for a new one")
    return invitation


def accept(session: Session, invitation: Invitation, now: datetime | None = None) -> Person:
    """Create the invited person and spend the invitation (with their first passkey)."""
    inviter = Principal(token_id=f"invitation {invitation.id}", name=invitation.email,
                        role=Role(invitation.role))
    person = people.create_person(
        session, actor=inviter, email=invitation.email, role=invitation.role,
        brand_id=invitation.brand_id, seller_id=invitation.seller_id, dataset=invitation.dataset,
    )
    person.created_by = invitation.created_by
    invitation.used_at = now or utcnow()
    invitation.person_id = person.id
    return person


def list_open(session: Session, now: datetime | None = None) -> list[Invitation]:
    """Invitations not used and not expired, newest first."""
    moment = now or utcnow()
    return list(session.scalars(
        select(Invitation)
        .where(Invitation.used_at.is_(None), Invitation.expires_at > moment)
        .order_by(Invitation.created_at.desc())
    ))
