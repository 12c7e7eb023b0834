"""The real CLI: ``data retention apply``, ``data subject export|erase``, their bad input,
and ``audit verify`` after them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import marketguard
from tests.factories import seller, write_jsonl
from tests.test_cli import run as run_cli

SOURCE = {"PYTHONPATH": str(Path(marketguard.__file__).resolve().parents[1])}
PHONE = "+4915100000777"


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path, *args, env={**SOURCE, **env})


@pytest.fixture
def ready(tmp_path: Path) -> Path:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    path = write_jsonl(tmp_path / "sellers.jsonl", [
        seller("S-0007", identifiers={"phone": [PHONE], "device": ["d-7"]}, vat="DE-7")])
    imported = run(tmp_path, "catalog", "import", "--sellers", str(path))
    assert imported.returncode == 0, imported.stderr
    return tmp_path


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_when_retention_is_applied_then_counts_per_dataset_and_the_log_verifies(
    ready: Path,
) -> None:
    dry = run(ready, "data", "retention", "apply", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing changed" in dry.stdout and "would change" in dry.stdout
    done = run(ready, "data", "retention", "apply", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["datasets"]) == {"sellers", "listings", "orders", "notices",
                                       "risk_events", "idempotency_records", "sign_in_failures",
                                       "invitations"}
    assert report["dry_run"] is False
    verify = run(ready, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.parametrize(("args", "env", "expected"), [
    (("data", "retention", "apply", "--dataset", "brands"), {},
     "no retention period applies to dataset(s) 'brands'"),
    (("data", "retention", "apply"), {"MARKETGUARD_DATA_RETENTION": '{"risk_events.ip": "6m"}'},
     "MARKETGUARD_DATA_RETENTION: risk_events.ip: duration '6m' is not ISO 8601"),
    (("data", "retention", "apply"), {"MARKETGUARD_DATA_RETENTION": "{not json"},
     "MARKETGUARD_DATA_RETENTION: not valid JSON"),
    (("data", "subject", "export", "--seller", "S-404"), {}, "no seller 'S-404' is stored"),
    (("data", "subject", "erase", "--seller", "S-404"), {}, "no seller 'S-404' is stored"),
])
def test_when_input_is_wrong_then_one_clear_line_and_nothing_changes(
    ready: Path, args: tuple[str, ...], env: dict[str, str], expected: str
) -> None:
    result = run(ready, *args, **env)
    assert result.returncode != 0
    _no_traceback(result)
    assert expected in result.stderr.replace("\n", ""), result.stderr
    export = run(ready, "data", "subject", "export", "--seller", "S-0007")
    assert PHONE in export.stdout  # nothing was erased


def test_when_a_seller_exercises_their_rights_then_export_then_erase_and_verify(
    ready: Path,
) -> None:
    out = ready / "S-0007.json"
    exported = run(ready, "data", "subject", "export", "--seller", "S-0007", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text())
    assert document["seller"]["identifiers"]["phone"] == [PHONE]
    assert document["seller"]["extra"] == {"vat": "DE-7"}
    erased = run(ready, "data", "subject", "erase", "--seller", "S-0007", "--json")
    assert erased.returncode == 0, erased.stderr
    result = json.loads(erased.stdout)
    assert {"table": "seller_identifiers", "field": "value", "rows": 2} in result["erased"]
    assert any(k["table"] == "enforcement_statements" for k in result["kept"])
    table = run(ready, "data", "subject", "erase", "--seller", "S-0007")
    assert "Kept" in table.stdout and "DSA Art. 17" in table.stdout
    again = run(ready, "data", "subject", "export", "--seller", "S-0007")
    assert PHONE not in again.stdout
    verify = run(ready, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    catalog = run(ready, "data", "catalog")
    assert "retention" in catalog.stdout and "P365D" in catalog.stdout
