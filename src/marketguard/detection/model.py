"""A learned classifier over the signals' evidence and the listing's words.

Why: hand-set weights encode what we know; reviewers' decisions and upheld
notices encode what we did not. A logistic regression over per-signal features
(strongest weight, total weight, count) and hashed word features of the
normalised text learns both which signals matter on this marketplace and which
phrasings go with fakes. It is small, trains deterministically in seconds on
a laptop, and its prediction is a dot product (tens of microseconds).

The model is saved as JSON (coefficients and settings, no pickle, so loading a
model file cannot run code) and its version is the content hash of that JSON:
the same labels give the same version, and every decision records the version
it used. Where the labels come from is the caller's business: it passes
``(listing, evidence, is_counterfeit)`` triples.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression

from marketguard.detection.evidence import Evidence
from marketguard.detection.knowledge import ListingInput
from marketguard.detection.text_normalize import normalise
from marketguard.errors import InvalidInput

MODEL_FORMAT = "marketguard-detection-model"
SIGNALS = ("brand_text", "counterfeit_terms", "image_match", "price", "seller", "authorization")
EXTRA_FEATURES = ("identifies_brand", "errors", "disguised", "cheapest_ratio", "closest_photo")
TEXT_FEATURES = 2**14

Example = tuple[ListingInput, Sequence[Evidence], bool]


def feature_names() -> list[str]:
    """Name the dense features in order (for inspecting a model's coefficients)."""
    per_signal = [f"{s}.{k}" for s in SIGNALS for k in ("max", "sum", "count")]
    return per_signal + list(EXTRA_FEATURES)


def signal_features(evidence: Sequence[Evidence]) -> np.ndarray:
    """Summarise evidence as a fixed-length vector (see :func:`feature_names`)."""
    values = np.zeros(len(SIGNALS) * 3 + len(EXTRA_FEATURES))
    slots = {name: i * 3 for i, name in enumerate(SIGNALS)}
    cheapest, closest = 1.0, 1.0
    base = len(SIGNALS) * 3
    for item in evidence:
        slot = slots.get(item.signal)
        if slot is not None and not item.error:
            values[slot] = max(values[slot], item.weight)
            values[slot + 1] += item.weight
            values[slot + 2] += 1
        values[base] = max(values[base], float(item.identifies_brand))
        values[base + 1] += float(item.error)
        if item.signal == "brand_text":
            hits = item.data.get("hits", [])
            disguised = any(h.get("via") for h in hits if isinstance(h, dict))
            values[base + 2] = max(values[base + 2], float(disguised))
        ratio = item.data.get("ratio")
        if isinstance(ratio, int | float):
            cheapest = min(cheapest, float(ratio))
        distance = item.data.get("distance")
        if item.signal == "image_match" and isinstance(distance, int | float):
            closest = min(closest, float(distance) / 64.0)
    values[base + 3] = cheapest
    values[base + 4] = closest
    return values


_vectorizer = HashingVectorizer(
    n_features=TEXT_FEATURES, alternate_sign=False, ngram_range=(1, 2), norm="l2",
    lowercase=False, token_pattern=r"\S+",
)  # fmt: skip


def _text(listing: ListingInput) -> str:
    return normalise(f"{listing.title}\n{listing.description}")


@dataclass(frozen=True)
class DetectionModel:
    """Logistic-regression weights over signal and hashed-text features."""

    signal_coef: tuple[float, ...]
    text_coef: dict[int, float]
    intercept: float
    examples: int
    positives: int
    version: str = field(default="")

    def __post_init__(self) -> None:
        if len(self.signal_coef) != len(feature_names()):
            raise InvalidInput("detection model: feature count does not match this code version")
        if not self.version:
            object.__setattr__(self, "version", self._digest())

    def _payload(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "format_version": 1,
            "features": feature_names(),
            "text_features": TEXT_FEATURES,
            "signal_coef": [round(c, 10) for c in self.signal_coef],
            "text_coef": {str(k): round(v, 10) for k, v in sorted(self.text_coef.items())},
            "intercept": round(self.intercept, 10),
            "examples": self.examples,
            "positives": self.positives,
        }

    def _digest(self) -> str:
        return hashlib.sha256(
            orjson.dumps(self._payload(), option=orjson.OPT_SORT_KEYS)
        ).hexdigest()[:16]

    def predict(self, listing: ListingInput, evidence: Sequence[Evidence]) -> float:
        """Return the probability that the listing is counterfeit."""
        logit = self.intercept + float(np.dot(self.signal_coef, signal_features(evidence)))
        row = _vectorizer.transform([_text(listing)])
        for column, value in zip(row.indices.tolist(), row.data.tolist(), strict=True):
            logit += self.text_coef.get(column, 0.0) * value
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))

    def save(self, path: Path) -> None:
        """Write the model as JSON (with its version)."""
        payload = {**self._payload(), "version": self.version}
        path.write_bytes(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))

    @classmethod
    def load(cls, path: Path) -> DetectionModel:
        """Read a model written by :meth:`save`, checking its format and version."""
        try:
            payload = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise InvalidInput(f"detection model {path}: cannot be read: {exc}") from None
        if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
            raise InvalidInput(f"detection model {path}: not a {MODEL_FORMAT} file")
        if (
            payload.get("features") != feature_names()
            or payload.get("text_features") != TEXT_FEATURES
        ):
            raise InvalidInput(f"detection model {path}: trained for other features; retrain it")
        model = cls(
            signal_coef=tuple(float(c) for c in payload["signal_coef"]),
            text_coef={int(k): float(v) for k, v in payload["text_coef"].items()},
            intercept=float(payload["intercept"]),
            examples=int(payload["examples"]),
            positives=int(payload["positives"]),
        )
        if payload.get("version") != model.version:
            raise InvalidInput(f"detection model {path}: content does not match its version")
        return model


def train_model(examples: Sequence[Example], *, regularisation: float = 1.0) -> DetectionModel:
    """Train on labelled outcomes; the same examples always give the same model."""
    labels = np.array([bool(label) for _, _, label in examples], dtype=np.int8)
    if len(examples) < 2 or labels.min() == labels.max():
        raise InvalidInput(
            "training a detection model needs labelled examples of both counterfeit and genuine "
            f"listings (got {int(labels.sum()) if len(labels) else 0} counterfeit of {len(labels)})"
        )
    dense = sparse.csr_matrix(np.vstack([signal_features(ev) for _, ev, _ in examples]))
    text = _vectorizer.transform([_text(listing) for listing, _, _ in examples])
    matrix = sparse.hstack([dense, text], format="csr")
    classifier = LogisticRegression(C=regularisation, max_iter=5000, solver="lbfgs")
    classifier.fit(matrix, labels)
    coef = classifier.coef_[0]
    width = dense.shape[1]
    text_coef = {int(i): float(coef[width + i]) for i in np.flatnonzero(coef[width:])}
    return DetectionModel(
        signal_coef=tuple(float(c) for c in coef[:width]),
        text_coef=text_coef,
        intercept=float(classifier.intercept_[0]),
        examples=len(examples),
        positives=int(labels.sum()),
    )
