"""Derived event fields for real fraud rules, computed before rules run.

Why opt-in: FORMATS §5 defines decisions over the event's own fields; a rules file
asks for these signals with a top-level ``enrich: [first_seen, travel, address]``
and, when absent, nothing here runs. The signals are deterministic functions of
the events processed so far, and their state lives in the same FeatureStore as
the windows (so Redis-backed workers share it). Derived fields overwrite any
same-named field the client sent, so a client cannot pre-fill them.

* ``first_seen``: ``first_seen_device``, ``first_seen_ip``, ``first_seen_country``,
  ``first_seen_payment_instrument`` — True the first time this ``user_id`` is seen
  with that value, False afterwards, null when either is missing.
* ``travel`` (``account.login`` only): ``travel_km``, ``travel_kmh`` and
  ``impossible_travel`` (speed above 1,000 km/h) between this login and the
  user's latest earlier login with a known place. The place is ``lat``/``lon``,
  else the ``country`` centroid, else ``ip`` mapped by the rules file's
  ``ip_countries`` prefixes. Time gaps under a minute count as a minute.
* ``address``: ``billing_shipping_mismatch`` (billing and shipping countries
  differ) and ``address_valid`` (``address`` or ``shipping_address`` has
  ``line1``, ``city``, a known ISO country and a postal code of its format).
"""

from __future__ import annotations

from typing import Any

from marketguard.risk.features import FeatureStore
from marketguard.risk.geo import (
    CENTROIDS,
    GENERIC_POSTAL,
    ISO_COUNTRIES,
    POSTAL,
    PrefixTable,
    distance_km,
)
from marketguard.risk.model import RuleSet
from marketguard.risk.series import encode_key, normalize

FIRST_SEEN = {
    "device_id": "first_seen_device",
    "ip": "first_seen_ip",
    "country": "first_seen_country",
    "payment_instrument_id": "first_seen_payment_instrument",
}
IMPOSSIBLE_KMH = 1000.0
_NS_PER_HOUR = 3600 * 10**9
_MIN_GAP_NS = 60 * 10**9


def _key(value: Any) -> str:
    return encode_key(value if type(value) is str else normalize(value))


class Enricher:
    """Add the derived fields a rule set asked for to each accepted event."""

    def __init__(self, ruleset: RuleSet, store: FeatureStore) -> None:
        self.store = store
        self.first_seen = "first_seen" in ruleset.enrich
        self.travel = "travel" in ruleset.enrich
        self.address = "address" in ruleset.enrich
        self.prefixes = PrefixTable(ruleset.ip_countries)

    def apply(self, event: dict[str, Any], ts: int) -> dict[str, Any]:
        """Return a copy of ``event`` with derived fields (state updated as a side effect)."""
        out = dict(event)
        if self.first_seen:
            self._first_seen(out)
        if self.travel:
            self._travel(out, ts)
        if self.address:
            self._address(out)
        return out

    def _first_seen(self, event: dict[str, Any]) -> None:
        user = event.get("user_id")
        for field, name in FIRST_SEEN.items():
            value = event.get(field)
            if user is None or value is None:
                event[name] = None
            else:
                event[name] = not self.store.seen(f"fs_{field}", _key(user), _key(value))

    def place(self, event: dict[str, Any]) -> tuple[float, float] | None:
        """Return the event's (lat, lon): coordinates, else country, else IP prefix."""
        lat: Any = event.get("lat")
        lon: Any = event.get("lon")
        if type(lat) in (int, float) and type(lon) in (int, float):
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return (float(lat), float(lon))
        country = event.get("country")
        if not isinstance(country, str):
            country = self.prefixes.country(event.get("ip"))
        return CENTROIDS.get(country.upper()) if isinstance(country, str) else None

    def _travel(self, event: dict[str, Any], ts: int) -> None:
        event["travel_km"] = event["travel_kmh"] = event["impossible_travel"] = None
        user = event.get("user_id")
        if event.get("type") != "account.login" or user is None:
            return
        here = self.place(event)
        if here is None:
            return
        key = _key(user)
        before = self.store.get_state("travel", key)
        if before is not None:
            km = distance_km((before["lat"], before["lon"]), here)
            hours = max(abs(ts - before["ts"]), _MIN_GAP_NS) / _NS_PER_HOUR
            event["travel_km"] = round(km, 1)
            event["travel_kmh"] = round(km / hours, 1)
            event["impossible_travel"] = km / hours > IMPOSSIBLE_KMH
        if before is None or ts >= before["ts"]:
            self.store.set_state("travel", key, {"ts": ts, "lat": here[0], "lon": here[1]})

    def _address(self, event: dict[str, Any]) -> None:
        billing = _country_of(event, "billing")
        shipping = _country_of(event, "shipping")
        event["billing_shipping_mismatch"] = (
            billing != shipping if billing is not None and shipping is not None else None
        )
        address = event.get("address")
        if not isinstance(address, dict):
            address = event.get("shipping_address")
        event["address_valid"] = address_valid(address) if isinstance(address, dict) else None


def _country_of(event: dict[str, Any], role: str) -> str | None:
    value = event.get(f"{role}_country")
    if not isinstance(value, str):
        nested = event.get(f"{role}_address")
        value = nested.get("country") if isinstance(nested, dict) else None
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def address_valid(address: dict[str, Any]) -> bool:
    """True when the address has a street, a city, a known country and a fitting postcode."""
    parts = [address.get(name) for name in ("line1", "city", "postal_code", "country")]
    if not all(isinstance(part, str) and part.strip() for part in parts):
        return False
    line1, city, postal, country = (str(part).strip() for part in parts)
    country = country.upper()
    if country not in ISO_COUNTRIES:
        return False
    pattern = POSTAL.get(country, GENERIC_POSTAL)
    return pattern.fullmatch(postal) is not None
