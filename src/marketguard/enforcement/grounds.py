"""Turn a right or a terms clause into the words a statement of reasons needs.

Why here: the seller, the regulator (DSA Transparency Database) and the audit
trail must all read the same ground; building it in one place keeps them equal.
"""

from __future__ import annotations

from dataclasses import dataclass

# The law a right of each kind rests on, by jurisdiction ("*" = any other).
_LAWS: dict[tuple[str, str], str] = {
    ("trademark", "EU"): "Regulation (EU) 2017/1001 on the European Union trade mark, Art. 9",
    ("design", "EU"): "Regulation (EC) No 6/2002 on Community designs, Art. 19",
    ("copyright", "EU"): "Directive 2001/29/EC, Arts. 2-4, as implemented in national law",
    ("patent", "EU"): "the national law of the EU member states where the patent is in force",
    ("trademark", "*"): "the trade mark law of {j}",
    ("design", "*"): "the design law of {j}",
    ("copyright", "*"): "the copyright law of {j}",
    ("patent", "*"): "the patent law of {j}",
}

KEYWORD_BY_KIND = {
    "trademark": "KEYWORD_TRADEMARK_INFRINGEMENT",
    "design": "KEYWORD_DESIGN_INFRINGEMENT",
    "patent": "KEYWORD_PATENT_INFRINGEMENT",
    "copyright": "KEYWORD_COPYRIGHT_INFRINGEMENT",
}

IP_CATEGORY = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
TOS_CATEGORY = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"


@dataclass(frozen=True)
class RightFacts:
    """What a statement says about the right relied on."""

    kind: str
    number: str
    jurisdiction: str
    holder: str | None
    brand: str


def law_for(kind: str, jurisdiction: str) -> str:
    """Return the law a right of this kind and jurisdiction rests on."""
    text = _LAWS.get((kind, jurisdiction)) or _LAWS[(kind, "*")]
    return text.format(j=jurisdiction)


def legal_ground(right: RightFacts) -> str:
    """Name the right and the law, e.g. for ``illegal_content_legal_ground``."""
    holder = right.holder or right.brand
    return (
        f"Infringement of {right.kind} {right.number} ({right.jurisdiction}) held by "
        f"{holder}, under {law_for(right.kind, right.jurisdiction)}"
    )


def action_words(scope: str, action: str) -> str:
    """Say in plain words what was restricted."""
    return {
        ("listing", "block"): "The listing was blocked before it went live.",
        ("listing", "remove"): "The listing was removed from the marketplace.",
        ("listing", "disable"): "Access to the listing was disabled.",
        ("listing", "hold"): "The listing is held and not visible until a reviewer decides.",
        ("seller", "suspend"): "The seller account is suspended: it cannot list or sell.",
        ("store", "close"): "The store is closed: the account is terminated and all its "
        "listings are taken down.",
    }[(scope, action)]


def automation_words(detection: bool, decision: str) -> str:
    """Say whether detection and decision were automated."""
    found = "detected by automated means" if detection else "not detected by automated means"
    decided = {
        "fully": "decided fully automatically",
        "partially": "decided with the help of automated means and a person",
        "not_automated": "decided by a person",
    }[decision]
    return f"The content was {found} and {decided}."
