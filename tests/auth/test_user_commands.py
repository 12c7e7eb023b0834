"""``marketguard user …``: invite prints the enrolment URL last; bad input creates nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.test_cli import run


@pytest.fixture
def ready(tmp_path: Path) -> Path:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    return tmp_path


PORTAL = {"MARKETGUARD_PORTAL_URL": "https://portal.example.com/"}


def invite(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(folder, "user", "invite", *args, env=PORTAL)


def test_invite_prints_a_one_time_url_on_its_last_line(ready: Path) -> None:
    result = invite(ready, "--email", "Ana@Example.com", "--role", "reviewer")
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("https://portal.example.com/portal/enrol?invitation=")
    assert len(last.rsplit("=", 1)[1]) >= 40
    assert "ana@example.com" in result.stderr and "works once" in result.stderr
    listed = run(ready, "user", "list")
    assert "ana@example.com" not in listed.stdout  # nobody exists until they enrol


def test_two_invitations_carry_different_secrets(ready: Path) -> None:
    first = invite(ready, "--email", "a@example.com", "--role", "reviewer").stdout
    second = invite(ready, "--email", "b@example.com", "--role", "reviewer").stdout
    assert first.strip() != second.strip()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--email", "not-an-address", "--role", "reviewer"), "not an e-mail address"),
        (("--email", "a@example.com", "--role", "wizard"), "unknown role 'wizard'"),
        (("--email", "a@example.com", "--role", "rights_holder"), "must be scoped to a brand"),
        (("--email", "a@example.com", "--role", "seller", "--seller", "S-404"), "unknown seller"),
        (("--email", "a@example.com", "--role", "rights_holder", "--brand", "Nobody"), "Nobody"),
    ],
)
def test_when_invite_input_is_wrong_then_one_clear_line_and_no_url(
    ready: Path, args: tuple[str, ...], expected: str
) -> None:
    result = invite(ready, *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert expected in result.stderr, result.stderr
    assert "/portal/enrol" not in result.stdout


def test_disabling_an_unknown_person_is_one_clear_line(ready: Path) -> None:
    result = run(ready, "user", "disable", "nobody@example.com", "--reason", "left")
    assert result.returncode != 0 and "no person" in result.stderr
