"""Evidence and decisions: what every signal returns and what the detector answers.

Why: a decision must explain itself to the seller who appeals, the reviewer who
checks it and the auditor who replays it. Each piece of evidence names its
signal, says in words what was seen, and carries the weight it contributed; the
decision keeps all of them plus the versions of everything that produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["block", "review", "allow"]
ACTIONS: tuple[str, ...] = ("block", "review", "allow")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation by one signal.

    ``weight`` in [0, 1] is how strongly the observation points at a counterfeit
    (0 for explanations, suppressed matches and errors). ``brand_id`` ties it to
    one brand; ``None`` means it applies to whichever brand is involved (seller
    behaviour, a generic counterfeit term). ``identifies_brand`` marks evidence
    that shows a brand is involved at all (a counted brand name, a photo match);
    ``error`` marks an input the signal could not examine (an unreadable image, an
    unknown currency). ``platform_rule`` marks evidence of a platform rule broken
    whoever the brand (contact details that take buyers off the platform): the
    scorer adds it after the unbranded cap and the authorised-seller factor, so
    neither lowers it. ``data`` holds machine-readable facts for models and replay.
    """

    signal: str
    detail: str
    weight: float
    brand_id: str | None = None
    product_id: str | None = None
    identifies_brand: bool = False
    error: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)
    platform_rule: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"evidence weight must be in [0, 1], got {self.weight}")

    def to_reason(self) -> dict[str, Any]:
        """Return the FORMATS §3 reason: ``{"signal", "detail", "weight"}``."""
        return {"signal": self.signal, "detail": self.detail, "weight": round(self.weight, 3)}

    def to_record(self) -> dict[str, Any]:
        """Return everything, for storage with the decision and for replay."""
        return {
            "signal": self.signal,
            "detail": self.detail,
            "weight": round(self.weight, 6),
            "brand_id": self.brand_id,
            "product_id": self.product_id,
            "identifies_brand": self.identifies_brand,
            "error": self.error,
            "data": dict(self.data),
            "platform_rule": self.platform_rule,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Evidence:
        """Rebuild evidence stored with :meth:`to_record` (or a bare FORMATS reason)."""
        return cls(
            signal=str(record["signal"]),
            detail=str(record.get("detail", "")),
            weight=float(record.get("weight", 0.0)),
            brand_id=record.get("brand_id"),
            product_id=record.get("product_id"),
            identifies_brand=bool(record.get("identifies_brand", False)),
            error=bool(record.get("error", False)),
            data=dict(record.get("data") or {}),
            platform_rule=bool(record.get("platform_rule", False)),
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """The detector's answer about one listing, with its reasons and versions."""

    listing_id: str
    action: Action
    score: float
    brand_id: str | None
    brand: str | None
    reasons: tuple[Evidence, ...]
    versions: Mapping[str, str | None]

    def to_dict(self) -> dict[str, Any]:
        """Return the FORMATS §3 decision line (``brand`` is the display name or null)."""
        return {
            "listing_id": self.listing_id,
            "action": self.action,
            "score": round(self.score, 4),
            "brand": self.brand,
            "reasons": [reason.to_reason() for reason in self.reasons],
        }

    def to_record(self) -> dict[str, Any]:
        """Return the decision with brand id, full evidence and versions, for storage."""
        return {
            **self.to_dict(),
            "brand_id": self.brand_id,
            "reasons": [reason.to_record() for reason in self.reasons],
            "versions": dict(self.versions),
        }
