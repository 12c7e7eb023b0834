"""Policy: thresholds and weights from YAML, overrides per brand and category, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketguard.detection.policy import Policy, PolicyError
from tests.detection.factories import acme, detector, listing

POLICY_YAML = """
version: 1
thresholds: {block: 0.9, review: 0.6}
unbranded_cap: 0.2
signal_weights: {seller: 0.5}
brands:
  Acme Outdoor: {thresholds: {block: 0.7}, signal_weights: {price: 2.0}}
categories:
  bags: {thresholds: {review: 0.4}}
  Spare Parts: {thresholds: {block: 0.95, review: 0.9}}
"""


def test_when_yaml_loaded_then_defaults_and_overrides_resolve() -> None:
    policy = Policy.from_yaml(POLICY_YAML)
    assert (policy.block_threshold, policy.review_threshold, policy.unbranded_cap) == (
        0.9,
        0.6,
        0.2,
    )
    in_bags = policy.effective(acme(), "bags")
    assert (in_bags.block, in_bags.review) == (0.7, 0.4)
    assert in_bags.weight("price") == 2.0 and in_bags.weight("seller") == 0.5
    assert in_bags.weight("brand_text") == 1.0
    unbranded = policy.effective(None, "spare parts")
    assert (unbranded.block, unbranded.review) == (0.95, 0.9)


def test_when_policy_round_trips_then_digest_is_stable(tmp_path: Path) -> None:
    policy = Policy.from_yaml(POLICY_YAML)
    again = Policy.from_mapping(policy.to_mapping())
    assert again == policy and again.digest() == policy.digest()
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY_YAML)
    assert Policy.load(path).digest() == policy.digest()
    assert Policy().digest() != policy.digest()


def test_when_brand_threshold_lowered_then_same_listing_is_blocked() -> None:
    item = listing("Acme Summit 45 backpack", price_amount=5500)
    assert detector().check(item).action == "review"
    strict = Policy.from_yaml(
        "version: 1\nbrands:\n  brand-acme: {thresholds: {block: 0.5, review: 0.3}}\n"
    )
    decision = detector(policy=strict).check(item)
    assert decision.action == "block"
    assert decision.versions["policy"] == strict.digest()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("thresholds: {block: 0.8}", "'version: 1' is required"),
        ("version: 2", "'version: 1' is required"),
        ("version: 1\nthreshold: {block: 0.8}", "unknown key 'threshold'"),
        ("version: 1\nthresholds: {block: 0.4, review: 0.6}", "review threshold 0.6 is above"),
        ("version: 1\nthresholds: {block: 1.5}", "block threshold must be in (0, 1]"),
        ("version: 1\nthresholds: {block: high}", "policy.thresholds.block: expected a number"),
        ("version: 1\nsignal_weights: {price: -1}", "cannot be negative"),
        (
            "version: 1\nbrands: {Acme: {tresholds: {}}}",
            "policy.brands.Acme: unknown key 'tresholds'",
        ),
        ("version: 1\nimage_max_distance: 300", "image_max_distance must be 0..128"),
        ("version: 1\nunbranded_cap: 2", "unbranded_cap must be between 0 and 1"),
        ("[1, 2", "not valid YAML"),
    ],
)
def test_when_policy_is_malformed_then_refused_with_reason(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.from_yaml(text)
    assert message in caught.value.detail
