"""The real-time risk engine: rules language, velocity features, decisions.

Public entry points live in :mod:`marketguard.risk.service` (``decide_stream``,
``decide_events``, ``backtest``) and :mod:`marketguard.risk.validator`
(``load_rules``, ``loads_rules``); :class:`marketguard.risk.engine.Engine` is the
engine they share.
"""
