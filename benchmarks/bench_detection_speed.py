"""Detection speed: the pre-publication gate, batch throughput, photo hashing, OCR, lookup.

Prints one table. Each figure stands beside a baseline measured in the same run
where one makes sense: the gate and the batch beside a naive filter (lower-case
the text and look for every brand term with ``in``, which catches no disguise);
PDQ hashing beside decoding alone; reference lookup beside a numpy brute-force
Hamming scan. faiss and onnxruntime are limited to one thread, so the figures
are per core.

    .venv/bin/python benchmarks/bench_detection_speed.py [--quick]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import io  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import faiss  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from marketguard.detection.detector import Detector  # noqa: E402
from marketguard.detection.image_hash import (  # noqa: E402
    HASH_SIDE,
    VARIANT_LABELS,
    decode_image,
    hash_image_bytes,
    reference_hashes,
)
from marketguard.detection.image_index import ReferenceIndex  # noqa: E402
from marketguard.detection.knowledge import (  # noqa: E402
    BrandKnowledge,
    ListingInput,
    ProductKnowledge,
    ReferenceImage,
    SellerContext,
)
from marketguard.detection.ocr import OcrEngine  # noqa: E402

SYLLABLES = (
    "ka lo mi ra tes von bri zu el nor das qui fen tor lux ami vel sor pra dion bel cor "
    "dav fil gor hun jas kel lum mar nex orb pel quo rin sta tiv ulm vax wen xer yor zal "
    "bra cle dro fra gli kro plu sny tre vry"
).split()
WORDS = (
    "new used genuine original backpack bag leather wallet watch phone case shoes sneakers "
    "jacket size colour black red blue fast shipping gift box warranty excellent condition "
    "women men kids travel outdoor waterproof strap handle zipper pocket lightweight"
).split()
CATEGORIES = ["bags", "shoes", "watches", "phones", "clothing", "toys", "tools", "beauty"]
DISGUISES: list[Callable[[str], str]] = [
    lambda s: s,
    lambda s: s.replace("a", "а").replace("o", "о"),  # Cyrillic look-alikes
    lambda s: s.replace("a", "4").replace("e", "3"),  # leetspeak
    lambda s: " ".join(s),  # spelled out
    lambda s: s[:2] + s[2:].replace(s[2], s[2] * 2, 1),  # doubled letter
]
Row = tuple[str, str, str, str]


def brand_name(rng: np.random.Generator) -> str:
    return "".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 4)))).capitalize()


def make_knowledge(count: int, rng: np.random.Generator) -> list[BrandKnowledge]:
    """Brands with unique made-up names, three products each, in one category each."""
    brands, names = [], set()
    for b in range(count):
        name = brand_name(rng)
        while name in names:
            name = brand_name(rng)
        names.add(name)
        category = CATEGORIES[b % len(CATEGORIES)]
        products = [
            ProductKnowledge(
                product_id=f"p{b}-{p}",
                name=f"{name} {brand_name(rng)} {p}",
                model_numbers=(f"{name[:2].upper()}{b}{p}",),
                keywords=(f"{name.lower()} {WORDS[(b + p) % len(WORDS)]}",),
                category=category,
                msrp_amount=int(rng.integers(2_000, 90_000)),
                msrp_currency="EUR",
            )
            for p in range(3)
        ]
        brands.append(
            BrandKnowledge(
                brand_id=f"b{b}",
                name=name,
                aliases=(name.upper(),),
                products=products,
                authorized_seller_ids=frozenset({f"S-{b}"}),
                counterfeit_terms=(f"{name.lower()} style",),
                categories=(category,),
            )
        )
    return brands


def make_listings(
    brands: list[BrandKnowledge], count: int, rng: np.random.Generator
) -> list[ListingInput]:
    """Listings: two in three name a brand (often disguised), one in eleven says replica."""
    out = []
    for i in range(count):
        words = list(rng.choice(WORDS, size=int(rng.integers(4, 9))))
        brand = brands[int(rng.integers(0, len(brands)))]
        if i % 3:
            words.insert(int(rng.integers(0, len(words))), DISGUISES[i % 5](brand.name))
        if i % 11 == 0:
            words.append("replica")
        out.append(
            ListingInput(
                listing_id=f"L-{i}",
                seller_id=f"S-{i % 500}",
                title=" ".join(words),
                description=" ".join(rng.choice(WORDS, size=int(rng.integers(15, 40)))),
                category=brand.categories[0] if i % 4 else CATEGORIES[i % len(CATEGORIES)],
                price_amount=int(rng.integers(500, 50_000)),
                price_currency="EUR",
            )
        )
    return out


def naive_filter(brands: list[BrandKnowledge]) -> Callable[[ListingInput], int]:
    """The baseline: every term looked for with ``in`` in the lower-cased text."""
    terms = [t.lower() for b in brands for t in (b.name, *b.aliases, *b.counterfeit_terms)]
    for brand in brands:
        for product in brand.products:
            terms += [t.lower() for t in (*product.model_numbers, *product.keywords)]

    def check(listing: ListingInput) -> int:
        text = f"{listing.title} {listing.description}".lower()
        return sum(1 for term in terms if term in text)

    return check


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latencies_ms(calls: list[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def photo(seed: int, size: int = 800) -> Image.Image:
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(size // 16, size // 16))
    grey = Image.fromarray(np.clip(200 + 30 * noise, 0, 255).astype(np.uint8)).resize((size, size))
    image = Image.merge("RGB", [grey, grey, grey])
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x, y = (int(v) for v in rng.integers(50, size - 50, 2))
        r = int(rng.integers(20, size // 5))
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rng.integers(0, 255, 3))
        )
    return image


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def painted(text: str) -> Image.Image:
    image = Image.new("RGB", (800, 400), (236, 232, 226))
    font = ImageFont.load_default(size=64)
    ImageDraw.Draw(image).text((40, 150), text, fill=(25, 25, 25), font=font)
    return image


def text_rows(n_brands: int, n_listings: int, rng: np.random.Generator) -> list[Row]:
    brands = make_knowledge(n_brands, rng)
    listings = make_listings(brands, n_listings, rng)
    sellers = {
        f"S-{i}": SellerContext(f"S-{i}", float(i % 90), i % 60, i % 3, i % 2) for i in range(500)
    }
    start = time.perf_counter()
    detector = Detector(brands, [])
    build_ms = (time.perf_counter() - start) * 1000
    detector.check_batch(listings[:1_000], sellers, images=False)  # warm the caches
    sample = listings[: min(5_000, n_listings)]
    gate = latencies_ms(
        [lambda x=x: detector.check(x, sellers.get(x.seller_id), images=False) for x in sample]
    )
    naive = naive_filter(brands)
    base = latencies_ms([lambda x=x: naive(x) for x in sample[:2_000]])
    start = time.perf_counter()
    decisions = detector.check_batch(listings, sellers, images=False)
    rate = len(listings) / (time.perf_counter() - start)
    start = time.perf_counter()
    for listing in listings:
        naive(listing)
    naive_rate = len(listings) / (time.perf_counter() - start)
    blocked = sum(d.action == "block" for d in decisions)
    return [
        (f"detector build, {n_brands} brands (ms)", f"{build_ms:.0f}", "", "once per version"),
        ("gate p50, no OCR, no photos (ms)", f"{percentile(gate, 0.5):.3f}",
         f"{percentile(base, 0.5):.3f}", "naive `in` filter"),
        ("gate p99, no OCR, no photos (ms)", f"{percentile(gate, 0.99):.3f}",
         f"{percentile(base, 0.99):.3f}", "naive `in` filter"),
        ("batch text+price+seller (listings/s)", f"{rate:,.0f}", f"{naive_rate:,.0f}",
         f"naive `in` filter; {blocked} of {len(listings):,} blocked"),
    ]  # fmt: skip


def image_rows(n_hashes: int, rng: np.random.Generator, folder: Path) -> list[Row]:
    photos = [jpeg(photo(seed)) for seed in range(40)]
    start = time.perf_counter()
    for data in photos:
        hash_image_bytes(data)
    hash_rate = len(photos) / (time.perf_counter() - start)
    start = time.perf_counter()
    for data in photos:
        decode_image(data, side=HASH_SIDE)
    decode_rate = len(photos) / (time.perf_counter() - start)
    start = time.perf_counter()
    for data in photos[:10]:
        reference_hashes(data)
    per_reference = (time.perf_counter() - start) / 10

    per_image = len(VARIANT_LABELS) + 1
    matrix = rng.integers(0, 256, size=(n_hashes // per_image * per_image, 32), dtype=np.uint8)
    references = [
        ReferenceImage(
            f"r{i}", "b0", None, f"r{i}.jpg", matrix[i * per_image].tobytes(), "official",
            [matrix[i * per_image + k].tobytes() for k in range(1, per_image)],
        )
        for i in range(len(matrix) // per_image)
    ]  # fmt: skip
    index = ReferenceIndex(references, kind="flat")
    queries = [bytes(matrix[int(rng.integers(0, len(matrix)))] ^ 3) for _ in range(300)]
    lookups = latencies_ms([lambda q=q: index.search(q, 40) for q in queries])
    words = matrix.view(np.uint64)

    def brute(query: bytes) -> int:
        return int(np.bitwise_count(words ^ np.frombuffer(query, np.uint64)).sum(1).min())

    brute_ms = latencies_ms([lambda q=q: brute(q) for q in queries[:10]])
    ivf = ReferenceIndex(references, kind="ivf")
    planted = []
    for _ in range(300):  # near copies: 30 of 256 bits flipped
        row = int(rng.integers(0, len(matrix)))
        bits = np.zeros(256, dtype=np.uint8)
        bits[rng.choice(256, 30, replace=False)] = 1
        planted.append((row // per_image, bytes(matrix[row] ^ np.packbits(bits))))
    ivf_ms = latencies_ms([lambda q=q: ivf.search(q, 40) for _, q in planted])
    found = sum(any(m.reference.ref_id == f"r{r}" for m in ivf.search(q, 40)) for r, q in planted)

    path = folder / "photo.jpg"
    path.write_bytes(photos[0])
    gate = Detector([], references[:2_000])
    item = ListingInput("L-photo", "S-1", "Backpack", "", "bags", 1000, "EUR", (str(path),))

    def cold_check() -> None:
        gate._hashes.clear()  # a photo never seen before: decode, hash, look up
        gate.check(item)

    with_photo = latencies_ms([cold_check for _ in range(300)])

    engine = OcrEngine(threads=1)
    painted_photos = [painted(f"REPLICA BRAND{i}") for i in range(4)]
    engine.read(painted_photos[0])  # load the models
    start = time.perf_counter()
    for image in painted_photos[1:]:
        engine.read(image)
    ocr_rate = (len(painted_photos) - 1) / (time.perf_counter() - start)
    label = f"reference lookup, {index.size:,} hashes (ms)"
    return [
        ("PDQ hashing, 800 px JPEG (images/s)", f"{hash_rate:,.0f}", f"{decode_rate:,.0f}",
         "decoding alone"),
        (f"reference hashing, {per_image} hashes (s/image)", f"{per_reference:.2f}", "",
         "once, at brand import"),
        (label + " p50", f"{percentile(lookups, 0.5):.2f}", f"{percentile(brute_ms, 0.5):.2f}",
         "numpy brute force"),
        (label + " p99", f"{percentile(lookups, 0.99):.2f}", "", "faiss IndexBinaryFlat, exact"),
        (label + " IVF p50", f"{percentile(ivf_ms, 0.5):.2f}", "",
         f"approximate: recall {found / len(planted):.0%} at 30 bits"),
        ("gate p99 with one new 800 px photo (ms)", f"{percentile(with_photo, 0.99):.2f}", "",
         "decode + hash + lookup, 2,000 refs"),
        ("OCR, 800x400 photo with text (images/s)", f"{ocr_rate:.2f}", "", "full scan only"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(42)
    n_brands, n_listings, n_hashes = (
        (200, 3_000, 100_000) if args.quick else (1_000, 20_000, 1_000_000)
    )
    rows = text_rows(n_brands, n_listings, rng)
    with tempfile.TemporaryDirectory() as folder:
        rows += image_rows(n_hashes, rng, Path(folder))
    width = max(len(row[0]) for row in rows)
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"{'measure':<{width}}  {'marketguard':>12}  {'baseline':>10}  note")
    for name, value, baseline, note in rows:
        print(f"{name:<{width}}  {value:>12}  {baseline:>10}  {note}")


if __name__ == "__main__":
    main()
