"""Enrichment signals: opt-in, deterministic, stateful, and absent by default."""

from __future__ import annotations

from typing import Any

import pytest

from tests.risk.helpers import event, make_rules, run

SHOW = """
version: 1
enrich: [first_seen, travel, address]
ip_countries: {"203.0.113.0/24": CN, "198.51.100.0/24": DE}
rules:
  - name: show
    events: [account.login, order.created]
    when: "True"
    action: allow
    score: 0
"""
NAMES = ["first_seen_device", "first_seen_ip", "travel_km", "travel_kmh", "impossible_travel",
         "billing_shipping_mismatch", "address_valid"]


def fields(events: list[dict[str, Any]]) -> list[dict[str, bool]]:
    """Return whether each derived field was truthy, read back through shadow rules."""
    rules = SHOW + "".join(
        f"  - {{name: {n}, events: [account.login, order.created], when: \"{n}\","
        " action: allow, score: 0, mode: shadow}\n" for n in NAMES)
    out = run(make_rules(rules), events)
    return [{n: (n in d.get("shadow_rules", ())) for n in NAMES} for d in out]


def test_first_seen_device_is_true_once_per_user_and_device() -> None:
    out = fields([event("1", "account.login", at=0, user_id="u", device_id="d1"),
                  event("2", "account.login", at=1, user_id="u", device_id="d1"),
                  event("3", "account.login", at=2, user_id="v", device_id="d1")])
    assert [o["first_seen_device"] for o in out] == [True, False, True]


def test_impossible_travel_between_logins_from_far_countries() -> None:
    out = fields([event("1", "account.login", at=0, user_id="u", country="DE"),
                  event("2", "account.login", at=3600, user_id="u", country="CN"),
                  event("3", "account.login", at=3600 * 30, user_id="u", country="CN")])
    assert [o["impossible_travel"] for o in out] == [False, True, False]


def test_travel_uses_lat_lon_then_ip_prefixes() -> None:
    ruleset = make_rules(SHOW + "  - {name: fast, events: [account.login], "
                         "when: \"travel_kmh > 5000 and 6000 < travel_km < 7500\", action: block, "
                         "score: 90}\n")
    out = run(ruleset, [event("1", "account.login", at=0, user_id="u", lat=52.5, lon=13.4),
                        event("2", "account.login", at=60, user_id="u", ip="203.0.113.9")])
    assert out[1]["rules"] == ["show", "fast"]


@pytest.mark.parametrize(
    ("extra", "mismatch", "valid"),
    [
        ({"billing_country": "DE", "shipping_country": "de"}, False, False),
        ({"billing_country": "DE", "shipping_address": {"country": "NG"}}, True, False),
        ({"address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345",
                      "country": "US"}}, False, True),
        ({"address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "ABCDE",
                      "country": "US"}}, False, False),
        ({"address": {"line1": "x", "city": "y", "postal_code": "1", "country": "ZZ"}},
         False, False),
    ],
)
def test_address_signals(extra: dict[str, Any], mismatch: bool, valid: bool) -> None:
    out = fields([event("1", "order.created", **extra)])[0]
    assert (out["billing_shipping_mismatch"], out["address_valid"]) == (mismatch, valid)


def test_without_enrich_the_fields_are_plain_event_fields() -> None:
    ruleset = make_rules("""
        version: 1
        rules:
          - {name: r, events: [account.login], when: "first_seen_device", action: block,
             score: 1}
    """)
    out = run(ruleset, [event("1", "account.login", user_id="u", device_id="d"),
                        event("2", "account.login", user_id="u", device_id="d",
                              first_seen_device=True)])
    assert [d["rules"] for d in out] == [[], ["r"]]


def test_client_cannot_prefill_derived_fields() -> None:
    out = fields([event("1", "account.login", user_id="u", device_id="d"),
                  event("2", "account.login", at=1, user_id="u", device_id="d",
                        first_seen_device=True)])
    assert out[1]["first_seen_device"] is False


def test_late_events_do_not_touch_enrichment_state() -> None:
    out = fields([event("1", "account.login", at=1000, user_id="u", device_id="d0"),
                  event("2", "account.login", at=0, user_id="u", device_id="d1"),
                  event("3", "account.login", at=1001, user_id="u", device_id="d1")])
    assert out[2]["first_seen_device"] is True
