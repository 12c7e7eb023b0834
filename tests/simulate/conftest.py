"""One small simulated marketplace, shared by the read-only tests of this folder."""

from __future__ import annotations

import pytest

from marketguard.simulate.service import SimulationSummary, simulate
from tests.simulate.helpers import small_config


@pytest.fixture(scope="session")
def market(tmp_path_factory: pytest.TempPathFactory) -> SimulationSummary:
    """Simulate once per test session; tests must not modify the files."""
    return simulate(small_config(tmp_path_factory.mktemp("sim") / "market"))
