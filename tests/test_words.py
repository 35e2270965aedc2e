"""Words and errors people meet first: indentation mistakes, --set errors that name the
--set, scenario names with a did-you-mean, a busy port, progress on long commands, the
printed summary (definitions, no wrapping when piped) and the docs of required fields."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest

import sim
from sim.output.dictionary import OUTCOME_MEANINGS
from sim.scenario.errors import InputError
from sim.scenario.load import load_scenario
from tests.conftest import ROOT

HEAD = """\
name: my-scenario
title: "Test"
start: 2025-08-01
horizon_days: 180
status_quo: {drugs: 0.1, oil: 0.35, migration: 0.5}
"""

#: (file text after HEAD, the report expected): a key pushed back to column 0, an extra
#: indent, a key one space short of its siblings, a key at the level of a list's dashes.
INDENTATION = {
    "pushed-back": ("pressures:\n  - type: oil_sanctions\n    sender: us\ntarget: venezuela\n"
                    "    since: 2019-01-28\n",
                    "9: target: YAML error: check the indentation of line 9: it starts at "
                    "column 1, the lines around it at column 5"),
    "extra-indent": ("pressures:\n  - type: oil_sanctions\n    sender: us\n"
                     "      target: venezuela\n    since: 2019-01-28\n",
                     "9: pressures[0].target: YAML error: check the indentation of line 9: it "
                     "starts at column 7, the lines around it at column 5"),
    "one-short": ("actors:\n  venezuela:\n    salience: {drugs: 0.2, oil: 0.6, migration: 0.2}\n"
                  "   capability: 0.3\n",
                  "9: actors.venezuela.capability: YAML error: check the indentation of line 9:"
                  " it starts at column 4, the lines around it at column 5"),
    "among-dashes": ("pressures:\n  - type: oil_sanctions\n    sender: us\n"
                     "    target: venezuela\n  since: 2019-01-28\n",
                     "10: pressures.since: YAML error: check the indentation of line 10: it "
                     "starts at column 3, the lines around it at column 5"),
}


@pytest.mark.parametrize("case", sorted(INDENTATION))
def test_indentation_mistakes_name_the_line_to_fix(tmp_path, case):
    body, expected = INDENTATION[case]
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + body)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.report() == f"{path}:{expected}"
    assert "quotes" not in info.value.report()


def test_a_value_with_a_colon_still_gets_the_quotes_hint(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(HEAD.replace('title: "Test"', "title: Maduro: the last act"))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert "put the value in quotes" in info.value.report()
    assert "indentation" not in info.value.report()


def test_a_bad_set_value_names_the_set_not_the_file_line():
    with pytest.raises(InputError) as info:
        load_scenario(None, ["talks.threshold=high"])
    assert info.value.report() == ("--set talks.threshold=high: talks.threshold: expected a "
                                   "number; got 'high'")


def test_file_problems_keep_their_line_beside_set_problems(tmp_path):
    text = (ROOT / "scenarios" / "caribbean-2025.yaml").read_text()
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("horizon_days: 243", "horizon_days: -5"))
    line = text.splitlines().index(next(x for x in text.splitlines()
                                        if x.startswith("horizon_days"))) + 1
    with pytest.raises(InputError) as info:
        load_scenario(path, ["talks.threshold=high"])
    lines = info.value.report().splitlines()
    assert f"{path}:{line}: horizon_days: expected a number at least 1; got -5" in lines
    assert "--set talks.threshold=high: talks.threshold: expected a number; got 'high'" in lines


def test_a_type_that_names_several_pressures_lists_their_ids_once():
    with pytest.raises(InputError) as info:
        load_scenario(None, ["pressures[boat_strike].per_week=3"])
    report = info.value.report()
    assert report == ("--set pressures[boat_strike].per_week=3: pressures[boat_strike].per_week:"
                      " 3 items have the type 'boat_strike'; name one by its id: "
                      "first_boat_strike, boat_strikes, boat_strikes_2026")
    with pytest.raises(InputError) as info:
        load_scenario(None, ["pressures[boat_strikez].per_week=3"])
    ids = re.search(r"the ids are (.*)\)$", info.value.report()).group(1).split(", ")
    assert len(ids) == len(set(ids)) and "boat_strike" not in ids and "dock_strike" in ids


def test_a_misspelt_scenario_name_gets_a_did_you_mean_and_a_pointer_to_dipsim_list():
    with pytest.raises(InputError) as info:
        load_scenario("caribean-2025")
    assert info.value.report() == (
        "caribean-2025: no such scenario file, and no library scenario of that name; did you "
        "mean 'caribbean-2025'? ('dipsim list' shows the library's scenarios)")


def test_demo_on_a_busy_port_says_so_and_exits_2():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "sim", "demo", "--port", str(port)],
                           capture_output=True, text=True, timeout=120, check=False,
                           start_new_session=True)
    assert r.returncode == 2, r.stderr
    assert f"--port: port {port} is busy on 127.0.0.1" in r.stderr
    assert f"--port {port + 1}" in r.stderr and "Serving" not in r.stdout
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_long_commands_report_progress():
    from sim.experiments.profiles import profiles
    from sim.experiments.sensitivity import RANGES, one_at_a_time
    from sim.scenario.library import list_scenarios
    from tests.conftest import scenario

    calls: list[tuple[int, int, str]] = []
    one_at_a_time(scenario(horizon_days=20), 5, 1, RANGES[:2], progress=lambda *a: calls.append(a))
    assert [c[:2] for c in calls] == [(k, 5) for k in range(1, 6)]
    assert calls[0][2] == "baseline" and calls[-1][2] == RANGES[1].label
    calls.clear()
    profiles(runs=2, seed=1, progress=lambda *a: calls.append(a))
    names = [p.stem for p in list_scenarios()]
    assert calls == [(k + 1, len(names), n) for k, n in enumerate(names)]


@pytest.mark.slow
def test_list_profiles_shows_progress_on_stderr():
    env = {**os.environ, "COLUMNS": "80"}
    r = subprocess.run([sys.executable, "-m", "sim", "list", "--profiles", "--runs", "2"],
                       capture_output=True, text=True, timeout=600, check=False, env=env)
    assert r.returncode == 0, r.stderr
    assert re.search(r"scenarios: \d+/\d+ ", r.stderr)
    # tornado's progress: tests/test_sensitivity.py::test_tornado_command


def test_the_printed_summary_defines_each_outcome_on_one_unwrapped_line(tmp_path, capsys):
    from sim.ui.tables import PLAIN_WIDTH, console, print_summary

    assert console().width == PLAIN_WIDTH     # pytest's stdout is not a terminal
    results = sim.run(None, runs=30, seed=1, trace_replicates=1, band_replicates=30)
    print_summary(results, tmp_path)
    out = capsys.readouterr().out
    p = results.probabilities()
    for label, meaning in OUTCOME_MEANINGS.items():
        (row,) = [line for line in out.splitlines() if line.strip().startswith(f"│ {label} ")
                  or line.startswith(f"│ {label} ")] or [""]
        assert meaning in row, (label, out)
        date = p.loc[label, "median_date"]
        if isinstance(date, str):
            assert f"{date} (day " in row
    assert "of runs reached talks at some point" in out


def test_the_docs_say_which_scenario_fields_are_required():
    from sim.scenario.schema import Scenario

    text = (ROOT / "docs" / "model.md").read_text()
    section = text[text.index("### 4.1 Scenario-level fields"):text.index("### 4.2")]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z_.<>]+)`[^\n]*", section,
                                                        re.M)}
    required = [name for name, f in Scenario.model_fields.items() if f.is_required()]
    assert {"name", "title", "start", "horizon_days"} <= set(required)
    for name in required:
        row = next((r for key, r in rows.items() if key == name or key.startswith(name + ".")),
                   "")
        assert "required" in row, name
