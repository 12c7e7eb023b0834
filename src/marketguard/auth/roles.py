"""The roles a principal can hold, and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Who a token speaks for; each route declares which of these may call it."""

    platform_admin = "platform_admin"
    reviewer = "reviewer"
    analyst = "analyst"
    rights_holder = "rights_holder"  # scoped to one brand
    seller = "seller"  # scoped to one seller account
    data_owner = "data_owner"
    employee = "employee"
    auditor = "auditor"
    vendor = "vendor"  # third party receiving exports
    integration = "integration"  # the marketplace's own backend (pre-publication gate, risk)
    responder = "responder"  # works incidents (emergency management)


SCOPED_ROLES = {Role.rights_holder: "brand", Role.seller: "seller"}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a token's identity, role and tenant scope."""

    token_id: str
    name: str
    role: Role
    brand_id: str | None = None
    seller_id: str | None = None
    dataset: str | None = None  # a data_owner may be scoped to one dataset

    @property
    def actor(self) -> str:
        """How this principal appears in the audit log."""
        return f"{self.role.value}:{self.name} (token {self.token_id})"


def person_of(actor: str) -> str:
    """Return the name behind an audit actor string ``role:name (token id)``."""
    name = actor.split(":", 1)[1] if ":" in actor else actor
    return name.rsplit(" (token ", 1)[0]


def same_person(actor: str | None, principal: Principal) -> bool:
    """Tell whether an audit actor is this principal's person (any of its tokens or roles)."""
    return actor is not None and (
        actor == principal.actor or person_of(actor) == principal.name
    )


SYSTEM = Principal(token_id="system", name="marketguard", role=Role.platform_admin)


def cli_principal(name: str = "cli") -> Principal:
    """The principal that local CLI commands act as (an operator at the console)."""
    return Principal(token_id="cli", name=name, role=Role.platform_admin)
