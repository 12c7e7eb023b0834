"""A revocation through one API process masks the very next read through another.

Why real processes: a grant cached in one process would keep working there after
another process revoked it. Two uvicorn servers on one database show that every
read asks the database for the caller's live grants.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import marketguard
from marketguard.config import Settings
from tests.conftest import TEST_SECRET
from tests.dataguard.helpers import PHONE, seed

SOURCE = str(Path(marketguard.__file__).resolve().parents[1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(settings: Settings, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": SOURCE,
        "MARKETGUARD_ENVIRONMENT": "test",
        "MARKETGUARD_DATABASE_URL": settings.database_url,
        "MARKETGUARD_SECRET_KEY": TEST_SECRET,
        "MARKETGUARD_AUDIT_CHECKPOINT_PATH": str(settings.checkpoint_path()),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "marketguard.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}"


def _wait(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"the API process did not start: {log.read_text()}")


@pytest.fixture
def two_servers(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    started = [_start(settings, tmp_path / f"server-{n}.log") for n in (1, 2)]
    try:
        for n, (process, base) in enumerate(started, 1):
            _wait(base, process, tmp_path / f"server-{n}.log")
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.slow
def test_when_a_grant_is_revoked_through_one_process_then_the_next_read_through_another_is_masked(
    settings: Settings, tmp_path: Path, two_servers: tuple[str, str]
) -> None:
    world = seed(settings, tmp_path)
    first, second = two_servers
    alice, olga = world.headers["alice"], world.headers["olga"]
    filed = httpx.post(f"{first}/api/v1/data/access-requests", headers=alice, json={
        "dataset": "sellers", "fields": ["identifiers.phone"], "purpose": "case 17",
        "duration": "PT8H"})
    assert filed.status_code == 201, filed.text
    decided = httpx.post(f"{second}/api/v1/data/access-requests/{filed.json()['id']}/decision",
                         headers=olga, json={"outcome": "approve", "reason": "case 17"})
    grant_id = decided.json()["grant"]["id"]

    def read_through(base: str) -> str:
        answer = httpx.get(f"{base}/api/v1/data/datasets/sellers/records", headers=alice)
        assert answer.status_code == 200, answer.text
        return answer.text

    assert PHONE in read_through(second) and PHONE in read_through(first)
    revoked = httpx.delete(f"{first}/api/v1/data/grants/{grant_id}", headers=alice)
    assert revoked.status_code == 200, revoked.text
    assert PHONE not in read_through(second)
    assert PHONE not in read_through(first)
