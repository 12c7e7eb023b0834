"""Same seed and sizes, same bytes: in another process, with another hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from marketguard.simulate.service import SimulationSummary, simulate
from tests.simulate.helpers import small_config, tree

RUN_ELSEWHERE = """
import sys
from pathlib import Path
from tests.simulate.helpers import small_config
from marketguard.simulate.service import simulate
simulate(small_config(Path(sys.argv[1])))
"""


def test_when_same_seed_then_identical_files(market: SimulationSummary, tmp_path: Path) -> None:
    again = tmp_path / "again"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", RUN_ELSEWHERE, str(again)], check=True, env=env, cwd=root)
    first, second = tree(market.out), tree(again)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_when_seed_differs_then_marketplace_differs(tmp_path: Path) -> None:
    one = simulate(small_config(tmp_path / "one", seed=1, listings=20, events=300))
    two = simulate(small_config(tmp_path / "two", seed=2, listings=20, events=300))
    assert (one.out / "listings.jsonl").read_bytes() != (two.out / "listings.jsonl").read_bytes()
    assert (one.out / "events.jsonl").read_bytes() != (two.out / "events.jsonl").read_bytes()


def test_when_run_again_into_same_folder_then_it_is_replaced(tmp_path: Path) -> None:
    config = small_config(tmp_path / "sim", listings=20, events=200)
    simulate(config)
    (tmp_path / "sim" / "stray.txt").write_text("left over")
    summary = simulate(config)
    assert not (summary.out / "stray.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["sim"]
