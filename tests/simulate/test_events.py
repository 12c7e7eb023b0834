"""Risk events: time order with a little allowed lateness, every fraud pattern, no leaks."""

from __future__ import annotations

from collections import Counter, defaultdict

from marketguard.simulate.columns import PATTERNS
from marketguard.simulate.service import SimulationSummary
from marketguard.timeutil import parse_rfc3339
from tests.simulate.helpers import read_jsonl

TEN_MINUTES = 600.0


def test_when_events_are_read_then_only_a_few_are_late_and_none_by_ten_minutes(
    market: SimulationSummary,
) -> None:
    latest = None
    late = 0
    for event in read_jsonl(market.out / "events.jsonl"):
        ts = parse_rfc3339(event["ts"])
        if latest is not None and ts < latest:
            late += 1
            assert (latest - ts).total_seconds() < TEN_MINUTES, event
        latest = ts if latest is None else max(latest, ts)
    assert 1 <= late <= 25


def test_when_fraud_is_injected_then_every_pattern_appears(market: SimulationSummary) -> None:
    labels = read_jsonl(market.out / "labels" / "events.jsonl")
    counts = Counter(label["pattern"] for label in labels)
    assert set(counts) == {None, *PATTERNS}
    assert {p: counts[p] for p in PATTERNS} == market.fraud_events
    assert sum(market.fraud_events.values()) < 0.1 * market.events


def test_when_card_testing_happens_then_one_device_uses_many_cards(
    market: SimulationSummary,
) -> None:
    events = read_jsonl(market.out / "events.jsonl")
    labels = read_jsonl(market.out / "labels" / "events.jsonl")
    cards: dict[str, set[str]] = defaultdict(set)
    for event, label in zip(events, labels, strict=True):
        if label["pattern"] == "card_testing" and event["type"] == "payment.authorized":
            cards[event["device_id"]].add(event["payment_instrument_id"])
            assert event["amount"] <= 300
    assert cards and all(len(c) >= 10 for c in cards.values())


def test_when_credential_stuffing_happens_then_one_ip_fails_on_many_accounts(
    market: SimulationSummary,
) -> None:
    events = read_jsonl(market.out / "events.jsonl")
    labels = read_jsonl(market.out / "labels" / "events.jsonl")
    accounts: dict[str, set[str]] = defaultdict(set)
    failures: Counter[str] = Counter()
    for event, label in zip(events, labels, strict=True):
        if label["pattern"] == "credential_stuffing":
            accounts[event["ip"]].add(event["user_id"])
            failures[event["ip"]] += event["outcome"] == "failure"
    assert accounts and all(len(a) >= 15 and failures[ip] >= 15 for ip, a in accounts.items())


def test_when_account_is_taken_over_then_reset_login_address_and_order_follow(
    market: SimulationSummary,
) -> None:
    events = read_jsonl(market.out / "events.jsonl")
    labels = read_jsonl(market.out / "labels" / "events.jsonl")
    steps: dict[str, list[str]] = defaultdict(list)
    for event, label in zip(events, labels, strict=True):
        if label["pattern"] == "account_takeover":
            steps[event["user_id"]].append(event["type"])
    assert steps
    for sequence in steps.values():
        assert sequence[:3] == ["account.password_reset", "account.login", "address.changed"]
        assert "order.created" in sequence


def test_when_orders_appear_in_events_then_they_exist_in_the_orders_file(
    market: SimulationSummary,
) -> None:
    orders = {r["order_id"]: r for r in read_jsonl(market.out / "orders.jsonl")}
    listings = {r["listing_id"] for r in read_jsonl(market.out / "listings.jsonl")}
    sellers = {r["seller_id"] for r in read_jsonl(market.out / "sellers.jsonl")}
    for event in read_jsonl(market.out / "events.jsonl"):
        if event["type"] == "order.created":
            order = orders[event["order_id"]]
            assert (order["listing_id"], order["user_id"], order["ts"]) == (
                event["listing_id"],
                event["user_id"],
                event["ts"],
            )
        if event["type"] == "listing.published":
            assert event["listing_id"] in listings and event["user_id"] in sellers
