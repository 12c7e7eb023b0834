"""Text painted on a photo is read and feeds the text signals (slow: two images only)."""

from __future__ import annotations

from pathlib import Path

from marketguard.detection.ocr import OcrEngine
from tests.detection.factories import detector, listing, painted_text, save

ENGINE = OcrEngine()


def test_when_replica_painted_on_photo_then_clean_listing_is_blocked(tmp_path: Path) -> None:
    photo = save(painted_text(["REPLICA ACME", "SUMMIT 45"]), tmp_path / "photo.png")
    item = listing("Hiking backpack, great quality", image_paths=(photo,))
    gate = detector(ocr_engine=ENGINE)
    assert gate.check(item, ocr=False).action == "allow"
    decision = gate.check(item, ocr=True)
    assert decision.action == "block"
    assert decision.brand == "Acme Outdoor"
    assert any("text on a photo" in r.detail for r in decision.reasons)


def test_when_photo_read_again_then_cached_by_digest(tmp_path: Path) -> None:
    image = painted_text(["Lumina X9"])
    first = save(image, tmp_path / "a.png")
    text = ENGINE.read(image, "digest-1")
    assert "lumina" in text.lower()
    assert ENGINE.cached("digest-1") == text
    item = listing("Phone", category="phones", image_paths=(first,))
    decision = detector(ocr_engine=ENGINE).check(item, ocr=True)
    assert decision.brand == "Luminatech"
