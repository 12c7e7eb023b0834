"""Templates that lay out the generated module: one handler per event type.

Why apart from :mod:`compiler`: the compiler turns single expressions into code;
this module decides the shape of a whole handler (feature updates first, then
rules in file order, then the values of the features the matched rules read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marketguard.risk.model import RuleDef, RuleSet

if TYPE_CHECKING:
    from marketguard.risk.compiler import TypePlan, _Module


def build_module(module: _Module, ruleset: RuleSet) -> tuple[str, dict[str, TypePlan]]:
    """Return the generated source and the plan of every event type it handles."""
    from marketguard.risk.compiler import TypePlan

    lines: list[str] = []
    types: list[str] = []
    for feat in ruleset.features:
        if feat.event_type not in types:
            types.append(feat.event_type)
    for rule in ruleset.rules:
        for event_type in rule.events:
            if event_type not in types:
                types.append(event_type)
    plans: dict[str, TypePlan] = {}
    for index, event_type in enumerate(types):
        rules = tuple(rule for rule in ruleset.rules if event_type in rule.events)
        adds = tuple(
            fid for fid, feat in enumerate(ruleset.features) if feat.event_type == event_type
        )
        name = f"_h{index}"
        body, reads = _handler(module, ruleset, name, rules, adds)
        lines += body
        plans[event_type] = TypePlan(event_type, name, rules, reads, adds)
    return "\n".join(lines) + "\n", plans


def _handler(
    module: _Module,
    ruleset: RuleSet,
    name: str,
    rules: tuple[RuleDef, ...],
    adds: tuple[int, ...],
) -> tuple[list[str], tuple[int, ...]]:
    from marketguard.risk.compiler import _ExprGen, field_local

    fields: dict[str, str] = {}
    masks: dict[int, int] = {}
    conditions: list[str] = []
    known = always_known(ruleset, adds)
    for bit, rule in enumerate(rules):
        gen = _ExprGen(module, in_where=False, fields=fields, known=known)
        conditions.append(gen.gen(rule.when.tree.body))
        for fid in gen.features_used:
            masks[fid] = masks.get(fid, 0) | (1 << bit)
    reads = tuple(sorted(masks))
    out: list[str] = []
    if reads:
        out.append("    " + " = ".join(f"_f{fid}" for fid in reads) + " = _U")
    for fid in adds:
        feat = ruleset.features[fid]
        key = field_local(fields, feat.by)
        cond = f"{key} is not None"
        if feat.where is not None:
            where = _ExprGen(module, in_where=True, fields=fields).gen(feat.where.tree.body)
            cond += f" and {where}"
        # When this type's rules read the feature, update and read it in one step.
        call = f"_f{fid} = _X{fid}" if fid in masks else f"_A{fid}"
        out.append(f"    if {cond}:")
        if feat.kind == "count":
            out.append(f"        {call}({key}, ts, None)")
            if fid in known and fid in masks:
                out += ["    else:", f"        _f{fid} = 0"]
        else:
            assert feat.field is not None
            value = field_local(fields, feat.field)
            test = f"type({value}) in _NUM" if feat.kind == "sum" else f"{value} is not None"
            out += [f"        if {test}:", f"            {call}({key}, ts, {value})"]
    out.append("    _m = 0")
    for bit, condition in enumerate(conditions):
        out += [f"    if {condition}:", f"        _m |= {1 << bit}"]
    out += ["    if not _m:", "        return 0, None", "    _o = {}"]
    for fid in reads:
        label = module.const(ruleset.features[fid].name, "N")
        value = f"_f{fid}"
        if fid not in known:
            value += f" if _f{fid} is not _U else " + read_feature(
                module, fid, field_local(fields, ruleset.features[fid].by))
        out += [f"    if _m & {masks[fid]}:", f"        _o[{label}] = {value}"]
    out += ["    return _m, _o", ""]
    loads = [f"    {local} = _g({module.const(field, 'K')})" for field, local in fields.items()]
    return [f"def {name}(ev, ts):", "    _g = ev.get", *loads, *out], reads


def always_known(ruleset: RuleSet, adds: tuple[int, ...]) -> frozenset[int]:
    """Return the features of ``adds`` whose value the update step always sets.

    Why: a ``count`` without ``where`` is updated (and read in the same call)
    whenever the event has its key, and is 0 when it has none; so the rules can
    use the local directly instead of testing whether it was computed yet.
    A ``sum`` or ``distinct`` skips its update when the value is missing, and a
    ``where`` can reject the event; those are read lazily as before.
    """
    features = ruleset.features
    return frozenset(
        fid for fid in adds if features[fid].kind == "count" and features[fid].where is None
    )


def read_feature(module: _Module, fid: int, key: str) -> str:
    """Return code reading feature ``fid`` for the event (0 when its key is missing)."""
    return f"(0 if {key} is None else _R{fid}({key}, ts))"
