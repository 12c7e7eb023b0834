"""Tokens: random, shown once, stored as a hash, expiring and revocable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marketguard.auth import service
from marketguard.auth.models import ApiToken
from marketguard.auth.roles import Role, cli_principal
from marketguard.config import Settings
from marketguard.errors import InvalidInput, Unauthenticated
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work
from tests.factories import auth, seed_marketplace, token


def _issue(settings: Settings, **kwargs: object) -> service.IssuedToken:
    with unit_of_work(settings) as session:
        return service.create_token(session, actor=cli_principal(), **kwargs)  # type: ignore[arg-type]


def test_when_a_token_is_created_then_only_its_hash_is_stored(settings: Settings) -> None:
    issued = _issue(settings, name="rev", role="reviewer")
    with unit_of_work(settings) as session:
        row = session.get(ApiToken, issued.token.id)
        assert row is not None and issued.secret not in row.secret_hash
        principal = service.authenticate(session, issued.secret)
    assert principal.role is Role.reviewer


def test_when_two_tokens_are_created_then_their_secrets_differ(settings: Settings) -> None:
    assert (
        _issue(settings, name="a", role="analyst").secret
        != _issue(settings, name="a", role="analyst").secret
    )


def test_when_a_token_expires_then_it_is_refused(settings: Settings) -> None:
    issued = _issue(settings, name="short", role="auditor", expires_in=timedelta(hours=1))
    with unit_of_work(settings) as session:
        service.authenticate(session, issued.secret)
        with pytest.raises(Unauthenticated, match="expired"):
            service.authenticate(session, issued.secret, now=utcnow() + timedelta(hours=2))


def test_when_a_token_is_revoked_then_it_is_refused(settings: Settings) -> None:
    issued = _issue(settings, name="gone", role="employee")
    with unit_of_work(settings) as session:
        service.revoke_token(session, actor=cli_principal(), token_id=issued.token.id)
    with unit_of_work(settings) as session, pytest.raises(Unauthenticated, match="revoked"):
        service.authenticate(session, issued.secret)


def test_when_a_secret_is_altered_then_it_is_refused(settings: Settings) -> None:
    issued = _issue(settings, name="x", role="reviewer")
    with unit_of_work(settings) as session, pytest.raises(Unauthenticated, match="not valid"):
        service.authenticate(session, issued.secret[:-2] + "zz")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "rights_holder"}, "scoped to a brand"),
        ({"role": "seller"}, "scoped to a seller"),
        ({"role": "reviewer", "brand_id": "b"}, "--brand only applies"),
        ({"role": "reviewer", "seller_id": "s"}, "--seller only applies"),
        ({"role": "overlord"}, "unknown role"),
        ({"role": "reviewer", "name": "  "}, "non-empty --name"),
        ({"role": "rights_holder", "brand_id": "brd_nope"}, "unknown brand 'brd_nope'"),
        ({"role": "seller", "seller_id": "S-404"}, "unknown seller 'S-404'"),
    ],
)
def test_when_a_token_request_is_wrong_then_refused_and_nothing_created(
    settings: Settings, kwargs: dict[str, object], message: str
) -> None:
    arguments = {"name": "n", **kwargs}
    with pytest.raises(InvalidInput, match=message):
        _issue(settings, **arguments)
    with unit_of_work(settings) as session:
        assert session.query(ApiToken).count() == 0


def test_when_api_token_route_is_used_then_the_new_token_works(client, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import auth, token

    admin = token(settings, "platform_admin")
    answer = client.post(
        "/api/v1/tokens",
        json={"name": "rev", "role": "reviewer", "expires_in": "1d"},
        headers=auth(admin),
    )
    assert answer.status_code == 201
    secret = answer.json()["token"]
    assert client.get("/api/v1/me", headers=auth(secret)).json()["role"] == "reviewer"
    revoked = client.post(f"/api/v1/tokens/{answer.json()['id']}/revocation", headers=auth(admin))
    assert revoked.status_code == 200
    assert client.get("/api/v1/me", headers=auth(secret)).status_code == 401


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"role": "rights_holder", "brand_id": "brd_nope"}, "unknown brand 'brd_nope'"),
        ({"role": "rights_holder", "brand_id": "Acme Outdoor"}, "give the id of an existing"),
        ({"role": "seller", "seller_id": "S-404"}, "unknown seller 'S-404'"),
        ({"role": "reviewer", "expires_in": "99999999d"}, "too long: at most 3650d"),
        ({"role": "reviewer", "expires_in": "87601h"}, "too long: at most 3650d"),
        ({"role": "reviewer", "expires_in": "9" * 5000 + "s"}, "too long: at most 3650d"),
    ],
    ids=["unknown-brand", "brand-name-not-id", "unknown-seller", "days", "hours", "huge"],
)
def test_when_the_token_route_gets_an_unknown_scope_or_endless_lifetime_then_422(
    client: TestClient, settings: Settings, tmp_path: Path, body: dict[str, str], message: str
) -> None:
    seed_marketplace(settings, tmp_path)
    admin = auth(token(settings, "platform_admin"))
    answer = client.post("/api/v1/tokens", json={"name": "x", **body}, headers=admin)
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["detail"]
    with unit_of_work(settings) as session:
        assert session.query(ApiToken).count() == 1  # the admin's own


def test_when_the_token_route_names_an_existing_brand_or_seller_then_issued(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    ids = seed_marketplace(settings, tmp_path)
    admin = auth(token(settings, "platform_admin"))
    for body in ({"role": "rights_holder", "brand_id": ids["acme"], "expires_in": "3650d"},
                 {"role": "seller", "seller_id": "S-0001"}):
        answer = client.post("/api/v1/tokens", json={"name": "x", **body}, headers=admin)
        assert answer.status_code == 201, answer.text
