"""The privacy notice, written from the catalog so it never drifts from the code.

Why generated: a notice kept by hand says what the platform did when it was
written. This one reads the same catalog the masking, the grants and the
retention sweep read — every personal field, its purpose, its period and who may
see it — so changing a classification, a retention period or a standing
clearance changes the notice with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import MetaData, Table, inspect, select
from sqlalchemy.orm import Session

from marketguard.config import Settings
from marketguard.dataguard.access import SENSITIVE, STAFF
from marketguard.dataguard.service import CatalogEntry, catalog

VENDORS_TABLE = "data_vendors"

# Whom each dataset's personal data is about, in the notice's words; the rest is
# about the people who work with marketguard.
ABOUT: dict[str, str] = {
    "sellers": "Sellers",
    "seller_identifiers": "Sellers",
    "listings": "Sellers",
    "orders": "Buyers",
    "notices": "People who report listings (notifiers)",
    "risk_events": "Marketplace users whose logins, orders and payments are checked for fraud",
}
STAFF_GROUP = "Staff, rights holders and others who use marketguard"
GROUP_ORDER = [*dict.fromkeys(ABOUT.values()), STAFF_GROUP]


@dataclass(frozen=True)
class Item:
    """One kind of personal data: what, why, how long, who receives it."""

    dataset: str
    field: str
    purpose: str
    level: int
    retention: str | None
    kept: str
    recipients: list[str]


@dataclass(frozen=True)
class Group:
    about: str
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class PrivacyNotice:
    groups: list[Group]
    vendors: list[str]
    rights: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "groups": [{"about": g.about, "items": [vars(i) for i in g.items]}
                       for g in self.groups],
            "vendors": self.vendors,
            "rights": self.rights,
        }


def vendor_names(session: Session | None) -> list[str]:
    """Vendors registered to receive hand-overs, once their table exists (else none).

    Read by reflection so the notice works before and after vendors are added.
    """
    if session is None or not inspect(session.get_bind()).has_table(VENDORS_TABLE):
        return []
    table = Table(VENDORS_TABLE, MetaData(), autoload_with=session.get_bind())
    if "name" not in table.c:
        return []
    return sorted({str(name) for name in session.scalars(select(table.c.name))})


def recipients(entry: CatalogEntry, vendors: list[str]) -> list[str]:
    """Say who may receive a personal field: staff, under which conditions, and vendors."""
    if entry.level < SENSITIVE:
        out = ["staff of the platform operator (" + ", ".join(r.value for r in STAFF) + ")"]
    else:
        out = ["staff holding a time-limited grant a data owner approved for a stated "
               "purpose" + (" (two approvers)" if entry.level >= 4 else "")]
        if entry.clearances:
            out.append("by standing clearance: " + ", ".join(entry.clearances))
    if vendors and entry.dataset in ABOUT:
        out.append("vendors (" + ", ".join(vendors) + ") receive keyed pseudonyms, never the "
                   "value; sellers who opted out of third-party sharing are left out")
    return out


# The part a deployment may extend (e.g. processors named by contract): each
# function adds recipients for one catalog entry.
RecipientSource = Callable[[CatalogEntry, list[str]], list[str]]
RECIPIENT_SOURCES: list[RecipientSource] = [recipients]


def build(session: Session | None, settings: Settings) -> PrivacyNotice:
    """Return the notice for these settings: every personal field of the catalog."""
    vendors = vendor_names(session)
    groups = {about: Group(about) for about in GROUP_ORDER}
    entries = catalog(session, clearances=settings.data_clearances,
                      retention=settings.data_retention)
    for entry in entries:
        if entry.category != "personal":
            continue
        who = [r for source in RECIPIENT_SOURCES for r in source(entry, vendors)]
        groups[ABOUT.get(entry.dataset, STAFF_GROUP)].items.append(Item(
            dataset=entry.dataset, field=entry.field, purpose=entry.purpose,
            level=entry.level, retention=entry.retention,
            kept=entry.retention_rule or "kept with the record it belongs to",
            recipients=who,
        ))
    return PrivacyNotice(
        groups=[g for g in groups.values() if g.items],
        vendors=vendors,
        rights=[
            "You may ask for everything held about you as one JSON document "
            "(`marketguard data subject export`).",
            "You may ask for your personal data to be erased; what an obligation requires "
            "us to keep (statements of reasons, the audit log) is kept and you are told why "
            "(`marketguard data subject erase`).",
            "Every read of confidential or secret personal data is logged with who read it "
            "and why.",
        ],
    )


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(notice: PrivacyNotice) -> str:
    """Return the notice as a self-contained HTML page."""
    return _templates().get_template("privacy.html").render(notice=notice)
