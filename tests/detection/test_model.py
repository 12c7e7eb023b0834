"""The learned model trains deterministically, round-trips through JSON and blends in."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketguard.detection.evidence import Evidence
from marketguard.detection.knowledge import ListingInput
from marketguard.detection.model import DetectionModel, Example, train_model
from marketguard.errors import InvalidInput
from tests.detection.factories import detector, listing

FAKE_TITLES = [
    "Acme backpack replica",
    "ACME 1:1 mirror quality",
    "Асме super copy bag",
    "Acme bag AAA quality cheap",
    "高仿 ACME 包",
    "Acme knockoff rucksack",
]
REAL_TITLES = [
    "Acme Summit 45 backpack",
    "Acme backpack, used twice",
    "Acme Outdoor daypack",
    "Leather tote bag",
    "Hiking backpack 30 l",
    "Acme Summit backpack, receipt included",
]


def examples() -> list[Example]:
    gate = detector()
    out: list[Example] = []
    for index, title in enumerate(FAKE_TITLES + REAL_TITLES):
        item = listing(title, listing_id=f"L-{index}")
        evidence = list(gate.check(item).reasons)
        out.append((item, evidence, title in FAKE_TITLES))
    return out


def test_when_trained_twice_on_same_labels_then_same_version() -> None:
    first, second = train_model(examples()), train_model(examples())
    assert first.version == second.version and len(first.version) == 16


def test_when_trained_then_separates_its_examples() -> None:
    model = train_model(examples())
    scores = {item.title: model.predict(item, ev) for item, ev, _ in examples()}
    assert min(scores[t] for t in FAKE_TITLES) > max(scores[t] for t in REAL_TITLES)


def test_when_saved_and_loaded_then_identical(tmp_path: Path) -> None:
    model = train_model(examples())
    path = tmp_path / "model.json"
    model.save(path)
    loaded = DetectionModel.load(path)
    assert loaded.version == model.version
    item, evidence, _ = examples()[0]
    assert loaded.predict(item, evidence) == pytest.approx(model.predict(item, evidence))


def test_when_model_file_tampered_then_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    train_model(examples()).save(path)
    path.write_text(path.read_text().replace('"examples": 12', '"examples": 13'))
    with pytest.raises(InvalidInput, match="does not match its version"):
        DetectionModel.load(path)


def test_when_labels_have_one_class_then_refused() -> None:
    item = ListingInput("L-1", "S-1", "bag")
    with pytest.raises(InvalidInput, match="both counterfeit and genuine"):
        train_model([(item, [Evidence("seller", "x", 0.1)], True)] * 3)


def test_when_model_present_then_blended_and_recorded() -> None:
    model = train_model(examples())
    gate = detector(model=model)
    decision = gate.check(listing("Acme backpack replica"))
    assert decision.versions["model"] == model.version
    assert any(r.signal == "model" for r in decision.reasons)
