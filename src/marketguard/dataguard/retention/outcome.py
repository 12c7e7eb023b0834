"""One line of a retention run's report: a rule, its period and how many rows it met."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """What one rule did (or, in a dry run, would do) to one dataset.

    ``rows`` counts records changed (for the risk engine's state: entries or keys);
    ``what`` says in plain words what was reached.
    """

    dataset: str
    field: str  # the rule's catalog field
    action: str  # erased | anonymised | deleted | expiry set
    period: str  # ISO 8601
    clock: str
    rows: int
    what: str = ""
