"""Sellers: honest shops, authorized resellers, new accounts and counterfeit rings.

A ring is 3–8 accounts run by the same people. They look unrelated by name and
country but share devices, payment instruments, addresses, phones and IPs, which
is what network analysis finds. Each member shares at least one identifier with
another member, so the ring is one connected component of the identifier graph.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from marketguard.simulate.brands import Brand
from marketguard.simulate.config import DAY_MS
from marketguard.simulate.rng import IdFactory
from marketguard.simulate.vocab import COUNTRIES, HOSTING_OCTETS, RING_COUNTRIES
from marketguard.simulate.writer import rfc3339_s

KINDS = ("honest", "authorized", "ring", "new")
IDENTIFIER_KINDS = ("device", "payment", "phone", "address", "ip")
_CALLING = {c[0]: c[3] for c in COUNTRIES}
_OCTETS = {c[0]: c[4] for c in COUNTRIES}


@dataclass
class Seller:
    """One seller account and its ground truth (``kind``, ``ring``), kept apart on output."""

    kind: str
    country: str
    created_ms: int
    ring: str | None = None
    new_account: bool = False
    seller_id: str = ""
    brands: list[str] = field(default_factory=list)
    identifiers: dict[str, list[str]] = field(
        default_factory=lambda: {k: [] for k in IDENTIFIER_KINDS}
    )

    def record(self) -> dict[str, Any]:
        """Return the ``sellers.jsonl`` line (FORMATS §2); no ground truth in it."""
        return {
            "seller_id": self.seller_id,
            "created_at": rfc3339_s(self.created_ms),
            "country": self.country,
            "identifiers": {k: list(v) for k, v in self.identifiers.items()},
        }

    def label(self) -> dict[str, Any]:
        """Return the ``labels/sellers.jsonl`` line."""
        return {
            "seller_id": self.seller_id,
            "kind": self.kind,
            "ring": self.ring,
            "new_account": self.new_account,
        }


def _days_before(rng: random.Random, start_ms: int, low: int, high: int) -> int:
    """A moment between ``low`` and ``high`` days before the start, at any time of day."""
    return start_ms - rng.randint(low, high) * DAY_MS + rng.randrange(DAY_MS)


def _country(rng: random.Random) -> str:
    return rng.choices([c[0] for c in COUNTRIES], weights=[c[2] for c in COUNTRIES])[0]


def _own_identifiers(seller: Seller, ids: IdFactory, rng: random.Random) -> None:
    """Give a seller identifiers of its own (one of each kind, a second device sometimes)."""
    own = seller.identifiers
    own["device"].append(ids.new("d"))
    if rng.random() < 0.3:
        own["device"].append(ids.new("d"))
    own["payment"].append(ids.new("p"))
    own["phone"].append(ids.phone(_CALLING[seller.country]))
    own["address"].append(ids.new("addr", 8))
    own["ip"].append(ids.ip(_OCTETS[seller.country]))


def _ring_sizes(rng: random.Random, members: int) -> list[int]:
    sizes: list[int] = []
    left = members
    while left > 0:
        size = left if left <= 8 else rng.randint(3, min(8, left - 3))
        sizes.append(size)
        left -= size
    return sizes


def _make_ring(
    name: str, size: int, ids: IdFactory, rng: random.Random, start_ms: int, days: int
) -> list[Seller]:
    """Create one ring: members born in a burst, 1–2 of them new accounts, sharing identifiers."""
    shared: list[tuple[str, str]] = [("device", ids.new("d")) for _ in range(rng.randint(1, 2))]
    home = rng.choice(RING_COUNTRIES)
    shared.append(("payment", ids.new("p")))
    shared.append(("address", ids.new("addr", 8)))
    shared.append(("phone", ids.phone(_CALLING[home])))
    shared.append(("ip", ids.ip(HOSTING_OCTETS)))
    burst = _days_before(rng, start_ms, 20, 400)
    fresh = set(rng.sample(range(size), min(size - 1, rng.randint(1, 2))))
    members: list[Seller] = []
    previous: list[tuple[str, str]] = []
    for index in range(size):
        new = index in fresh
        created = (
            start_ms + rng.randint(0, max(0, int(days * 0.5 * DAY_MS)))
            if new
            else burst + rng.randint(0, 10 * DAY_MS)
        )
        country = home if rng.random() < 0.6 else rng.choice(RING_COUNTRIES)
        seller = Seller("ring", country, created, ring=name, new_account=new)
        _own_identifiers(seller, ids, rng)
        picks = [rng.choice(previous)] if previous else [rng.choice(shared)]
        picks += [item for item in shared if item not in picks and rng.random() < 0.35]
        for kind, value in picks:
            seller.identifiers[kind].append(value)
        previous = picks
        members.append(seller)
    return members


def generate_sellers(
    rng: random.Random, ids: IdFactory, count: int, brands: list[Brand], start_ms: int, days: int
) -> list[Seller]:
    """Create ``count`` sellers, authorize some for brands, and number them by age."""
    authorized = max(2, round(count * 0.06))
    ring_members = max(3, round(count * 0.10))
    new = max(1, round(count * 0.08))
    honest = count - authorized - ring_members - new
    sellers: list[Seller] = []
    for _ in range(authorized):
        seller = Seller("authorized", _country(rng), _days_before(rng, start_ms, 200, 2500))
        _own_identifiers(seller, ids, rng)
        sellers.append(seller)
    for index, size in enumerate(_ring_sizes(rng, ring_members), start=1):
        sellers += _make_ring(f"R-{index:02d}", size, ids, rng, start_ms, days)
    carrier_nat = [ids.ip(_OCTETS["DE"]), ids.ip(_OCTETS["FR"])]
    for index in range(honest + new):
        fresh = index >= honest
        created = (
            start_ms + rng.randint(0, int(days * 0.7 * DAY_MS))
            if fresh
            else _days_before(rng, start_ms, 30, 1500)
        )
        seller = Seller("new" if fresh else "honest", _country(rng), created, new_account=fresh)
        _own_identifiers(seller, ids, rng)
        if rng.random() < 0.03:  # honest sellers behind one carrier NAT: a false lead
            seller.identifiers["ip"].append(rng.choice(carrier_nat))
        sellers.append(seller)
    sellers.sort(key=lambda s: s.created_ms)
    width = max(4, len(str(count)))
    for number, seller in enumerate(sellers, start=1):
        seller.seller_id = f"S-{number:0{width}d}"
    _authorize(rng, sellers, brands)
    return sellers


def _authorize(rng: random.Random, sellers: list[Seller], brands: list[Brand]) -> None:
    """Give every brand 1–3 authorized resellers and every reseller at least one brand."""
    resellers = [s for s in sellers if s.kind == "authorized"]
    for index, brand in enumerate(brands):
        chosen = [resellers[index % len(resellers)]]
        extra = rng.randint(0, min(2, len(resellers) - 1))
        chosen += [s for s in rng.sample(resellers, extra + 1) if s not in chosen][:extra]
        for seller in chosen:
            seller.brands.append(brand.name)
    for seller in resellers:
        if not seller.brands:
            seller.brands.append(rng.choice(brands).name)
    for brand in brands:
        brand.authorized_sellers = [s.seller_id for s in sellers if brand.name in s.brands]
