"""``--out`` is checked before any work, by every command that writes results.

``compare`` and ``tornado`` used to find an unwritable ``--out`` only after simulating
(exit 1); like ``run`` and ``sweep`` they now check first and exit 2 (bad input). A path
with ``..`` is resolved before anything is made, so ``runs/x/../d`` leaves no stray
``runs/x``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

SCENARIO = ROOT / "tests" / "data" / "corpus-base.yaml"

#: Slow tier: these start processes or optional packages (pytest -m "not slow" skips them).
pytestmark = pytest.mark.slow


def dipsim(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True,
                          text=True, check=False, timeout=300, cwd=cwd, env=env)


# Enough runs that simulating first would take far longer than the check.
@pytest.mark.parametrize("command", [
    ["compare", str(SCENARIO), "--set", "escalation.threshold=0.9", "--runs", "200000"],
    ["tornado", str(SCENARIO), "--runs", "200000"],
    ["run", str(SCENARIO), "--runs", "2000000"],
    ["sweep", str(ROOT / "scenarios" / "sweeps" / "strikes-vs-oil.yaml")],
], ids=["compare", "tornado", "run", "sweep"])
def test_an_unwritable_out_is_bad_input_found_before_any_run(locked_folder, command):
    started = time.perf_counter()
    r = dipsim(*command, "--out", str(locked_folder / "results"))
    assert r.returncode == 2, r.stderr
    assert f"--out: cannot write results ({locked_folder}):" in r.stderr
    assert "Traceback" not in r.stderr
    assert time.perf_counter() - started < 30, "it fails before simulating"
    assert list(locked_folder.iterdir()) == []


def test_out_with_dotdot_leaves_no_stray_folder(tmp_path):
    r = dipsim("run", str(SCENARIO), "--runs", "2", "--no-charts", "--out", "runs/x/../d",
               cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["d"]
    assert len(list((tmp_path / "runs" / "d" / "corpus-base").iterdir())) == 1


def test_save_with_dotdot_leaves_no_stray_folder(tmp_path):
    import sim

    results = sim.run(SCENARIO, runs=2, seed=1)
    folder = results.save(tmp_path / "runs" / "x" / ".." / "d", charts=False)
    assert folder.parent.parent == tmp_path / "runs" / "d"
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["d"]
