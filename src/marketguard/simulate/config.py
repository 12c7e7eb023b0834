"""What a simulation is asked for, what it produced, and the checks on the request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from marketguard.errors import InvalidInput

DEFAULT_START = datetime(2026, 10, 1, tzinfo=UTC)
GENERATOR = "marketguard.simulate"
FORMAT_VERSION = 1
MIN_SELLERS = 10
MIN_LISTINGS = 20
MAX_DAYS = 366
# Beyond these the run needs more memory than a laptop has; split it instead.
MAX_SIZES = {"sellers": 1_000_000, "listings": 2_000_000, "events": 20_000_000}
DAY_MS = 86_400_000


@dataclass(frozen=True)
class SimulationConfig:
    """The request: a seed, an output folder and the marketplace's size.

    The same seed and sizes always give byte-identical files.
    """

    seed: int
    out: Path
    sellers: int = 500
    listings: int = 5000
    events: int = 200_000
    days: int = 30
    start: datetime = DEFAULT_START

    @property
    def start_ms(self) -> int:
        """Start of the simulated period in milliseconds since the epoch."""
        return int(self.start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        """End (exclusive) of the simulated period in milliseconds since the epoch."""
        return self.start_ms + self.days * DAY_MS


@dataclass
class SimulationSummary:
    """What was written: counts per kind of record and where each file is."""

    out: Path
    seed: int
    brands: int = 0
    products: int = 0
    sellers: int = 0
    listings: int = 0
    counterfeit_listings: int = 0
    listing_images: int = 0
    orders: int = 0
    events: int = 0
    fraud_events: dict[str, int] = field(default_factory=dict)
    disguises: dict[str, int] = field(default_factory=dict)
    seller_kinds: dict[str, int] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    def counts(self) -> dict[str, object]:
        """Return the counts as plain data (for the manifest and the CLI table)."""
        return {
            "brands": self.brands,
            "products": self.products,
            "sellers": self.sellers,
            "listings": self.listings,
            "counterfeit_listings": self.counterfeit_listings,
            "listing_images": self.listing_images,
            "orders": self.orders,
            "events": self.events,
            "fraud_events": dict(self.fraud_events),
            "disguises": dict(self.disguises),
            "seller_kinds": dict(self.seller_kinds),
        }


def validate(config: SimulationConfig) -> None:
    """Refuse a request that cannot give a sensible marketplace, before writing anything."""
    for name in ("seed", "sellers", "listings", "events", "days"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(f"{name} must be a whole number, not {value!r}")
    for name in ("sellers", "listings", "events", "days"):
        value = getattr(config, name)
        if value < 0:
            raise InvalidInput(f"{name} must not be negative (got {value})")
    for name, most in MAX_SIZES.items():
        value = getattr(config, name)
        if value > most:
            raise InvalidInput(
                f"{name} must be at most {most:,} (got {value:,}); simulate several smaller "
                "marketplaces with different seeds instead"
            )
    if config.sellers < MIN_SELLERS:
        raise InvalidInput(
            f"sellers must be at least {MIN_SELLERS} (got {config.sellers}) so the marketplace "
            "holds honest sellers, authorized resellers and a counterfeit ring"
        )
    if config.listings < MIN_LISTINGS:
        raise InvalidInput(
            f"listings must be at least {MIN_LISTINGS} (got {config.listings}) so every kind "
            "of listing can appear"
        )
    if not 1 <= config.days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS} (got {config.days})")
    if config.start.tzinfo is None:
        raise InvalidInput("start must carry a time zone (for example 2026-10-01T00:00:00Z)")
    check_out(Path(config.out))


def check_out(out: Path) -> None:
    """Accept a missing folder, an empty one, or the output of an earlier simulation."""
    if not out.exists():
        if out.parent.exists() and not out.parent.is_dir():
            raise InvalidInput(f"cannot create {out}: {out.parent} is a file")
        return
    if not out.is_dir():
        raise InvalidInput(f"out must be a folder, but {out} is an existing file")
    if not any(out.iterdir()):
        return
    if not is_simulation(out):
        raise InvalidInput(
            f"{out} is not empty and holds no earlier simulation (no manifest.json from "
            "marketguard simulate): choose a new or empty folder"
        )


def is_simulation(folder: Path) -> bool:
    """Whether ``folder`` holds the output of an earlier run (safe to replace)."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        data = orjson.loads(manifest.read_bytes())
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and data.get("generator") == GENERATOR
