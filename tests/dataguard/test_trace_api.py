"""``POST /data/exports/trace`` and ``marketguard data trace FILE``: who may, what they say."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketguard.audit.models import AuditRecord
from marketguard.cli import app
from marketguard.config import Settings
from marketguard.dataguard.exports.models import DataExport
from marketguard.dataguard.exports.trace import forget_fingerprints
from marketguard.uow import unit_of_work
from tests.audit.helpers import cli_env
from tests.dataguard.export_copies import leak, record_export, seller_rows
from tests.factories import auth, token

TRACE = "/api/v1/data/exports/trace"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    forget_fingerprints()


@pytest.fixture
def recorded(settings: Settings) -> dict[str, tuple[str, bytes]]:
    rows = seller_rows(300, seed=17)
    with unit_of_work(settings) as session:
        return {person: record_export(session, rows, recipient=person, exporter="olga")
                for person in ("alice", "bob")}


def _counts(settings: Settings) -> tuple[int, int]:
    with unit_of_work(settings) as session:
        return (int(session.scalar(select(func.count()).select_from(DataExport)) or 0),
                int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0))


def test_when_an_auditor_posts_a_leaked_fragment_then_its_export_comes_first(
    settings: Settings, client: TestClient, recorded: dict[str, tuple[str, bytes]]
) -> None:
    export_id, data = recorded["bob"]
    answer = client.post(TRACE, content=leak(data, rows=25, delimiter=";", bom=True),
                         headers={**auth(token(settings, "auditor", name="audrey")),
                                  "Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    first, second = body["matches"][:2]
    assert first["export_id"] == export_id and first["score"] == 1.0
    assert first["recipient"] == {"kind": "employee", "id": "bob", "name": "bob"}
    assert first["exporter"] == "olga" and first["rows_matched"] == 25
    assert second["export_id"] == recorded["alice"][0] and second["score"] < first["score"]
    assert body["rows_read"] == 25 and body["exports_searched"] == 2


def test_when_the_file_is_unrelated_then_matches_is_empty(
    settings: Settings, client: TestClient, recorded: dict[str, tuple[str, bytes]]
) -> None:
    headers = auth(token(settings, "platform_admin", name="root"))
    answer = client.post(TRACE, content=b"name,city\nJane,Lisbon\nJoe,Porto\n", headers=headers)
    assert answer.status_code == 200 and answer.json()["matches"] == []


@pytest.mark.parametrize("role", ["employee", "data_owner", "analyst", "vendor"])
def test_when_neither_admin_nor_auditor_then_403(
    settings: Settings, client: TestClient, recorded: dict[str, tuple[str, bytes]], role: str
) -> None:
    answer = client.post(TRACE, content=leak(recorded["alice"][1], rows=5),
                         headers=auth(token(settings, role, name=f"{role}-1")))
    assert answer.status_code == 403


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"),
    (b"PK\x03\x04\x14\x00", "save it as CSV"),
    (b"age-encryption.org/v1\n", "decrypt it first"),
])
def test_when_the_body_is_no_table_then_one_problem_and_nothing_changes(
    settings: Settings, client: TestClient, recorded: dict[str, tuple[str, bytes]],
    body: bytes, reason: str,
) -> None:
    headers = auth(token(settings, "auditor", name="audrey"))
    before = _counts(settings)
    answer = client.post(TRACE, content=body, headers=headers)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert reason in answer.json()["detail"]
    assert _counts(settings) == before


def test_the_cli_names_the_export_or_exits_1_when_none_matches(
    settings: Settings, recorded: dict[str, tuple[str, bytes]], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    export_id, data = recorded["alice"]
    leaked = tmp_path / "leaked.csv"
    leaked.write_bytes(leak(data, rows=20, quote_all=True, crlf=True))
    unrelated = tmp_path / "unrelated.csv"
    unrelated.write_bytes(b"name,city\nJane,Lisbon\nJoe,Porto\n")
    with cli_env(settings, monkeypatch) as runner:
        found = runner.invoke(app, ["data", "trace", str(leaked)])
        as_json = runner.invoke(app, ["data", "trace", str(leaked), "--json"])
        nothing = runner.invoke(app, ["data", "trace", str(unrelated)])
        missing = runner.invoke(app, ["data", "trace", str(tmp_path / "nope.csv")])
    assert found.exit_code == 0, found.output
    assert export_id in found.output and "employee alice" in found.output
    assert f"most likely comes from export {export_id}" in found.output
    assert orjson.loads(as_json.stdout)["matches"][0]["export_id"] == export_id
    assert nothing.exit_code == 1 and "no recorded export matches" in nothing.output
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    assert "nope.csv" in missing.output and "does not exist" in missing.output
