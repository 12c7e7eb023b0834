"""Typed factories for test data: brand packs, catalog files and tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import yaml
from PIL import Image

from marketguard.auth import service as auth_service
from marketguard.auth.roles import cli_principal
from marketguard.brands import service as brands_service
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.uow import unit_of_work


def write_image(path: Path, seed: int, size: int = 128) -> Path:
    """Write a small textured PNG that differs by seed."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, size=(size // 8, size // 8, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).resize((size, size), Image.Resampling.NEAREST).save(path)
    return path


def brand_pack(name: str, *, seed: int = 1, **overrides: Any) -> dict[str, Any]:
    slug = name.lower().replace(" ", "")
    pack: dict[str, Any] = {
        "brand": name,
        "aliases": [name.split()[0].upper()],
        "rights": [
            {
                "kind": "trademark",
                "number": f"EU-{seed:09d}",
                "jurisdiction": "EU",
                "holder": f"{name} GmbH",
                "valid_until": "2031-05-01",
            }
        ],
        "authorized_sellers": ["S-0001"],
        "products": [
            {
                "name": f"{name} Summit",
                "model_numbers": [f"SM{seed}"],
                "keywords": [f"{slug} summit"],
                "category": "bags",
                "msrp": {"amount": 18900, "currency": "EUR"},
                "images": [f"img/{slug}_front.png"],
            }
        ],
        "counterfeit_terms": [f"{slug} style"],
    }
    pack.update(overrides)
    return pack


def write_brand_pack(folder: Path, name: str, *, seed: int = 1, **overrides: Any) -> Path:
    """Write a YAML brand pack with its images; return the pack file."""
    pack = brand_pack(name, seed=seed, **overrides)
    folder.mkdir(parents=True, exist_ok=True)
    for index, product in enumerate(pack["products"]):
        for image in product.get("images", []):
            write_image(folder / image, seed * 100 + index)
    path = folder / f"{name.lower().replace(' ', '_')}.yaml"
    path.write_text(yaml.safe_dump(pack, allow_unicode=True))
    return path


def seller(seller_id: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "seller_id": seller_id,
        "created_at": "2026-10-02T08:00:00Z",
        "country": "DE",
        "identifiers": {"device": [f"d-{seller_id}"], "payment": [f"p-{seller_id}"]},
    }
    record.update(overrides)
    return record


def listing(listing_id: str, seller_id: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "listing_id": listing_id,
        "seller_id": seller_id,
        "created_at": "2026-11-01T10:00:00Z",
        "title": f"Listing {listing_id}",
        "description": "A thing",
        "category": "bags",
        "price": {"amount": 2900, "currency": "EUR"},
        "images": [],
        "attributes": {},
    }
    record.update(overrides)
    return record


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else orjson.dumps(r).decode() for r in records]
    path.write_text("\n".join(lines) + "\n")
    return path


def token(
    settings: Settings,
    role: str,
    *,
    brand_id: str | None = None,
    seller_id: str | None = None,
    name: str | None = None,
    dataset: str | None = None,
) -> str:
    """Issue a token and return its secret."""
    with unit_of_work(settings) as session:
        issued = auth_service.create_token(
            session,
            actor=cli_principal(),
            name=name or role,
            role=role,
            brand_id=brand_id,
            seller_id=seller_id,
            dataset=dataset,
        )
    return issued.secret


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def seed_marketplace(settings: Settings, folder: Path) -> dict[str, Any]:
    """Two brands, two sellers with two listings each; return their ids."""
    write_brand_pack(folder / "brands", "Acme Outdoor", seed=1)
    write_brand_pack(folder / "brands", "Borealis Watches", seed=2)
    sellers = write_jsonl(folder / "sellers.jsonl", [seller("S-0001"), seller("S-0002")])
    listings = write_jsonl(
        folder / "listings.jsonl",
        [
            listing("L-1", "S-0001"),
            listing("L-2", "S-0001"),
            listing("L-3", "S-0002"),
            listing("L-4", "S-0002"),
        ],
    )
    with unit_of_work(settings) as session:
        actor = cli_principal()
        brands_service.import_packs(session, actor=actor, path=folder / "brands")
        catalog_service.import_sellers(session, actor=actor, path=sellers)
        catalog_service.import_listings(session, actor=actor, path=listings)
        acme = brands_service.resolve_brand(session, "Acme Outdoor")
        borealis = brands_service.resolve_brand(session, "Borealis Watches")
        rights = brands_service.rights_of(session, [acme.id, borealis.id])
    return {
        "acme": acme.id,
        "borealis": borealis.id,
        "acme_right": rights[acme.id][0].id,
        "borealis_right": rights[borealis.id][0].id,
    }


def portal_cookie(
    settings: Settings,
    role: str,
    *,
    email: str | None = None,
    brand_id: str | None = None,
    seller_id: str | None = None,
    dataset: str | None = None,
) -> dict[str, str]:
    """Create a person and a portal session for them; return the cookie that opens it.

    For page tests that are not about signing in (the passkey ceremonies have
    their own tests in a real browser).
    """
    from marketguard.auth import people, portal_sessions
    from marketguard.web.guard import SESSION_COOKIE

    with unit_of_work(settings) as session:
        person = people.create_person(
            session, actor=cli_principal(), email=email or f"{role}@example.com", role=role,
            brand_id=brand_id, seller_id=seller_id, dataset=dataset,
        )
        _, secret = portal_sessions.start(session, person)
    return {SESSION_COOKIE: secret}
