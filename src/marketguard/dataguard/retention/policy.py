"""How long each personal field is kept, declared once, beside the catalog.

Why a table of rules and not a period on each column: a period means nothing
without its clock — a seller's phone must outlive the seller's account while the
store is open, and a year after it closed it must go — and only the rule that
applies it knows that clock. So each rule names the catalog field it covers, the
period (overridable in ``MARKETGUARD_DATA_RETENTION``), what the period counts
from, and what happens at its end. Personal fields that no period ends say why
they are kept (``KEPT``); a test fails for a personal field that does neither.

The catalog, ``data retention apply`` and the privacy notice read this module,
so what the notice promises is what the sweep does. It imports nothing from the
rest of marketguard but the duration parser, so settings can validate overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase

from marketguard.dataguard.durations import format_iso_duration, parse_iso_duration

STORE_CLOSED = "the store was closed"
NOTICE_SETTLED = "the notice was settled (every listing final, or the notice refused)"
ORDER_PLACED = "the order was placed"
EVENT_SEEN = "the event happened"
REQUEST_ANSWERED = "the request was answered"
SIGN_IN_FAILED = "the sign-in failed"
INVITATION_SPENT = "the enrolment link was used or expired"


@dataclass(frozen=True)
class Rule:
    """One personal field's default period, its clock and what happens at its end."""

    field: str  # catalog name: dataset.path (``sellers.identifiers.phone``)
    period: timedelta
    clock: str  # what the period counts from, in plain words
    action: str  # erased | anonymised | deleted
    why: str  # why this long, for the privacy notice and reviewers


def _days(n: int) -> timedelta:
    return timedelta(days=n)


_LINK_REPEAT = (
    "a closed store's identifiers recognise the same person opening a new store "
    "(repeat-infringer policy); a year covers the usual re-registration"
)
_RISK = "velocity and first-seen signals look back weeks, not months"

RULES: tuple[Rule, ...] = (
    *(
        Rule(f"sellers.identifiers.{kind}", _days(365), STORE_CLOSED, "erased", _LINK_REPEAT)
        for kind in ("phone", "address", "ip", "device", "payment")
    ),
    Rule("sellers.identifiers.*", _days(365), STORE_CLOSED, "erased", _LINK_REPEAT),
    Rule("sellers.*", _days(365), STORE_CLOSED, "erased",
         "kept input fields of a closed store serve no open case after a year"),
    Rule("listings.*", _days(365), STORE_CLOSED, "erased",
         "kept input fields of a closed store's listings serve no open case after a year"),
    Rule("orders.user_id", _days(730), ORDER_PLACED, "anonymised",
         "buyer ids tell buyers apart in seller-behaviour signals and disputes, which "
         "end within two years"),
    Rule("orders.*", _days(730), ORDER_PLACED, "erased",
         "kept input fields of an order follow its buyer id"),
    Rule("notices.notifier.name", _days(365), NOTICE_SETTLED, "anonymised",
         "the contact answers questions and appeals about a notice; a year after it is "
         "settled none remain open"),
    Rule("notices.notifier.email", _days(365), NOTICE_SETTLED, "anonymised",
         "the contact answers questions and appeals about a notice; a year after it is "
         "settled none remain open"),
    *(
        Rule(f"risk_events.{name}", _days(180), EVENT_SEEN, "erased", _RISK)
        for name in ("ip", "device_id", "user_id", "payment_instrument_id", "*")
    ),
    Rule("idempotency_records.body", _days(7), REQUEST_ANSWERED, "deleted",
         "a retried request comes within minutes; a week is ample"),
    Rule("sign_in_failures.client", _days(1), SIGN_IN_FAILED, "deleted",
         "failures are counted over 15 minutes to slow guessing down; a day covers any "
         "question about an attack in progress (the audit log keeps the event)"),
    Rule("invitations.email", _days(30), INVITATION_SPENT, "deleted",
         "a spent link answers 'was I invited, and when?' for a month; the audit log "
         "keeps that it was made"),
)
RULES_BY_FIELD: dict[str, Rule] = {rule.field: rule for rule in RULES}

# Catalog fields stored elsewhere but kept and erased with a rule's field.
ALIASES: dict[str, str] = {"seller_identifiers.value": "sellers.identifiers.*"}

# Personal fields no period ends, and why (matched in order, first wins).
KEPT: tuple[tuple[str, str], ...] = (
    ("audit_records.actor", "kept: the audit log proves who changed what and is never "
     "edited; it holds digests of personal data, never the data"),
    ("data_*", "kept: names who asked for, approved, read or was alerted about personal "
     "data, for accountability"),
    ("sellers.consent.*", "kept while the seller's account exists: their choice about "
     "third-party sharing is honoured for as long as anything about them is held"),
    ("api_tokens.name", "kept while the token exists: names the person it speaks for"),
    ("people.email", "kept while the person's portal account exists: it names who signs in"),
    ("rights.holder", "kept while the right is registered: the holder of a public "
     "registration"),
    ("brands.extra", "kept while the brand pack is registered"),
    ("*.decided_by", "kept with the decision: names who decided, for appeals and audits"),
    ("*.actor", "kept with the decision: names who acted, for appeals and audits"),
    ("*_by", "kept with the record: names who acted, for appeals and audits"),
)


def kept_reason(name: str) -> str | None:
    """Return why a personal field without a period is kept, or None when undeclared."""
    return next((why for pattern, why in KEPT if fnmatchcase(name, pattern)), None)


def rule_for(dataset: str, covering: tuple[str, ...]) -> Rule | None:
    """Return the rule of a catalog field given the names that cover it (itself first).

    Falls back to the dataset's ``*`` rule (any other field), so a field of the
    risk events named by pattern (``*card*``) takes the period of every other field.
    """
    for name in covering:
        full = f"{dataset}.{name}"
        found = RULES_BY_FIELD.get(ALIASES.get(full, full))
        if found is not None:
            return found
    return RULES_BY_FIELD.get(f"{dataset}.*") if dataset == "risk_events" else None


def check_overrides(value: Mapping[str, object]) -> dict[str, str]:
    """Validate ``MARKETGUARD_DATA_RETENTION``: known fields, ISO 8601 day durations.

    Returns the overrides normalised (``P180D``); raises ``ValueError`` naming the
    first bad entry and what would be accepted.
    """
    out: dict[str, str] = {}
    for name, raw in value.items():
        if name not in RULES_BY_FIELD:
            raise ValueError(
                f"unknown field {name!r}: a retention period can be set for "
                f"{', '.join(sorted(RULES_BY_FIELD))}"
            )
        if not isinstance(raw, str):
            raise ValueError(f"{name}: give an ISO 8601 duration such as P180D, got {raw!r}")
        try:
            period = parse_iso_duration(raw)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        out[name] = format_iso_duration(period)
    return out


@dataclass(frozen=True)
class RetentionPolicy:
    """The rules with this installation's overrides applied."""

    periods: Mapping[str, timedelta]

    def rule(self, field: str) -> Rule:
        return RULES_BY_FIELD[field]

    def period(self, field: str) -> timedelta:
        return self.periods[field]

    def cutoff(self, field: str, now: datetime) -> datetime:
        """Return the moment before which the field's clock must have started to expire."""
        return now - self.periods[field]

    def iso(self, field: str) -> str:
        return format_iso_duration(self.periods[field])

    def describe(self, field: str) -> str:
        """Say in plain words what happens to the field, and when."""
        rule = RULES_BY_FIELD[field]
        return f"{rule.action} {_spoken(self.periods[field])} after {rule.clock}"


def policy_from(overrides: Mapping[str, str] | None = None) -> RetentionPolicy:
    """Return the rules' periods with validated overrides applied."""
    periods = {rule.field: rule.period for rule in RULES}
    for name, text in check_overrides(overrides or {}).items():
        periods[name] = parse_iso_duration(text)
    return RetentionPolicy(periods)


def _spoken(period: timedelta) -> str:
    """``365 days``, ``1 day``, ``12 hours`` (a period as a person reads it)."""
    if period % timedelta(days=1) == timedelta(0):
        days = period // timedelta(days=1)
        return f"{days} day" + ("" if days == 1 else "s")
    return format_iso_duration(period)
