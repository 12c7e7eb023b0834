"""One validated settings object, read from ``MARKETGUARD_*`` environment variables.

The profile (embedded or production) is chosen here, never by code edits: an unset
``nats_url`` / ``redis_url`` means in-process bus and cache; the database URL picks
SQLite or PostgreSQL. Secrets are ``SecretStr`` so they never show in ``repr`` or logs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from marketguard.errors import ConfigurationError

DEV_SECRET = "dev-only-insecure-secret-change-me"


class Settings(BaseSettings):
    """Everything marketguard reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="MARKETGUARD_", env_file=".env", extra="ignore", frozen=True
    )

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = Field(
        default="sqlite:///marketguard.db",
        description="SQLAlchemy URL: sqlite:///file.db or postgresql://user@host/db",
    )
    nats_url: str | None = Field(default=None, description="nats://host:4222; unset: in-process")
    redis_url: str | None = Field(
        default=None, description="redis://host:6379/0; unset: in-process"
    )
    risk_state: Literal["process", "redis"] = Field(
        default="process",
        description="Where the API keeps risk feature state: in each API process, or in "
        "Redis (MARKETGUARD_REDIS_URL) so several API processes decide as one stream",
    )
    risk_namespace: str = Field(
        default="mg:risk",
        min_length=1,
        description="Prefix of the risk engine's Redis keys (one per environment sharing a Redis)",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEV_SECRET),
        description="Signs the audit log head and webhook payloads.",
    )
    audit_checkpoint_path: Path | None = Field(
        default=None,
        description="Where the signed audit head is kept, outside the database. "
        "Default: next to a SQLite file, else ./marketguard-audit-head.json",
    )
    data_dir: Path = Field(default=Path("."), description="Where models and caches are kept.")
    detection_policy_path: Path | None = Field(
        default=None, description="YAML detection policy (thresholds, weights); unset: defaults"
    )

    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhooks to loopback, private and link-local addresses (tests, "
        "closed networks). Off: such URLs are refused at registration and at delivery.",
    )

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        """Accept SQLite and PostgreSQL URLs only, and normalise the driver."""
        if value.startswith("sqlite:"):
            return value
        for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        raise ValueError(
            f"unsupported database URL {value!r}: use sqlite:///path.db or postgresql://user@host/db"
        )

    @field_validator("nats_url")
    @classmethod
    def _check_nats_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("nats://", "tls://")):
            raise ValueError(f"NATS URL must start with nats:// or tls://, got {value!r}")
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"Redis URL must start with redis:// or rediss://, got {value!r}")
        return value or None

    @model_validator(mode="after")
    def _shared_state_needs_redis(self) -> Settings:
        if self.risk_state == "redis" and not self.redis_url:
            raise ValueError("MARKETGUARD_RISK_STATE=redis needs MARKETGUARD_REDIS_URL")
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key.get_secret_value() == DEV_SECRET:
            raise ValueError("MARKETGUARD_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    def checkpoint_path(self) -> Path:
        """Return where the signed audit head lives for this database."""
        if self.audit_checkpoint_path is not None:
            return self.audit_checkpoint_path
        if self.is_sqlite:
            db_file = self.database_url.split("///", 1)[-1]
            if db_file and db_file != ":memory:":
                return Path(db_file + ".audit-head.json")
        return Path("marketguard-audit-head.json")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process settings, turning validation failures into one clear error."""
    try:
        return Settings()
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigurationError(_first_message(exc)) from None


def _first_message(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        items = errors()
        if items:
            item = items[0]
            loc = ".".join(str(part) for part in item.get("loc", ()))
            field = f"MARKETGUARD_{loc.upper()}: " if loc else ""
            message = str(item.get("msg", exc)).removeprefix("Value error, ")
            return f"invalid setting {field}{message}"
    return f"invalid settings: {exc}"
