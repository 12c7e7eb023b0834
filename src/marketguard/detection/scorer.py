"""Combine evidence into a score in [0, 1] and an action: block, review or allow.

Why this shape: evidence from different signals is largely independent, and
each weight reads as "the chance this alone shows a counterfeit", so they
combine as a noisy-OR, ``1 - Π(1 - w)``: two moderate signals make a strong
case, one weak signal stays weak, and adding evidence never lowers the score.
The combination is per brand, because a listing can name several; the brand
with the highest score is the one the decision is about.

Four rules sit on top, each reported as a reason when it applies:
- the seller's store may not publish (closed or suspended, stated by the
  ``seller_status`` signal): the listing is blocked outright, score 1, and the
  decision is about the seller, not a brand (``brand`` is ``None``, so the
  statement of reasons rests on the terms of service, not a brand's right);
- no brand involved (no counted mention, no photo match): the score is capped
  at ``policy.unbranded_cap``, below review, so "replica Roman sword" is allowed;
- the seller is authorised by the brand: the score is multiplied by
  ``policy.authorized_seller_factor``, so genuine resellers go live (the
  ``authorization`` signal states it among the reasons);
- a learned model, when present, is blended in with share ``policy.model_blend``.

Evidence of a platform rule broken (``Evidence.platform_rule``: contact details
that take buyers off the platform) is not about a counterfeit, so it is combined
(noisy-OR again) after those three rules: the cap and the authorised-seller factor
do not lower it, and a brand's evidence adds to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from marketguard.detection.context import ScanContext
from marketguard.detection.evidence import Action, Decision, Evidence
from marketguard.detection.knowledge import BrandKnowledge
from marketguard.detection.policy import EffectivePolicy

MAX_WEIGHT = 0.999
BARRED_SIGNAL = "seller_status"  # states why a store may not publish (seller_status.py)


def noisy_or(weights: Sequence[float]) -> float:
    """Return ``1 - Π(1 - w)``: the chance at least one piece of evidence is right."""
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - min(max(weight, 0.0), MAX_WEIGHT)
    return 1.0 - remaining


@dataclass(frozen=True, slots=True)
class _Candidate:
    score: float
    brand: BrandKnowledge | None
    policy: EffectivePolicy
    evidence: list[Evidence]
    notes: list[Evidence]


def _action(score: float, policy: EffectivePolicy) -> Action:
    if score >= policy.block:
        return "block"
    if score >= policy.review:
        return "review"
    return "allow"


def decide(
    context: ScanContext,
    evidence: Sequence[Evidence],
    *,
    versions: Mapping[str, str | None],
    model_probability: float | None = None,
    model_version: str | None = None,
) -> Decision:
    """Score one listing's evidence under the detector's policy and return the decision."""
    setup, listing = context.setup, context.listing
    if context.seller is not None and not context.seller.may_publish:
        return Decision(
            listing_id=listing.listing_id,
            action="block",
            score=1.0,
            brand_id=None,
            brand=None,
            reasons=_barred_order(evidence),
            versions=dict(versions),
        )
    policy = setup.policy
    generic = [e for e in evidence if e.brand_id is None and not e.error and not e.platform_rule]
    rules = [e for e in evidence if e.platform_rule and not e.error]
    brand_ids = list(
        dict.fromkeys(e.brand_id for e in evidence if e.identifies_brand and e.brand_id)
    )
    model_note = []
    if model_probability is not None:
        detail = f"learned model {model_version}: probability {model_probability:.2f}"
        detail += f", blended in at {policy.model_blend:.0%}"
        model_note.append(Evidence("model", detail, round(model_probability, 4)))

    def blend(rule: float) -> float:
        if model_probability is None:
            return rule
        return (1 - policy.model_blend) * rule + policy.model_blend * model_probability

    candidates = []
    for brand_id in brand_ids:
        brand = setup.brands.get(brand_id)
        if brand is None:
            continue
        effective = policy.effective(brand, listing.category)
        own = [e for e in evidence if e.brand_id == brand_id and not e.error]
        used = own + generic
        score = blend(noisy_or([e.weight * effective.weight(e.signal) for e in used]))
        if context.is_authorized(brand_id):  # stated by the authorization signal
            score *= policy.authorized_seller_factor
        score = _with_rules(score, rules, effective)
        candidates.append(_Candidate(score, brand, effective, used + rules, list(model_note)))
    if not candidates:
        effective = policy.effective(None, listing.category)
        raw = blend(noisy_or([e.weight * effective.weight(e.signal) for e in generic]))
        notes = list(model_note)
        score = min(raw, policy.unbranded_cap)
        if raw > score:
            detail = f"no brand involved: score {raw:.2f} capped at {policy.unbranded_cap:g}"
            notes.append(Evidence("scorer", detail, 0.0))
        score = _with_rules(score, rules, effective)
        candidates.append(_Candidate(score, None, effective, generic + rules, notes))
    best = max(candidates, key=lambda c: c.score)
    score = min(max(best.score, 0.0), 1.0)
    return Decision(
        listing_id=listing.listing_id,
        action=_action(score, best.policy),
        score=score,
        brand_id=best.brand.brand_id if best.brand else None,
        brand=best.brand.name if best.brand else None,
        reasons=_order(best, evidence),
        versions=dict(versions),
    )


def _with_rules(score: float, rules: Sequence[Evidence], policy: EffectivePolicy) -> float:
    """Add platform-rule evidence to a score already capped or discounted."""
    if not rules:
        return score
    broken = noisy_or([e.weight * policy.weight(e.signal) for e in rules])
    return 1.0 - (1.0 - score) * (1.0 - broken)


def _order(best: _Candidate, evidence: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """Reasons that drove the score first (heaviest first), then notes, then the rest."""
    used_ids = {id(e) for e in best.evidence}
    driving = sorted((e for e in best.evidence if e.weight > 0), key=lambda e: -e.weight)
    rest = [e for e in evidence if id(e) not in used_ids or e.weight == 0]
    rest.sort(key=lambda e: (e.error, -e.weight))
    return (*driving, *best.notes, *rest)


def _barred_order(evidence: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """The seller's standing first, then the rest (heaviest first, errors last)."""
    return tuple(
        sorted(evidence, key=lambda e: (e.signal != BARRED_SIGNAL, e.error, -e.weight))
    )
