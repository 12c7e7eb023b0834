"""Several processes writing at once build one chain, and the signed head follows it."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from marketguard.config import Settings
from marketguard.uow import audit_context
from tests.audit.helpers import append
from tests.audit.test_truncation import _verify
from tests.conftest import make_settings

PROCESSES = 3
EACH = 10


def _writer(url: str, folder: str, number: int) -> None:
    append(make_settings(url, Path(folder)), EACH, start=number * 100)


def test_when_several_processes_write_at_once_then_the_chain_and_its_head_agree(
    settings: Settings, tmp_path: Path
) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_writer, args=(settings.database_url, str(tmp_path), number))
        for number in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    finding = _verify(settings)
    assert finding.ok and finding.records == PROCESSES * EACH, finding.message
    assert audit_context(settings).checkpoints.read().seq == PROCESSES * EACH
