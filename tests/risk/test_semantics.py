"""Table-driven tests, one group per clause of FORMATS §5 (rules and decisions)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.risk.helpers import event, make_rules, matched, one_rule, run

# --- `when` truthiness, null propagation, booleans are not numbers ----------------

WHEN_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("amount < 500", {"amount": 100}, True),
    ("amount < 500", {}, False),  # missing field is null; null < 500 is null
    ("not (amount < 500)", {}, True),  # not null is True
    ("amount == None", {}, True),  # == compares normally
    ("amount != None", {"amount": 0}, True),
    ("flag == 1", {"flag": True}, False),  # True == 1 is false
    ("flag + 1 == None", {"flag": True}, True),  # True + 1 is null
    ("flag > 0", {"flag": True}, False),  # ordering needs two numbers
    ("-flag == None", {"flag": True}, True),
    ("abs(flag) == None", {"flag": True}, True),
    ("flag", {"flag": True}, True),
    ("name < 5", {"name": "a"}, False),  # string vs number: null
    ("name < 'b'", {"name": "a"}, True),
    ("'b' > name", {"name": "a"}, True),
    ("name + 1 == None", {"name": "a"}, True),
    ("name + 'x' == 'ax'", {"name": "a"}, True),
    ("tags + ['x'] == ['a', 'x']", {"tags": ["a"]}, True),
    ("amount / 0 == None", {"amount": 5}, True),
    ("amount % 0 == None", {"amount": 5}, True),
    ("amount / 2 == 2.5", {"amount": 5}, True),
    ("amount % 3 == 2", {"amount": -7}, True),  # Python's sign rule
    ("amount * 2 - 1 == 9", {"amount": 5}, True),
    ("(amount or 7) == 7", {}, True),  # or returns an operand
    ("(amount and 7) == None", {}, True),  # and returns the falsy operand
    ("(amount and 7) == 0", {"amount": 0}, True),
    ("('' or 'x') == 'x'", {}, True),
    ("1 < amount < 10", {"amount": 5}, True),
    ("1 < amount < 10", {"amount": 10}, False),
    ("(1 < amount < 10) == None", {}, True),
    ("1 < 5 < amount", {"amount": 6}, True),
    ("country in ['KP', 'IR']", {"country": "KP"}, True),
    ("country in ['KP', 'IR']", {}, False),
    ("(country in ['KP']) == None", {}, True),  # null operand gives null
    ("(country not in ['KP']) == None", {}, True),
    ("country not in ['KP']", {"country": "CN"}, True),
    ("flag in [1, 2]", {"flag": True}, False),
    ("amount in [1, -2]", {"amount": -2.0}, True),
    ("'ell' in name", {"name": "hello"}, True),
    ("(5 in name) == None", {"name": "hello"}, True),
    ("'a' in tags", {"tags": ["a", "b"]}, True),
    ("1 in tags", {"tags": [True]}, False),
    ("(1 in obj) == None", {"obj": {"1": 2}}, True),
    ("lower(name) == 'abc'", {"name": "AbC"}, True),
    ("upper(name) == 'ABC'", {"name": "AbC"}, True),
    ("lower(amount) == None", {"amount": 1}, True),
    ("len(name) == 3", {"name": "abc"}, True),
    ("len(tags) == 2", {"tags": [1, 2]}, True),
    ("len(amount) == None", {"amount": 12}, True),
    ("abs(amount) == 3", {"amount": -3}, True),
    ("min(a, b) == 1", {"a": 1, "b": 2}, True),
    ("max(a, b, c) == 'z'", {"a": "x", "b": "z", "c": "y"}, True),
    ("min(a, b) == None", {"a": 1, "b": "2"}, True),
    ("min(a, b) == None", {"a": 1}, True),
    ("startswith(email, 'temp')", {"email": "tempmail@x"}, True),
    ("endswith(email, '@x')", {"email": "tempmail@x"}, True),
    ("startswith(email, 1) == None", {"email": "x"}, True),
    ("contains(tags, 'b')", {"tags": ["a", "b"]}, True),
    ("contains(email, '@')", {"email": "a@b"}, True),
    ("contains(email, None) == None", {"email": "a@b"}, True),
    ("obj == obj2", {"obj": {"a": [1, True]}, "obj2": {"a": [1.0, True]}}, True),
    ("obj == obj2", {"obj": {"a": [1]}, "obj2": {"a": [True]}}, False),
    ("1e999 > 5", {}, True),
    ("-amount == -5", {"amount": 5}, True),
    ("None", {}, False),
    ("0", {}, False),
    ("[]", {}, False),
    ("[1]", {}, True),
    ("'x'", {}, True),
]


@pytest.mark.parametrize(("when", "fields", "expected"), WHEN_CASES)
def test_when_expression_follows_formats_semantics(
    when: str, fields: dict[str, Any], expected: bool
) -> None:
    assert matched(one_rule(when), fields) is expected


def test_when_name_is_feature_before_list_before_field() -> None:
    ruleset = one_rule(
        "x == 1 and y == ['a']",
        features="x: {count: e, by: user_id, window: 1h}\n",
        lists="y: [a]\nx: [b]\n",
    )
    assert matched(ruleset, {"user_id": "u", "x": 99, "y": "field"})


# --- decisions: action strength, score cap, file order, shadow, features ------------

DECISION_RULES = """
version: 1
features:
  n_user: {count: e, by: user_id, window: 1h}
  n_dev: {count: e, by: device_id, window: 1h}
rules:
  - {name: a, events: [e], when: "n_user >= 1", action: challenge, score: 60}
  - {name: s, events: [e], when: "n_dev >= 1", action: block, score: 90, mode: shadow}
  - {name: b, events: [e, f], when: "amount > 10", action: review, score: 70}
  - {name: c, events: [e], when: "amount > 10", action: allow, score: 5}
"""


def test_decision_takes_strongest_action_caps_score_and_lists_rules_in_file_order() -> None:
    out = run(make_rules(DECISION_RULES), [event("1", user_id="u", device_id="d", amount=11)])
    assert out == [
        {
            "event_id": "1",
            "action": "review",
            "score": 100,
            "rules": ["a", "b", "c"],
            "shadow_rules": ["s"],
            "features": {"n_user": 1, "n_dev": 1},
        }
    ]


def test_decision_is_allow_when_only_shadow_rules_match() -> None:
    out = run(make_rules(DECISION_RULES), [event("1", device_id="d")])
    assert out[0]["action"] == "allow" and out[0]["score"] == 0
    assert out[0]["shadow_rules"] == ["s"] and out[0]["features"] == {"n_dev": 1}


def test_decision_of_unruled_type_is_plain_allow() -> None:
    out = run(make_rules(DECISION_RULES), [event("1", "other")])
    assert out == [
        {"event_id": "1", "action": "allow", "score": 0, "rules": [],
         "shadow_rules": [], "features": {}}
    ]


def test_allow_rule_matching_alone_gives_allow_with_its_score() -> None:
    out = run(make_rules(DECISION_RULES), [event("1", "f", amount=11)])
    assert out[0]["action"] == "review" and out[0]["rules"] == ["b"]


def test_features_reported_are_only_those_read_by_matched_rules() -> None:
    out = run(make_rules(DECISION_RULES), [event("1", user_id="u")])
    assert out[0]["features"] == {"n_user": 1}
