"""Settings: one validated object; placeholder secrets refused in production."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from marketguard.config import Settings


def test_when_production_uses_the_placeholder_secret_then_refused() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production")


def test_when_secret_is_set_then_it_never_shows_in_repr() -> None:
    settings = Settings(secret_key=SecretStr("hunter2-very-secret"))
    assert "hunter2" not in repr(settings)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("database_url", "mysql://x/y", "unsupported database URL"),
        ("nats_url", "http://x", "nats://"),
        ("redis_url", "http://x", "redis://"),
    ],
)
def test_when_a_url_is_wrong_then_refused(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**{field: value})


def test_when_postgres_url_is_plain_then_the_driver_is_chosen() -> None:
    assert (
        Settings(database_url="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"
    )
