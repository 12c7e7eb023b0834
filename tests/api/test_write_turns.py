"""Many concurrent writers on a real server: every one answered, one valid chain.

Why a real server: the failure this guards against lives between uvicorn's
event loop, the worker-thread pool and the database's locks. With more writing
requests in flight than worker threads, PostgreSQL made each wait on the audit
chain's head row while holding a thread, and the lock holder found no thread
left to commit: every request hung. ``SessionDep`` now takes a writer turn in
the event loop first, for every writing route.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from marketguard.app import create_app
from marketguard.audit import service as audit
from marketguard.audit.verify import verify_chain
from marketguard.config import Settings
from marketguard.uow import audit_context, unit_of_work
from tests.factories import auth, token

WRITERS = 60  # more than the server's 40 worker threads


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="error")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=20)


def test_when_more_writers_than_threads_arrive_then_all_are_answered_and_chained(
    server: str, settings: Settings
) -> None:
    headers = auth(token(settings, "analyst"))

    def upload(number: int) -> int:
        source = (
            "version: 1\nrules:\n"
            f"  - {{name: r{number}, events: [e], when: 'amount > {number}', action: review, "
            "score: 10}\n"
        )
        answer = httpx.post(
            f"{server}/api/v1/risk/rulesets",
            json={"name": f"r{number}", "source": source},
            headers=headers,
            timeout=60,
        )
        return answer.status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = list(pool.map(upload, range(WRITERS)))
    assert statuses == [201] * WRITERS
    context = audit_context(settings)
    with unit_of_work(settings) as session:
        finding = verify_chain(session, context.key, context.checkpoints.read())
        records = audit.list_records(session, limit=1000)
    assert finding.ok, finding.message
    assert sum(r.action == "risk.ruleset_upload" for r in records) == WRITERS
