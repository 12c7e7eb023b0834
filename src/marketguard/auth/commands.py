"""``marketguard token ...``: issue, list and revoke API tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from marketguard.auth import service
from marketguard.auth.roles import Role, cli_principal
from marketguard.brands.service import resolve_brand
from marketguard.cli_support import cli_session, console
from marketguard.errors import InvalidInput
from marketguard.timeutil import parse_duration

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


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
