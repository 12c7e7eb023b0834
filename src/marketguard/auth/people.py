"""People who sign in to the portal: created from an invitation, found, disabled.

A person holds one role and, for a brand's agent or a seller, one tenant scope,
checked exactly as a token's (``auth.service.check_role_scope``), so the portal
and the API refuse alike.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth import portal_sessions
from marketguard.auth.models import Passkey, Person
from marketguard.auth.roles import Principal
from marketguard.auth.service import check_role_scope
from marketguard.errors import Conflict, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.timeutil import utcnow


def normalise_email(email: str) -> str:
    """Lower-case and trim an address, refusing what is plainly not one."""
    value = email.strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or " " in value or len(value) > 320:
        raise InvalidInput(f"not an e-mail address: {email!r}")
    return value


def create_person(
    session: Session,
    *,
    actor: Principal,
    email: str,
    role: str,
    brand_id: str | None = None,
    seller_id: str | None = None,
    dataset: str | None = None,
) -> Person:
    """Add a person with a role and scope; refuse a second person with the same address."""
    address = normalise_email(email)
    parsed = check_role_scope(session, role, brand_id=brand_id, seller_id=seller_id,
                              dataset=dataset)
    if find_by_email(session, address) is not None:
        raise Conflict(f"{address} already has a portal account")
    person = Person(
        id=new_id("psn"),
        email=address,
        role=parsed.value,
        brand_id=brand_id,
        seller_id=seller_id,
        dataset=dataset,
        created_at=utcnow(),
        created_by=actor.actor,
    )
    session.add(person)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="person.create",
        object_type="person",
        object_id=person.id,
        after={"email": address, "role": parsed.value, "brand_id": brand_id,
               "seller_id": seller_id, "dataset": dataset},
    )
    return person


def find_by_email(session: Session, email: str) -> Person | None:
    """The person with this address, or None."""
    return session.scalars(select(Person).where(Person.email == email.strip().lower())).first()


def get(session: Session, person_id: str) -> Person:
    """The person with this id, or NotFound."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


def disable(session: Session, *, actor: Principal, person_id: str, reason: str) -> Person:
    """Stop a person from signing in and end their sessions at once."""
    if not reason.strip():
        raise InvalidInput("say why the person is disabled (--reason)")
    person = get(session, person_id)
    if person.disabled_at is None:
        person.disabled_at = utcnow()
        portal_sessions.end_all_for(session, person.id)
        audit.record(session, actor=actor.actor, action="person.disable", object_type="person",
                     object_id=person.id, after={"reason": reason.strip()})
    return person


def list_people(session: Session) -> list[tuple[Person, int]]:
    """Every person with how many passkeys they hold, by address."""
    counts = (select(Passkey.person_id, func.count().label("n"))
              .group_by(Passkey.person_id).subquery())
    rows = session.execute(
        select(Person, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.person_id == Person.id)
        .order_by(Person.email)
    ).all()
    return [(person, int(n)) for person, n in rows]
