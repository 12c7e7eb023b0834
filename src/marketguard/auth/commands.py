"""``marketguard token ...`` and ``marketguard user ...``: API tokens and portal people."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from marketguard.auth import invitations, passkeys, people, service
from marketguard.auth.roles import Role, cli_principal
from marketguard.brands.service import resolve_brand
from marketguard.cli_support import cli_session, console
from marketguard.config import get_settings
from marketguard.errors import InvalidInput
from marketguard.timeutil import format_rfc3339, parse_duration

token_app = typer.Typer(help="API tokens (bearer credentials).", no_args_is_help=True)
ROLES = ", ".join(r.value for r in Role)


@token_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who or what the token is for")],
    role: Annotated[str, typer.Option(help=f"One of: {ROLES}")],
    brand: Annotated[
        str | None, typer.Option(help="rights_holder only: brand id or exact name")
    ] = None,
    seller: Annotated[str | None, typer.Option(help="seller only: the seller id")] = None,
    dataset: Annotated[
        str | None, typer.Option(help="data_owner only: the one dataset it decides (e.g. sellers)")
    ] = None,
    expires: Annotated[str | None, typer.Option(help="Lifetime such as 30d or 12h")] = None,
) -> None:
    """Create a token and print it once, alone on the last line."""
    try:
        lifetime = parse_duration(expires) if expires else None
    except ValueError as exc:
        raise InvalidInput(f"--expires: {exc}") from None
    with cli_session() as session:
        brand_id = resolve_brand(session, brand).id if brand else None
        issued = service.create_token(
            session,
            actor=cli_principal(),
            name=name,
            role=role,
            brand_id=brand_id,
            seller_id=seller,
            dataset=dataset,
            expires_in=lifetime,
        )
    token = issued.token
    scope = f" brand={token.brand_id}" if token.brand_id else ""
    scope += f" seller={token.seller_id}" if token.seller_id else ""
    scope += f" dataset={token.dataset}" if token.dataset else ""
    until = f", expires {token.expires_at:%Y-%m-%d %H:%M}Z" if token.expires_at else ""
    typer.echo(
        f"token {token.id} for {token.name} ({token.role}{scope}{until}); shown once:", err=True
    )
    typer.echo(issued.secret)


@token_app.command("list")
def list_command() -> None:
    """List tokens (never their secrets)."""
    with cli_session() as session:
        tokens = service.list_tokens(session)
    table = Table("id", "name", "role", "scope", "expires", "revoked")
    for t in tokens:
        scope = t.brand_id or t.seller_id or t.dataset or ""
        table.add_row(t.id, t.name, t.role, scope, str(t.expires_at or ""), str(t.revoked_at or ""))
    console.print(table)


@token_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="The token id (not the secret)")]) -> None:
    """Revoke a token; requests with it are refused from now on."""
    with cli_session() as session:
        service.revoke_token(session, actor=cli_principal(), token_id=token_id)
    typer.echo(f"revoked {token_id}")


user_app = typer.Typer(help="People who sign in to the portal with passkeys.",
                       no_args_is_help=True)


@user_app.command("invite")
def invite(
    email: Annotated[str, typer.Option(help="The person's e-mail address")],
    role: Annotated[str, typer.Option(help=f"One of: {ROLES}")],
    brand: Annotated[
        str | None, typer.Option(help="rights_holder only: brand id or exact name")
    ] = None,
    seller: Annotated[str | None, typer.Option(help="seller only: the seller id")] = None,
    dataset: Annotated[
        str | None, typer.Option(help="data_owner only: the one dataset they decide")
    ] = None,
) -> None:
    """Print a one-time enrolment URL (last line) for a new portal person."""
    settings = get_settings()
    with cli_session() as session:
        brand_id = resolve_brand(session, brand).id if brand else None
        issued = invitations.invite(session, actor=cli_principal(), settings=settings,
                                    email=email, role=role, brand_id=brand_id,
                                    seller_id=seller, dataset=dataset)
    found = issued.invitation
    typer.echo(f"invitation {found.id} for {found.email} ({found.role}); works once, until "
               f"{format_rfc3339(found.expires_at)}. Send them this link:", err=True)
    typer.echo(issued.url)


@user_app.command("list")
def list_people() -> None:
    """List portal people with their role, scope, passkeys and state."""
    with cli_session() as session:
        rows = people.list_people(session)
    table = Table("id", "email", "role", "scope", "passkeys", "disabled")
    for person, count in rows:
        scope = person.brand_id or person.seller_id or person.dataset or ""
        disabled = format_rfc3339(person.disabled_at) if person.disabled_at else ""
        table.add_row(person.id, person.email, person.role, scope, str(count), disabled)
    console.print(table)


@user_app.command("disable")
def disable(
    person: Annotated[str, typer.Argument(help="The person's id or e-mail address")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log)")],
) -> None:
    """Stop a person from signing in; their sessions end at once."""
    with cli_session() as session:
        found = people.find_by_email(session, person) if "@" in person else None
        done = people.disable(session, actor=cli_principal(),
                              person_id=found.id if found else person, reason=reason)
    typer.echo(f"disabled {done.id} ({done.email})")


@user_app.command("passkeys")
def list_passkeys(
    person: Annotated[str, typer.Argument(help="The person's id or e-mail address")],
) -> None:
    """List a person's passkeys (names and dates; never key material)."""
    with cli_session() as session:
        found = people.find_by_email(session, person) if "@" in person else None
        keys = passkeys.list_for(session, people.get(session, found.id if found else person).id)
    table = Table("id", "name", "added", "last used")
    for key in keys:
        used = format_rfc3339(key.last_used_at) if key.last_used_at else "never"
        table.add_row(key.id, key.name, format_rfc3339(key.created_at), used)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
    app.add_typer(user_app, name="user")
