"""Detection policy: the thresholds and weights that turn evidence into an action.

Why: where to draw the line between block, review and allow is a platform
decision, not code. Some brands want stricter treatment (a luxury house with
many fakes), some categories looser (spare parts, where brand names are
everywhere). The policy is a frozen value, loadable from YAML, with overrides
per brand (by id or exact name) and per category; a brand override wins over a
category override, which wins over the defaults. Its digest is recorded with
every decision.

```yaml
version: 1
thresholds: {block: 0.8, review: 0.5}
unbranded_cap: 0.3             # score ceiling when no brand is involved
authorized_seller_factor: 0.3  # score multiplier for the brand's authorised sellers
model_blend: 0.3               # share of the learned model in the score, when present
image_max_distance: 40         # PDQ distance at or below which photos match
signal_weights: {price: 1.0}   # multiplier per signal name
brands:
  Acme Outdoor: {thresholds: {block: 0.7}, signal_weights: {image_match: 1.2}}
categories:
  spare-parts: {thresholds: {review: 0.6}}
```
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import yaml

from marketguard.detection.knowledge import BrandKnowledge
from marketguard.detection.text_normalize import normalise
from marketguard.errors import InvalidInput

POLICY_VERSION = 1


class PolicyError(InvalidInput):
    """The detection policy file breaks its format."""


@dataclass(frozen=True, slots=True)
class PolicyOverride:
    """Thresholds and signal weights for one brand or one category (unset: inherited)."""

    block: float | None = None
    review: float | None = None
    signal_weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EffectivePolicy:
    """The policy as it applies to one listing and brand."""

    block: float
    review: float
    signal_weights: Mapping[str, float]

    def weight(self, signal: str) -> float:
        """Return the multiplier for ``signal`` (1.0 unless the policy says otherwise)."""
        return self.signal_weights.get(signal, 1.0)


@dataclass(frozen=True, slots=True)
class Policy:
    """Defaults plus per-brand and per-category overrides (see the module docs)."""

    block_threshold: float = 0.8
    review_threshold: float = 0.5
    unbranded_cap: float = 0.3
    authorized_seller_factor: float = 0.3
    model_blend: float = 0.3
    image_max_distance: int = 40
    signal_weights: Mapping[str, float] = field(default_factory=dict)
    brands: Mapping[str, PolicyOverride] = field(default_factory=dict)
    categories: Mapping[str, PolicyOverride] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_thresholds("policy", self.block_threshold, self.review_threshold)
        for name in ("unbranded_cap", "authorized_seller_factor", "model_blend"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise PolicyError(f"policy: {name} must be between 0 and 1, got {value}")
        if not 0 <= self.image_max_distance <= 128:
            raise PolicyError(
                f"policy: image_max_distance must be 0..128 bits, got {self.image_max_distance}"
            )
        category_keys = {normalise(k): v for k, v in self.categories.items()}
        object.__setattr__(self, "categories", category_keys)

    def effective(self, brand: BrandKnowledge | None, category: str | None) -> EffectivePolicy:
        """Return the thresholds and weights for a listing in ``category`` about ``brand``."""
        block, review = self.block_threshold, self.review_threshold
        weights = dict(self.signal_weights)
        layers = [self.categories.get(_category_key(category)) if category else None]
        if brand is not None:
            layers.append(self.brands.get(brand.brand_id) or self.brands.get(brand.name))
        for layer in layers:
            if layer is None:
                continue
            block = layer.block if layer.block is not None else block
            review = layer.review if layer.review is not None else review
            weights.update(layer.signal_weights)
        return EffectivePolicy(block, min(review, block), weights)

    def to_mapping(self) -> dict[str, Any]:
        """Return the policy in its YAML shape."""

        def layer(o: PolicyOverride) -> dict[str, Any]:
            out: dict[str, Any] = {}
            thresholds = {
                k: v for k, v in (("block", o.block), ("review", o.review)) if v is not None
            }
            if thresholds:
                out["thresholds"] = thresholds
            if o.signal_weights:
                out["signal_weights"] = dict(sorted(o.signal_weights.items()))
            return out

        return {
            "version": POLICY_VERSION,
            "thresholds": {"block": self.block_threshold, "review": self.review_threshold},
            "unbranded_cap": self.unbranded_cap,
            "authorized_seller_factor": self.authorized_seller_factor,
            "model_blend": self.model_blend,
            "image_max_distance": self.image_max_distance,
            "signal_weights": dict(sorted(self.signal_weights.items())),
            "brands": {k: layer(v) for k, v in sorted(self.brands.items())},
            "categories": {k: layer(v) for k, v in sorted(self.categories.items())},
        }

    def digest(self) -> str:
        """Return a short content hash, recorded with each decision."""
        return hashlib.sha256(orjson.dumps(self.to_mapping())).hexdigest()[:16]

    @classmethod
    def from_mapping(cls, data: Any) -> Policy:
        """Build a policy from its YAML shape, refusing unknown keys and bad values."""
        if not isinstance(data, Mapping):
            raise PolicyError("policy: expected a mapping with 'version: 1'")
        _keys("policy", data, {"version", "thresholds", "unbranded_cap", "authorized_seller_factor",
                               "model_blend", "image_max_distance", "signal_weights", "brands",
                               "categories"})  # fmt: skip
        if data.get("version") != POLICY_VERSION:
            raise PolicyError(f"policy: 'version: {POLICY_VERSION}' is required")
        thresholds = _mapping("policy.thresholds", data.get("thresholds", {}))
        _keys("policy.thresholds", thresholds, {"block", "review"})
        kwargs: dict[str, Any] = {
            "block_threshold": _number("policy.thresholds.block", thresholds.get("block", 0.8)),
            "review_threshold": _number("policy.thresholds.review", thresholds.get("review", 0.5)),
            "signal_weights": _weights("policy.signal_weights", data.get("signal_weights", {})),
            "brands": _layers("policy.brands", data.get("brands", {})),
            "categories": _layers("policy.categories", data.get("categories", {})),
        }
        for name in ("unbranded_cap", "authorized_seller_factor", "model_blend"):
            if name in data:
                kwargs[name] = _number(f"policy.{name}", data[name])
        if "image_max_distance" in data:
            value = data["image_max_distance"]
            if isinstance(value, bool) or not isinstance(value, int):
                raise PolicyError("policy.image_max_distance: expected a whole number of bits")
            kwargs["image_max_distance"] = value
        return cls(**kwargs)

    @classmethod
    def from_yaml(cls, text: str) -> Policy:
        """Parse a YAML policy."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyError(f"policy: not valid YAML: {exc}") from None
        return cls.from_mapping(data)

    @classmethod
    def load(cls, path: Path) -> Policy:
        """Read a YAML policy file."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"policy file {path}: {exc.strerror or exc}") from None
        return cls.from_yaml(text)


@lru_cache(maxsize=4096)
def _category_key(category: str) -> str:
    return normalise(category)


def _check_thresholds(where: str, block: float | None, review: float | None) -> None:
    for name, value in (("block", block), ("review", review)):
        if value is not None and not 0.0 < value <= 1.0:
            raise PolicyError(f"{where}: {name} threshold must be in (0, 1], got {value}")
    if block is not None and review is not None and review > block:
        raise PolicyError(f"{where}: review threshold {review} is above block threshold {block}")


def _keys(where: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        raise PolicyError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _mapping(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: expected a mapping")
    return value


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _weights(where: str, value: Any) -> dict[str, float]:
    weights = {str(k): _number(f"{where}.{k}", v) for k, v in _mapping(where, value).items()}
    for name, weight in weights.items():
        if weight < 0:
            raise PolicyError(f"{where}.{name}: a signal weight cannot be negative")
    return weights


def _layers(where: str, value: Any) -> dict[str, PolicyOverride]:
    layers: dict[str, PolicyOverride] = {}
    for key, raw in _mapping(where, value).items():
        here = f"{where}.{key}"
        body = _mapping(here, raw or {})
        _keys(here, body, {"thresholds", "signal_weights"})
        thresholds = _mapping(f"{here}.thresholds", body.get("thresholds", {}))
        _keys(f"{here}.thresholds", thresholds, {"block", "review"})
        block = (
            _number(f"{here}.thresholds.block", thresholds["block"])
            if "block" in thresholds
            else None
        )
        review = (
            _number(f"{here}.thresholds.review", thresholds["review"])
            if "review" in thresholds
            else None
        )
        _check_thresholds(here, block, review)
        weights = _weights(f"{here}.signal_weights", body.get("signal_weights", {}))
        layers[str(key)] = PolicyOverride(block, review, weights)
    return layers
