"""Shared fixtures: small scenarios built in code, and the library's files."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from sim.scenario.load import load_scenario
from sim.scenario.overrides import apply_override
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

# No test depends on the machine's speed: hypothesis's per-example deadline is off for
# every property test (a loaded machine made a 200 ms deadline fail), and timings are
# measured in benchmarks/, never asserted here. Nor on chance: the examples are the same in
# every run (derandomize; a random draw once failed CI on a case no earlier run had tried,
# now an explicit @example), and no example database is written into the checkout.
settings.register_profile("dipsim", deadline=None, derandomize=True, database=None)
# Hypothesis keeps caches of its own (constants, unicode data) under ./.hypothesis unless
# told otherwise; a test never writes into the checkout, so they go to the temporary
# directory (read the first time hypothesis needs them, after this module is imported).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      str(Path(tempfile.gettempdir()) / "dipsim-hypothesis"))
settings.load_profile("dipsim")

#: The default scenario (caribbean-2025), read once.
DEFAULT = load_scenario()

#: Every action but holding is made so unattractive that a temperature-0 government holds.
NEVER = -50.0

QUIET: dict[str, Any] = {
    "name": "quiet",
    "title": "No pressure, no noise",
    "start": "2025-08-01",
    "horizon_days": 60,
    "runs": 10,
    "seed": 1,
    "status_quo": {"drugs": 0.5, "oil": 0.5, "migration": 0.5},
    "actors": {
        "us": {"temperature": 0, "readiness_bias": -20},
        "venezuela": {"temperature": 0, "readiness_bias": -20},
    },
    "behaviour": {
        "hostility_noise": 0.0,
        "incident_rate": 0.0,
        "incident_presence": 0.0,
        "actions": {"escalate_bias": NEVER, "de_escalate_bias": NEVER, "signal_bias": NEVER,
                    "concede_bias": NEVER, "retaliate_bias": NEVER, "force_bias": NEVER,
                    "rupture_bias": NEVER, "walk_out_bias": NEVER},
    },
    "pressures": [],
}


#: An overt strike on land on day 20 against a leader whose exit the US has demanded since
#: day 0, with a US that wins for sure (decisiveness 64) and no hardliners in Caracas: the
#: strike removes the leader that day (removal probability E p_win (1 - F) = 1 to 1e-8).
REMOVAL_PRESSURES = [
    {"type": "exit_demand", "sender": "us", "target": "venezuela", "at": "2025-08-01"},
    {"type": "overt_land_strike", "sender": "us", "target": "venezuela", "at": "2025-08-21"},
]
REMOVAL_SETTINGS = ("escalation.decisiveness=64", "actors.venezuela.hardliners=0")


def scenario(*assignments: str, base: dict[str, Any] | None = None, **fields: Any) -> Scenario:
    """A validated scenario from the quiet base, top-level fields and ``path=value`` strings."""
    data = copy.deepcopy(QUIET if base is None else base)
    data.update(fields)
    for text in assignments:
        path, value = text.split("=", 1)
        import yaml

        apply_override(data, path, yaml.safe_load(value))
    return Scenario.model_validate(data)


@pytest.fixture
def quiet() -> Scenario:
    return scenario()


@pytest.fixture
def locked_folder(tmp_path):
    """A folder this process cannot write: read-only by mode, or immutable for root."""
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() != 0:
        locked.chmod(0o555)
        yield locked
        locked.chmod(0o755)
        return
    if not shutil.which("chattr") or subprocess.run(
            ["chattr", "+i", str(locked)], capture_output=True, check=False).returncode:
        pytest.skip("root writes anywhere, and this file system has no immutable folders")
    try:
        yield locked
    finally:
        subprocess.run(["chattr", "-i", str(locked)], check=False)
