"""With write access to the database only, the newest records cannot be made to vanish.

The attacker deletes the newest records, repoints the ``audit_head`` row and lets the
application carry on writing. Verification must fail naming the seq and what was
expected there, and the application must refuse to extend the truncated chain.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from marketguard import db
from marketguard.audit.chain import chain_key, record_mac
from marketguard.audit.verify import Finding, verify_chain
from marketguard.config import Settings
from marketguard.errors import MarketguardError
from marketguard.timeutil import utcnow
from marketguard.uow import audit_context, unit_of_work
from tests.audit.helpers import append, sql, truncate, try_append

RECORDS = 6
KEEP = 4


def _verify(settings: Settings) -> Finding:
    context = audit_context(settings)
    head = context.checkpoints.read()
    with unit_of_work(settings) as session:
        return verify_chain(session, context.key, head)


@pytest.mark.parametrize(
    "head_seq",
    [KEEP, RECORDS, RECORDS + 3],
    ids=["head-row-at-new-last", "head-row-keeps-old-seq", "head-row-jumps-ahead"],
)
def test_when_newest_records_are_deleted_head_repointed_and_one_write_follows_then_verify_fails(
    settings: Settings, head_seq: int
) -> None:
    ids = append(settings, RECORDS)
    truncate(settings, keep=KEEP, head_seq=head_seq)
    try_append(settings, 1)
    finding = _verify(settings)
    assert not finding.ok, finding.message
    assert finding.kind == "truncated" and finding.record_id == ids[RECORDS - 1]
    assert f"seq {RECORDS}" in finding.message and f"seq {KEEP}" in finding.message


@pytest.mark.parametrize("head_seq", [KEEP, RECORDS, RECORDS + 3])
def test_when_the_chain_was_truncated_then_the_next_ordinary_write_is_refused(
    settings: Settings, head_seq: int
) -> None:
    append(settings, RECORDS)
    truncate(settings, keep=KEEP, head_seq=head_seq)
    before = settings.checkpoint_path().read_bytes()
    with pytest.raises(MarketguardError, match=f"seq {RECORDS}"):
        append(settings, 1, start=100)
    assert settings.checkpoint_path().read_bytes() == before
    with db.get_engine(settings.database_url).connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM audit_records")).scalar_one()
    assert count == KEEP


def test_when_writes_continue_past_the_old_head_after_truncation_then_verify_still_fails(
    settings: Settings,
) -> None:
    ids = append(settings, RECORDS)
    truncate(settings, keep=KEEP)
    assert try_append(settings, RECORDS) == 0
    finding = _verify(settings)
    assert finding.kind == "truncated" and finding.record_id == ids[RECORDS - 1]


def test_when_the_tail_is_rewritten_with_validly_chained_records_then_the_seq_is_named(
    settings: Settings,
) -> None:
    """A tail re-grown by a writer that skipped the checkpoint check still fails."""
    ids = append(settings, RECORDS)
    truncate(settings, keep=KEEP)
    key = chain_key(settings.secret_key.get_secret_value())
    with db.get_engine(settings.database_url).begin() as connection:
        prev_id, prev_hash = connection.execute(
            text("SELECT id, hash FROM audit_records WHERE seq = :s"), {"s": KEEP}
        ).one()
        for seq in range(KEEP + 1, RECORDS + 2):
            fields = {
                "id": f"REWRITTEN-{seq}", "at": utcnow(), "actor": "cli:tester",
                "action": "test.change", "object_type": "thing", "object_id": f"R-{seq}",
                "reason": None, "before_digest": None, "after_digest": None,
                "prev_id": prev_id, "prev_hash": prev_hash,
            }  # fmt: skip
            digest = record_mac(key, fields)
            connection.execute(
                text(
                    "INSERT INTO audit_records (id, seq, at, actor, action, object_type, "
                    "object_id, reason, before_digest, after_digest, prev_id, prev_hash, hash) "
                    "VALUES (:id, :seq, :at, :actor, :action, :object_type, :object_id, "
                    ":reason, :before_digest, :after_digest, :prev_id, :prev_hash, :hash)"
                ),
                {**fields, "seq": seq, "hash": digest},
            )
            prev_id, prev_hash = fields["id"], digest
        connection.execute(
            text("UPDATE audit_head SET seq = :s, record_id = :r, hash = :h WHERE id = 1"),
            {"s": RECORDS + 1, "r": prev_id, "h": prev_hash},
        )
    finding = _verify(settings)
    assert finding.kind == "rewritten", finding.message
    assert finding.record_id == f"REWRITTEN-{RECORDS}"
    assert f"seq {RECORDS}" in finding.message
    assert ids[RECORDS - 1] in finding.message and f"REWRITTEN-{RECORDS}" in finding.message


def test_when_the_head_row_alone_is_repointed_then_verify_fails(settings: Settings) -> None:
    ids = append(settings, RECORDS)
    with db.get_engine(settings.database_url).connect() as connection:
        digest = connection.execute(
            text("SELECT hash FROM audit_records WHERE id = :id"), {"id": ids[KEEP - 1]}
        ).scalar_one()
    sql(
        settings,
        "UPDATE audit_head SET seq = :s, record_id = :r, hash = :h WHERE id = 1",
        s=KEEP, r=ids[KEEP - 1], h=digest,
    )  # fmt: skip
    finding = _verify(settings)
    assert finding.kind == "head-row", finding.message
    assert f"seq {KEEP}" in finding.message and f"seq {RECORDS}" in finding.message


def test_when_every_record_is_deleted_and_the_head_row_reset_then_verify_fails(
    settings: Settings,
) -> None:
    ids = append(settings, 3)
    truncate(settings, keep=0)
    try_append(settings, 2)
    finding = _verify(settings)
    assert finding.kind == "truncated" and finding.record_id == ids[-1]


def test_when_nothing_is_tampered_with_then_a_long_history_verifies(settings: Settings) -> None:
    append(settings, 3)
    with unit_of_work(settings) as session:  # several records in one unit of work
        from marketguard.audit import service as audit

        for index in range(4):
            audit.record(session, actor="x", action="test.bulk", object_type="thing",
                         object_id=f"B-{index}")  # fmt: skip
    append(settings, 2, start=50)
    finding = _verify(settings)
    assert finding.ok and finding.records == 9, finding.message


def test_when_newest_records_are_deleted_but_the_head_row_left_then_later_writes_name_them(
    settings: Settings,
) -> None:
    """The next write chains from the deleted record (it is what the head row names)."""
    ids = append(settings, RECORDS)
    truncate(settings, keep=KEEP, repoint=False)
    assert try_append(settings, 2) == 2
    finding = _verify(settings)
    assert (finding.kind, finding.record_id) == ("deleted", ids[RECORDS - 1])
