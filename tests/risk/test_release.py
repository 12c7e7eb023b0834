"""An engine's feature state is freed the moment the engine is dropped.

Why it matters: a backtest or a replaced rule-set version can hold millions of
windows. Freed by reference counting, they go at once; caught in a reference
cycle, they wait for the cyclic collector (about a second after a
1,000,000-event backtest), which batch jobs pause.
"""

from __future__ import annotations

import gc
import weakref

from marketguard.risk.engine import Engine
from tests.risk.helpers import event, make_rules

RULES = """
    version: 1
    features:
      n: {count: e, by: k, window: 1h}
      s: {sum: amount, of: e, by: k, window: 1h}
    rules:
      - {name: twice, events: [e], when: "n >= 2 and s > 1", action: review, score: 40}
"""


def test_when_an_engine_is_dropped_then_its_state_goes_without_the_cyclic_collector() -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        engine = Engine(make_rules(RULES))
        for number in range(3):
            engine.decide(event(str(number), at=number, k="a", amount=5), number + 1)
        store = weakref.ref(engine.store)
        del engine
        assert store() is None
    finally:
        if was_enabled:
            gc.enable()
