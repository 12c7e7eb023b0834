"""Photos: official images differ product to product; stolen copies stay close."""

from __future__ import annotations

import random

import numpy as np
import pdqhash
import pytest

from marketguard.simulate import images


def _hash(image: images.Image.Image) -> np.ndarray:
    bits, _quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return bits.astype(bool)


def _distance(a: np.ndarray, b: np.ndarray) -> int:
    return int((a != b).sum())


def test_when_products_differ_then_their_perceptual_hashes_are_far_apart() -> None:
    hashes = [_hash(images.render_product(seed, "Kivora", 1)) for seed in range(8)]
    distances = [_distance(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > 64


def test_when_same_seed_then_same_pixels() -> None:
    one = images.render_product(42, "Orbit", 2)
    two = images.render_product(42, "Orbit", 2)
    assert one.tobytes() == two.tobytes() and 256 <= one.width <= 512


def test_when_photo_is_lightly_edited_then_hash_stays_close() -> None:
    original = images.render_product(7, "Orbit", 1)
    edited, done = images.disguise_photo(original, random.Random(0), edits=1)
    if done[0].startswith(("colour", "resize", "overlay", "reencode")):
        assert _distance(_hash(original), _hash(edited)) <= 40
    for edit in range(2, 5):
        _, done = images.disguise_photo(original, random.Random(edit), edits=edit)
        assert len(done) == edit


def test_when_banner_is_painted_then_it_spans_most_of_the_width() -> None:
    base = images.render_generic(3)
    painted = images.paint_banner(base, "REPLICA KIVORA", random.Random(1))
    changed = np.any(np.asarray(painted) != np.asarray(base), axis=2)
    columns = np.flatnonzero(changed.any(axis=0))
    assert columns.max() - columns.min() > 0.6 * base.width


def test_when_banner_is_painted_then_ocr_reads_replica_and_brand() -> None:
    ocr_module = pytest.importorskip("rapidocr_onnxruntime")
    engine = ocr_module.RapidOCR()
    for seed, brand in ((1, "KIVORA"), (2, "FJELLBORG")):
        photo, _ = images.disguise_photo(
            images.render_product(seed, brand.title(), 1), random.Random(seed)
        )
        painted = images.paint_banner(photo, f"REPLICA {brand}", random.Random(seed))
        found, _elapsed = engine(np.asarray(painted))
        words = " ".join(item[1] for item in found or [])
        assert "REPLICA" in words and brand in words, words
