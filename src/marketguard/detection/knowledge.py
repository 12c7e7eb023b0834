"""What the detector knows and what it is asked about, as plain frozen values.

Why: the detection layer is pure. The database side builds these values (brands,
products, reference images, listings, seller history) and hands them over, so
the detector can be tested, benchmarked and replayed without a database, and a
decision can be reproduced from the same inputs plus the versions it records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson

ReferenceKind = Literal["official", "confirmed_counterfeit", "design"]
REFERENCE_KINDS: tuple[str, ...] = ("official", "confirmed_counterfeit", "design")
PDQ_BYTES = 32


@dataclass(frozen=True, slots=True)
class ProductKnowledge:
    """One genuine product: how it is named and what it costs new."""

    product_id: str
    name: str
    model_numbers: Sequence[str] = ()
    keywords: Sequence[str] = ()
    category: str | None = None
    msrp_amount: int | None = None
    msrp_currency: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_numbers", tuple(self.model_numbers))
        object.__setattr__(self, "keywords", tuple(self.keywords))


@dataclass(frozen=True, slots=True)
class BrandKnowledge:
    """A brand as the detector needs it: names, products, who may sell it, red flags.

    ``categories`` are the marketplace categories the brand trades in; the
    categories of its products are added automatically (see :meth:`all_categories`).
    """

    brand_id: str
    name: str
    aliases: Sequence[str] = ()
    products: Sequence[ProductKnowledge] = ()
    authorized_seller_ids: Collection[str] = frozenset()
    counterfeit_terms: Sequence[str] = ()
    categories: Sequence[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "products", tuple(self.products))
        object.__setattr__(self, "authorized_seller_ids", frozenset(self.authorized_seller_ids))
        object.__setattr__(self, "counterfeit_terms", tuple(self.counterfeit_terms))
        object.__setattr__(self, "categories", tuple(self.categories))

    def all_categories(self) -> tuple[str, ...]:
        """Return the brand's own categories plus those of its products, without repeats."""
        seen: dict[str, None] = dict.fromkeys(self.categories)
        for product in self.products:
            if product.category:
                seen.setdefault(product.category)
        return tuple(seen)

    def product(self, product_id: str | None) -> ProductKnowledge | None:
        """Return the product with this id, or ``None``."""
        for product in self.products:
            if product.product_id == product_id:
                return product
        return None


def _pdq_bytes(value: bytes | int | str) -> bytes:
    """Accept a PDQ hash as 32 bytes, a 256-bit integer or 64 hex digits."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, int):
        if value < 0 or value.bit_length() > PDQ_BYTES * 8:
            raise ValueError("a PDQ hash as an integer must fit in 256 unsigned bits")
        raw = value.to_bytes(PDQ_BYTES, "big")
    elif isinstance(value, str):
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raise ValueError(f"a PDQ hash in hex must be 64 hex digits, got {value!r}") from None
    else:
        raise ValueError(f"a PDQ hash must be bytes, int or hex, not {type(value).__name__}")
    if len(raw) != PDQ_BYTES:
        raise ValueError(f"a PDQ hash has {PDQ_BYTES} bytes, got {len(raw)}")
    return raw


@dataclass(frozen=True, slots=True)
class ReferenceImage:
    """An image listing photos are compared against.

    ``pdq`` is the hash of the image itself (32 bytes; an int or hex is accepted
    and converted). ``variants`` are extra hashes of the same image (its dihedral
    rotations and flips, small crops and rotations) made by
    :func:`marketguard.detection.image_hash.reference_hashes`; without them only
    exact-orientation, uncropped copies are found.
    """

    ref_id: str
    brand_id: str
    product_id: str | None
    label: str
    pdq: bytes | int | str
    kind: ReferenceKind = "official"
    variants: Sequence[bytes] = ()

    def __post_init__(self) -> None:
        if self.kind == "counterfeit":  # the spelling the brands tables use
            object.__setattr__(self, "kind", "confirmed_counterfeit")
        if self.kind not in REFERENCE_KINDS:
            raise ValueError(f"reference kind must be one of {REFERENCE_KINDS}, not {self.kind!r}")
        object.__setattr__(self, "pdq", _pdq_bytes(self.pdq))
        object.__setattr__(self, "variants", tuple(_pdq_bytes(v) for v in self.variants))

    @property
    def pdq_bytes(self) -> bytes:
        """Return the hash as 32 bytes (it is stored converted, whatever was passed)."""
        assert isinstance(self.pdq, bytes)
        return self.pdq

    @property
    def pdq_hex(self) -> str:
        """Return the hash as 64 hex digits, the form PDQ hashes are shared in."""
        return self.pdq_bytes.hex()


@dataclass(frozen=True, slots=True)
class ListingInput:
    """A listing to check. Money is integer minor units plus an ISO 4217 code.

    With ``image_root``, ``image_paths`` are names relative to that folder and a
    photo resolving outside it (absolute, ``..``, a symlink out) is refused: that is
    how the platform passes photos named by callers. Without it, the paths are
    the caller's own, used as given (still read only as capped regular files).

    ``attributes`` are the seller's free-form item specifics (``{"colour": "blue"}``).
    """

    listing_id: str
    seller_id: str
    title: str
    description: str = ""
    category: str | None = None
    price_amount: int | None = None
    price_currency: str | None = None
    image_paths: Sequence[str] = ()
    created_at: datetime | None = None
    image_root: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "image_paths", tuple(str(p) for p in self.image_paths))


@dataclass(frozen=True, slots=True)
class SellerContext:
    """What the platform knows about a seller's behaviour, gathered by the caller.

    ``linked_penalized_sellers`` pairs another seller that was closed or penalised
    with the kind of identifier they share (``device``, ``payment``, ``phone``,
    ``address``, ``ip``). ``status`` is the account's status (``active``,
    ``suspended``, ``closed``) when the listing asks to go live; only an active
    store may publish. ``None`` means not asked: rescans of listings already
    decided leave it out, because what happens to a store's live listings is
    enforcement's call (closing a store takes them down; a suspension does not).
    """

    seller_id: str
    account_age_days: float | None = None
    listings_last_24h: int = 0
    prior_takedowns: int = 0
    strikes: int = 0
    linked_penalized_sellers: Sequence[tuple[str, str]] = field(default_factory=tuple)
    status: str | None = None

    def __post_init__(self) -> None:
        links = tuple((str(s), str(k)) for s, k in self.linked_penalized_sellers)
        object.__setattr__(self, "linked_penalized_sellers", links)

    @property
    def may_publish(self) -> bool:
        """Return whether the store may put new listings live (unknown status: yes)."""
        return self.status in (None, "active")


@dataclass(frozen=True, slots=True)
class CategoryPriceStats:
    """Robust price statistics of one category (median and median absolute deviation).

    Amounts are minor units of ``currency``; ``count`` is how many prices they
    summarise, so thin categories can be ignored.
    """

    category: str
    currency: str
    median_amount: float
    mad_amount: float
    count: int


def knowledge_digest(
    knowledge: Iterable[BrandKnowledge], references: Sequence[ReferenceImage] = ()
) -> str:
    """Return a short content hash of the knowledge, recorded with every decision."""
    brands = sorted(knowledge, key=lambda b: b.brand_id)
    payload = [
        [
            b.brand_id,
            b.name,
            list(b.aliases),
            [
                [
                    p.product_id,
                    p.name,
                    list(p.model_numbers),
                    list(p.keywords),
                    p.category,
                    p.msrp_amount,
                    p.msrp_currency,
                ]
                for p in b.products
            ],
            sorted(b.authorized_seller_ids),
            list(b.counterfeit_terms),
            list(b.categories),
        ]
        for b in brands
    ]
    digest = hashlib.sha256(orjson.dumps(payload))
    for ref in sorted(references, key=lambda r: r.ref_id):
        digest.update(ref.ref_id.encode() + ref.kind.encode() + ref.pdq_bytes)
        digest.update(b"".join(ref.variants))
    return digest.hexdigest()[:16]
