"""The ``risk`` CLI: decide, check and backtest through Typer's runner."""

from __future__ import annotations

from pathlib import Path

import orjson
import polars as pl
import typer
from typer.testing import CliRunner

from marketguard.errors import MarketguardError
from marketguard.risk.commands import register
from tests.risk.helpers import event

RULES = """\
version: 1
features:
  n: {count: e, by: k, window: 1h}
rules:
  - {name: seen_twice, events: [e], when: "n >= 2", action: review, score: 40}
  - {name: shadow_big, events: [e], when: "amount > 10", action: block, score: 90,
     mode: shadow}
"""


def app() -> typer.Typer:
    root = typer.Typer()
    register(root)

    @root.command("noop")
    def noop() -> None:  # keep Typer from collapsing a single sub-app
        """Do nothing."""

    return root


def write_rules(tmp_path: Path, text: str = RULES) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return path


def events_file(tmp_path: Path) -> Path:
    lines = [event("1", k="a", amount=5, label="legit"), event("2", at=1, k="a", amount=50,
                                                               label="fraud"),
             event("3", at=2, k="b", amount=50, label=True)]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in lines) + b"\n\nbad\n")
    return path


def test_decide_reads_stdin_and_writes_one_decision_a_line(tmp_path: Path) -> None:
    rules = write_rules(tmp_path)
    stdin = events_file(tmp_path).read_text()
    result = CliRunner().invoke(app(), ["risk", "decide", "--rules", str(rules)], input=stdin)
    assert result.exit_code == 0, result.output
    out = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [d.get("action") for d in out] == ["allow", "review", "allow", None]
    assert out[1]["shadow_rules"] == ["shadow_big"] and out[3]["line"] == 5
    assert "rules_version" not in out[0]


def test_decide_with_version_adds_the_rule_set_hash(tmp_path: Path) -> None:
    rules = write_rules(tmp_path)
    stdin = orjson.dumps(event("1", k="a")).decode()
    result = CliRunner().invoke(
        app(), ["risk", "decide", "--rules", str(rules), "--with-version"], input=stdin)
    assert orjson.loads(result.stdout)["rules_version"].startswith("sha256:")


def test_check_prints_every_problem_and_fails(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, RULES.replace("review", "revue").replace("n >= 2", "n.x"))
    result = CliRunner().invoke(app(), ["risk", "check", "--rules", str(rules)])
    assert result.exit_code == 1
    assert result.stdout.count("\n") == 2 and "unknown action 'revue'" in result.stdout
    assert "when 1:1: attribute access is not allowed" in result.stdout


def test_check_ok(tmp_path: Path) -> None:
    result = CliRunner().invoke(app(), ["risk", "check", "--rules", str(write_rules(tmp_path))])
    assert result.exit_code == 0 and "ok: 2 rules (1 active, 1 shadow), 1 features" in result.stdout


def test_decide_with_bad_rules_raises_a_marketguard_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app(), ["risk", "decide", "--rules", str(tmp_path / "none")])
    assert result.exit_code != 0 and isinstance(result.exception, MarketguardError)


def test_backtest_prints_tables_and_writes_decisions(tmp_path: Path) -> None:
    rules = write_rules(tmp_path)
    (tmp_path / "cand").mkdir()
    candidate = write_rules(tmp_path / "cand", RULES.replace("mode: shadow", "mode: active"))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app(), [
        "risk", "backtest", "--rules", str(rules), "--events", str(events_file(tmp_path)),
        "--out", str(out), "--candidate", str(candidate)])
    assert result.exit_code == 0, result.output
    assert "Action mix" in result.stdout and "Disagreements" in result.stdout
    assert "review->block" in result.stdout and "allow->block" in result.stdout
    assert len(out.read_bytes().splitlines()) == 4


def test_backtest_json_summary_has_precision_recall_and_shadow_diff(tmp_path: Path) -> None:
    rules = write_rules(tmp_path)
    result = CliRunner().invoke(app(), [
        "risk", "backtest", "--rules", str(rules), "--events", str(events_file(tmp_path)),
        "--json"])
    summary = orjson.loads(result.stdout)
    assert summary["events"] == 4 and summary["errors"] == 1
    assert summary["labels"] == {"labeled": 3, "positives": 2}
    by_name = {r["name"]: r for r in summary["rules"]}
    assert by_name["seen_twice"]["precision"] == 1.0 and by_name["seen_twice"]["recall"] == 0.5
    assert by_name["shadow_big"]["hits"] == 2 and by_name["shadow_big"]["recall"] == 1.0
    assert summary["shadow"]["action_changes_if_promoted"] == 2
    assert summary["actions"] == {"allow": 2, "challenge": 0, "review": 1, "block": 0}


def test_backtest_reads_parquet(tmp_path: Path) -> None:
    rows = [event("1", k="a"), event("2", at=1, k="a")]
    path = tmp_path / "events.parquet"
    pl.DataFrame(rows).with_columns(
        pl.col("ts").str.to_datetime(time_zone="UTC")).write_parquet(path)
    result = CliRunner().invoke(app(), [
        "risk", "backtest", "--rules", str(write_rules(tmp_path)), "--events", str(path),
        "--json"])
    summary = orjson.loads(result.stdout)
    assert summary["actions"]["review"] == 1 and summary["errors"] == 0


def test_missing_input_file_is_a_one_line_user_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app(), ["risk", "decide", "--rules", str(write_rules(tmp_path)),
                                        "--input", str(tmp_path / "nope.jsonl")])
    assert isinstance(result.exception, MarketguardError)
    assert "cannot open" in str(result.exception)


def test_missing_events_file_in_backtest_is_a_user_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app(), ["risk", "backtest", "--rules",
                                        str(write_rules(tmp_path)), "--events",
                                        str(tmp_path / "nope.jsonl")])
    assert isinstance(result.exception, MarketguardError)
