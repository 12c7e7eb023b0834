"""Signals register like plugins; a failing plugin becomes error evidence, not a crash."""

from __future__ import annotations

import pytest

from marketguard.detection.context import DetectorSetup, ScanContext
from marketguard.detection.evidence import Evidence
from marketguard.detection.registry import SignalRegistry, default_registry
from marketguard.errors import ConfigurationError
from tests.detection.factories import detector, listing


class ShoutingSignal:
    """A plugin signal: all-caps titles look like spam."""

    name = "shouting"

    def __init__(self, setup: DetectorSetup) -> None:
        self.setup = setup

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        title = context.listing.title
        if title.isupper():
            return [Evidence(self.name, f"title in capitals: {title!r}", 0.2)]
        return []


class BrokenSignal:
    name = "broken"

    def __init__(self, setup: DetectorSetup) -> None:
        pass

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        raise RuntimeError("boom")


def register(registry: SignalRegistry) -> None:
    """The hook a plugin package exposes as an entry point."""
    registry.register(ShoutingSignal.name, ShoutingSignal)


def test_when_plugin_registered_then_its_evidence_is_in_the_decision() -> None:
    registry = default_registry()
    register(registry)
    assert registry.names() == [
        "brand_text", "counterfeit_terms", "image_match", "price", "seller", "authorization",
        "seller_status", "contact_details", "shouting",
    ]  # fmt: skip
    decision = detector(registry=registry).check(listing("ACME BACKPACK"))
    assert any(r.signal == "shouting" for r in decision.reasons)
    assert "shouting" in (decision.versions["signals"] or "")


def test_when_signal_name_registered_twice_then_refused() -> None:
    registry = default_registry()
    with pytest.raises(ConfigurationError):
        registry.register("price", ShoutingSignal)
    registry.register("price", ShoutingSignal, replace=True)


def test_when_signal_fails_then_error_evidence_and_other_signals_still_count() -> None:
    registry = default_registry()
    registry.register(BrokenSignal.name, BrokenSignal)
    decision = detector(registry=registry).check(listing("Acme backpack replica"))
    assert decision.action == "block"
    [error] = [r for r in decision.reasons if r.error]
    assert error.signal == "broken" and "RuntimeError: boom" in error.detail


def test_when_builtin_unregistered_then_it_no_longer_fires() -> None:
    registry = default_registry()
    registry.unregister("counterfeit_terms")
    decision = detector(registry=registry).check(listing("Acme backpack replica"))
    assert all(r.signal != "counterfeit_terms" for r in decision.reasons)
