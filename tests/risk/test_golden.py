"""Golden files for the rules language's error messages.

Each ``golden/<case>.yaml`` must fail to load with exactly the problems listed in
``golden/<case>.txt``. Set ``MARKETGUARD_UPDATE_GOLDEN=1`` to rewrite them after a
deliberate change (and review the diff).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from marketguard.risk.model import RuleSetError
from marketguard.risk.validator import loads_rules

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("case", sorted(p.stem for p in GOLDEN.glob("*.yaml")))
def test_error_messages_match_golden_file(case: str) -> None:
    text = (GOLDEN / f"{case}.yaml").read_text(encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        loads_rules(text, source=f"{case}.yaml")
    got = "\n".join(caught.value.problems) + "\n"
    expected_path = GOLDEN / f"{case}.txt"
    if os.environ.get("MARKETGUARD_UPDATE_GOLDEN") == "1":
        expected_path.write_text(got, encoding="utf-8")
    assert got == expected_path.read_text(encoding="utf-8")
