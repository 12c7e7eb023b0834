"""Mask a value so its kind stays recognisable and its content does not.

``+8613800138021`` becomes ``+86*********21``, ``jane@example.com`` becomes
``j***@e******.com``, ``203.0.113.9`` becomes ``***.*.***.*``. Short strings are
starred whole, numbers and booleans become a starred string, ``null`` stays
``null``, lists and objects are masked element by element. Whatever the input,
the raw value never appears inside the result: if a shape-keeping mask would
still contain it, the whole value is starred.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

STAR = "*"
SHORT = 5  # strings this long or shorter are starred whole

_EMAIL = re.compile(r"^([^@\s]+)@([^@\s]+\.[^@\s.]+)$")
_PHONE = re.compile(r"^\+\d[\d ()\-.]{6,}\d$")
# Only text made of these can be an IP address; the check skips the costly parse for
# everything else (masking runs for every hidden field of every record on a page).
_IPV4 = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$")
_IPV6_CHARS = re.compile(r"^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$")
_HEX = frozenset("0123456789abcdefABCDEF")
_STAR_HEX = str.maketrans(dict.fromkeys("0123456789abcdefABCDEF", STAR))


def mask(value: Any) -> Any:
    """Return ``value`` masked (see the module docstring); ``None`` stays ``None``."""
    if type(value) is str:  # the common case first: masking runs for every hidden field
        return mask_text(value)
    if value is None:
        return None
    if isinstance(value, list | tuple):  # identifier lists: mostly strings
        return [mask_text(item) if type(item) is str else mask(item) for item in value]
    if isinstance(value, dict):
        return {key: mask(item) for key, item in value.items()}
    if isinstance(value, bool):
        return STAR * len(str(value).lower())
    if isinstance(value, int | float):
        return STAR * len(str(value))
    return mask_text(str(value))


def mask_text(text: str) -> str:
    """Mask one string, keeping the shape of an e-mail, an IP address or a phone number."""
    if len(text) <= SHORT:
        return STAR * len(text)
    masked = _shaped(text)
    if text in masked:  # e.g. a value made of separators and stars
        return STAR * len(text)
    return masked


def _shaped(text: str) -> str:
    # Cheap tests on the first character pick the one shape worth parsing for.
    first = text[0]
    if first == "+" and _PHONE.match(text):
        return _keep(text, head=3, tail=2)
    if "@" in text:
        email = _EMAIL.match(text)
        if email:
            return _email(email.group(1), email.group(2))
    if (first in _HEX or first == ":") and _is_ip(text):
        return text.translate(_STAR_HEX)
    return _keep(text, head=2 if len(text) >= 12 else 1, tail=2 if len(text) >= 12 else 1)


def _email(local: str, domain: str) -> str:
    *labels, top = domain.split(".")
    parts = [_first(label) for label in labels]
    return f"{_first(local)}@{'.'.join(parts)}.{top}"


def _first(part: str) -> str:
    """Keep the first character of a part of three or more, star the rest."""
    if len(part) < 3:
        return STAR * len(part)
    return part[0] + STAR * (len(part) - 1)


def _keep(text: str, *, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters; star what is between."""
    middle = len(text) - head - tail
    return text[:head] + STAR * middle + text[len(text) - tail :]


def _is_ip(text: str) -> bool:
    """Whether ``text`` looks like an IP address (IPv4 by shape, IPv6 parsed)."""
    if _IPV4.match(text):
        return True
    if ":" not in text or not _IPV6_CHARS.match(text):
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
