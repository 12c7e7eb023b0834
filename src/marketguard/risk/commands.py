"""The ``marketguard risk`` commands: decide, backtest, check, worker and versions.

Why thin: each command parses its options and calls :mod:`marketguard.risk.service`;
user errors are raised as ``MarketguardError`` for the main CLI to print on one line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer

from marketguard.errors import InvalidInput
from marketguard.risk.model import RuleSetError

RulesOpt = Annotated[Path, typer.Option("--rules", "-r", help="rules YAML file")]
_CHUNK = 2048


def register(app: typer.Typer) -> None:
    """Add the ``risk`` sub-app to ``app``."""
    risk = typer.Typer(help="Real-time risk engine: rules, decisions, backtests.")
    risk.command("decide")(decide)
    risk.command("backtest")(backtest)
    risk.command("check")(check)
    risk.command("worker")(worker)
    risk.command("publish")(publish)
    risk.command("versions")(versions)
    app.add_typer(risk, name="risk")


def decide(
    rules: RulesOpt,
    input_path: Annotated[
        Path | None, typer.Option("--input", "-i", help="events JSONL (default: stdin)")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="decisions JSONL (default: stdout)")
    ] = None,
    with_version: Annotated[
        bool, typer.Option("--with-version", help="add rules_version to every decision")
    ] = False,
) -> None:
    """Decide events (JSONL on stdin) and write one decision a line to stdout."""
    from marketguard.config import get_settings
    from marketguard.risk.service import batch_mode, decide_stream, get_rules

    ruleset = get_rules(rules)
    limits = get_settings().risk_time_limits
    source: IO[bytes] = _open(input_path, "rb") if input_path else sys.stdin.buffer
    sink: IO[bytes] = _open(output, "wb") if output else sys.stdout.buffer
    try:
        with batch_mode():
            decisions = decide_stream(ruleset, source, with_version=with_version, limits=limits)
            write_decisions(decisions, sink)
    finally:
        if input_path:
            source.close()
        if output:
            sink.close()


def _open(path: Path, mode: str) -> IO[bytes]:
    """Open a file, turning OS trouble into a one-line user error."""
    try:
        handle: IO[bytes] = path.open(mode)
    except OSError as exc:
        raise InvalidInput(f"cannot open {path}: {exc.strerror or exc}") from None
    return handle


def write_decisions(decisions: Iterable[dict[str, Any]], sink: IO[bytes]) -> None:
    """Write decisions as JSONL in chunks (one write per ~2,000 decisions)."""
    dumps = orjson.dumps
    buffer: list[bytes] = []
    for decision in decisions:
        buffer.append(dumps(decision))
        if len(buffer) >= _CHUNK:
            sink.write(b"\n".join(buffer) + b"\n")
            buffer.clear()
    if buffer:
        sink.write(b"\n".join(buffer) + b"\n")
    sink.flush()


def _print_problems(rules: Path, error: RuleSetError) -> None:
    for problem in error.problems:
        typer.echo(f"{rules}: {problem}")


def publish(
    rules: RulesOpt,
    state: Annotated[
        str,
        typer.Option(
            "--as", help="draft (stored only), shadow (runs beside the active one) or active"
        ),
    ] = "draft",
    name: Annotated[str | None, typer.Option(help="a label (default: the file name)")] = None,
    reason: Annotated[str, typer.Option(help="why, for the audit trail")] = "",
) -> None:
    """Store a rules file as a version of the API's rule set; shadow or activate it.

    API processes pick up an activation within a second. Publishing the same
    text again is the same version (nothing new is stored).
    """
    from marketguard.auth.roles import cli_principal
    from marketguard.cli_support import cli_session
    from marketguard.risk import rulesets

    if state not in ("draft", "shadow", "active"):
        raise InvalidInput(f"--as must be draft, shadow or active, not {state!r}")
    try:
        source = rules.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {rules}: {exc.strerror}") from None
    try:
        with cli_session() as session:
            row = rulesets.upload(
                session, actor=cli_principal(), name=name or rules.name, source=source
            )
            if state != "draft":
                rulesets.set_state(
                    session, actor=cli_principal(), version=row.version, state=state, reason=reason
                )
            version, now = row.version, row.state
    except RuleSetError as exc:
        _print_problems(rules, exc)
        raise typer.Exit(1) from None
    typer.echo(f"{version} {now}")


def versions() -> None:
    """List the stored rule-set versions and the shadow report."""
    from rich.table import Table

    from marketguard.cli_support import cli_session, console
    from marketguard.risk import rulesets

    with cli_session() as session:
        rows = rulesets.versions(session)
        report = rulesets.shadow_report(session)
        table = Table(title="Rule-set versions")
        table.add_column("version", no_wrap=True)  # copied into `publish` and API calls
        for column in ("name", "state", "uploaded", "by"):
            table.add_column(column)
        for row in rows:
            table.add_row(
                row.version, row.name, row.state, row.uploaded_at.isoformat(), row.uploaded_by
            )
        console.print(table)
        if report:
            shadow = Table(title="Shadow report")
            shadow.add_column("active", no_wrap=True)
            shadow.add_column("shadow", no_wrap=True)
            for column in ("events", "disagreements", "stricter", "looser"):
                shadow.add_column(column, justify="right")
            for stats in report:
                shadow.add_row(
                    stats.active_version,
                    stats.shadow_version,
                    f"{stats.events:,}",
                    f"{stats.disagreements:,}",
                    f"{stats.stricter:,}",
                    f"{stats.looser:,}",
                )
            console.print(shadow)


def check(rules: RulesOpt) -> None:
    """Validate a rules file; print every problem, one a line."""
    from marketguard.risk.service import get_rules

    try:
        ruleset = get_rules(rules)
    except RuleSetError as exc:
        _print_problems(rules, exc)
        raise typer.Exit(1) from None
    active = sum(rule.mode == "active" for rule in ruleset.rules)
    typer.echo(
        f"{rules}: ok: {len(ruleset.rules)} rules ({active} active, "
        f"{len(ruleset.rules) - active} shadow), {len(ruleset.features)} features, "
        f"version {ruleset.version}"
    )


def backtest(
    rules: RulesOpt,
    events: Annotated[Path, typer.Option("--events", "-e", help="events JSONL or Parquet")],
    out: Annotated[Path | None, typer.Option("--out", help="write decisions JSONL")] = None,
    candidate: Annotated[
        Path | None, typer.Option("--candidate", help="a rule set to compare")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="processes (0: one per CPU); used when every feature is keyed by one field",
        ),
    ] = 1,
) -> None:
    """Replay events through the rules and print a summary."""
    from marketguard.config import get_settings
    from marketguard.risk.service import backtest as run

    limits = get_settings().risk_time_limits
    summary = run(rules, events, out=out, candidate=candidate, workers=workers, limits=limits)
    if as_json:
        typer.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
        return
    print_summary(summary)


def print_summary(summary: dict[str, Any]) -> None:
    """Print a backtest summary as Rich tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{summary['events']}[/] events in {summary['elapsed_s']} s "
        f"({summary['events_per_s']} events/s{_processes(summary)}), {summary['errors']} errors, "
        f"rules {summary['rules_version']}"
    )
    mix = Table(title="Action mix")
    for column in ("action", "active", "if shadow promoted", "candidate"):
        mix.add_column(column, justify="right")
    shadow = summary["shadow"]["actions_if_promoted"]
    cand = summary.get("candidate")
    for action, count in summary["actions"].items():
        other = str(cand["actions"][action]) if cand else "-"
        mix.add_row(action, str(count), str(shadow[action]), other)
    console.print(mix)
    _rules_table(console, "Rules", summary["rules"])
    if cand:
        _rules_table(console, "Candidate rules", cand["rules"])
        moves = Table(title=f"Disagreements with the candidate: {cand['disagreements']}")
        moves.add_column("active -> candidate")
        moves.add_column("events", justify="right")
        for move, count in cand["transitions"].items():
            moves.add_row(move, str(count))
        console.print(moves)


def _processes(summary: dict[str, Any]) -> str:
    workers = summary.get("workers") or 1
    return f" on {workers} processes" if workers > 1 else ""


def _rules_table(console: Any, title: str, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in ("rule", "mode", "action", "hits", "precision", "recall"):
        table.add_column(column, justify="left" if column == "rule" else "right")
    for row in rows:
        table.add_row(
            row["name"],
            row["mode"],
            row["action"],
            str(row["hits"]),
            _pct(row["precision"]),
            _pct(row["recall"]),
        )
    console.print(table)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def worker(
    rules: RulesOpt,
    partition: Annotated[int, typer.Option("--partition", "-p", help="partition to consume")] = 0,
    partitions: Annotated[int, typer.Option("--partitions", help="number of partitions")] = 1,
    nats_url: Annotated[
        str | None, typer.Option("--nats-url", envvar="MARKETGUARD_NATS_URL")
    ] = None,
    state_dir: Annotated[
        Path, typer.Option("--state-dir", help="where snapshots of feature state go")
    ] = Path("risk-state"),
    stream: Annotated[str, typer.Option("--stream", help="JetStream stream name")] = "MG_RISK",
    prefix: Annotated[str, typer.Option("--prefix", help="subject prefix")] = "mg.risk",
    snapshot_every: Annotated[
        int, typer.Option("--snapshot-every", help="events between snapshots")
    ] = 2000,
    idle_exit: Annotated[
        float | None, typer.Option("--idle-exit", help="stop after this many idle seconds")
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis",
            help="keep feature state in Redis so several workers can share a partition "
            "(default: MARKETGUARD_REDIS_URL; unset: in process)",
        ),
    ] = None,
    in_process: Annotated[
        bool, typer.Option("--in-process", help="keep state in process even if Redis is set")
    ] = False,
    namespace: Annotated[
        str, typer.Option("--namespace", help="Redis key prefix of the shared state")
    ] = "mg:risk",
    ack_wait: Annotated[
        float, typer.Option("--ack-wait", help="seconds before an unacked event is redelivered")
    ] = 30.0,
) -> None:
    """Consume one partition of events from NATS JetStream and publish decisions.

    With Redis (``--redis`` or ``MARKETGUARD_REDIS_URL``) any number of workers may
    run on the same partition and share state; without it, one worker a partition.
    """
    import asyncio

    from marketguard.config import get_settings
    from marketguard.risk.service import get_rules
    from marketguard.risk.worker import WorkerConfig, run_worker

    if not in_process and not redis_url:
        redis_url = get_settings().redis_url

    config = WorkerConfig(
        nats_url=nats_url or "nats://127.0.0.1:4222",
        partition=partition,
        partitions=partitions,
        state_dir=state_dir,
        stream=stream,
        prefix=prefix,
        snapshot_every=snapshot_every,
        idle_exit=idle_exit,
        redis_url=None if in_process else redis_url,
        namespace=namespace,
        ack_wait=ack_wait,
        limits=get_settings().risk_time_limits,
    )
    asyncio.run(run_worker(get_rules(rules), config))
