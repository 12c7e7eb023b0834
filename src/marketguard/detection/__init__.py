"""Brand protection detection: pure signals, scorer and policy over plain typed inputs.

The database, API and CLI build :class:`BrandKnowledge`, :class:`ReferenceImage`,
:class:`ListingInput` and :class:`SellerContext` values and ask a
:class:`Detector` for :class:`Decision` values; nothing here touches storage.
See ``docs/detection.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from marketguard.detection.detector import Detector
    from marketguard.detection.evidence import Decision, Evidence
    from marketguard.detection.image_hash import ReferenceHashes, reference_hashes
    from marketguard.detection.knowledge import (
        BrandKnowledge,
        CategoryPriceStats,
        ListingInput,
        ProductKnowledge,
        ReferenceImage,
        SellerContext,
    )
    from marketguard.detection.policy import Policy, PolicyError
    from marketguard.detection.registry import SignalRegistry, default_registry
    from marketguard.detection.text_normalize import normalise

# Imported on first use, so loading the package (e.g. for its tables) stays cheap.
_WHERE = {
    "BrandKnowledge": "knowledge", "CategoryPriceStats": "knowledge", "ListingInput": "knowledge",
    "ProductKnowledge": "knowledge", "ReferenceImage": "knowledge", "SellerContext": "knowledge",
    "Decision": "evidence", "Evidence": "evidence", "Detector": "detector",
    "ReferenceHashes": "image_hash", "reference_hashes": "image_hash",
    "Policy": "policy", "PolicyError": "policy",
    "SignalRegistry": "registry", "default_registry": "registry", "normalise": "text_normalize",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "BrandKnowledge",
    "CategoryPriceStats",
    "Decision",
    "Detector",
    "Evidence",
    "ListingInput",
    "Policy",
    "PolicyError",
    "ProductKnowledge",
    "ReferenceHashes",
    "ReferenceImage",
    "SellerContext",
    "SignalRegistry",
    "default_registry",
    "normalise",
    "reference_hashes",
]
