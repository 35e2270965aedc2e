"""One parameter at a time on common random numbers, and the tornado chart."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from sim.experiments.sensitivity import RANGES, Range, one_at_a_time, tornado_chart
from sim.scenario.load import load_scenario
from tests.conftest import ROOT

SHORT = ROOT / "tests" / "data" / "sweeps" / "short.yaml"

#: The default scenario without its two rupture steps (the blockade and the dock strike), so
#: that escalation is the model's to choose (docs/validation.md E3).
NO_RUPTURE = ["pressures[tanker_blockade].intensity=0", "pressures[dock_strike].intensity=0"]


@pytest.fixture(scope="module")
def table():
    scn = load_scenario(None, NO_RUPTURE)
    ranges = (Range("escalation.threshold", "Hostility that is escalation", 0.8, 1.2),
              Range("talks.threshold", "Readiness needed for talks", 0.5, 0.5),
              Range("boat_strike_tempo", "Boat-strike tempo (x)", 1.0, 3.0))
    return one_at_a_time(scn, runs=200, seed=4, ranges=ranges)


@pytest.mark.slow
def test_a_range_at_the_current_value_reproduces_the_baseline_exactly(table):
    row = table.loc["talks.threshold"]
    for o in ("stalemate", "talks", "narrow_deal", "escalation", "leader_removed"):
        assert row[f"{o}_low"] == row[f"{o}_high"] == row[f"{o}_baseline"]
    # A lever at 1 is the scenario itself: common random numbers make it exact too.
    assert table.loc["boat_strike_tempo", "escalation_low"] == \
        table.loc["boat_strike_tempo", "escalation_baseline"]


def test_known_directions(table):
    esc = table.loc["escalation.threshold"]
    assert esc["escalation_low"] > esc["escalation_baseline"] > esc["escalation_high"]
    assert table.loc["boat_strike_tempo", "escalation_high"] > \
        table.loc["boat_strike_tempo", "escalation_baseline"]
    assert table.loc["escalation.threshold", "baseline_value"] == 1.0


def test_tornado_chart_puts_the_widest_swing_on_top(table):
    fig = tornado_chart(table)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    swing = (table["escalation_high"] - table["escalation_low"]).abs()
    assert labels[-1] == table.loc[swing.idxmax(), "label"]
    assert labels[0] == "Readiness needed for talks"  # no swing at all: at the bottom
    assert len(fig.axes[0].patches) == 2 * len(table)


def test_every_range_is_inside_what_the_scenario_accepts():
    scn = load_scenario()
    from sim.experiments.sensitivity import _with

    for r in RANGES:
        for value in (r.low, r.high):
            _with(scn, r, value)  # raises InputError if outside the documented bounds


@pytest.mark.slow
def test_tornado_command(tmp_path):
    # A 45-day scenario keeps it quick: what is checked is the command, not the model.
    r = subprocess.run([sys.executable, "-m", "sim", "tornado", str(SHORT), "--runs", "10",
                        "--out", str(tmp_path)], capture_output=True, text=True, check=False,
                       timeout=300, env={**os.environ, "COLUMNS": "80"})
    assert r.returncode == 0, r.stderr
    assert "P(escalation) at the baseline" in r.stdout
    assert re.search(r"settings: \d+/\d+ ", r.stderr)  # progress on stderr
    (folder,) = (tmp_path / "tornado").iterdir()
    assert {p.name for p in folder.iterdir()} == {"sensitivity.csv", "summary.json",
                                                  "tornado-escalation.png"}
    bad = subprocess.run([sys.executable, "-m", "sim", "tornado", "--outcome", "war",
                          "--out", str(tmp_path)], capture_output=True, text=True,
                         check=False, timeout=60)
    assert bad.returncode == 2 and "expected one of" in bad.stderr
