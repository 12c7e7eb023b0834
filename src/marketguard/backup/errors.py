"""What can go wrong with a backup, as typed errors the CLI prints on one line."""

from __future__ import annotations

from marketguard.errors import InvalidInput, MarketguardError


class BackupError(InvalidInput):
    """A backup cannot be made, read or restored as asked (the caller can fix it)."""

    title = "Backup refused"
    type_slug = "backup-refused"


class BackupDamaged(BackupError):
    """The file is a backup, but it was changed, cut short or corrupted since it was made."""

    title = "Backup damaged"
    type_slug = "backup-damaged"


class ToolMissing(MarketguardError):
    """A PostgreSQL client tool (``pg_dump``, ``pg_restore``, ``psql``) is not installed."""

    status = 500
    title = "Tool missing"
    type_slug = "tool-missing"
