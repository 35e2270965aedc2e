"""Bad input names where it came from: the option or keyword, not a line of the file.

A bad ``--set`` or a misspelt keyword of ``sim.run`` used to be reported at a line of the
scenario file (``caribbean-2025.yaml:7``), which the user never wrote. ``dipsim validate``
used to read a sweep file as a scenario.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import sim
from sim.scenario.errors import InputError
from sim.scenario.load import load_scenario
from tests.conftest import ROOT

DEFAULT = ROOT / "scenarios" / "caribbean-2025.yaml"


def dipsim(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True,
                          text=True, check=False, timeout=120, cwd=cwd, env=env)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"boat_strike_temp": 2}, "sim.run keyword boat_strike_temp=2: unknown keyword; did you "
                              "mean 'boat_strike_tempo'?"),
    ({"talks__threshold": 7}, "sim.run keyword talks__threshold=7: talks.threshold: expected "
                              "a number at most 1; got 7"),
    ({"us_salience_oil": 3}, "sim.run keyword us_salience_oil=3: "),
    ({"overrides": ["escalation.threshold=-3"]},
     "sim.run overrides[0] 'escalation.threshold=-3': escalation.threshold: expected a "
     "number above 0"),
])
def test_a_bad_keyword_of_sim_run_is_named(kwargs, expected):
    with pytest.raises(InputError) as err:
        sim.run(runs=1, **kwargs)
    report = err.value.report()
    assert expected in report
    assert "caribbean-2025.yaml" not in report


@pytest.mark.parametrize(("assignment", "expected"), [
    ("boat_strike_temp=2", "--set boat_strike_temp=2: boat_strike_temp: unknown field"),
    ("actors.us.salience.oil=3", "--set actors.us.salience.oil=3: actors.us.salience.oil: "
                                 "expected a number at most 1; got 3"),
    ("pressures[zzz].per_week=3", "--set pressures[zzz].per_week=3: "),
])
def test_a_bad_set_is_named(assignment, expected):
    with pytest.raises(InputError) as err:
        load_scenario(DEFAULT, [assignment])
    assert expected in err.value.report()
    assert "caribbean-2025.yaml:" not in err.value.report()


def test_a_bad_file_is_still_reported_at_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT.read_text().replace("horizon_days: 243", "horizon_days: -4"))
    with pytest.raises(InputError) as err:
        load_scenario(bad, ["talks.threshold=0.5"])
    assert f"{bad}:" in err.value.report() and "horizon_days" in err.value.report()


def test_the_command_line_names_the_set_option(tmp_path):
    r = dipsim("run", "--runs", 1, "--no-charts", "--set", "boat_strike_temp=2", "--out",
               tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("--set boat_strike_temp=2: boat_strike_temp: unknown field")


def test_validate_recognises_and_checks_sweep_files(tmp_path):
    good = ROOT / "scenarios" / "sweeps" / "strikes-vs-oil.yaml"
    bad = tmp_path / "bad-sweep.yaml"
    bad.write_text(textwrap.dedent("""\
        name: t
        parameters:
          - path: boat_strike_tempoo
            range: [0, 2]
            levels: 3
        """))
    r = dipsim("validate", good, DEFAULT, bad)
    assert r.returncode == 2
    assert (f"ok: {good}: sweep file: Boat-strike tempo x Venezuela's oil salience "
            "(2 parameters, grid, 63 points x 100 replicates = 6,300 runs of "
            "caribbean-2025)") in r.stdout
    assert f"ok: {DEFAULT}: " in r.stdout
    assert f"{bad}:4: parameters[0].range: boat_strike_tempoo=0.0 makes the scenario " \
           "invalid" in r.stderr
    assert "unknown field" in r.stderr and "title: required" not in r.stderr
