"""Sign-in failures go after a day, enrolment links 30 days after use or expiry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketguard.auth import invitations, passkeys
from marketguard.auth.models import Invitation, SignInFailure
from marketguard.auth.roles import cli_principal
from marketguard.config import Settings
from marketguard.dataguard.retention import sweep
from marketguard.timeutil import utcnow
from marketguard.uow import unit_of_work

DAY = timedelta(days=1)


def _seed(settings: Settings) -> None:
    now = utcnow()
    with unit_of_work(settings) as session:
        passkeys.record_failure(session, "10.0.0.1", "old", now=now - 2 * DAY)
        passkeys.record_failure(session, "10.0.0.2", "recent", now=now - DAY / 2)
        for email, created, used in (
            ("used-long-ago@example.com", now - 40 * DAY, now - 39 * DAY),
            ("expired-long-ago@example.com", now - 40 * DAY, None),
            ("used-lately@example.com", now - 40 * DAY, now - 2 * DAY),
            ("expired-lately@example.com", now - 20 * DAY, None),
            ("open@example.com", now, None),
        ):
            issued = invitations.invite(session, actor=cli_principal(), settings=settings,
                                        email=email, role="reviewer", now=created)
            issued.invitation.used_at = used


def _left(settings: Settings) -> tuple[set[str], set[str]]:
    with unit_of_work(settings) as session:
        return (set(session.scalars(select(SignInFailure.reason))),
                set(session.scalars(select(Invitation.email))))


def _apply(settings: Settings, dry_run: bool) -> dict[str, int]:
    with unit_of_work(settings) as session:
        report = sweep.apply(session, actor=cli_principal(), settings=settings, dry_run=dry_run,
                             datasets=("sign_in_failures", "invitations"))
    return report.per_dataset()


def test_a_dry_run_counts_and_deletes_nothing(settings: Settings) -> None:
    _seed(settings)
    before = _left(settings)
    assert _apply(settings, dry_run=True) == {"sign_in_failures": 1, "invitations": 2}
    assert _left(settings) == before


def test_what_is_past_its_period_is_deleted_and_nothing_else(settings: Settings) -> None:
    _seed(settings)
    assert _apply(settings, dry_run=False) == {"sign_in_failures": 1, "invitations": 2}
    failures, links = _left(settings)
    assert failures == {"recent"}
    assert links == {"used-lately@example.com", "expired-lately@example.com", "open@example.com"}
    assert _apply(settings, dry_run=False) == {"sign_in_failures": 0, "invitations": 0}
