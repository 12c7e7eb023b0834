"""``marketguard data export`` and ``data vendor``: the CLI twins, progress, age, refusals."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marketguard.config import Settings
from tests.conftest import TEST_SECRET
from tests.dataguard.export_world import (
    CROWD,
    crowd_phone,
    granted,
    key_file,
    new_identity,
    seed_exports,
    stored,
)
from tests.dataguard.helpers import PHONE, DataWorld
from tests.debian_tools import debian_tool


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> DataWorld:
    return seed_exports(settings, tmp_path / "seed")


def run(
    settings: Settings, *args: str, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MARKETGUARD_ENVIRONMENT": "test",
        "MARKETGUARD_DATABASE_URL": settings.database_url,
        "MARKETGUARD_SECRET_KEY": TEST_SECRET,
        "MARKETGUARD_AUDIT_CHECKPOINT_PATH": str(settings.audit_checkpoint_path),
        "MARKETGUARD_DATA_DIR": str(settings.data_dir),
        "MARKETGUARD_DATA_EXPORT_CAP_LEVEL3": "1000",
        "COLUMNS": "200",
    }
    env.pop("MARKETGUARD_TOKEN", None)
    if token:
        env["MARKETGUARD_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "marketguard.cli", "data", *args],
                          capture_output=True, text=True, env=env, cwd=settings.data_dir,
                          timeout=180)


def secret_of(world: DataWorld, who: str) -> str:
    return world.headers[who]["Authorization"].removeprefix("Bearer ")


def test_when_a_granted_person_exports_at_the_console_then_the_file_is_written_with_progress(
    client: TestClient, world: DataWorld, settings: Settings, tmp_path: Path
) -> None:
    granted(client, world, "alice", ["identifiers.phone"])
    out = tmp_path / "phones.csv"
    result = run(settings, "export", "--dataset", "sellers", "--fields",
                 "seller_id,identifiers.phone", "--recipient", "employee:alice", "--out",
                 str(out), "--purpose", "call the ring", token=secret_of(world, "alice"))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2 + len(CROWD)
    assert {r["seller_id"]: r["identifiers.phone"] for r in rows}["S-0001"] == PHONE
    assert f"{len(rows)} rows to {out}" in result.stdout
    assert f"{len(rows)}/{len(rows)}" in result.stderr and "rows" in result.stderr  # progress
    listed = run(settings, "exports", "--json")
    assert '"exporter":"alice"' in listed.stdout and '"purpose":"call the ring"' in listed.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--fields", "seller_id,identifiers.phone"), "identifiers.phone"),  # no grant at console
        (("--fields", "seller_id,nope"), "nope"),
        (("--dataset", "nope"), "unknown dataset"),
        (("--recipient", "somebody"), "--recipient must be employee:NAME or vendor:ID"),
        (("--recipient", "vendor:V-404"), "no vendor 'V-404'"),
        (("--format", "xlsx"), "format must be csv or jsonl"),
        (("--purpose", " "), "purpose must not be empty"),
    ],
)
def test_when_the_console_asks_wrongly_then_one_line_exit_2_and_nothing_written(
    world: DataWorld, settings: Settings, tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    out = tmp_path / "out.csv"
    given = dict(zip(args[::2], args[1::2], strict=True))
    options = {"--dataset": "sellers", "--fields": "seller_id", "--recipient": "employee:cli",
               "--purpose": "count", **given}
    before = stored(settings)
    result = run(settings, "export", "--out", str(out),
                 *[part for pair in options.items() for part in pair])
    assert result.returncode == 2, result.stdout
    assert named in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    assert stored(settings) == before


def test_when_the_out_file_exists_then_it_is_left_alone(
    world: DataWorld, settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "mine.csv"
    out.write_text("precious\n")
    result = run(settings, "export", "--dataset", "sellers", "--fields", "seller_id",
                 "--recipient", "employee:cli", "--purpose", "count", "--out", str(out))
    assert result.returncode == 2 and "exists" in result.stderr
    assert out.read_text() == "precious\n"


def test_when_a_vendor_is_registered_rotated_and_served_at_the_console_then_age_opens_it(
    world: DataWorld, settings: Settings, tmp_path: Path
) -> None:
    old, new = new_identity(), new_identity()
    added = run(settings, "vendor", "add", "--name", "Acme Analytics", "--age-recipient",
                str(old.to_public()))
    assert added.returncode == 0, added.stderr
    vendor_id = added.stdout.strip()
    bad = run(settings, "vendor", "rotate", vendor_id, "--age-recipient", "age1nope")
    assert bad.returncode == 2 and "age_recipient" in bad.stderr
    rotated = run(settings, "vendor", "rotate", "Acme Analytics", "--age-recipient",
                  str(new.to_public()), "--reason", "yearly rotation")
    assert rotated.returncode == 0, rotated.stderr
    listed = run(settings, "vendor", "list", "--json")
    assert f'"age_recipient":"{new.to_public()}"' in listed.stdout and '"keys":2' in listed.stdout

    out = tmp_path / "handover.csv.age"
    result = run(settings, "export", "--dataset", "sellers", "--fields",
                 "seller_id,identifiers.phone", "--recipient", f"vendor:{vendor_id}",
                 "--purpose", "fraud model", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"encrypted to {new.to_public()}" in result.stdout
    age = debian_tool("age", "age")
    opened = subprocess.run([age, "-d", "-i", str(key_file(tmp_path, new)), str(out)],
                            capture_output=True, text=True, timeout=60)
    assert opened.returncode == 0, opened.stderr
    assert "seller_id,identifiers.phone" in opened.stdout
    assert crowd_phone("S-0100") not in opened.stdout and PHONE not in opened.stdout
