"""Fraud patterns injected into the event stream, each event tagged with its pattern.

- card_testing: a fresh account on one device tries many stolen cards with small
  amounts in quick bursts; most are declined.
- credential_stuffing: one IP tries leaked passwords on many accounts; nearly all
  fail.
- account_takeover: a password reset and login from a new device in an unusual
  country, an address change, then a large order paid with the victim's card.
- promotion_abuse: many new accounts on one device, each using the same promo code
  and the same few cards.
- refund_abuse: one customer asks for a refund on almost every order.

Each instance knows its size before it touches shared state, so the fraud budget
is met exactly.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from marketguard.simulate.columns import OUTCOME_CODE, PATTERN_CODE, PATTERNS, Rows
from marketguard.simulate.population import (
    COUNTRY_CODES,
    COUNTRY_INDEX,
    EMAIL_INDEX,
    OCTETS,
    REASON_INDEX,
)
from marketguard.simulate.vocab import DISPOSABLE_DOMAINS, EMAIL_DOMAINS, HOSTING_OCTETS
from marketguard.simulate.world import World

SECOND_MS = 1000
MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


class Injector:
    """Adds fraud instances to ``rows`` while the budget lasts."""

    def __init__(self, world: World, rng: random.Random, rows: Rows) -> None:
        self.world = world
        self.rng = rng
        self.rows = rows
        self.tables = world.population.tables

    # -- helpers -----------------------------------------------------------------
    def _anchor(self, span_ms: int, *, needs_listing: bool = False) -> int:
        """A start time leaving ``span_ms`` before the end (after a listing exists if needed)."""
        low = self.world.start_ms + MINUTE_MS
        if needs_listing:
            low = max(low, self.world.first_listing_ms() + MINUTE_MS)
        high = max(low + 1, self.world.end_ms - span_ms)
        return self.rng.randrange(low, high)

    def _foreign(self, home: str | None = None) -> str:
        return self.rng.choice([c for c in COUNTRY_CODES if c != home])

    def _new_user(self) -> int:
        return self.tables.user(self.world.ids.new("u", 8))

    def _new_device(self) -> int:
        return self.tables.device(self.world.ids.new("d"))

    def _new_card(self) -> int:
        return self.tables.card(self.world.ids.new("p"))

    def _new_ip(self, country: str | None = None) -> int:
        octets = OCTETS[country] if country else HOSTING_OCTETS
        return self.tables.ip(self.world.ids.ip(octets))

    def _old_buyer(self, before_ms: int) -> int:
        pop = self.world.population
        while True:
            user = self.rng.randrange(pop.buyers)
            if int(pop.registered_ms[user]) < before_ms - 30 * DAY_MS:
                return user

    # -- patterns ----------------------------------------------------------------
    def card_testing(self, cap: int) -> int:
        """One device, one fresh account, many cards, small amounts, in 1–2 bursts."""
        if cap < 13:
            return 0
        rng, add, p = self.rng, self.rows.add, PATTERN_CODE["card_testing"]
        cards = rng.randint(12, min(40, cap - 1))
        ts = self._anchor(4 * HOUR_MS)
        user, device, country = self._new_user(), self._new_device(), self._foreign()
        ip = self._new_ip()
        add(
            ts,
            "account.register",
            user,
            p,
            device=device,
            ip=ip,
            country=COUNTRY_INDEX[country],
            email=EMAIL_INDEX[rng.choice(DISPOSABLE_DOMAINS + EMAIL_DOMAINS[:2])],
        )
        ts += rng.randint(2 * MINUTE_MS, 10 * MINUTE_MS)
        split = rng.randint(cards // 2, cards) if rng.random() < 0.4 else cards
        currency = rng.choice((0, 1))  # EUR or USD
        for attempt in range(cards):
            if attempt == split:
                ts += rng.randint(30 * MINUTE_MS, 2 * HOUR_MS)
            ts += rng.randint(2 * SECOND_MS, 20 * SECOND_MS)
            outcome = OUTCOME_CODE["declined"] if rng.random() < 0.8 else OUTCOME_CODE["approved"]
            add(
                ts,
                "payment.authorized",
                user,
                p,
                device=device,
                ip=ip,
                country=COUNTRY_INDEX[country],
                amount=rng.randint(50, 300),
                currency=currency,
                card=self._new_card(),
                billing=COUNTRY_INDEX[self._foreign()],
                outcome=outcome,
            )
        return 1 + cards

    def credential_stuffing(self, cap: int) -> int:
        """One IP, many accounts, failed logins every few seconds; a rare success."""
        if cap < 20:
            return 0
        rng, add, p = self.rng, self.rows.add, PATTERN_CODE["credential_stuffing"]
        attempts = rng.randint(20, min(150, cap))
        ts = self._anchor(30 * MINUTE_MS)
        country = self._foreign()
        ip = self._new_ip()
        devices = [self._new_device() for _ in range(rng.randint(1, 3))]
        for _ in range(attempts):
            ts += rng.randint(200, 6 * SECOND_MS)
            user = self._old_buyer(ts) if rng.random() < 0.75 else self._new_user()
            outcome = OUTCOME_CODE["success"] if rng.random() < 0.03 else OUTCOME_CODE["failure"]
            add(
                ts,
                "account.login",
                user,
                p,
                device=rng.choice(devices),
                ip=ip,
                country=COUNTRY_INDEX[country],
                outcome=outcome,
            )
        return attempts

    def account_takeover(self, cap: int) -> int:
        """Reset, new-device login, address change and a big order from abroad."""
        if cap < 5 or not self.world.listings:
            return 0
        rng, add, pop = self.rng, self.rows.add, self.world.population
        p = PATTERN_CODE["account_takeover"]
        ts = self._anchor(3 * HOUR_MS, needs_listing=True)
        victim = self._old_buyer(ts)
        home = COUNTRY_CODES[int(pop.country[victim])]
        abroad = COUNTRY_INDEX[self._foreign(home)]
        device, ip = self._new_device(), self._new_ip(COUNTRY_CODES[abroad])
        add(ts, "account.password_reset", victim, p, device=device, ip=ip, country=abroad)
        ts += rng.randint(MINUTE_MS, 10 * MINUTE_MS)
        add(
            ts,
            "account.login",
            victim,
            p,
            device=device,
            ip=ip,
            country=abroad,
            outcome=OUTCOME_CODE["success"],
        )
        ts += rng.randint(2 * MINUTE_MS, 30 * MINUTE_MS)
        ship = COUNTRY_INDEX[self._foreign(home)]
        add(ts, "address.changed", victim, p, device=device, ip=ip, country=abroad, shipping=ship)
        ts += rng.randint(5 * MINUTE_MS, 60 * MINUTE_MS)
        listing = self.world.pick_listing(rng, ts, dear=True)
        assert listing is not None  # the anchor comes after the first listing
        order, amount, currency = self.world.order(listing, ts, victim)
        add(
            ts,
            "order.created",
            victim,
            p,
            device=device,
            ip=ip,
            country=abroad,
            amount=amount,
            currency=currency,
            shipping=ship,
            order=order,
            listing=listing,
        )
        card = int(pop.card_base[victim])
        add(
            ts + rng.randint(SECOND_MS, 20 * SECOND_MS),
            "payment.authorized",
            victim,
            p,
            device=device,
            ip=ip,
            country=abroad,
            amount=amount,
            currency=currency,
            card=card,
            billing=int(pop.country[victim]),
            outcome=OUTCOME_CODE["approved"],
        )
        return 5

    def promotion_abuse(self, cap: int) -> int:
        """New accounts on one device, one promo code, a shared card, cheap orders."""
        if cap < 12 or not self.world.listings:
            return 0
        rng, add, p = self.rng, self.rows.add, PATTERN_CODE["promotion_abuse"]
        accounts = rng.randint(4, min(15, cap // 3))
        ts = self._anchor(accounts * HOUR_MS + HOUR_MS, needs_listing=True)
        country = rng.choice(COUNTRY_CODES[:8])
        where = COUNTRY_INDEX[country]
        device = self._new_device()
        ips = [self._new_ip(country) for _ in range(rng.randint(1, 2))]
        cards = [self._new_card() for _ in range(rng.randint(1, 2))]
        promo = 0 if rng.random() < 0.6 else rng.randint(1, len(self.tables.promos) - 1)
        disposable = rng.random() < 0.6
        for _ in range(accounts):
            ts += rng.randint(5 * MINUTE_MS, 60 * MINUTE_MS)
            user, ip = self._new_user(), rng.choice(ips)
            domain = rng.choice(DISPOSABLE_DOMAINS if disposable else EMAIL_DOMAINS)
            add(
                ts,
                "account.register",
                user,
                p,
                device=device,
                ip=ip,
                country=where,
                email=EMAIL_INDEX[domain],
                promo=promo,
            )
            at = ts + rng.randint(3 * MINUTE_MS, 30 * MINUTE_MS)
            listing = self.world.pick_listing(rng, at, dear=False)
            assert listing is not None
            self._order_and_pay(
                at, user, p, listing, (device, ip, where), lambda: rng.choice(cards), promo=promo
            )
        return 3 * accounts

    def _order_and_pay(
        self,
        at: int,
        user: int,
        pattern: int,
        listing: int,
        seen_from: tuple[int, int, int],
        card: Callable[[], int],
        promo: int = -1,
    ) -> tuple[int, int, int]:
        """Add an order and its approved payment a few seconds later; return the order.

        ``seen_from`` is (device, ip, country); ``card`` is called after the
        payment's delay is drawn, which keeps the random stream (and so every
        simulated file) the same as when each pattern wrote both events itself.
        """
        device, ip, where = seen_from
        order, amount, currency = self.world.order(listing, at, user)
        self.rows.add(
            at,
            "order.created",
            user,
            pattern,
            device=device,
            ip=ip,
            country=where,
            amount=amount,
            currency=currency,
            shipping=where,
            promo=promo,
            order=order,
            listing=listing,
        )
        self.rows.add(
            at + self.rng.randint(SECOND_MS, 20 * SECOND_MS),
            "payment.authorized",
            user,
            pattern,
            device=device,
            ip=ip,
            country=where,
            amount=amount,
            currency=currency,
            card=card(),
            billing=where,
            outcome=OUTCOME_CODE["approved"],
        )
        return order, amount, currency

    def refund_abuse(self, cap: int) -> int:
        """One customer, many orders over the period, a refund request after nearly each."""
        if cap < 15 or not self.world.listings:
            return 0
        rng, add, pop = self.rng, self.rows.add, self.world.population
        p = PATTERN_CODE["refund_abuse"]
        orders = rng.randint(5, min(15, cap // 3))
        first = max(self.world.start_ms, self.world.first_listing_ms()) + MINUTE_MS
        span = self.world.end_ms - first
        delay_max = max(2 * MINUTE_MS, min(4 * DAY_MS, span // 3))
        user = self._old_buyer(first)
        device, ip = int(pop.dev_base[user]), int(pop.ip_base[user])
        where = int(pop.country[user])
        card = int(pop.card_base[user])
        times = sorted(
            first + rng.randrange(max(1, span - delay_max - MINUTE_MS)) for _ in range(orders)
        )
        for ts in times:
            listing = self.world.pick_listing(rng, ts)
            assert listing is not None
            order, amount, currency = self._order_and_pay(
                ts, user, p, listing, (device, ip, where), lambda: card
            )
            reason = "item_not_received" if rng.random() < 0.7 else "not_as_described"
            add(
                ts + rng.randint(delay_max // 2, delay_max),
                "refund.requested",
                user,
                p,
                device=device,
                ip=ip,
                country=where,
                amount=amount,
                currency=currency,
                order=order,
                reason=REASON_INDEX[reason],
            )
        return 3 * orders


def fraud_budget(events: int) -> int:
    """About 3% of the traffic, but enough for one of each pattern in small files."""
    return min(events, max(int(events * 0.03), min(events // 3, 250)))


def inject(world: World, rng: random.Random, budget: int) -> tuple[Rows, dict[str, int]]:
    """Add fraud instances round-robin until ``budget`` is spent; return rows and counts."""
    rows = Rows()
    injector = Injector(world, rng, rows)
    makers: dict[str, Callable[[int], int]] = {name: getattr(injector, name) for name in PATTERNS}
    counts = dict.fromkeys(PATTERNS, 0)
    active = list(PATTERNS)
    used = 0
    share = max(15, budget // 5)  # the first round leaves room for every pattern
    while active:
        for name in list(active):
            left = budget - used
            cap = min(left, share)
            made = makers[name](cap)
            if made == 0 and cap == left:
                active.remove(name)
            used += made
            counts[name] += made
        share = budget
    return rows, counts
