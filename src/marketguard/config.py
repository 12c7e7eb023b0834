"""One validated settings object, read from ``MARKETGUARD_*`` environment variables.

The profile (embedded or production) is chosen here, never by code edits: an unset
``nats_url`` / ``redis_url`` means in-process bus and cache; the database URL picks
SQLite or PostgreSQL. Secrets are ``SecretStr`` so they never show in ``repr`` or logs.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from marketguard.auth.roles import Role
from marketguard.errors import ConfigurationError
from marketguard.risk.model import TimeLimits

DEV_SECRET = "dev-only-insecure-secret-change-me"
_DURATION = re.compile(r"([0-9]+)([smhd])", re.ASCII)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Standing clearances out of the box (docs/data-protection.md, "Masking on every route"):
# reviewers see who filed the notices they decide; a rights holder sees the contact it
# filed itself (its notice routes only ever show its own brand's notices).
DEFAULT_CLEARANCES = {
    "reviewer": ["notices.notifier.name", "notices.notifier.email"],
    "rights_holder": ["notices.notifier.name", "notices.notifier.email"],
    # the audit routes exist to show auditors and admins who did what
    "auditor": ["audit_records.actor", "risk_rulesets.*"],
    "platform_admin": ["audit_records.actor", "risk_rulesets.*"],
    # analysts write, shadow and backtest the rules; the rule text is their work
    "analyst": ["risk_rulesets.*"],
}


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
    risk_max_clock_lead: timedelta = Field(
        default=timedelta(minutes=5),
        ge=timedelta(0),
        description="How far an event's ts may be ahead of the clock (the wall clock for the "
        "API, `risk decide` and `risk backtest`; the message's stream time on the stream): "
        "an event further ahead gets the error 'ahead: ...' and changes no state. Like a "
        "window (90s, 5m, 2h, 1d) or seconds",
    )
    risk_max_watermark_step: timedelta = Field(
        default=timedelta(days=1),
        gt=timedelta(0),
        description="How far one accepted event moves the latest processed time (the "
        "watermark lateness is measured from) forward: watermark = max(watermark, "
        "min(ts, watermark + step)). Like a window (90s, 5m, 2h, 1d) or seconds",
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

    data_clearances: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_CLEARANCES.items()},
        description="Standing clearances: role -> field patterns (dataset.path, * allowed) it "
        'reads unmasked without a grant, as JSON: {"reviewer": ["notices.notifier.*"]}',
    )
    data_max_duration_level3: timedelta = Field(
        default=timedelta(days=14), description="Longest grant on level-3 fields (ISO 8601: P14D)"
    )
    data_max_duration_level4: timedelta = Field(
        default=timedelta(days=1), description="Longest grant on level-4 fields (ISO 8601: P1D)"
    )
    data_export_cap_level3: int = Field(
        default=10_000,
        ge=1,
        description="Most rows one export may hold when its most sensitive field is level 3; "
        "more needs a data owner's second approval (POST /data/export-approvals)",
    )
    data_export_cap_level4: int = Field(
        default=1_000,
        ge=1,
        description="Most rows one export may hold when it has a level-4 field; more needs a "
        "data owner's second approval",
    )
    data_export_k: int = Field(
        default=5,
        ge=2,
        le=1000,
        description="k of the k-anonymity check a desensitized export's quasi-identifiers "
        "must pass before it leaves (rows that would single a person out are suppressed)",
    )
    data_export_max_suppressed: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Largest share of a desensitized export's rows the k-anonymity check may "
        "suppress; more and the export is refused (it would say too little, or the request "
        "singles people out)",
    )
    data_retention: dict[str, str] = Field(
        default_factory=dict,
        description="Retention periods overriding the declared ones (docs/data-protection.md, "
        '"Retention"): catalog field -> ISO 8601 duration, as JSON: '
        '{"risk_events.ip": "P90D", "notices.notifier.email": "P730D"}',
    )
    data_alert_rules_path: Path | None = Field(
        default=None,
        description="Rules file (FORMATS §5) the access-log alerts run on; unset: the starter "
        "rules shipped in marketguard/dataguard/alert_rules.yaml",
    )

    @field_validator("data_alert_rules_path")
    @classmethod
    def _check_alert_rules(cls, value: Path | None) -> Path | None:
        """Refuse a rules file that does not load, naming the rule and position."""
        if value is not None:
            from marketguard.errors import MarketguardError
            from marketguard.risk.validator import load_rules

            try:
                load_rules(str(value))
            except (MarketguardError, OSError) as exc:
                raise ValueError(f"data_alert_rules_path: {exc}") from None
        return value

    @field_validator("data_retention")
    @classmethod
    def _check_retention(cls, value: dict[str, str]) -> dict[str, str]:
        """Refuse an unknown field or a period that is not an ISO 8601 duration."""
        from marketguard.dataguard.retention.policy import check_overrides

        return check_overrides(value)

    @field_validator("data_clearances")
    @classmethod
    def _check_clearances(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        """Refuse a clearance for a role that does not exist (usually a typo)."""
        roles = {r.value for r in Role}
        unknown = sorted(set(value) - roles)
        if unknown:
            raise ValueError(
                f"data_clearances names unknown roles {unknown}; roles: {sorted(roles)}"
            )
        return value

    @field_validator("data_max_duration_level3", "data_max_duration_level4")
    @classmethod
    def _positive_duration(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("a longest grant duration must be positive")
        return value

    portal_url: str = Field(
        default="http://localhost:8000",
        description="Where people reach the portal: enrolment links printed by "
        "`marketguard user invite` start with it",
    )
    portal_rp_id: str | None = Field(
        default=None,
        description="WebAuthn relying-party id (a host name, e.g. example.com); unset: the "
        "host the browser used",
    )
    portal_origin: str | None = Field(
        default=None,
        description="The origin passkey ceremonies must come from (https://example.com); "
        "unset: the origin of the page the browser used",
    )
    portal_idle_timeout: timedelta = Field(
        default=timedelta(minutes=30),
        gt=timedelta(0),
        description="A portal session ends after this long without a request (ISO 8601: PT30M)",
    )
    portal_absolute_timeout: timedelta = Field(
        default=timedelta(hours=12),
        gt=timedelta(0),
        description="A portal session ends this long after sign-in, however active (PT12H)",
    )
    portal_step_up_after: timedelta = Field(
        default=timedelta(minutes=5),
        gt=timedelta(0),
        description="Sensitive actions ask for the passkey again when the last assertion is "
        "older than this (PT5M)",
    )
    portal_invitation_ttl: timedelta = Field(
        default=timedelta(hours=24),
        gt=timedelta(0),
        description="How long an enrolment link from `marketguard user invite` works (PT24H)",
    )
    portal_sign_in_failures: int = Field(
        default=10,
        ge=1,
        description="Failed sign-ins one client address may make in 15 minutes before "
        "further attempts are refused (429)",
    )

    incident_currency: str = Field(
        default="EUR",
        description="The currency incident damage values money in (ISO 4217)",
    )
    incident_exchange_rates: dict[str, float] = Field(
        default_factory=dict,
        description="Units of incident_currency per one unit of another currency, as JSON: "
        '{"USD": 0.92}; a currency without a rate counts at par (the breakdown says so)',
    )
    incident_severity_thresholds: dict[str, float] = Field(
        default_factory=lambda: {"SEV1": 80.0, "SEV2": 50.0, "SEV3": 25.0},
        description="Lowest damage of SEV1, SEV2 and SEV3 (below SEV3: SEV4), as JSON",
    )

    incident_backlog_notices: int = Field(
        default=3,
        ge=1,
        description="Undecided notices of one brand due within the escalation window (or "
        "overdue) that open a notice_backlog incident",
    )

    @field_validator("incident_currency")
    @classmethod
    def _check_incident_currency(cls, value: str) -> str:
        from marketguard.money import check_currency

        return check_currency(value)

    @field_validator("incident_exchange_rates")
    @classmethod
    def _check_rates(cls, value: dict[str, float]) -> dict[str, float]:
        from marketguard.money import check_currency

        for code, rate in value.items():
            check_currency(code)
            if not rate > 0:
                raise ValueError(f"incident_exchange_rates: the rate of {code} must be positive")
        return value

    @field_validator("incident_severity_thresholds")
    @classmethod
    def _check_thresholds(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != {"SEV1", "SEV2", "SEV3"}:
            raise ValueError("incident_severity_thresholds needs exactly SEV1, SEV2 and SEV3")
        if not value["SEV1"] > value["SEV2"] > value["SEV3"] > 0:
            raise ValueError("incident_severity_thresholds must fall: SEV1 > SEV2 > SEV3 > 0")
        return value

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

    @field_validator("risk_max_clock_lead", "risk_max_watermark_step", mode="before")
    @classmethod
    def _window_duration(cls, value: Any) -> Any:
        """Accept the rules' window syntax (``5m``, ``1d``) besides pydantic's durations."""
        if isinstance(value, str):
            match = _DURATION.fullmatch(value.strip())
            if match:
                return timedelta(seconds=int(match.group(1)) * _UNIT_S[match.group(2)])
        return value

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
    def risk_time_limits(self) -> TimeLimits:
        """The risk engine's clock lead and watermark step, in nanoseconds."""
        return TimeLimits(
            max_lead_ns=_ns(self.risk_max_clock_lead),
            max_step_ns=_ns(self.risk_max_watermark_step),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    def exports_dir(self) -> Path:
        """Return the folder export files are kept in (under ``data_dir``)."""
        return self.data_dir / "exports"

    def checkpoint_path(self) -> Path:
        """Return where the signed audit head lives for this database."""
        if self.audit_checkpoint_path is not None:
            return self.audit_checkpoint_path
        if self.is_sqlite:
            db_file = self.database_url.split("///", 1)[-1]
            if db_file and db_file != ":memory:":
                return Path(db_file + ".audit-head.json")
        return Path("marketguard-audit-head.json")


def _ns(span: timedelta) -> int:
    """A duration in nanoseconds, exactly (to the microsecond ``timedelta`` holds)."""
    return span // timedelta(microseconds=1) * 1000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process settings, turning validation failures into one clear error."""
    try:
        return Settings()
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigurationError(_first_message(exc)) from None


_UNPARSED = re.compile(r'error parsing value for field "([a-z0-9_]+)"')


def _first_message(exc: ValueError) -> str:
    unparsed = _UNPARSED.search(str(exc))
    if unparsed:  # a JSON-valued setting that is not JSON
        return (f"invalid setting MARKETGUARD_{unparsed.group(1).upper()}: not valid JSON "
                "(give an object such as {\"name\": \"value\"})")
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
