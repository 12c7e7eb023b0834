"""Null-safe operations the compiled rules call, exactly as FORMATS §5 defines.

Why one module: every operation's null and type rules live here once, so the
generated code only chooses between these helpers and a few inline fast paths
that cannot raise (comparisons against literals, unary minus).
"""

from __future__ import annotations

from typing import Any

NUM: frozenset[type] = frozenset({int, float})
"""Numbers: ``bool`` is deliberately absent (booleans are not numbers)."""
SCALAR: frozenset[type] = frozenset({int, float, str})


class _Unset:
    """Marker for a feature value not computed yet in this event."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def eq(a: Any, b: Any) -> bool:
    """``==``: normal comparison, but a boolean equals only the same boolean."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return a is b
    if ta in NUM:
        return tb in NUM and a == b
    if ta is str or a is None:
        return a == b if tb is ta else False
    if ta is list:
        return tb is list and len(a) == len(b) and all(map(eq, a, b))
    if ta is dict:
        return tb is dict and a.keys() == b.keys() and all(eq(a[k], b[k]) for k in a)
    return bool(a == b)


def ne(a: Any, b: Any) -> bool:
    """``!=``: the negation of :func:`eq`."""
    return not eq(a, b)


def _orderable(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    return (ta in NUM and tb in NUM) or (ta is str and tb is str)


def lt(a: Any, b: Any) -> bool | None:
    """``<`` on two numbers or two strings, else null."""
    return a < b if _orderable(a, b) else None


def le(a: Any, b: Any) -> bool | None:
    """``<=`` on two numbers or two strings, else null."""
    return a <= b if _orderable(a, b) else None


def gt(a: Any, b: Any) -> bool | None:
    """``>`` on two numbers or two strings, else null."""
    return a > b if _orderable(a, b) else None


def ge(a: Any, b: Any) -> bool | None:
    """``>=`` on two numbers or two strings, else null."""
    return a >= b if _orderable(a, b) else None


def in_(x: Any, container: Any) -> bool | None:
    """``x in container`` for a list (by :func:`eq`) or a string (substring)."""
    if x is None:
        return None
    tc = type(container)
    if tc is list:
        tx = type(x)
        if tx is str:
            return x in container
        if tx in NUM:
            return any(type(y) in NUM and y == x for y in container)
        return any(eq(x, y) for y in container)
    if tc is str:
        return x in container if type(x) is str else None
    return None


def not_in(x: Any, container: Any) -> bool | None:
    """``x not in container``: null stays null."""
    found = in_(x, container)
    return None if found is None else not found


def add(a: Any, b: Any) -> Any:
    """``+``: numbers add; two strings or two lists join; anything else is null."""
    ta, tb = type(a), type(b)
    if ta in NUM and tb in NUM:
        try:
            return a + b
        except OverflowError:
            return None
    if (ta is str and tb is str) or (ta is list and tb is list):
        return a + b
    return None


def sub(a: Any, b: Any) -> Any:
    """``-`` on numbers."""
    if type(a) in NUM and type(b) in NUM:
        try:
            return a - b
        except OverflowError:
            return None
    return None


def mul(a: Any, b: Any) -> Any:
    """``*`` on numbers."""
    if type(a) in NUM and type(b) in NUM:
        try:
            return a * b
        except OverflowError:
            return None
    return None


def div(a: Any, b: Any) -> Any:
    """``/`` on numbers; division by zero is null."""
    if type(a) in NUM and type(b) in NUM and b != 0:
        try:
            return a / b
        except (OverflowError, ZeroDivisionError):
            return None
    return None


def mod(a: Any, b: Any) -> Any:
    """``%`` on numbers (Python's sign rule); modulo by zero is null."""
    if type(a) in NUM and type(b) in NUM and b != 0:
        try:
            return a % b
        except (OverflowError, ZeroDivisionError):
            return None
    return None


def neg(a: Any) -> Any:
    """Unary ``-`` on a number."""
    return -a if type(a) in NUM else None


def fn_lower(s: Any) -> Any:
    """``lower(s)``."""
    return s.lower() if type(s) is str else None


def fn_upper(s: Any) -> Any:
    """``upper(s)``."""
    return s.upper() if type(s) is str else None


def fn_len(x: Any) -> Any:
    """``len(x)`` of a string, a list or an object."""
    return len(x) if type(x) in (str, list, dict) else None


def fn_abs(x: Any) -> Any:
    """``abs(x)`` of a number."""
    return abs(x) if type(x) in NUM else None


def _extreme(args: tuple[Any, ...], pick: Any) -> Any:
    kinds = {type(arg) for arg in args}
    if kinds <= NUM or kinds == {str}:
        return pick(args)
    return None


def fn_min(*args: Any) -> Any:
    """``min(a, b, ...)`` of all numbers or all strings."""
    return _extreme(args, min)


def fn_max(*args: Any) -> Any:
    """``max(a, b, ...)`` of all numbers or all strings."""
    return _extreme(args, max)


def fn_startswith(s: Any, prefix: Any) -> Any:
    """``startswith(s, prefix)`` of two strings."""
    return s.startswith(prefix) if type(s) is str and type(prefix) is str else None


def fn_endswith(s: Any, suffix: Any) -> Any:
    """``endswith(s, suffix)`` of two strings."""
    return s.endswith(suffix) if type(s) is str and type(suffix) is str else None


def fn_contains(container: Any, x: Any) -> Any:
    """``contains(s_or_list, x)``: the same as ``x in s_or_list``."""
    return in_(x, container)


HELPERS: dict[str, Any] = {
    "_NUM": NUM,
    "_SCALAR": SCALAR,
    "_U": UNSET,
    "_eq": eq,
    "_ne": ne,
    "_lt": lt,
    "_le": le,
    "_gt": gt,
    "_ge": ge,
    "_in": in_,
    "_nin": not_in,
    "_add": add,
    "_sub": sub,
    "_mul": mul,
    "_div": div,
    "_mod": mod,
    "_neg": neg,
    "_fn_lower": fn_lower,
    "_fn_upper": fn_upper,
    "_fn_len": fn_len,
    "_fn_abs": fn_abs,
    "_fn_min": fn_min,
    "_fn_max": fn_max,
    "_fn_startswith": fn_startswith,
    "_fn_endswith": fn_endswith,
    "_fn_contains": fn_contains,
}
"""Names the generated code may use; nothing else is in its namespace."""
