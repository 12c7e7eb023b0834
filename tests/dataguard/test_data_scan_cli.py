"""``marketguard data scan``: table or JSON lines, exit codes, bad lines, and no network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from marketguard.cli import app

ROOT = Path(__file__).resolve().parents[2]
RECORDS = [
    {"seller_id": "S-1", "identifiers": {"phone": "+49 151 23456767", "email": "jane@example.com"},
     "payment": {"iban": "DE89 3704 0044 0532 0130 00"}, "notes": "mail jane(at)example.com"},
    {"seller_id": "S-2", "identifiers": {"phone": "+1 (415) 555-2671", "ip": "192.168.1.20"},
     "notes": "firmware 1.2.3.4.5, price 12.99"},
]  # fmt: skip


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def jsonl(tmp_path: Path, *extra: str) -> Path:
    return write(tmp_path / "sellers.jsonl", [json.dumps(r) for r in RECORDS] + list(extra))


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["data", "scan", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_when_json_is_asked_then_one_object_per_field_and_no_raw_value(tmp_path: Path) -> None:
    code, out, err = invoke(str(jsonl(tmp_path)), "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    by_field = {line["field"]: line for line in lines}
    assert list(by_field) == ["seller_id", "identifiers.phone", "identifiers.email",
                              "payment.iban", "notes", "identifiers.ip"]  # fmt: skip
    assert by_field["identifiers.phone"]["found"]["phone"]["values"] == 2
    assert by_field["payment.iban"]["suggested"] == {"level": 4, "category": "personal"}
    assert by_field["notes"]["found"] == {"email": by_field["notes"]["found"]["email"]}
    assert by_field["seller_id"]["suggested"] is None
    for raw in ("23456767", "jane@example.com", "0532 0130", "555-2671", "168.1.20"):
        assert raw not in out


def test_when_no_flag_then_a_table_shows_kinds_and_levels(tmp_path: Path) -> None:
    code, out, _ = invoke(str(jsonl(tmp_path)))
    assert code == 0
    assert "identifiers.phone" in out and "phone: 2" in out
    assert "4 personal (IBAN)" in out and "+49 1** ******67" in out


def test_when_a_jsonl_line_is_malformed_then_exit_1_naming_the_line(tmp_path: Path) -> None:
    path = jsonl(tmp_path, "{broken", json.dumps({"identifiers": {"phone": "+44 20 7946 0958"}}))
    code, out, err = invoke(str(path), "--json")
    assert code == 1
    assert f"{path}:3: not valid JSON" in err.replace("\n", "")
    phone = next(json.loads(x) for x in out.splitlines() if '"identifiers.phone"' in x)
    assert phone["found"]["phone"]["values"] == 3  # the line after the bad one was scanned


def test_when_a_csv_row_is_malformed_then_exit_1_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", ["name,phone", "Jane,+49 151 23456767", "Bob,1,2",
                                      "Al,+1 415 555 2671"])  # fmt: skip
    code, out, err = invoke(str(path), "--json")
    assert code == 1
    assert f"{path}:3: 3 cells, but the header names 2 columns" in err.replace("\n", "")
    phone = next(json.loads(x) for x in out.splitlines() if '"phone"' in x)
    assert phone["values"] == 2 and phone["found"]["phone"]["values"] == 2


def test_when_format_is_given_then_the_suffix_does_not_matter(tmp_path: Path) -> None:
    path = write(tmp_path / "export.txt", ["email", "jane@example.com"])
    code, out, _ = invoke(str(path), "--format", "csv", "--json")
    assert code == 0 and json.loads(out)["found"]["email"]["values"] == 1


def run_cli(tmp_path: Path, *args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = prelude + "\nfrom marketguard.cli import main\nmain()\n"
    env = {**os.environ, "COLUMNS": "200", "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
        cwd=tmp_path, timeout=180,
    )  # fmt: skip


def test_when_file_is_missing_then_exit_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "data", "scan", "nope.jsonl")
    assert result.returncode == 2
    assert "error: data file not found: nope.jsonl" in result.stderr
    assert "Traceback" not in result.stderr


# Every way out of the process is refused and recorded: a refused connection that a
# library catches (tldextract falls back quietly) must still fail the test.
SOCKET_GUARD = """
import atexit, os, socket, sys
attempts = []
def refuse(name):
    def refused(*args, **kwargs):
        attempts.append(f"{name}{args[1:] if name.startswith('socket.') else args}")
        raise OSError("network access is not allowed in this test")
    return refused
socket.socket.connect = refuse("socket.connect")
socket.socket.connect_ex = refuse("socket.connect_ex")
socket.socket.sendto = refuse("socket.sendto")
socket.create_connection = refuse("create_connection")
socket.getaddrinfo = refuse("getaddrinfo")
def verdict():
    if attempts:
        sys.stderr.write("NETWORK ATTEMPTS: " + repr(attempts))
        sys.stderr.flush()
        os._exit(97)
atexit.register(verdict)
"""


def test_when_the_network_is_unreachable_then_the_scan_still_finds_everything(
    tmp_path: Path,
) -> None:
    """Presidio, spaCy and tldextract load and run with every connection refused."""
    path = jsonl(tmp_path)
    result = run_cli(tmp_path, "data", "scan", str(path), "--json", prelude=SOCKET_GUARD)
    assert result.returncode == 0, result.stderr
    found = {json.loads(x)["field"]: json.loads(x)["found"] for x in result.stdout.splitlines()}
    assert set(found["identifiers.email"]) == {"email"}  # the suffix list was the bundled one
    assert set(found["identifiers.phone"]) == {"phone"}
    assert set(found["payment.iban"]) == {"iban"}
    assert not list((tmp_path / ".cache").glob("**/*.tldextract.json"))


def test_the_socket_guard_catches_a_connection_attempt(tmp_path: Path) -> None:
    """The guard above would notice Presidio's stock e-mail check going online."""
    probe = SOCKET_GUARD + (
        "\nimport tldextract\ntldextract.TLDExtract(cache_dir=None)('jane@example.com')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 97 and "NETWORK ATTEMPTS" in result.stderr
