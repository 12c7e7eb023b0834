"""Detectors' signals: one open incident per kind and subject, grown by repeats."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from marketguard.config import Settings
from marketguard.incidents import service
from marketguard.incidents.models import Incident
from marketguard.incidents.scope import Scope
from marketguard.uow import unit_of_work


def _seen(n: int, subject: str = "exp_1") -> service.Signal:
    return service.Signal(kind="data_leak", subject=subject, title="export leaked",
                          text=f"trace matched {n} rows", scope=Scope(records_exposed=n,
                                                                      data_level=3))


def test_a_repeat_signal_grows_the_open_incident_instead_of_opening_another(
    settings: Settings,
) -> None:
    with unit_of_work(settings) as session:
        first, opened = service.signal(session, settings, _seen(50))
        assert opened
    with unit_of_work(settings) as session:
        again, opened = service.signal(session, settings, _seen(50_000))
        assert not opened and again.id == first.id
        assert again.scope["records_exposed"] == 50_000
        assert again.damage > first.damage
        smaller, _ = service.signal(session, settings, _seen(10))
        assert smaller.scope["records_exposed"] == 50_000  # scope never shrinks
        texts = [e.text for e in service.timeline(session, first.id)]
    assert texts.count("trace matched 50 rows") == 1
    assert "trace matched 10 rows" in texts
    assert any(t.startswith("severity SEV") for t in texts)


def test_another_subject_or_a_resolved_incident_opens_a_new_one(settings: Settings) -> None:
    from marketguard.auth.roles import cli_principal

    with unit_of_work(settings) as session:
        first, _ = service.signal(session, settings, _seen(50))
        other, opened = service.signal(session, settings, _seen(50, subject="exp_2"))
        assert opened and other.id != first.id
        service.update(session, settings, actor=cli_principal(), incident_id=first.id,
                       status="resolved")
        reopened, opened = service.signal(session, settings, _seen(50))
        assert opened and reopened.id not in (first.id, other.id)


def test_two_processes_signalling_at_once_open_exactly_one_incident(settings: Settings) -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def detector() -> None:
        try:
            with unit_of_work(settings) as session:
                barrier.wait(timeout=10)
                service.signal(session, settings, _seen(100, subject="race"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=detector) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with unit_of_work(settings) as session:
        count = session.scalar(select(func.count()).select_from(Incident)
                               .where(Incident.subject == "race"))
    assert count == 1
    assert not [e for e in errors if "locked" not in str(e)]  # SQLite may refuse a writer
