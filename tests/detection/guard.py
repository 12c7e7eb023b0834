"""Run a check that might block or read without end in a child process, under a deadline.

Why: a regression in photo reading (a FIFO that blocks on open, ``/dev/zero``
read to the end) must fail one test, not hang the run or eat the machine's
memory. The child gets an address-space ceiling and is killed at the deadline.
"""

from __future__ import annotations

import multiprocessing
import queue
import resource
import time
from collections.abc import Callable
from typing import Any

import pytest

MEMORY_CEILING = 4 << 30  # bytes of address space for the child


def _child(results: Any, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))
    try:
        started = time.monotonic()
        value = target(*args)
        results.put(("ok", value, time.monotonic() - started))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put(("error", f"{type(exc).__name__}: {exc}", 0.0))


def run_guarded(
    target: Callable[..., Any], *args: Any, deadline: float = 90.0
) -> tuple[Any, float]:
    """Return ``target(*args)`` run in a fresh process, and the seconds the call took."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_child, args=(results, target, args), daemon=True)
    process.start()
    try:
        status, value, seconds = results.get(timeout=deadline)
    except queue.Empty:
        pytest.fail(f"{target.__name__} did not finish within {deadline:g} s")
    finally:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    if status != "ok":
        pytest.fail(f"{target.__name__} failed in the child process: {value}")
    return value, seconds
