"""Reports keep no tables of their own.

Why: every figure is computed from the notices and enforcement records through
those domains' services, so a report can always be regenerated from the source
of truth for any period and never drifts from it.
"""

from __future__ import annotations

__all__: list[str] = []
