"""Signal: a phone number or e-mail address in the listing, to take buyers off the platform.

Why: a seller who writes "WhatsApp +86 138 0013 8000 for a better price" moves the
sale where the platform cannot protect the buyer (no payment protection, no notice
and takedown, no record), which is how many counterfeit and fraud sales close. That
breaks a platform rule whoever the brand, so the evidence is a ``platform_rule``: the
unbranded cap does not hide it, and its weight sits between the policy's review and
block thresholds, so it alone holds the listing for review but never blocks it.
The recognizers are the data-protection scanner's (:mod:`marketguard.dataguard.pii`);
the detail shows masked numbers only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from marketguard.detection.brand_text import FIELD_NAMES
from marketguard.detection.context import DetectorSetup, ScanContext
from marketguard.detection.evidence import Evidence

_DIGITS = str.maketrans("", "", "0123456789")
_MIN_DIGITS = 7  # fewer digits and no "@": no phone number or e-mail address to look for


class ContactDetailsSignal:
    """Reports phone numbers and e-mail addresses in the title, description or attributes."""

    name = "contact_details"

    def __init__(self, setup: DetectorSetup) -> None:
        self.setup = setup

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        """Return one piece of evidence naming every field with contact details, or none."""
        listing = context.listing
        fields = [("title", listing.title), ("description", listing.description)]
        fields += list(_attributes(listing.attributes))
        candidates = [(name, text) for name, text in fields if text and _could_hold(text)]
        if not candidates:
            return []
        from marketguard.dataguard.pii import KINDS, PiiKind, shared_analyzer  # loads Presidio

        analyzer = shared_analyzer()
        wanted = (PiiKind.PHONE, PiiKind.EMAIL)
        parts, found = [], []
        for name, text in candidates:
            shown: list[str] = []
            for match in analyzer.find(text, wanted):
                found.append({"field": name, "kind": match.kind.value, "masked": match.masked,
                              "recognizer": match.recognizer})  # fmt: skip
                label = f"{KINDS[match.kind].label} ({match.masked})"
                if label not in shown:
                    shown.append(label)
            if shown:
                where = FIELD_NAMES.get(name, name)
                parts.append(f"{where} contains {_and(shown)}")
        if not parts:
            return []
        policy = self.setup.policy.effective(None, listing.category)
        weight = (policy.review + policy.block) / 2
        detail = "; ".join(parts) + ": contact details that take buyers off the platform"
        return [Evidence(self.name, detail, weight, data={"found": found}, platform_rule=True)]


def _could_hold(text: str) -> bool:
    """Return whether ``text`` has enough digits for a phone number, or an ``@``."""
    return "@" in text or len(text) - len(text.translate(_DIGITS)) >= _MIN_DIGITS


def _attributes(attributes: Any, prefix: str = "attribute") -> Iterator[tuple[str, str]]:
    """Yield ``("attribute 'key'", text)`` for every string among the listing's attributes."""
    if isinstance(attributes, dict):
        for key, value in attributes.items():
            name = f"{prefix} {key!r}" if prefix == "attribute" else f"{prefix[:-1]}.{key}'"
            yield from _attributes(value, name)
    elif isinstance(attributes, list | tuple):
        for item in attributes:
            yield from _attributes(item, prefix)
    elif isinstance(attributes, str):
        yield prefix, attributes


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
