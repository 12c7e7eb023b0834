"""Statements export as valid DSA Transparency Database submissions (API v2 rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from marketguard.config import Settings
from marketguard.enforcement import service as enforcement
from marketguard.reports import dsa
from marketguard.reports.dsa_schema import validate
from tests.notices.helpers import HOUR, T0
from tests.reports.test_transparency import START, month

VALID: dict[str, Any] = {
    "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
    "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
    "illegal_content_legal_ground": "EU trade mark EU-018812345, Reg. (EU) 2017/1001 Art. 9",
    "illegal_content_explanation": "Counterfeit goods bearing the registered mark.",
    "content_type": ["CONTENT_TYPE_PRODUCT"],
    "category": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "category_specification": ["KEYWORD_TRADEMARK_INFRINGEMENT"],
    "territorial_scope": ["DE", "FR"],
    "content_date": "2026-11-01",
    "application_date": "2026-11-10",
    "decision_facts": "Notice ntc_1 from the rights holder; reviewer confirmed.",
    "source_type": "SOURCE_ARTICLE_16",
    "automated_detection": "No",
    "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
    "puid": "sor_01JABC-x",
}


def test_when_every_kind_of_statement_is_exported_then_each_is_a_valid_submission(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = month(settings, tmp_path)
    enforcement.suspend_seller(session, actor=world.reviewer, seller_id="S-0002",
                               until=T0 + 30 * 24 * HOUR, facts="Late shipping fraud.",
                               now=T0 + 100 * HOUR)
    enforcement.restrict_listing(session, actor=world.reviewer, listing_id="L-8", action="hold",
                                 ground="terms_of_service", facts="Suspicious price.",
                                 automated_detection=True, automated_decision="partially",
                                 source="proactive", now=T0 + 101 * HOUR)
    exported = list(dsa.export(session, since=START))
    assert len(exported) == 7
    for submission in exported:
        assert validate(submission) == [], submission
        assert submission["puid"].startswith("sor_")
        assert "ada@acme.example" not in orjson.dumps(submission).decode()  # no personal data
    by_source = {(s["source_type"], s["decision_ground"]) for s in exported}
    assert ("SOURCE_ARTICLE_16", "DECISION_GROUND_ILLEGAL_CONTENT") in by_source
    assert ("SOURCE_VOLUNTARY", "DECISION_GROUND_INCOMPATIBLE_CONTENT") in by_source
    closure = next(s for s in exported if s.get("decision_account") ==
                   "DECISION_ACCOUNT_TERMINATED")
    assert closure["decision_provision"] == "DECISION_PROVISION_TOTAL_TERMINATION"
    suspension = next(s for s in exported if s.get("decision_account") ==
                      "DECISION_ACCOUNT_SUSPENDED")
    assert suspension["end_date_account_restriction"] == "2026-12-10"
    hold = next(s for s in exported if s.get("decision_visibility_other"))
    assert hold["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"]
    notice = next(s for s in exported if s["source_type"] == "SOURCE_ARTICLE_16")
    assert notice["source_identity"] == "Rights holder Acme Outdoor"
    assert notice["category_specification"] == ["KEYWORD_TRADEMARK_INFRINGEMENT"]
    assert len(notice["territorial_scope"]) == 30


def test_when_a_valid_submission_is_checked_then_no_reasons() -> None:
    assert validate(VALID) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"decision_visibility": None}, "decision_visibility: is required when none of"),
        ({"decision_visibility": ["DECISION_VISIBILITY_GONE"]}, "not an allowed value"),
        ({"decision_visibility": "DECISION_VISIBILITY_CONTENT_REMOVED"}, "must be an array"),
        ({"decision_visibility": ["DECISION_VISIBILITY_OTHER"]},
         "decision_visibility_other: is required here"),
        ({"decision_ground": None}, "decision_ground: is required"),
        ({"illegal_content_legal_ground": ""}, "illegal_content_legal_ground: is required"),
        ({"illegal_content_explanation": "x" * 2001}, "greater than 2000 characters"),
        ({"incompatible_content_ground": "ToS 4.2"}, "does not apply here"),
        ({"content_type": []}, "content_type: is required"),
        ({"content_type": ["CONTENT_TYPE_OTHER"]}, "content_type_other: is required here"),
        ({"category": "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"},
         "not an allowed value"),  # a v1 category, gone in v2
        ({"category_specification": ["KEYWORD_DANGEROUS_TOYS"]}, "not an allowed value"),
        ({"territorial_scope": ["DE", "CH"]}, "'CH' is not an allowed value"),
        ({"territorial_scope": None}, "territorial_scope: is required"),
        ({"content_language": "en"}, "not an allowed value"),
        ({"content_date": "2026-11-1"}, "YYYY-MM-DD"),
        ({"content_date": "1999-12-31"}, "between 2000-01-01"),
        ({"application_date": "2019-12-31"}, "between 2020-01-01"),
        ({"application_date": "2026-02-30"}, "YYYY-MM-DD"),
        ({"end_date_visibility_restriction": "2026-11-09"}, "on or after the application date"),
        ({"end_date_account_restriction": "2039-01-01"}, "on or before 2038-01-01"),
        ({"decision_facts": " "}, "decision_facts: is required"),
        ({"decision_facts": "x" * 5001}, "greater than 5000"),
        ({"source_type": "SOURCE_RUMOUR"}, "not an allowed value"),
        ({"automated_detection": "yes"}, "not an allowed value"),
        ({"automated_decision": "AUTOMATED_DECISION_NO"}, "not an allowed value"),
        ({"puid": "sor 1"}, "puid: may contain only"),
        ({"puid": "sor_1\n"}, "puid: may contain only"),
        ({"puid": "x" * 501}, "greater than 500"),
        ({"puid": None}, "puid: is required"),
        ({"content_id": {"EAN-13": "4006381333931"}}, None),
        ({"content_id": {"EAN-13": "4006381333932"}}, "valid EAN-13"),
        ({"content_id": {"GTIN": "4006381333932"}}, "not an accepted identifier type"),
        ({"decision_ground_reference_url": "not a url"}, "valid URL"),
        ({"account_type": "ACCOUNT_TYPE_TRADER"}, "not an allowed value"),
        ({"decision_monetary": "DECISION_MONETARY_OTHER"}, "decision_monetary_other: is required"),
        ({"decision_id": "x"}, "decision_id: is not a field of the schema"),
    ],
)
def test_when_a_submission_breaks_a_rule_then_the_validator_names_it(
    change: dict[str, Any], expected: str | None
) -> None:
    found = validate({**VALID, **change})
    if expected is None:
        assert found == []
    else:
        assert any(expected in reason for reason in found), found


def test_when_checked_leniently_then_only_what_the_api_refuses_counts() -> None:
    submission = {**VALID, "decision_id": "x", "incompatible_content_ground": "ToS"}
    assert validate(submission, strict=False) == []


def test_when_statements_are_exported_from_the_cli_then_one_valid_json_object_a_line(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketguard.cli import app
    from marketguard.config import get_settings
    from tests.conftest import TEST_SECRET, make_settings

    month(make_settings(sqlite_url, tmp_path), tmp_path)
    monkeypatch.setenv("MARKETGUARD_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MARKETGUARD_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("MARKETGUARD_AUDIT_CHECKPOINT_PATH", str(tmp_path / "audit-head.json"))
    get_settings.cache_clear()
    try:
        out = tmp_path / "dsa.jsonl"
        result = CliRunner().invoke(app, ["report", "statements", "--since", "2026-11-10",
                                          "--format", "dsa", "--out", str(out)])
        assert result.exit_code == 0, result.output
        lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
        assert len(lines) == 5 and all(validate(line) == [] for line in lines)
        report = CliRunner().invoke(app, ["report", "transparency", "--from", "2026-11-10",
                                          "--to", "2026-11-20", "--json"])
        assert report.exit_code == 0, report.output
        assert orjson.loads(report.stdout)["notices_received"] == 3
        table = CliRunner().invoke(app, ["report", "transparency", "--from", "2026-11-10",
                                         "--to", "2026-11-20"])
        assert "share processed within 24 hours" in table.stdout
    finally:
        get_settings.cache_clear()
