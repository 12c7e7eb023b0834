"""The unit of work every request and command runs in.

It opens a session on the configured database, binds the audit context (chain key
and signed-head store) and commits once. After a commit that appended audit
records, the signed head is written outside the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from marketguard import db
from marketguard.audit import service as audit
from marketguard.audit.chain import chain_key
from marketguard.audit.checkpoint import FileCheckpointStore
from marketguard.config import Settings


def audit_context(settings: Settings) -> audit.AuditContext:
    """Build the audit context for these settings."""
    key = chain_key(settings.secret_key.get_secret_value())
    return audit.AuditContext(key, FileCheckpointStore(settings.checkpoint_path(), key))


_ON_COMMIT = "marketguard_on_commit"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's transaction has committed (never on rollback).

    Why: process caches (verified tokens, the live rule sets) must drop what a
    transaction changed only when the change is visible to others, or a
    concurrent reader could cache the old value again just before the commit.
    """
    session.info.setdefault(_ON_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    audit.flush_checkpoint(session)
    for callback in session.info.pop(_ON_COMMIT, []):
        callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    audit.discard_checkpoint(session)
    session.info.pop(_ON_COMMIT, None)


def open_session(settings: Settings) -> Session:
    """Open a session bound to the audit context; the caller commits and closes it."""
    session = db.session_factory(settings.database_url)()
    audit.bind(session, audit_context(settings))
    return session


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    """Yield a session that commits once at the end and rolls back whole on error."""
    session = open_session(settings)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
