"""Retention periods: declared for every personal field (or why it is kept), shown in
the catalog, overridable in settings, and a bad override refused at start-up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from marketguard.config import Settings
from marketguard.dataguard.retention.policy import (
    RULES_BY_FIELD,
    check_overrides,
    policy_from,
)
from marketguard.dataguard.service import catalog


def test_every_personal_field_has_a_period_or_says_why_it_is_kept() -> None:
    undecided = [f"{e.dataset}.{e.field}" for e in catalog(None, clearances={})
                 if e.category == "personal" and not e.retention_rule]
    assert undecided == [], "declare a retention rule or a KEPT reason for these"


def test_the_issue_example_holds_out_of_the_box() -> None:
    entries = {f"{e.dataset}.{e.field}": e for e in catalog(None, clearances={})}
    assert entries["risk_events.ip"].retention == "P180D"
    assert entries["risk_events.device_id"].retention == "P180D"
    assert entries["sellers.identifiers.payment"].retention == "P365D"
    assert entries["seller_identifiers.value"].retention == "P365D"  # erased with them
    assert entries["risk_events.*card*"].retention == "P180D"  # fields named by pattern
    assert entries["listings.title"].retention is None  # not personal: no period


def test_when_overridden_then_the_catalog_shows_the_new_period() -> None:
    entries = {f"{e.dataset}.{e.field}": e for e in catalog(
        None, clearances={}, retention={"notices.notifier.email": "p2w"})}
    assert entries["notices.notifier.email"].retention == "P14D"
    assert entries["notices.notifier.email"].retention_rule is not None
    assert "14 days after the notice was settled" in entries[
        "notices.notifier.email"].retention_rule


@pytest.mark.parametrize(("value", "message"), [
    ({"risk_events.ipp": "P1D"}, "unknown field 'risk_events.ipp'"),
    ({"listings.title": "P1D"}, "unknown field 'listings.title'"),
    ({"risk_events.ip": "P6M"}, "uses years or months"),
    ({"risk_events.ip": "180 days"}, "not ISO 8601"),
    ({"risk_events.ip": "P0D"}, "longer than zero"),
])
def test_when_an_override_is_bad_then_settings_refuse_it_naming_why(
    value: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(database_url="sqlite://", data_retention=value)


@given(days=st.integers(min_value=1, max_value=100_000), field=st.sampled_from(
    sorted(RULES_BY_FIELD)))
def test_any_positive_day_count_is_accepted_and_normalised(days: int, field: str) -> None:
    assert check_overrides({field: f"p{days}d"}) == {field: f"P{days}D"}
    assert policy_from({field: f"P{days}D"}).period(field).days == days


@given(text=st.text(max_size=20))
def test_any_text_is_either_a_duration_or_one_clear_error(text: str) -> None:
    try:
        check_overrides({"risk_events.ip": text})
    except ValueError as exc:
        assert str(exc).startswith("risk_events.ip: duration")
