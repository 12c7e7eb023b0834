"""Benchmark trace: how fast a leaked fragment is traced, and how small a fragment still is.

Records ``--exports`` exports (default 1,000) of ``--rows`` seller rows each in a
fresh SQLite database, as the export service records them: ``--exports / 5``
different sets of sellers, each exported to five different people, so every
leaked copy has four exports with exactly the same rows beside its source.

Prints two tables:

* **speed** — tracing a 50-row fragment against every recorded export, from a
  cold process cache (fingerprints read from the database and unpacked), in a
  fresh process (a new interpreter: its first trace, and the whole run with
  its imports) and warm, against the baseline of one query that only reads the
  fingerprints' bytes; the target is 1 s;
* **smallest fragment** — for fragments of 5 to 50 shuffled rows, with columns
  dropped or re-saved by a spreadsheet (``;``, quoted, CRLF, times as
  ``dd/mm/yyyy hh:mm``, ``+`` of phone numbers gone): the share of trials whose
  source is named first *and alone* (told apart from the four exports of the
  same rows), against the baseline of the same judgement without the watermark
  (membership alone: the five exports tie, so a pick among them is right one
  time in five); how often the source is matched at all; and how often an
  unrelated file of the same shape is matched. This table judges fragments
  against the first 100 exports, to keep the run short.

Run: ``python benchmarks/bench_trace.py [--exports 1000] [--rows 1000] [--trials 40]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from marketguard import db
from marketguard.config import Settings
from marketguard.dataguard.exports.cells import CellHasher
from marketguard.dataguard.exports.files import ExportWriter, fingerprint_key
from marketguard.dataguard.exports.keys import export_mark
from marketguard.dataguard.exports.leaked import read_leaked
from marketguard.dataguard.exports.models import DataExport
from marketguard.dataguard.exports.trace import (
    _fingerprints,
    forget_fingerprints,
    fragment_of,
    judge,
    trace_report,
)
from marketguard.ids import new_id
from marketguard.models import Base
from marketguard.uow import unit_of_work

SECRET = "benchmark-secret-not-for-production"
FIELDS = ["seller_id", "created_at", "country", "status", "identifiers.phone",
          "identifiers.ip", "identifiers.device"]  # fmt: skip
PEOPLE = ["alice", "bob", "carol", "dave", "erin"]
ACCURACY_EXPORTS = 100  # the accuracy table judges every fragment against these exports
COLUMN_SETS: dict[str, list[str] | None] = {
    "all 7 columns": None,
    "3 columns (time, phone, device)": ["created_at", "identifiers.phone", "identifiers.device"],
    "2 columns (phone, ip)": ["identifiers.phone", "identifiers.ip"],
    "1 column (time)": ["created_at"],
    "ids only (seller_id, country)": ["seller_id", "country"],
    "spreadsheet re-save, all columns": None,
}


def sellers(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    return [{
        "seller_id": f"S-{seed:04d}-{i:06d}",
        "created_at": (start + timedelta(seconds=rng.randrange(3600 * 24 * 600)))
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "country": rng.choice(["CN", "DE", "US", "FR", "BR"]),
        "status": rng.choice(["active", "active", "suspended"]),
        "identifiers.phone": [f"+86{rng.randrange(10**10, 10**11)}"
                              for _ in range(rng.choice([1, 2, 3]))],
        "identifiers.ip": [f"203.0.{rng.randrange(256)}.{rng.randrange(256)}"
                           for _ in range(rng.choice([1, 2]))],
        "identifiers.device": [f"dev-{rng.getrandbits(40):010x}"],
    } for i in range(count)]


def record(settings: Settings, exports: int, rows: int) -> dict[str, tuple[int, bytes]]:
    """Record the exports; return export id -> (set of sellers, file bytes)."""
    files: dict[str, tuple[int, bytes]] = {}
    key = fingerprint_key(SECRET)
    for group in range(exports // len(PEOPLE)):
        data = sellers(rows, seed=group)
        with unit_of_work(settings) as session:
            for person in PEOPLE:
                export_id = new_id()
                out = io.BytesIO()
                writer = ExportWriter(out, fields=FIELDS, fmt="csv",
                                      mark=export_mark(SECRET, export_id), key=key)
                writer.write(data)
                fingerprint = writer.finish()
                body = out.getvalue()
                session.add(DataExport(
                    id=export_id, dataset="sellers", fields=FIELDS, format="csv",
                    recipient_kind="employee", recipient_id=person, recipient_name=person,
                    exporter="olga", purpose="benchmark", created_at=datetime.now(UTC),
                    rows=rows, desensitized=False, suppressed=0, excluded=0,
                    file_path=f"{export_id}.csv", sha256=hashlib.sha256(body).hexdigest(),
                    grant_ids=[], fingerprint=fingerprint))
                files[export_id] = (group, body)
    return files


def fragment(body: bytes, rows: int, keep: list[str] | None, rng: random.Random,
             spreadsheet: bool = False) -> bytes:
    table = list(csv.reader(io.StringIO(body.decode(), newline="")))
    names, data = table[0], table[1:]
    columns = [names.index(k) for k in (keep or names)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if spreadsheet else ",",
                        quoting=csv.QUOTE_ALL if spreadsheet else csv.QUOTE_MINIMAL,
                        lineterminator="\r\n" if spreadsheet else "\n")
    writer.writerow([names[c] for c in columns])
    for row in rng.sample(data, rows):
        cells = [row[c].strip() for c in columns]
        if spreadsheet:
            cells = [_resaved(c) for c in cells]
        writer.writerow(cells)
    return out.getvalue().encode()


def _resaved(cell: str) -> str:
    if len(cell) >= 16 and cell[4] == "-" and cell[10] == "T":
        return datetime.fromisoformat(cell.replace("Z", "+00:00")).strftime("%d/%m/%Y %H:%M")
    return cell[1:] if cell.startswith("+") and cell[1:].isdigit() else cell


def timed(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=40)
    args = parser.parse_args()
    console = Console(width=150)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        Base.metadata.create_all(db.get_engine(url))
        settings = Settings(environment="test", database_url=url, data_dir=Path(folder),
                            secret_key=SECRET,  # type: ignore[arg-type]
                            audit_checkpoint_path=Path(folder) / "head.json")
        started = time.perf_counter()
        files = record(settings, args.exports, args.rows)
        took = time.perf_counter() - started
        with unit_of_work(settings) as session:
            sizes = [len(b) for (b,) in session.execute(select(DataExport.fingerprint))]
        console.print(f"recorded {len(files)} exports of {args.rows} rows in {took:.1f} s; "
                      f"fingerprints {statistics.mean(sizes) / 1024:.1f} KiB on average "
                      f"(files {statistics.mean(len(b) for _, b in files.values()) / 1024:.0f} "
                      "KiB)", highlight=False)
        rng = random.Random(5)
        ids = list(files)
        leaked = fragment(files[ids[0]][1], 50, None, rng)

        def read_bytes() -> None:
            with unit_of_work(settings) as session:
                list(session.execute(select(DataExport.id, DataExport.fingerprint)))

        def cold() -> None:
            forget_fingerprints()
            with unit_of_work(settings) as session:
                trace_report(session, leaked, settings=settings)

        def warm() -> None:
            with unit_of_work(settings) as session:
                trace_report(session, leaked, settings=settings)

        base = timed(read_bytes, 5)
        cold_s = timed(cold, 5)
        fresh_first, fresh_whole = fresh_process(settings, leaked, Path(folder))
        warm()
        warm_s = timed(warm, 11)
        speed = Table(title=f"Trace a 50-row fragment against {len(files)} exports "
                            f"(target <= 1 s)")
        for column in ("what", "median s", "x baseline"):
            speed.add_column(column, justify="left" if column == "what" else "right")
        speed.add_row("baseline: one query reading every fingerprint's bytes", f"{base:.3f}",
                      "1.00")
        speed.add_row("trace, cold cache (read + unpack every fingerprint)", f"{cold_s:.3f}",
                      f"{cold_s / base:.2f}")
        speed.add_row("trace, fresh process: its first trace (imports done)",
                      f"{fresh_first:.3f}", f"{fresh_first / base:.2f}")
        speed.add_row("trace, fresh process: start, imports and first trace",
                      f"{fresh_whole:.3f}", f"{fresh_whole / base:.2f}")
        speed.add_row("trace, warm cache", f"{warm_s:.3f}", f"{warm_s / base:.2f}")
        console.print(speed)
        accuracy(console, settings, files, args.trials)
        console.print(f"{platform.machine()} {platform.processor() or ''} "
                      f"python {platform.python_version()}", highlight=False)


_FRESH = """
import sys, time
from pathlib import Path
from marketguard.config import Settings
from marketguard.dataguard.exports.trace import trace_report
from marketguard.uow import unit_of_work
folder = Path(sys.argv[1])
settings = Settings(environment="test", database_url=sys.argv[2], data_dir=folder,
                    secret_key=sys.argv[3], audit_checkpoint_path=folder / "head.json")
data = (folder / "leaked.csv").read_bytes()
started = time.perf_counter()
with unit_of_work(settings) as session:
    report = trace_report(session, data, settings=settings)
print(time.perf_counter() - started, len(report.matches))
"""


def fresh_process(settings: Settings, leaked: bytes, folder: Path, runs: int = 5
                  ) -> tuple[float, float]:
    """Median (first trace, whole run) of ``runs`` new interpreters tracing ``leaked``."""
    (folder / "leaked.csv").write_bytes(leaked)
    firsts, wholes = [], []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _FRESH, str(folder), settings.database_url, SECRET],
            check=True, capture_output=True, text=True)
        wholes.append(time.perf_counter() - started)
        seconds, matches = done.stdout.split()
        assert int(matches) >= 1, "the fresh process traced nothing"
        firsts.append(float(seconds))
    return statistics.median(firsts), statistics.median(wholes)


def accuracy(console: Console, settings: Settings, files: dict[str, tuple[int, bytes]],
             trials: int) -> None:
    hasher = CellHasher(fingerprint_key(SECRET))
    ids = list(files)[:ACCURACY_EXPORTS]
    with unit_of_work(settings) as session:
        prints = _fingerprints(session, ids)
    table = Table(title=f"Smallest fragment traced: named first and alone, {trials} trials each, "
                        f"against {len(ids)} exports ({len(ids) // len(PEOPLE)} sets of sellers "
                        f"x {len(PEOPLE)} people)")
    for column in ("columns kept", "rows", "named alone", "baseline: no watermark",
                   "x baseline", "source matched", "unrelated matched"):
        table.add_column(column, justify="left" if column == "columns kept" else "right")
    rng = random.Random(11)
    stranger = io.BytesIO()
    writer = ExportWriter(stranger, fields=FIELDS, fmt="csv", mark=b"s" * 32,
                          key=fingerprint_key(SECRET))
    writer.write(sellers(2000, seed=987654))
    writer.finish()
    for label, keep in COLUMN_SETS.items():
        for rows in (3, 5, 10, 20, 50):
            alone = matched = unrelated = 0
            plain = 0.0
            for _ in range(trials):
                source = rng.choice(ids)
                data = fragment(files[source][1], rows, keep, rng,
                                spreadsheet=label.startswith("spreadsheet"))
                piece = fragment_of(read_leaked(data), hasher)
                verdicts = {i: judge(piece, prints[i]) for i in ids}
                named = sorted((v.score, i) for i, v in verdicts.items() if v.is_match)
                if verdicts[source].is_match:
                    matched += 1
                if named and named[-1][1] == source and (
                        len(named) == 1 or named[-2][0] < named[-1][0]):
                    alone += 1
                best = max((v.membership for v in verdicts.values() if v.is_match), default=None)
                tied = [i for i, v in verdicts.items() if v.is_match and v.membership == best]
                if source in tied:
                    plain += 1 / len(tied)  # without the watermark: a pick among the tied
                other = fragment_of(read_leaked(fragment(stranger.getvalue(), rows, keep, rng)),
                                    hasher)
                if any(judge(other, prints[i]).is_match for i in ids):
                    unrelated += 1
            ratio = f"{alone / plain:.1f}" if plain else ("inf" if alone else "-")
            table.add_row(label, str(rows), f"{alone / trials:.0%}", f"{plain / trials:.0%}",
                          ratio, f"{matched / trials:.0%}", f"{unrelated / trials:.0%}")
    console.print(table)


if __name__ == "__main__":
    main()
