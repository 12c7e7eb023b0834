"""Property: no truncation of the newest records survives verification.

For any history of appends (in units of work of any size), deleting the k >= 1
newest records, repointing ``audit_head`` however the attacker likes, then letting
m >= 0 ordinary writes run (each accepted or refused), verification fails.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard import db
from marketguard.audit import service as audit
from marketguard.models import Base
from marketguard.uow import unit_of_work
from tests.audit.helpers import truncate, try_append
from tests.audit.test_truncation import _verify
from tests.conftest import _reset_postgres, make_settings, start_audit_log


@st.composite
def attacks(draw: st.DrawFn) -> tuple[list[int], int, str, int]:
    batches = draw(st.lists(st.integers(1, 3), min_size=1, max_size=5))
    total = sum(batches)
    k = draw(st.integers(1, total))
    head = draw(st.sampled_from(["new-last", "old-seq", "ahead", "untouched"]))
    m = draw(st.integers(0, 4))
    return batches, k, head, m


def _history(url: str, folder: Path, batches: list[int]) -> None:
    settings_ = make_settings(url, folder)
    for number, size in enumerate(batches):
        with unit_of_work(settings_) as session:
            for index in range(size):
                audit.record(session, actor="x", action="test.change", object_type="thing",
                             object_id=f"T-{number}-{index}")  # fmt: skip


def _check(url: str, folder: Path, attack: tuple[list[int], int, str, int]) -> None:
    batches, k, head, m = attack
    settings_ = make_settings(url, folder)
    start_audit_log(url, folder)
    _history(url, folder, batches)
    total = sum(batches)
    keep = total - k
    head_seq = {"new-last": keep, "old-seq": total, "ahead": total + 2, "untouched": None}[head]
    truncate(settings_, keep=keep, head_seq=head_seq, repoint=head != "untouched")
    try_append(settings_, m)
    finding = _verify(settings_)
    assert not finding.ok, (attack, finding.message)


@settings(max_examples=40, deadline=None)
@given(attack=attacks())
def test_when_newest_records_are_truncated_then_no_later_writes_make_it_verify_sqlite(
    attack: tuple[list[int], int, str, int],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'marketguard.db'}"
        Base.metadata.create_all(db.get_engine(url))
        try:
            _check(url, folder, attack)
        finally:
            db.get_engine(url).dispose()


@pytest.mark.postgres
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(attack=attacks())
def test_when_newest_records_are_truncated_then_no_later_writes_make_it_verify_postgres(
    postgres_url: str, attack: tuple[list[int], int, str, int]
) -> None:
    _reset_postgres(postgres_url)
    with tempfile.TemporaryDirectory() as tmp:
        _check(postgres_url, Path(tmp), attack)
