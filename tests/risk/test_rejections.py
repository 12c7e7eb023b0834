"""Everything the language forbids is refused at load, naming the rule and position."""

from __future__ import annotations

import pytest

from marketguard.errors import InvalidInput
from marketguard.risk.model import RuleSetError
from tests.risk.helpers import make_rules, one_rule

FORBIDDEN: list[tuple[str, str]] = [
    ("a.b == 1", "1:1: attribute access is not allowed"),
    ("a[0] == 1", "1:1: subscripts are not allowed"),
    ("(lambda: 1) == 1", "1:2: lambdas are not allowed"),
    ("[x for x in a]", "1:1: comprehensions are not allowed"),
    ("any(x for x in a)", "1:1: unknown function 'any'"),
    ("{x for x in a}", "1:1: comprehensions are not allowed"),
    ("{k: 1 for k in a}", "1:1: comprehensions are not allowed"),
    ("a is None", "1:3: 'is' is not allowed; use '==' or '!='"),
    ("a is not None", "1:3: 'is not' is not allowed"),
    ("a // 2", "1:3: '//' is not allowed; use '/'"),
    ("(a) ** 2", "1:5: '**' is not allowed"),
    ("+a", "1:1: unary '+' is not allowed"),
    ("~a", "1:1: '~' is not allowed"),
    ("a | b", "1:3: '|' is not allowed"),
    ("a & b", "1:3: '&' is not allowed"),
    ("a ^ b", "1:3: '^' is not allowed"),
    ("a << 1", "1:3: '<<' is not allowed"),
    ("1 if a else 2", "1:1: conditional expressions (x if c else y) are not allowed"),
    ("(1, 2)", "1:1: tuples are not allowed"),
    ("a in (1, 2)", "1:6: tuples are not allowed"),
    ("{1, 2}", "1:1: sets are not allowed"),
    ("{'a': 1}", "1:1: dicts are not allowed"),
    ("f'{a}' == 'x'", "1:1: f-strings are not allowed"),
    ("(a := 1)", "1:2: ':=' is not allowed"),
    ("b'x' == a", "1:1: bytes literals are not allowed"),
    ("1j == a", "1:1: complex numbers are not allowed"),
    ("... == a", "1:1: '...' is not allowed"),
    ("foo(a)", "1:1: unknown function 'foo'"),
    ("eval('1')", "1:1: unknown function 'eval'"),
    ("a.lower()", "1:1: only the functions lower, upper"),
    ("lower()", "1:1: lower() takes exactly 1 argument (0 given)"),
    ("lower(a, b)", "1:1: lower() takes exactly 1 argument (2 given)"),
    ("startswith(a)", "1:1: startswith() takes exactly 2 arguments (1 given)"),
    ("contains(a, b, c)", "1:1: contains() takes exactly 2 arguments (3 given)"),
    ("min(a)", "1:1: min() takes at least 2 arguments (1 given)"),
    ("max()", "1:1: max() takes at least 2 arguments (0 given)"),
    ("len(x=a)", "keyword arguments are not allowed"),
    ("min(*a, 1)", "1:5: '*' unpacking is not allowed"),
    ("a in [b]", "1:7: list literals may hold only numbers and strings"),
    ("a in [True]", "1:7: list literals may hold only numbers and strings"),
    ("a in [None]", "1:7: list literals may hold only numbers and strings"),
    ("a in [[1]]", "1:7: list literals may hold only numbers and strings"),
    ("a in [--1]", "1:7: list literals may hold only numbers and strings"),
    ("await a", "1:1: 'await' is not allowed"),
    ("a and", "syntax error"),
    ("a == (b", "1:6: syntax error"),
    ("a = 1", "syntax error"),
    ("", "syntax error"),
    ("a ==\n 1", "syntax error"),
]


@pytest.mark.parametrize(("when", "message"), FORBIDDEN)
def test_forbidden_construct_is_rejected_with_rule_and_position(when: str, message: str) -> None:
    with pytest.raises(RuleSetError) as caught:
        one_rule(when)
    assert any(p.startswith("rule 'r': when ") and message in p for p in caught.value.problems), (
        caught.value.problems
    )


@pytest.mark.parametrize(
    "when", ["a in [1, -2.5, 'x']", "a in []", "-a < -1", "(a)", "not not a", "a == None"]
)
def test_allowed_constructs_load(when: str) -> None:
    one_rule(when)


def test_position_is_in_characters_and_counts_lines() -> None:
    with pytest.raises(RuleSetError) as caught:
        one_rule("(name == 'é' and\n  a.b)")
    assert caught.value.problems == ["rule 'r': when 2:3: attribute access is not allowed"]


def test_feature_inside_where_is_rejected() -> None:
    with pytest.raises(RuleSetError) as caught:
        make_rules("""
            version: 1
            features:
              n: {count: e, by: k, window: 1h}
              m: {count: e, by: k, window: 1h, where: "n > 1"}
            rules: []
        """)
    assert caught.value.problems == [
        "feature 'm': where 1:1: feature 'n' cannot be used inside a where "
        "(a where sees event fields and lists only)"
    ]


STRUCTURE: list[tuple[str, str]] = [
    ("rules: []", "missing 'version: 1'"),
    ("version: 2\nrules: []", "unsupported version 2"),
    ("version: '1'\nrules: []", "unsupported version '1'"),
    ("version: true\nrules: []", "unsupported version True"),
    ("version: 1\nrule: []", "unknown top-level key 'rule'"),
    ("version: 1\nfeatures:\n  f: {avg: amount, by: k, window: 1h}",
     "feature 'f': unknown aggregation 'avg'"),
    ("version: 1\nfeatures:\n  f: {count: e, by: k, window: 1h, windw: 2}",
     "feature 'f': unknown key 'windw'"),
    ("version: 1\nfeatures:\n  f: {count: e, of: e, by: k, window: 1h}",
     "feature 'f': 'count' takes no 'of'"),
    ("version: 1\nfeatures:\n  f: {sum: amount, by: k, window: 1h}",
     "feature 'f': 'sum' needs 'of'"),
    ("version: 1\nfeatures:\n  f: {distinct: card, by: k, window: 1h}",
     "feature 'f': 'distinct' needs 'of'"),
    ("version: 1\nfeatures:\n  f: {count: e, sum: a, by: k, window: 1h}",
     "feature 'f': give exactly one of count, sum or distinct"),
    ("version: 1\nfeatures:\n  f: {by: k, window: 1h}", "feature 'f': needs an aggregation"),
    ("version: 1\nfeatures:\n  f: {count: e, window: 1h}", "feature 'f': missing 'by'"),
    ("version: 1\nfeatures:\n  f: {count: e, by: k}", "feature 'f': missing 'window'"),
    *[(f"version: 1\nfeatures:\n  f: {{count: e, by: k, window: {w}}}",
       "feature 'f': bad window") for w in ("0m", "10", "1w", "-1h", "1.5h", "'1 h'", "h")],
    ("version: 1\nrules:\n  - {name: a, events: [e], when: 'x', action: deny, score: 1}",
     "rule 'a': unknown action 'deny'"),
    ("version: 1\nrules:\n  - {name: a, events: [e], when: 'x', action: block, score: 101}",
     "rule 'a': score 101 is outside 0-100"),
    ("version: 1\nrules:\n  - {name: a, events: [e], when: 'x', action: block, score: -1}",
     "rule 'a': score -1 is outside 0-100"),
    ("version: 1\nrules:\n  - {name: a, events: [e], when: 'x', action: block, score: 5.5}",
     "rule 'a': score 5.5 must be an integer"),
    ("version: 1\nrules:\n  - {name: a, events: [e], when: 'x', action: block, score: true}",
     "rule 'a': score True must be an integer"),
    ("version: 1\nrules:\n  - {name: a, events: [e], when: 'x', action: block, score: 1}\n"
     "  - {name: a, events: [e], when: 'x', action: block, score: 1}",
     "rule 'a': duplicate rule name 'a'"),
    ("version: 1\nrules:\n  - {name: a, events: [e], when: 'x', action: block, score: 1, x: 1}",
     "rule 'a': unknown key 'x'"),
    ("version: 1\nrules:\n  - {name: a, events: [e], when: 'x', action: block, score: 1,"
     " mode: dry}", "rule 'a': unknown mode 'dry'"),
    ("version: 1\nrules:\n  - {name: a, events: e, when: 'x', action: block, score: 1}",
     "rule 'a': 'events' must be a list"),
    ("version: 1\nrules:\n  - {name: a, events: [e], when: 5, action: block, score: 1}",
     "rule 'a': 'when' must be a string"),
    ("version: 1\nrules:\n  - {events: [e], when: 'x', action: block, score: 1}",
     "rule #1: missing 'name'"),
    ("version: 1\nlists:\n  c: [KP, NO]", "list 'c': item 2 is the boolean False"),
    ("version: 1\nenrich: [telepathy]", "unknown enrichment 'telepathy'"),
    ("version: 1\nrules: [", "not valid YAML at line"),
    ("- 1", "the file must be a mapping"),
]


@pytest.mark.parametrize(("text", "message"), STRUCTURE)
def test_structural_problem_is_rejected(text: str, message: str) -> None:
    with pytest.raises(RuleSetError) as caught:
        make_rules(text)
    assert any(message in p for p in caught.value.problems), caught.value.problems


def test_rule_set_error_is_invalid_input_listing_every_problem() -> None:
    with pytest.raises(InvalidInput) as caught:
        make_rules("version: 1\nrules:\n  - {name: a, events: [e], when: 'a.b or +c',"
                   " action: nope, score: 200}")
    error = caught.value
    assert isinstance(error, RuleSetError) and len(error.problems) == 4
    assert error.detail.startswith("rules: 4 problems: ")


def test_generated_code_never_contains_text_from_the_rules_file() -> None:
    from marketguard.risk.compiler import compile_program

    ruleset = make_rules("""
        version: 1
        lists:
          evil_list: ["__import__('os').system('x')"]
        features:
          evil_feature: {count: "e')\\nimport os#", by: "k'+__import__('os')+'", window: 1h,
                         where: "sneaky_field == '__import__(\\"os\\")'"}
        rules:
          - name: "r'); import os; ('"
            events: ["e')\\nimport os#"]
            when: "evil_feature > 0 or tricky_name in evil_list or lower(q) == 'exec(1)'"
            action: block
            score: 1
    """)
    source = compile_program(ruleset).source
    for fragment in ("__import__", "import os", "sneaky_field", "tricky_name", "evil", "exec("):
        assert fragment not in source
