"""The risk event file (FORMATS §4) and its labels, written apart.

Events are generated as columns, sorted by time once, and a handful of benign
logins are then moved a few minutes back in time: real streams arrive slightly
out of order, and the engine must accept lateness under its 10-minute limit.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from marketguard.simulate.benign import benign_traffic
from marketguard.simulate.columns import OUTCOMES, PATTERNS, TYPE_CODE, TYPES, Batch, concat, take
from marketguard.simulate.fraud import fraud_budget, inject
from marketguard.simulate.population import COUNTRY_CODES, CURRENCIES, EMAILS
from marketguard.simulate.vocab import REFUND_REASONS
from marketguard.simulate.world import World
from marketguard.simulate.writer import Progress, rfc3339_many

CHUNK = 50_000
MAX_SHIFT_MS = 9 * 60_000 + 30_000  # stays under the engine's 10-minute lateness limit


def generate(
    world: World, rng: random.Random, nrng: np.random.Generator, events: int
) -> tuple[Batch, dict[str, int]]:
    """Return exactly ``events`` events in file order, and the fraud event count per pattern."""
    if events == 0:
        return concat([]), dict.fromkeys(PATTERNS, 0)
    rows, counts = inject(world, rng, fraud_budget(events))
    fraud = rows.batch()
    batches = [fraud, *benign_traffic(world, nrng, events - len(fraud["ts"]))]
    table = concat(batches)
    order = np.argsort(table["ts"], kind="stable")
    table = take(table, order)
    _shuffle_a_little(table, nrng)
    return table, counts


def _shuffle_a_little(table: Batch, rng: np.random.Generator) -> None:
    """Move a handful of benign logins behind their predecessor, by less than 10 minutes."""
    ts, kind, pattern = table["ts"], table["type"], table["pattern"]
    count = len(ts)
    if count < 3:
        return
    gaps = np.diff(ts)
    login = kind[1:] == TYPE_CODE["account.login"]
    eligible = np.flatnonzero(login & (pattern[1:] == 0) & (gaps < MAX_SHIFT_MS - 60_000)) + 1
    wanted = min(len(eligible), max(3, min(25, count // 40_000)))
    for index in np.sort(rng.choice(eligible, size=wanted, replace=False)).tolist():
        previous = int(ts[index - 1])
        room = MAX_SHIFT_MS - (int(ts[index]) - previous)
        ts[index] = previous - int(rng.integers(1_000, max(1_001, min(60_000, room))))


def write(
    world: World, table: Batch, events_path: Path, labels_path: Path, progress: Progress
) -> None:
    """Write the events file and its labels file in chunks."""
    tables = world.population.tables
    names: dict[str, Any] = {
        "users": tables.users,
        "devices": tables.devices,
        "ips": tables.ips,
        "cards": tables.cards,
        "promos": tables.promos,
        "countries": COUNTRY_CODES,
        "currencies": CURRENCIES,
        "emails": EMAILS,
        "reasons": REFUND_REASONS,
        "orders": world.book.ids,
        "listings": [item.listing_id for item in world.listings],
    }
    total = len(table["ts"])
    width = max(7, len(str(total)))
    progress("events", 0, total)
    labels_path.parent.mkdir(parents=True, exist_ok=True)
    with events_path.open("wb") as events_file, labels_path.open("wb") as labels_file:
        for start in range(0, total, CHUNK):
            stop = min(total, start + CHUNK)
            chunk = {name: column[start:stop].tolist() for name, column in table.items()}
            times = rfc3339_many(table["ts"][start:stop])
            lines, labels = _render(chunk, times, start, width, names)
            events_file.write(b"\n".join(lines) + b"\n")
            labels_file.write(b"\n".join(labels) + b"\n")
            progress("events", stop, total)


def _render(
    chunk: dict[str, list[int]], times: list[str], offset: int, width: int, names: dict[str, Any]
) -> tuple[list[bytes], list[bytes]]:
    """Serialise one chunk: the hot loop of the simulation, kept flat on purpose."""
    users, devices, ips, cards = names["users"], names["devices"], names["ips"], names["cards"]
    countries, currencies, promos = names["countries"], names["currencies"], names["promos"]
    emails, reasons, orders, listings = (
        names["emails"],
        names["reasons"],
        names["orders"],
        names["listings"],
    )
    kind, user, device, ip = chunk["type"], chunk["user"], chunk["device"], chunk["ip"]
    country, amount, currency, card = (
        chunk["country"],
        chunk["amount"],
        chunk["currency"],
        chunk["card"],
    )
    outcome, billing, shipping, promo = (
        chunk["outcome"],
        chunk["billing"],
        chunk["shipping"],
        chunk["promo"],
    )
    email, order, listing = chunk["email"], chunk["order"], chunk["listing"]
    reason, pattern = chunk["reason"], chunk["pattern"]
    dumps = orjson.dumps
    lines: list[bytes] = []
    labels: list[bytes] = []
    for i, ts in enumerate(times):
        event_id = f"e-{offset + i + 1:0{width}d}"
        event: dict[str, Any] = {
            "event_id": event_id,
            "type": TYPES[kind[i]],
            "ts": ts,
            "user_id": users[user[i]],
        }
        if device[i] >= 0:
            event["device_id"] = devices[device[i]]
        if ip[i] >= 0:
            event["ip"] = ips[ip[i]]
        if amount[i] >= 0:
            event["amount"] = amount[i]
            event["currency"] = currencies[currency[i]]
        if country[i] >= 0:
            event["country"] = countries[country[i]]
        if card[i] >= 0:
            event["payment_instrument_id"] = cards[card[i]]
        if outcome[i] >= 0:
            event["outcome"] = OUTCOMES[outcome[i]]
        if billing[i] >= 0:
            event["billing_country"] = countries[billing[i]]
        if shipping[i] >= 0:
            event["shipping_country"] = countries[shipping[i]]
        if promo[i] >= 0:
            event["promo_code"] = promos[promo[i]]
        if email[i] >= 0:
            event["email_domain"] = emails[email[i]]
        if order[i] >= 0:
            event["order_id"] = orders[order[i]]
        if listing[i] >= 0:
            event["listing_id"] = listings[listing[i]]
        if reason[i] >= 0:
            event["reason"] = reasons[reason[i]]
        lines.append(dumps(event))
        tag = PATTERNS[pattern[i] - 1] if pattern[i] else None
        labels.append(dumps({"event_id": event_id, "pattern": tag}))
    return lines, labels
