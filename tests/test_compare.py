"""Counterfactual comparison on common random numbers."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sim.experiments.compare import compare
from sim.model.model import VARIABLES
from sim.scenario.errors import InputError
from sim.scenario.load import load_scenario

V = list(VARIABLES)


def test_runs_share_their_random_numbers_until_the_scenarios_differ():
    cmp = compare("caribbean-2025", drop=["dock_strike"], runs=80, seed=3)
    dock = cmp.a.scenario.day_of(next(p.at for p in cmp.a.scenario.pressures
                                      if p.id == "dock_strike"))
    ta, tb = cmp.a.data.trace, cmp.b.data.trace
    assert np.array_equal(ta[:dock], tb[:dock])
    assert not np.array_equal(ta[dock:], tb[dock:])


def test_a_new_poisson_window_in_b_leaves_the_others_alone():
    extra = ("pressures=[{id: late_strikes, type: boat_strike, sender: us, target: venezuela,"
             " from: 2026-03-01, until: 2026-03-31, per_week: 3}]")
    # B adds a window by replacing the list; keep A's pressures first so the ids match.
    from sim.scenario.load import load_scenario

    a = load_scenario()
    data = a.model_dump(mode="json", by_alias=True, exclude_none=True)
    import yaml

    late = yaml.safe_load(extra.split("=", 1)[1])
    data["pressures"] = data["pressures"] + late
    from sim.scenario.schema import Scenario

    b = Scenario.model_validate(data)
    cmp = compare(a, b, runs=60, seed=4)
    start = a.day_of(a.start.replace(year=2026, month=3, day=1))
    assert np.array_equal(cmp.a.data.trace[:start], cmp.b.data.trace[:start])


def test_paired_differences_and_intervals():
    # Without its two rupture steps, escalation in the default scenario is the model's own.
    base = load_scenario(None, ["pressures[tanker_blockade].intensity=0",
                                "pressures[dock_strike].intensity=0"])
    cmp = compare(base, overrides=["behaviour.incident_size=0.4"], runs=300, seed=8)
    diff = cmp.differences()
    ra, rb = cmp.a.data.runs["outcome"], cmp.b.data.runs["outcome"]
    for code, (o, row) in enumerate(diff.iterrows()):
        d = (rb == code).astype(float) - (ra == code).astype(float)
        assert row.difference == pytest.approx(d.mean())
        half = 1.959963984540054 * d.std(ddof=1) / np.sqrt(len(d))
        assert (row.ci_low, row.ci_high) == pytest.approx((d.mean() - half, d.mean() + half))
        assert row.p_a == pytest.approx((ra == code).mean()), o
    assert diff.loc["escalation", "difference"] > 0  # bigger incidents, more war
    assert cmp.changed() == pytest.approx(np.mean(ra != rb))
    assert cmp.transitions().to_numpy().sum() == 300


def test_the_same_scenario_twice_is_refused_and_a_no_op_change_changes_nothing():
    with pytest.raises(InputError, match="B is the same as A"):
        compare("caribbean-2025", runs=10)
    same = compare("caribbean-2025", overrides=["talks.threshold=0.5"], runs=50, seed=1)
    assert same.changed() == 0
    assert (same.differences()["difference"] == 0).all()
    with pytest.raises(InputError, match="no pressure with id"):
        compare("caribbean-2025", drop=["no_such"], runs=10)


@pytest.mark.slow
def test_compare_command_writes_its_folder(tmp_path):
    r = subprocess.run([sys.executable, "-m", "sim", "compare", "--drop", "dock_strike",
                        "--runs", "60", "--out", str(tmp_path)], capture_output=True,
                       text=True, check=False, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "of runs end differently in B" in r.stdout
    (folder,) = (tmp_path / "compare").iterdir()
    assert {p.name for p in folder.iterdir()} == {
        "summary.json", "differences.csv", "runs_a.parquet", "runs_b.parquet",
        "scenario_a.yaml", "scenario_b.yaml", "compare.png"}
    bad = subprocess.run([sys.executable, "-m", "sim", "compare", "--drop", "nope",
                          "--out", str(tmp_path)], capture_output=True, text=True,
                         check=False, timeout=120)
    assert bad.returncode == 2 and "no pressure with id nope" in bad.stderr
