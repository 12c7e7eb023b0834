"""The CLI: anything a user can get wrong prints one clear line and exits non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import listing, seller, write_brand_pack, write_jsonl


def run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "MARKETGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "MARKETGUARD_SECRET_KEY": "cli-test-secret",
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "marketguard.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )


@pytest.fixture
def ready(tmp_path: Path) -> Path:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    return tmp_path


def _one_clear_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert expected in result.stderr, result.stderr


def test_when_help_is_asked_then_every_command_is_listed(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    for command in ("db", "serve", "brands", "catalog", "token", "audit"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("brands", "import", "missing.yaml"), "brand pack not found"),
        (("catalog", "import", "--listings", "nope.jsonl"), "listings file not found"),
        (("catalog", "import"), "give at least one of"),
        (
            ("token", "create", "--name", "x", "--role", "rights_holder", "--brand", "Nobody"),
            "unknown brand 'Nobody'",
        ),
        (("token", "create", "--name", "x", "--role", "wizard"), "unknown role 'wizard'"),
        (("token", "create", "--name", "x", "--role", "seller"), "pass --seller"),
        (
            ("token", "create", "--name", "x", "--role", "reviewer", "--expires", "soon"),
            "--expires",
        ),
        (
            ("token", "create", "--name", "x", "--role", "reviewer", "--expires", "99999999d"),
            "--expires: duration '99999999d' is too long: at most 3650d",
        ),
        (
            ("token", "create", "--name", "x", "--role", "seller", "--seller", "S-404"),
            "unknown seller 'S-404'",
        ),
    ],
)
def test_when_input_is_wrong_then_one_clear_line(
    ready: Path, args: tuple[str, ...], expected: str
) -> None:
    _one_clear_line(run(ready, *args), expected)


def test_when_the_database_url_is_bad_then_one_clear_line(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "upgrade", env={"MARKETGUARD_DATABASE_URL": "mysql://db/x"})
    _one_clear_line(result, "unsupported database URL")


def test_when_a_brand_pack_is_bad_yaml_then_rejected_with_line_and_exit_1(ready: Path) -> None:
    (ready / "bad.yaml").write_text("brand: Acme\naliases: [unclosed\n")
    result = run(ready, "brands", "import", "bad.yaml")
    assert result.returncode == 1
    assert "bad.yaml:" in result.stderr and "not valid YAML" in result.stderr


def test_when_importing_a_marketplace_then_tokens_and_audit_work(ready: Path) -> None:
    write_brand_pack(ready / "brands", "Acme Outdoor")
    write_jsonl(ready / "sellers.jsonl", [seller("S-0001")])
    write_jsonl(ready / "listings.jsonl", [listing("L-1", "S-0001"), listing("L-2", "S-0404")])
    assert run(ready, "brands", "import", "brands").returncode == 0
    result = run(
        ready, "catalog", "import", "--sellers", "sellers.jsonl", "--listings", "listings.jsonl"
    )
    assert result.returncode == 1 and "unknown seller S-0404" in result.stderr
    created = run(
        ready,
        "token",
        "create",
        "--name",
        "acme",
        "--role",
        "rights_holder",
        "--brand",
        "Acme Outdoor",
        "--expires",
        "30d",
    )
    assert created.returncode == 0
    assert created.stdout.strip().splitlines()[-1].startswith("mgt_")
    verified = run(ready, "audit", "verify")
    assert verified.returncode == 0 and "OK" in verified.stdout


def test_when_a_token_names_its_brand_by_id_or_exact_name_then_issued(ready: Path) -> None:
    import sqlite3

    write_brand_pack(ready / "brands", "Acme Outdoor")
    assert run(ready, "brands", "import", "brands").returncode == 0
    with sqlite3.connect(ready / "cli.db") as connection:
        [(brand_id,)] = connection.execute("SELECT id FROM brands").fetchall()
    for ref in (brand_id, "Acme Outdoor"):
        created = run(ready, "token", "create", "--name", "acme", "--role", "rights_holder",
                      "--brand", ref)
        assert created.returncode == 0, created.stderr
        assert f"brand={brand_id}" in created.stderr
    _one_clear_line(
        run(ready, "token", "create", "--name", "x", "--role", "rights_holder", "--brand",
            "acme outdoor"),
        "unknown brand 'acme outdoor': give a brand id or its exact name",
    )


def test_when_a_brand_pack_is_a_billion_laughs_then_refused_quickly_and_nothing_imported(
    ready: Path,
) -> None:
    import sqlite3
    import time

    from tests.brands.test_import import billion_laughs

    (ready / "laughs.yaml").write_text(billion_laughs())
    started = time.perf_counter()
    result = run(ready, "brands", "import", "laughs.yaml")
    # Expanded, the pack would hold about 10^9 nodes: minutes of CPU and gigabytes. The
    # bound is loose so a loaded machine (the CLI alone starts in seconds) cannot fail it.
    assert time.perf_counter() - started < 120
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "laughs.yaml:" in result.stderr and "expands (through YAML aliases)" in result.stderr
    with sqlite3.connect(ready / "cli.db") as connection:
        assert connection.execute("SELECT count(*) FROM brands").fetchone() == (0,)


def test_when_the_audit_log_is_tampered_then_verify_exits_non_zero(ready: Path) -> None:
    import sqlite3

    write_jsonl(ready / "sellers.jsonl", [seller("S-0001")])
    run(ready, "catalog", "import", "--sellers", "sellers.jsonl")
    run(ready, "token", "create", "--name", "a", "--role", "reviewer")
    with sqlite3.connect(ready / "cli.db") as connection:
        connection.execute("UPDATE audit_records SET actor = 'someone else' WHERE seq = 1")
    result = run(ready, "audit", "verify")
    assert result.returncode == 1
    assert "edited" in result.stderr and "seq 1" in result.stderr
