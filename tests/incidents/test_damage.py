"""The damage model: never decreases as scope grows, weighs records by data level."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from marketguard.incidents.damage import DamageModel, Severity
from marketguard.incidents.scope import COUNTS, Scope, merge
from marketguard.money import Money

MODEL = DamageModel(rates={"USD": 0.9})
counts = st.integers(min_value=0, max_value=10**12)
money = st.one_of(st.none(), st.builds(Money, amount=counts,
                                       currency=st.sampled_from(["EUR", "USD", "JPY", "GBP"])))
scopes = st.builds(
    Scope, **{name: counts for name in COUNTS}, data_level=st.integers(1, 4), money_at_risk=money
)


@given(scopes, st.sampled_from(COUNTS), st.integers(min_value=0, max_value=10**9))
def test_growing_any_count_never_lowers_damage(scope: Scope, name: str, more: int) -> None:
    grown = scope.model_copy(update={name: getattr(scope, name) + more})
    assert MODEL.damage(grown).total >= MODEL.damage(scope).total


@given(scopes, st.integers(1, 4))
def test_raising_the_data_level_never_lowers_damage(scope: Scope, level: int) -> None:
    higher = scope.model_copy(update={"data_level": max(level, scope.data_level)})
    assert MODEL.damage(higher).total >= MODEL.damage(scope).total


@given(scopes, st.integers(min_value=0, max_value=10**12))
def test_more_money_never_lowers_damage(scope: Scope, extra: int) -> None:
    base = scope.money_at_risk or Money(amount=0, currency="EUR")
    grown = scope.model_copy(update={"money_at_risk": Money(amount=base.amount + extra,
                                                            currency=base.currency)})
    assert MODEL.damage(grown).total >= MODEL.damage(scope).total


@given(scopes, scopes)
def test_a_merged_scope_is_at_least_as_damaging_as_either(a: Scope, b: Scope) -> None:
    merged = merge(a, b, MODEL.money_value)
    assert MODEL.damage(merged).total >= max(MODEL.damage(a).total, MODEL.damage(b).total) - 1e-9


@given(scopes)
def test_severity_falls_as_damage_falls(scope: Scope) -> None:
    order = [Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4]
    total = MODEL.damage(scope).total
    assert order.index(MODEL.severity(total)) <= order.index(MODEL.severity(total / 2))


def test_a_level_4_record_counts_as_a_hundred_level_2_records() -> None:
    secret = MODEL.damage(Scope(records_exposed=1_000, data_level=4))
    internal = MODEL.damage(Scope(records_exposed=100_000, data_level=2))
    same_count = MODEL.damage(Scope(records_exposed=1_000, data_level=2))
    assert secret.parts["records_exposed"] == internal.parts["records_exposed"]
    assert secret.total > same_count.total + 15  # two orders of magnitude, 10 points each


def test_public_records_do_no_damage() -> None:
    assert MODEL.damage(Scope(records_exposed=10**6, data_level=1)).total == 0


def test_worked_examples_of_the_documentation() -> None:
    leak = Scope(records_exposed=10_000, data_level=4)  # 10k card numbers
    ato = Scope(users=500, orders=200, money_at_risk=Money(amount=5_000_000, currency="EUR"))
    backlog = Scope(listings=40, brands=1)
    assert MODEL.severity(MODEL.damage(leak).total) is Severity.SEV2
    assert MODEL.severity(MODEL.damage(ato).total) is Severity.SEV1
    assert MODEL.severity(MODEL.damage(backlog).total) is Severity.SEV4
    assert MODEL.damage(ato).total > MODEL.damage(leak).total > MODEL.damage(backlog).total


def test_a_currency_without_a_rate_counts_at_par_and_says_so() -> None:
    damage = MODEL.damage(Scope(money_at_risk=Money(amount=100, currency="GBP")))
    assert damage.notes and "GBP counted at par" in damage.notes[0]
    assert MODEL.money_value(Money(amount=1000, currency="USD")) == 9.0
    assert MODEL.money_value(Money(amount=1000, currency="JPY")) == 1000.0
