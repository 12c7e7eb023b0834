"""Stock tools the tests check our output with (``age``, ``openssl``, ``pg_dump``, ``chromium``).

A vendor decrypts a hand-over with Debian's ``age``; a backup of PostgreSQL is
made with ``pg_dump``. Tests use the real binaries, never a re-implementation.
When one is missing and the tests run as root, it is installed with ``apt-get``
(one ``apt-get update`` per run at most). Outside CI a tool that still cannot be
had skips its tests with a message naming it; under ``CI=true`` it fails them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pytest

_lock = threading.Lock()
_updated = False
_failed: dict[str, str] = {}


def _apt_install(package: str) -> str | None:
    """Install ``package``; return why it could not be, or None."""
    global _updated
    if os.geteuid() != 0:
        return "not running as root, so apt-get cannot install it"
    if shutil.which("apt-get") is None:
        return "apt-get is not available on this machine"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        if not _updated:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=True,
                           capture_output=True, timeout=600)
            _updated = True
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
                       env=env, check=True, capture_output=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return f"apt-get install {package} failed: {detail.decode(errors='replace')[-300:]}"
    return None


def debian_tool(binary: str, package: str) -> str:
    """Return the path of ``binary``, installing Debian's ``package`` when it is missing.

    Skips the calling test when it cannot be had (fails it under ``CI=true``).
    """
    with _lock:
        found = shutil.which(binary)
        if found is None and binary not in _failed:
            problem = _apt_install(package)
            found = shutil.which(binary)
            if found is None:
                _failed[binary] = problem or f"the package {package} holds no {binary}"
    if found is not None:
        return found
    message = f"{binary} (Debian package {package}) is missing: {_failed[binary]}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}, and CI=true requires it", pytrace=False)
    pytest.skip(message)
    raise AssertionError("unreachable")  # pytest.skip raises
