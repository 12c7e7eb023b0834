"""The audit log names the first record that was edited, deleted, reordered or inserted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from marketguard import db
from marketguard.audit import service as audit
from marketguard.audit.checkpoint import CheckpointError
from marketguard.audit.verify import Finding, verify_chain
from marketguard.auth.roles import cli_principal
from marketguard.config import Settings
from marketguard.uow import audit_context, unit_of_work


def _append(settings: Settings, count: int) -> list[str]:
    ids = []
    for index in range(count):
        with unit_of_work(settings) as session:
            entry = audit.record(
                session,
                actor=cli_principal().actor,
                action="test.change",
                object_type="thing",
                object_id=f"T-{index}",
                reason=f"change {index}",
                before={"v": index},
                after={"v": index + 1},
            )
            ids.append(entry.id)
    return ids


def _verify(settings: Settings) -> Finding:
    context = audit_context(settings)
    with unit_of_work(settings) as session:
        return verify_chain(session, context.key, context.checkpoints.read())


def _sql(settings: Settings, statement: str, **params: object) -> None:
    with db.get_engine(settings.database_url).begin() as connection:
        connection.execute(text(statement), params)


def test_when_nothing_is_touched_then_the_chain_verifies(settings: Settings) -> None:
    _append(settings, 5)
    finding = _verify(settings)
    assert finding.ok, finding.message
    assert finding.records == 5


def test_when_a_record_is_edited_then_it_is_named(settings: Settings) -> None:
    ids = _append(settings, 6)
    _sql(settings, "UPDATE audit_records SET reason = 'nothing happened' WHERE id = :id", id=ids[2])
    finding = _verify(settings)
    assert (finding.kind, finding.record_id) == ("edited", ids[2])


def test_when_a_record_is_deleted_then_it_is_named(settings: Settings) -> None:
    ids = _append(settings, 6)
    _sql(settings, "DELETE FROM audit_records WHERE id = :id", id=ids[3])
    finding = _verify(settings)
    assert (finding.kind, finding.record_id) == ("deleted", ids[3])


def test_when_records_are_reordered_then_the_moved_one_is_named(settings: Settings) -> None:
    ids = _append(settings, 6)
    _sql(settings, "UPDATE audit_records SET seq = -1 WHERE id = :id", id=ids[1])
    _sql(settings, "UPDATE audit_records SET seq = 2 WHERE id = :id", id=ids[2])
    _sql(settings, "UPDATE audit_records SET seq = 3 WHERE id = :id", id=ids[1])
    finding = _verify(settings)
    assert (finding.kind, finding.record_id) == ("reordered", ids[2])


def test_when_a_record_is_inserted_then_it_is_named(settings: Settings) -> None:
    ids = _append(settings, 6)
    with db.get_engine(settings.database_url).begin() as connection:
        for seq in range(6, 3, -1):  # make room at seq 4
            connection.execute(
                text("UPDATE audit_records SET seq = seq + 1 WHERE seq = :s"), {"s": seq}
            )
        row = connection.execute(
            text("SELECT at, prev_hash FROM audit_records WHERE id = :id"), {"id": ids[3]}
        ).one()
        connection.execute(
            text(
                "INSERT INTO audit_records (id, seq, at, actor, action, object_type, object_id, "
                "reason, before_digest, after_digest, prev_id, prev_hash, hash) VALUES "
                "('FORGED', 4, :at, 'attacker', 'test.change', 'thing', 'T-x', 'cover-up', NULL, "
                "NULL, :prev_id, :prev_hash, :hash)"
            ),
            {"at": row[0], "prev_id": ids[2], "prev_hash": row[1], "hash": "f" * 64},
        )
    finding = _verify(settings)
    assert (finding.kind, finding.record_id) == ("inserted", "FORGED")


def test_when_the_newest_records_are_deleted_then_truncation_is_reported(
    settings: Settings,
) -> None:
    ids = _append(settings, 5)
    _sql(settings, "DELETE FROM audit_records WHERE id IN (:a, :b)", a=ids[3], b=ids[4])
    finding = _verify(settings)
    assert (finding.kind, finding.record_id) == ("truncated", ids[4])


def test_when_a_change_rolls_back_then_its_audit_record_goes_too(settings: Settings) -> None:
    _append(settings, 2)
    with pytest.raises(RuntimeError, match="the change failed"):
        with unit_of_work(settings) as session:
            audit.record(
                session,
                actor="x",
                action="test.change",
                object_type="thing",
                object_id="T-rolled-back",
            )
            raise RuntimeError("the change failed")
    finding = _verify(settings)
    assert finding.ok and finding.records == 2, finding.message


def test_when_the_checkpoint_signature_is_forged_then_reading_it_fails(
    settings: Settings, tmp_path: Path
) -> None:
    _append(settings, 1)
    path = settings.checkpoint_path()
    path.write_text(path.read_text().replace('"seq": 1', '"seq": 9'))
    context = audit_context(settings)
    with pytest.raises(CheckpointError, match="bad signature"):
        context.checkpoints.read()


def test_when_many_writers_append_at_once_then_one_valid_chain_results(settings: Settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def writer(number: int) -> None:
        for index in range(8):
            with unit_of_work(settings) as session:
                audit.record(
                    session,
                    actor=f"writer-{number}",
                    action="test.change",
                    object_type="thing",
                    object_id=f"W{number}-{index}",
                )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(writer, range(4)))
    finding = _verify(settings)
    assert finding.ok, finding.message
    assert finding.records == 32
