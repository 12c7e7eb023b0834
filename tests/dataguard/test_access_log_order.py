"""The access log is numbered in commit order, so the alert evaluator never skips a row.

A logged read appends its row in one statement; on PostgreSQL that statement
also bumps the log's head row, whose lock is held to the commit.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from marketguard.config import Settings
from marketguard.dataguard import alerts, service
from marketguard.dataguard.access import Permit
from marketguard.dataguard.models import DataAccessLog
from marketguard.timeutil import utcnow
from marketguard.uow import open_session, unit_of_work

CLEARED = Permit(None, "standing clearance of role analyst")


def append(session: Session, actor: str, at: datetime | None = None) -> str:
    return service.log_access(session, actor=actor, dataset="sellers",
                              fields=["identifiers.phone"], rows=1, permit=CLEARED, kind="read",
                              at=at)


def numbered(settings: Settings) -> list[tuple[int, str]]:
    with unit_of_work(settings) as session:
        return [(r.seq, r.actor) for r in
                session.scalars(select(DataAccessLog).order_by(DataAccessLog.seq))]


def test_when_rows_are_logged_one_after_another_then_they_are_numbered_1_2_3(
    settings: Settings,
) -> None:
    for actor in ("ann", "ben", "cat"):
        with unit_of_work(settings) as session:
            append(session, actor)
    assert numbered(settings) == [(1, "ann"), (2, "ben"), (3, "cat")]


def test_when_a_reader_has_not_committed_then_the_next_waits_and_is_numbered_after_it(
    settings: Settings,
) -> None:
    with unit_of_work(settings) as session:
        append(session, "ann")
    first = open_session(settings)
    append(first, "ben")  # numbered 2, not committed yet
    finished = threading.Event()
    failed: list[BaseException] = []

    def second() -> None:
        try:
            with unit_of_work(settings) as session:
                append(session, "cat")
        except BaseException as error:  # reported by the test thread
            failed.append(error)
        finished.set()

    worker = threading.Thread(target=second)
    worker.start()
    try:
        assert not finished.wait(0.5), "the second reader did not wait for the first's commit"
        first.commit()
    finally:
        first.close()
        worker.join(15)
    assert finished.is_set() and not failed, failed
    assert numbered(settings) == [(1, "ann"), (2, "ben"), (3, "cat")]


def test_when_the_first_reader_rolls_back_then_the_next_takes_its_number(
    settings: Settings,
) -> None:
    first = open_session(settings)
    append(first, "ben")
    first.rollback()
    first.close()
    with unit_of_work(settings) as session:
        append(session, "cat")
    assert numbered(settings) == [(1, "cat")]


def test_when_many_readers_log_at_once_then_every_number_is_taken_once_without_gaps(
    settings: Settings,
) -> None:
    errors: list[BaseException] = []

    def reader(index: int) -> None:
        try:
            for _ in range(5):
                with unit_of_work(settings) as session:
                    append(session, f"reader-{index}")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert [seq for seq, _ in numbered(settings)] == list(range(1, 21))


def test_when_the_log_is_followed_after_rows_were_logged_then_each_is_evaluated_once(
    settings: Settings,
) -> None:
    evaluator = alerts.AlertEvaluator(settings)
    now = utcnow()
    for actor in ("ann", "ben"):
        with unit_of_work(settings) as session:
            append(session, actor, at=now)
    evaluator.catch_up()
    assert evaluator.seen == 2
    with unit_of_work(settings) as session:
        append(session, "cat", at=now)
    evaluator.catch_up()
    assert evaluator.seen == 3


def test_when_the_head_row_is_gone_then_numbering_continues_after_the_rows_logged(
    settings: Settings,
) -> None:
    for actor in ("ann", "ben"):
        with unit_of_work(settings) as session:
            append(session, actor)
    with unit_of_work(settings) as session:
        session.execute(text("DELETE FROM data_access_log_head"))
        append(session, "cat")
    assert numbered(settings) == [(1, "ann"), (2, "ben"), (3, "cat")]
