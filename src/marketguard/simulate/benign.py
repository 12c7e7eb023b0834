"""Ordinary traffic: sign-ups, logins, shopping sessions, refunds, sellers publishing.

It carries the look-alikes that make fraud rules earn their keep: people who
travel, families sharing a device and several cards, honest password resets
followed by a login from a new phone, welcome codes used once by many people.
"""

from __future__ import annotations

import numpy as np

from marketguard.simulate.columns import OUTCOME_CODE, TYPE_CODE, Batch, Rows
from marketguard.simulate.population import COUNTRY_CODES, COUNTRY_INDEX, CURRENCY_INDEX, pick
from marketguard.simulate.vocab import REFUND_REASONS
from marketguard.simulate.world import World, diurnal

LOGIN, RESET = TYPE_CODE["account.login"], TYPE_CODE["account.password_reset"]
ADDRESS, ORDER = TYPE_CODE["address.changed"], TYPE_CODE["order.created"]
PAYMENT, REFUND = TYPE_CODE["payment.authorized"], TYPE_CODE["refund.requested"]
SUCCESS, FAILURE = OUTCOME_CODE["success"], OUTCOME_CODE["failure"]
APPROVED, DECLINED = OUTCOME_CODE["approved"], OUTCOME_CODE["declined"]
SECOND_MS = 1000
MINUTE_MS = 60_000
DAY_MS = 86_400_000


def _full(size: int, value: int) -> np.ndarray:
    return np.full(size, value, dtype=np.int64)


def _subset(rng: np.random.Generator, total: int, count: int) -> np.ndarray:
    """Pick ``count`` of ``range(total)`` without replacement, in ascending order."""
    if count >= total:
        return np.arange(total)
    return np.sort(rng.choice(total, size=count, replace=False))


def _elsewhere(rng: np.random.Generator, home: np.ndarray, rate: float) -> np.ndarray:
    """Return home countries, with a share ``rate`` swapped for another (travel, gifts)."""
    away = rng.random(len(home)) < rate
    other = (home + rng.integers(1, len(COUNTRY_CODES), size=len(home))) % len(COUNTRY_CODES)
    return np.where(away, other, home).astype(np.int16)


def registrations(world: World, rng: np.random.Generator, limit: int) -> Batch:
    """Sign-ups of the buyers who join during the period (some with the welcome code)."""
    pop = world.population
    joining = np.flatnonzero(pop.registered_ms >= world.start_ms)
    users = joining[_subset(rng, len(joining), limit)]
    promo = np.where(rng.random(len(users)) < 0.3, 0, -1)
    device = pop.dev_base[users].copy()
    if len(users) > 1:  # households: a second sign-up on the family tablet
        shared = np.flatnonzero(rng.random(len(users)) < 0.05)
        device[shared] = device[rng.integers(0, len(users), len(shared))]
    return {
        "ts": pop.registered_ms[users],
        "type": _full(len(users), TYPE_CODE["account.register"]),
        "user": users,
        "device": device,
        "ip": pop.ip_base[users],
        "country": pop.country[users],
        "email": pop.email[users],
        "promo": promo,
    }


def publications(world: World, rng: np.random.Generator, limit: int) -> Batch:
    """``listing.published`` by sellers, from their own device and IP."""
    pop = world.population
    rows = Rows()
    for index in _subset(rng, len(world.listings), limit).tolist():
        listing = world.listings[index]
        seller = listing.seller.seller_id
        rows.add(
            listing.created_ms,
            "listing.published",
            pop.seller_user[seller],
            device=pop.seller_device[seller],
            ip=pop.seller_ip[seller],
            country=COUNTRY_INDEX[listing.seller.country],
            amount=listing.price_amount,
            currency=CURRENCY_INDEX[listing.currency],
            listing=index,
        )
    return rows.batch()


def shopping(world: World, rng: np.random.Generator, sessions: int) -> tuple[Batch, Batch]:
    """Login, order and payment for ``sessions`` of the listing orders; and a few refunds."""
    pop, book = world.population, world.book
    chosen = _subset(rng, world.listing_orders, sessions)
    count = len(chosen)
    ts = np.asarray(book.ts, dtype=np.int64)[chosen]
    users = np.asarray(book.buyer, dtype=np.int32)[chosen]
    amount = np.asarray(book.amount, dtype=np.int64)[chosen]
    currency = np.asarray([CURRENCY_INDEX[c] for c in book.currency], dtype=np.int8)[chosen]
    listing = np.asarray(book.listing, dtype=np.int32)[chosen]
    device = pick(rng, pop.dev_base, pop.dev_count, users)
    ip = pick(rng, pop.ip_base, pop.ip_count, users)
    card = pick(rng, pop.card_base, pop.card_count, users)
    home = pop.country[users]
    where = _elsewhere(rng, home, 0.03)
    login_ts = np.maximum(world.start_ms, ts - rng.integers(30 * SECOND_MS, 20 * MINUTE_MS, count))
    pay_ts = np.minimum(world.end_ms - 1, ts + rng.integers(SECOND_MS, 30 * SECOND_MS, count))
    promo = np.where(rng.random(count) < 0.04, rng.integers(0, 4, count), -1)
    approved = np.where(rng.random(count) < 0.97, APPROVED, DECLINED)
    both = {
        "user": np.tile(users, 3),
        "device": np.tile(device, 3),
        "ip": np.tile(ip, 3),
        "country": np.tile(where, 3),
    }
    none = _full(count, -1)
    session: Batch = {
        **both,
        "ts": np.concatenate((login_ts, ts, pay_ts)),
        "type": np.concatenate((_full(count, LOGIN), _full(count, ORDER), _full(count, PAYMENT))),
        "outcome": np.concatenate((_full(count, SUCCESS), none, approved)),
        "amount": np.concatenate((none, amount, amount)),
        "currency": np.concatenate((none, currency, currency)),
        "shipping": np.concatenate((none, _elsewhere(rng, home, 0.05), none)),
        "promo": np.concatenate((none, promo, none)),
        "card": np.concatenate((none, none, card)),
        "billing": np.concatenate((none, none, home)),
        "order": np.concatenate((none, chosen, none)),
        "listing": np.concatenate((none, listing, none)),
    }
    refund = np.flatnonzero(rng.random(count) < 0.04)
    refund_ts = ts[refund] + rng.integers(DAY_MS, 12 * DAY_MS, len(refund))
    keep = refund_ts < world.end_ms
    refund, refund_ts = refund[keep], refund_ts[keep]
    refunds: Batch = {
        "ts": refund_ts,
        "type": _full(len(refund), REFUND),
        "user": users[refund],
        "device": device[refund],
        "ip": ip[refund],
        "country": home[refund],
        "amount": amount[refund],
        "currency": currency[refund],
        "order": chosen[refund],
        "reason": rng.integers(0, len(REFUND_REASONS), len(refund)),
    }
    return session, refunds


def new_phones(world: World, rng: np.random.Generator, people: int) -> Batch:
    """Honest password resets followed by a login from a brand-new device."""
    pop = world.population
    rows = Rows()
    span = max(1, world.end_ms - world.start_ms - 2 * 3_600_000)
    for user in rng.integers(0, pop.buyers, size=people).tolist():
        ts = max(world.start_ms, int(pop.registered_ms[user])) + int(rng.integers(0, span))
        ts = min(ts, world.end_ms - 3_600_000)
        device = pop.tables.device(world.ids.new("d"))
        ip = int(pop.ip_base[user])
        country = int(pop.country[user])
        rows.add(ts, "account.password_reset", user, device=device, ip=ip, country=country)
        rows.add(
            ts + int(rng.integers(30_000, 900_000)),
            "account.login",
            user,
            device=device,
            ip=ip,
            country=country,
            outcome=SUCCESS,
        )
    return rows.batch()


def background(world: World, rng: np.random.Generator, count: int) -> Batch:
    """Everyday logins (a few failed), password resets and address changes."""
    pop = world.population
    users = rng.choice(pop.buyers, size=count, p=pop.weight).astype(np.int32)
    days = max(1, (world.end_ms - world.start_ms) // DAY_MS)
    day = rng.integers(0, days, count)
    hour = rng.choice(24, size=count, p=diurnal())
    ts = world.start_ms + day * DAY_MS + hour * 3_600_000 + rng.integers(0, 3_600_000, count)
    registered = pop.registered_ms[users]
    late = registered >= world.start_ms
    spread = (rng.random(count) * (world.end_ms - registered)).astype(np.int64)
    ts = np.where(late, registered + spread, ts)
    ts = np.minimum(ts, world.end_ms - 1)
    roll = rng.random(count)
    kind = np.where(roll < 0.95, LOGIN, np.where(roll < 0.96, RESET, ADDRESS))
    failed = rng.random(count) < 0.04
    outcome = np.where(kind == LOGIN, np.where(failed, FAILURE, SUCCESS), -1)
    home = pop.country[users]
    shipping = np.where(kind == ADDRESS, _elsewhere(rng, home, 0.08), -1)
    return {
        "ts": ts,
        "type": kind,
        "user": users,
        "device": pick(rng, pop.dev_base, pop.dev_count, users),
        "ip": pick(rng, pop.ip_base, pop.ip_count, users),
        "country": _elsewhere(rng, home, 0.03),
        "outcome": outcome,
        "shipping": shipping,
    }


def benign_traffic(world: World, rng: np.random.Generator, budget: int) -> list[Batch]:
    """Return exactly ``budget`` benign events, as batches."""
    batches: list[Batch] = []
    left = budget

    def keep(batch: Batch) -> None:
        nonlocal left
        batches.append(batch)
        left -= len(batch["ts"])

    keep(registrations(world, rng, min(left, int(budget * 0.05))))
    keep(publications(world, rng, min(left, int(budget * 0.08))))
    sessions, refunds = shopping(world, rng, min(world.listing_orders, int(budget * 0.45) // 3))
    keep(sessions)
    if len(refunds["ts"]) <= left:
        keep(refunds)
    keep(new_phones(world, rng, min(left // 2, max(1, budget // 400))))
    keep(background(world, rng, left))
    return batches
