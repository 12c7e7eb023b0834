"""Compare a restored copy with its manifest, one named check at a time.

Each check says what was compared and what was found, so an operator reading the
table learns what a green backup proves: the file is the one this installation
signed, the database it restores to holds the rows and schema the manifest
lists, and its audit chain is intact up to the head recorded at backup time (and,
at backup time, continued from the installation's signed head, which rules out
a backup taken after the newest records were deleted).
"""

from __future__ import annotations

from dataclasses import dataclass

from marketguard.audit.verify import Finding
from marketguard.backup.inventory import Inventory
from marketguard.backup.manifest import Manifest


@dataclass(frozen=True)
class Check:
    """One thing verified, whether it held, and what was found."""

    name: str
    ok: bool
    detail: str


def compare(manifest: Manifest, restored: Inventory, chain: Finding) -> list[Check]:
    """Return the checks of a restored copy against the manifest."""
    return [
        _revision(manifest, restored),
        _rows(manifest, restored),
        _head(manifest, restored),
        Check("audit chain", chain.ok, chain.message),
        _at_backup(manifest),
    ]


def _revision(manifest: Manifest, restored: Inventory) -> Check:
    expected = manifest.alembic_revision
    if restored.revision == expected:
        shown = expected or "none (the schema was not created by migrations)"
        return Check("schema revision", True, f"{shown}, as in the manifest")
    return Check(
        "schema revision",
        False,
        f"the restored database is at revision {restored.revision!r}, the manifest says "
        f"{expected!r}",
    )


def _rows(manifest: Manifest, restored: Inventory) -> Check:
    expected, found = manifest.tables, restored.tables
    wrong = [
        f"{name}: {found.get(name, 'missing')} rows, expected {count}"
        for name, count in sorted(expected.items())
        if found.get(name) != count
    ]
    extra = sorted(set(found) - set(expected))
    if extra:
        wrong.append(f"tables not in the manifest: {', '.join(extra)}")
    if wrong:
        return Check("row counts", False, "; ".join(wrong))
    total = sum(found.values())
    return Check(
        "row counts", True, f"{total} rows in {len(found)} tables, each as in the manifest"
    )


def _head(manifest: Manifest, restored: Inventory) -> Check:
    expected = manifest.audit_head.point()
    if restored.audit_head == expected:
        return Check("audit head", True, f"the newest record is at {expected.describe()}")
    return Check(
        "audit head",
        False,
        f"the newest record is at {restored.audit_head.describe()}, the manifest says "
        f"{expected.describe()}",
    )


def _at_backup(manifest: Manifest) -> Check:
    found = manifest.audit_check
    if found.kind == "ok":
        return Check("audit at backup time", True, found.message)
    return Check(
        "audit at backup time",
        False,
        f"when the backup was taken the live audit log did not verify ({found.kind}): "
        f"{found.message}",
    )


def all_passed(checks: list[Check]) -> bool:
    return all(check.ok for check in checks)
