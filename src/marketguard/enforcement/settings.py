"""Enforcement policy: strikes, repeat infringers, appeal windows, the EEA scope.

Why a dataclass and not environment variables: these are policy choices an
operator tunes and tests pin; every service takes ``settings=`` so a test or the
simulated month can run with its own policy without touching the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

# EU member states plus Iceland, Liechtenstein and Norway (the EEA), as the DSA
# Transparency Database accepts them in ``territorial_scope``.
EEA = (
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK"
).split()

DEFAULT_CLAUSES = {
    "counterfeit": "Terms of Service §4.2 (counterfeit and replica goods are prohibited)",
    "repeat_infringer": "Terms of Service §9.3 (repeat infringer policy: store closure)",
    "suspension": "Terms of Service §9.1 (suspension of a seller account)",
    "review_hold": "Terms of Service §4.5 (listings may be held for review)",
    "prohibited": "Terms of Service §4.1 (prohibited items)",
}


@dataclass(frozen=True)
class EnforcementSettings:
    """What the repeat-infringer policy and statements of reasons rest on."""

    strike_window: timedelta = timedelta(days=365)
    strikes_to_close: int = 3
    # DSA Art. 20(1): internal complaints stay open at least six months.
    appeal_window: timedelta = timedelta(days=183)
    territorial_scope: tuple[str, ...] = tuple(EEA)
    clauses: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CLAUSES))
    appeal_instructions: str = (
        "You can appeal this decision free of charge until {until} with "
        "POST /api/v1/appeals (or in the seller portal), giving your explanation and "
        "evidence; a person who did not take the decision reviews it. You may also use "
        "a certified out-of-court dispute settlement body (DSA Art. 21) or the courts."
    )


DEFAULT_SETTINGS = EnforcementSettings()
