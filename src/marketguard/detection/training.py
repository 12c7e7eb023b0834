"""``marketguard model train``: learn from what reviewers and notices confirmed.

Labels come from people (review outcomes, upheld notices). Evidence for each
labelled listing is recomputed by the rule-based detector (without any model),
so the classifier learns how signals and words relate to real outcomes. Each
trained model is saved under a content-hash version and becomes the active one;
every later decision records that version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal
from marketguard.catalog.models import Listing
from marketguard.config import Settings
from marketguard.detection import loader
from marketguard.detection.model import Example, train_model
from marketguard.detection.models import DetectionLabel, DetectionModel
from marketguard.timeutil import utcnow


@dataclass(frozen=True)
class TrainingResult:
    version: str
    path: Path
    examples: int
    positives: int
    training_accuracy: float


def train(session: Session, *, actor: Principal, settings: Settings) -> TrainingResult:
    """Train on every label, save the model and make it the active one."""
    labels = {row.listing_id: row for row in session.scalars(select(DetectionLabel))}
    detector = loader.detector_for(session, settings, use_model=False)
    ids = sorted(labels)
    listings = [
        row
        for start in range(0, len(ids), 500)
        for row in session.scalars(
            select(Listing).where(Listing.listing_id.in_(ids[start : start + 500]))
        )
    ]
    contexts = loader.seller_contexts(session, (item.seller_id for item in listings), now=utcnow())
    examples: list[Example] = []
    correct = 0
    for listing in sorted(listings, key=lambda item: item.listing_id):
        item = loader.listing_input(listing)
        decision = detector.check(item, contexts.get(listing.seller_id), ocr=False)
        truth = labels[listing.listing_id].counterfeit
        examples.append((item, decision.reasons, truth))
        correct += int((decision.action != "allow") == truth)
    model = train_model(examples)
    folder = settings.data_dir / "models"
    folder.mkdir(parents=True, exist_ok=True)
    path = (folder / f"detection-{model.version}.json").resolve()
    model.save(path)
    session.execute(update(DetectionModel).values(active=False))
    row = session.get(DetectionModel, model.version)
    if row is None:
        row = DetectionModel(version=model.version, path=str(path), created_at=utcnow())
        session.add(row)
    row.examples = model.examples
    row.metrics = {"positives": model.positives, "rule_accuracy": correct / max(len(examples), 1)}
    row.active = True
    audit.record(
        session,
        actor=actor.actor,
        action="detection.model_train",
        object_type="detection_model",
        object_id=model.version,
        after={"examples": model.examples, "positives": model.positives},
    )
    loader.forget_detectors()
    return TrainingResult(
        model.version, path, model.examples, model.positives, correct / max(len(examples), 1)
    )
