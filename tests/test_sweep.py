"""Sweeps: expansion into run specs (pure), validation, executors, shards and resume."""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.ensemble import run_ensemble
from sim.experiments.design import chunk_specs, design_points, expand
from sim.experiments.store import finished_chunks, read_runs, shard_path
from sim.experiments.sweep import run_sweep
from sim.experiments.sweepfile import SweepFile, load_sweep, point_scenario
from sim.scenario.errors import InputError

DATA = Path(__file__).resolve().parent / "data" / "sweeps"
SHORT = DATA / "short.yaml"
ROOT = Path(__file__).resolve().parent.parent


def spec(**fields) -> SweepFile:
    """A sweep file model from fields (validated as the loader would)."""
    data = {"name": "t", "scenario": str(SHORT), "replicates": 3, "seed": 1} | fields
    return SweepFile.model_validate(data)


def dipsim(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the command line as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "sim", *args], check=False,
                          capture_output=True, text=True, timeout=timeout, cwd=cwd)


def write_sweep(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).replace("SHORT", str(SHORT)), encoding="utf-8")
    return path


GRID = """\
    name: grid
    scenario: SHORT
    parameters:
      - path: boat_strike_tempo
        values: [0.0, 4.0]
      - path: actors.venezuela.salience.oil
        name: ve_oil
        range: [0.2, 0.8]
        levels: 3
    replicates: 6
    seed: 5
    outputs: [outcome_day, talks_day, final_casualties, final_hostility_venezuela]
"""


# ------------------------------------------------------------------------------ expansion


def test_grid_is_the_full_factorial_in_file_order():
    s = spec(parameters=[{"path": "boat_strike_tempo", "values": [0.0, 2.0]},
                         {"path": "actors.venezuela.salience.oil", "range": [0.2, 0.6],
                          "levels": 3}])
    d = design_points(s)
    assert d.points == ((0.0, 0.2), (0.0, 0.4), (0.0, 0.6), (2.0, 0.2), (2.0, 0.4), (2.0, 0.6))
    assert d.settings(4) == (("boat_strike_tempo", 2.0),
                             ("actors.venezuela.salience.oil", 0.4))
    assert s.n_points() == len(d) == 6
    table = d.table()
    assert list(table.columns) == ["point", "boat_strike_tempo", "actors.venezuela.salience.oil"]
    assert table["point"].tolist() == list(range(6))


def test_list_sampler_zips_the_values():
    s = spec(sampler="list", parameters=[
        {"path": "actors.us.concession", "values": ["boulware", "linear", 2.5]},
        {"path": "mediation", "values": [True, False, True]}])
    d = design_points(s)
    assert d.points == (("boulware", True), ("linear", False), (2.5, True))
    assert d.table()["mediation"].dtype == bool


def test_latin_hypercube_is_stratified_reproducible_and_seeded():
    params = [{"path": "a", "name": "a", "range": [0, 10]},
              {"path": "b", "name": "b", "range": [-1, 1]},
              {"path": "c", "name": "c", "values": ["x", "y"]}]
    s = spec(sampler="latin_hypercube", samples=20, parameters=params)
    d = design_points(s)
    assert len(d) == 20 and d.x.shape == (20, 3)
    # One point in each of the 20 equal strata of every continuous parameter.
    assert sorted(np.floor(d.x[:, 0] / 10 * 20).astype(int)) == list(range(20))
    assert sorted(np.floor((d.x[:, 1] + 1) / 2 * 20).astype(int)) == list(range(20))
    assert {pt[2] for pt in d.points} == {"x", "y"}
    assert design_points(s).points == d.points
    assert design_points(s, seed=2).points != d.points


def test_monte_carlo_stays_in_range_and_rounds_integers():
    s = spec(sampler="monte_carlo", samples=200, parameters=[
        {"path": "talks.deadline_days", "range": [30, 120], "integer": True},
        {"path": "actors.us.cost_tolerance", "range": [0.1, 0.3]}])
    d = design_points(s)
    days = [pt[0] for pt in d.points]
    assert all(isinstance(v, int) and 30 <= v <= 120 for v in days)
    tol = np.array([pt[1] for pt in d.points])
    assert tol.min() >= 0.1 and tol.max() <= 0.3
    assert tol.std() > 0.04  # spread over the range, not stuck in a corner


def test_sobol_and_morris_designs_come_from_salib():
    from SALib.sample import morris, sobol

    params = [{"path": f"p{i}", "name": f"p{i}", "range": [0, i + 1]} for i in range(3)]
    s = spec(sampler="sobol", samples=16, parameters=params)
    d = design_points(s)
    assert len(d) == 16 * (3 + 2) == s.n_points()
    assert d.problem == {"num_vars": 3, "names": ["p0", "p1", "p2"],
                         "bounds": [[0.0, 1.0], [0.0, 2.0], [0.0, 3.0]]}
    from sim.experiments.design import sampler_rng

    np.testing.assert_array_equal(d.x, sobol.sample(dict(d.problem), 16, calc_second_order=False,
                                                    seed=sampler_rng(1)))
    m = spec(sampler="morris", samples=5, morris_levels=6, parameters=params)
    dm = design_points(m)
    assert len(dm) == 5 * 4 == m.n_points()
    np.testing.assert_array_equal(dm.x, morris.sample(dict(dm.problem), 5, num_levels=6,
                                                      seed=sampler_rng(1)))


def test_chunks_cover_every_run_once_splitting_points():
    s = spec(replicates=5, parameters=[{"path": "boat_strike_tempo", "values": [1, 2, 3]}])
    _, chunks = expand(s, chunk_runs=7)
    assert [c.runs for c in chunks] == [7, 7, 1]
    assert [(r.point, r.first_replicate, r.replicates) for r in chunks[0].specs] == \
        [(0, 0, 5), (1, 0, 2)]
    assert [(r.point, r.first_replicate, r.replicates) for r in chunks[1].specs] == \
        [(1, 2, 3), (2, 0, 4)]
    assert chunks[1].specs[1].settings == (("boat_strike_tempo", 3),)


@settings(max_examples=60, deadline=None)
@given(points=st.integers(1, 30), replicates=st.integers(1, 40), chunk=st.integers(1, 90))
def test_chunking_property(points, replicates, chunk):
    s = spec(sampler="list", replicates=replicates,
             parameters=[{"path": "boat_strike_tempo", "values": list(range(points))}])
    design = design_points(s)
    chunks = chunk_specs(design, replicates, chunk)
    seen = [(r.point, r.first_replicate + i) for c in chunks for r in c.specs
            for i in range(r.replicates)]
    assert sorted(seen) == [(p, r) for p in range(points) for r in range(replicates)]
    assert all(c.runs == chunk for c in chunks[:-1]) and 0 < chunks[-1].runs <= chunk
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_spec_hash_follows_what_is_computed(tmp_path):
    a = load_sweep(write_sweep(tmp_path, GRID))
    retitled = load_sweep(write_sweep(tmp_path, GRID.replace("name: grid", "name: grid\n"
                                                             "    title: Another title"),
                                      "b.yaml"))
    more = load_sweep(write_sweep(tmp_path, GRID.replace("replicates: 6", "replicates: 7"),
                                  "c.yaml"))
    reseeded = load_sweep(write_sweep(tmp_path, GRID.replace("seed: 5", "seed: 6"), "d.yaml"))
    based = load_sweep(write_sweep(tmp_path, GRID.replace(
        "scenario: SHORT", "scenario: SHORT\n    set: [escalation.threshold=0.9]"), "e.yaml"))
    assert a.spec_hash == retitled.spec_hash
    assert len({a.spec_hash, more.spec_hash, reseeded.spec_hash, based.spec_hash}) == 4
    # The resolved file written to the results folder reproduces the same hash.
    folder = tmp_path / "resolved"
    folder.mkdir()
    (folder / "sweep.yaml").write_text(a.resolved_yaml(), encoding="utf-8")
    from sim.output.results import scenario_yaml

    (folder / "scenario.yaml").write_text(scenario_yaml(a.base), encoding="utf-8")
    assert load_sweep(folder / "sweep.yaml").spec_hash == a.spec_hash


def test_seed_defaults_to_the_base_scenarios(tmp_path):
    sw = load_sweep(write_sweep(tmp_path, GRID.replace("    seed: 5\n", "")))
    assert sw.spec.seed == 11  # short.yaml's seed


def test_outcome_labels_follow_the_model():
    from sim.experiments.sweepfile import DEFAULT_OUTPUTS, OUTCOME_LABELS, run_columns
    from sim.model.model import OUTCOMES

    assert tuple(o.label for o in OUTCOMES) == OUTCOME_LABELS
    assert set(DEFAULT_OUTPUTS) <= set(run_columns())


def test_any_run_column_can_be_kept_with_its_type(tmp_path):
    from sim.experiments.sweepfile import run_columns

    kinds = run_columns()
    wanted = {"int": "n_incidents", "float": "final_pain_venezuela"}
    if "bool" in kinds.values():
        wanted["bool"] = next(c for c, k in kinds.items() if k == "bool")
    outputs = ", ".join(wanted.values())
    path = write_sweep(tmp_path, GRID.replace(
        "[outcome_day, talks_day, final_casualties, final_hostility_venezuela]",
        f"[{outputs}, escalation_cause]"))
    res = run_sweep(path, out=tmp_path / "out", workers=1, chunk_runs=36)
    schema = pq.read_schema(shard_path(res.folder, 0))
    types = {"int": "int64", "float": "double", "bool": "bool"}
    for kind, column in wanted.items():
        assert str(schema.field(column).type) == types[kind]
    assert str(schema.field("escalation_cause").type).startswith("dictionary<values=string")
    # The shard's point joins the design's without a cast.
    design = pq.read_schema(res.folder / "design.parquet")
    assert schema.field("point").type == design.field("point").type == "int64"
    runs = read_runs(res.folder)
    cause = runs["escalation_cause"]
    assert "" not in cause.cat.categories
    assert (cause.isna() == (runs["outcome"] != "escalation")).all()
    sw = load_sweep(path)
    alone = run_ensemble(point_scenario(sw.base, design_points(sw.spec).settings(5)), 6, 5,
                         point=5, trace_replicates=0, band_replicates=0)
    for column in wanted.values():
        np.testing.assert_array_equal(runs.loc[runs.point == 5, column],
                                      alone.data.runs[column])


# ------------------------------------------------------------------------------ validation


SOBOL_100 = """\
    name: bad-sobol
    scenario: SHORT
    parameters:
      - path: boat_strike_tempo
        range: [0, 2]
    replicates: 2
    sampler: sobol
    samples: 100
"""

#: (sweep file, text on the line the error should point at, "field: message" expected).
BAD = {
    "typo": (GRID.replace("replicates: 6\n", "replicates: 6\n    replicats: 5\n"),
             "replicats", "replicats: unknown field (did you mean 'replicates'?)"),
    "range-order": (GRID.replace("range: [0.2, 0.8]", "range: [0.8, 0.2]"), "[0.8, 0.2]",
                    "parameters[1].range: range low (0.8) must be below high (0.2)"),
    "bad-path": (GRID.replace("path: boat_strike_tempo\n        values: [0.0, 4.0]",
                              "path: actors.venezuela.salince.oil\n        values: [0.3]"),
                 "[0.3]", "parameters[0].values: actors.venezuela.salince.oil=0.3 makes the "
                          "scenario invalid: actors.venezuela.salince: unknown field (did you "
                          "mean 'salience'?)"),
    "out-of-bounds": (GRID.replace("range: [0.2, 0.8]", "range: [0.2, 1.4]"), "[0.2, 1.4]",
                      "parameters[1].range: actors.venezuela.salience.oil=1.4 makes the "
                      "scenario invalid: actors.venezuela.salience.oil: expected a number at "
                      "most 1"),
    "output": (GRID.replace("[outcome_day, talks_day, final_casualties",
                            "[outcome_day, final_casualtys"), "final_casualtys",
               "outputs[1]: unknown column 'final_casualtys' (did you mean "
               "'final_casualties'?)"),
    "renamed-output": (GRID.replace("[outcome_day, talks_day", "[day, talks_day"), "[day,",
                       "outputs[0]: unknown column 'day' (it is now called 'outcome_day')"),
    "sobol-n": (SOBOL_100, "samples: 100",
                "samples: Sobol sampling needs a power of two; got 100 (try 64 or 128)"),
    "grid-range": (GRID.replace("        levels: 3\n", ""), "[0.2, 0.8]",
                   "parameters[1].range: a grid needs 'levels' with a range"),
    "bad-set": (GRID.replace("scenario: SHORT", "scenario: SHORT\n    set: [horizon_days=0]"),
                "horizon_days=0", "set[0]: horizon_days=0: horizon_days: expected a number "
                                  "at least 1"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_sweep_files_name_file_line_and_field(tmp_path, case):
    text, marker, expected = BAD[case]
    path = write_sweep(tmp_path, text)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if marker in t)
    with pytest.raises(InputError) as err:
        load_sweep(path)
    assert err.value.report().startswith(f"{path}:{line}: {expected}"), err.value.report()


def test_bad_sweep_file_exits_2_from_the_command_line(tmp_path):
    path = write_sweep(tmp_path, GRID.replace("levels: 3", "levels: 1"))
    proc = dipsim("sweep", str(path), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "levels" in t)
    assert f"{path}:{line}: parameters[1].levels: expected a number at least 2; got 1" \
        in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_executor_is_bad_input(tmp_path):
    with pytest.raises(InputError, match="--executor: expected local, dask"):
        run_sweep(write_sweep(tmp_path, GRID), out=tmp_path / "out", executor="ray")


# ------------------------------------------------------------------------------ running


@pytest.mark.slow
def test_results_are_identical_for_any_workers_chunks_and_executor(tmp_path):
    path = write_sweep(tmp_path, GRID)
    one = run_sweep(path, out=tmp_path / "one", workers=1, chunk_runs=7)
    two = run_sweep(path, out=tmp_path / "two", workers=2, chunk_runs=13)
    dask = run_sweep(path, out=tmp_path / "dask", executor="dask", workers=2, chunk_runs=20)
    assert one.complete and two.complete and dask.complete
    assert (one.chunks, two.chunks, dask.chunks) == (6, 3, 2)
    assert one.folder.name == two.folder.name == dask.folder.name  # the spec hash
    a, b, c = read_runs(one.folder), read_runs(two.folder), read_runs(dask.folder)
    assert len(a) == 6 * 6 and not a.duplicated(["point", "replicate"]).any()
    assert list(a.columns) == ["point", "replicate", "outcome", "outcome_day", "talks_day",
                               "final_casualties", "final_hostility_venezuela", "error"]
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert a["error"].isna().all()
    # Tempo 0 vs 4 changes the runs (the parameters reach the model) ...
    assert (a.loc[a.point < 3, "final_casualties"].mean()
            < a.loc[a.point >= 3, "final_casualties"].mean())
    # ... and a point equals that scenario run on its own with the same (point, replicate).
    sw = load_sweep(path)
    scn = point_scenario(sw.base, [("boat_strike_tempo", 4.0),
                                   ("actors.venezuela.salience.oil", 0.5)])
    alone = run_ensemble(scn, 6, 5, point=4, trace_replicates=0, band_replicates=0)
    mine = a[a.point == 4]
    np.testing.assert_array_equal(mine["final_hostility_venezuela"],
                                  alone.data.runs["final_hostility_venezuela"])
    assert mine["outcome"].astype(str).tolist() == alone.runs["outcome"].astype(str).tolist()
    design = pq.read_table(one.folder / "design.parquet").to_pandas()
    assert design.loc[4, ["boat_strike_tempo", "ve_oil"]].tolist() == [4.0, 0.5]


#: The sweep a test stops part-way and resumes (shared with tests/test_interrupts.py).
STOPPED = DATA / "stopped.yaml"


@pytest.mark.slow
def test_a_sweep_killed_mid_way_resumes_to_the_same_results(tmp_path):
    path = STOPPED
    reference = run_sweep(path, out=tmp_path / "reference", workers=2, chunk_runs=13)
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--workers", "1", "--chunk-runs", "4"]
    proc = subprocess.Popen([sys.executable, "-m", "sim", *command],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=tmp_path)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and len(list(out.glob("*/*/shards/chunk-*"))) < 3:
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, mid-chunk
        proc.wait(timeout=30)
    (folder,) = out.glob("stopped/*")
    done_at_kill = len(list(folder.glob("shards/chunk-*")))
    assert 3 <= done_at_kill < 30, "the sweep should be stopped part-way"
    again = dipsim(*command, cwd=tmp_path)  # the same command resumes
    assert again.returncode == 0, again.stderr
    assert again.stderr.startswith("Resuming stopped:")
    found = re.search(r"120 runs in 30 chunks: (\d+) already done, (\d+) run now",
                      again.stdout)
    assert found, again.stdout
    resumed, ran = int(found[1]), int(found[2])
    assert resumed >= done_at_kill and resumed + ran == 30
    assert not list(folder.glob("shards/.*"))  # no temporary files left
    runs = read_runs(folder)
    assert len(runs) == 120 and not runs.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(runs, read_runs(reference.folder))
    # Both sessions are in the manifest: the killed one as such, with what it had done by
    # its last note (the chunks it finished, give or take the last two seconds).
    manifest = json.loads((folder / "manifest.json").read_text())
    killed, resumed_session = manifest["sessions"]
    assert killed["status"] == "killed" and killed["chunks_resumed"] == 0
    assert killed["chunks_run"] <= done_at_kill and killed["pid"] == proc.pid
    assert resumed_session["status"] == "complete"
    assert resumed_session["chunks_resumed"] == resumed and manifest["complete"]


@pytest.mark.slow
def test_damaged_and_missing_shards_are_redone(tmp_path):
    path = write_sweep(tmp_path, GRID)
    first = run_sweep(path, out=tmp_path, workers=1, chunk_runs=8)
    before = read_runs(first.folder)
    shard_path(first.folder, 1).write_bytes(b"not parquet")
    shard_path(first.folder, 2).unlink()
    stray = first.folder / "shards" / ".chunk-000003.parquet.4242.tmp"
    stray.write_bytes(b"half a shard")
    again = run_sweep(path, out=tmp_path, workers=1, chunk_runs=99)  # the folder's size wins
    assert (again.resumed_chunks, again.chunks_run, again.chunks) == (3, 2, 5)
    assert not stray.exists()
    pd.testing.assert_frame_equal(read_runs(again.folder), before)
    sessions = yaml.safe_load((first.folder / "manifest.json").read_text())["sessions"]
    assert [s["chunks_run"] for s in sessions] == [5, 2]
    # Rerunning the resolved file in the results folder finds the same, finished folder.
    third = run_sweep(first.folder / "sweep.yaml", out=tmp_path, workers=1)
    assert third.folder == first.folder and third.chunks_run == 0 and third.complete


def test_a_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path):
    # Each value alone is valid, but Venezuela's ideal must stay below the US ideal.
    path = write_sweep(tmp_path, """\
        name: failing
        scenario: SHORT
        parameters:
          - path: actors.venezuela.ideal.oil
            values: [0.0, 0.9]
          - path: actors.us.ideal.oil
            values: [1.0, 0.5]
        replicates: 3
        seed: 2
    """)
    res = run_sweep(path, out=tmp_path / "out", workers=1, chunk_runs=4)
    assert res.complete and res.failed_runs == 3
    runs = read_runs(res.folder)
    bad = runs[runs.point == 3]
    assert bad["outcome"].isna().all() and bad["final_casualties"].isna().all()
    assert bad["error"].str.contains("InputError: design point 3: "
                                     "actors.venezuela.ideal.oil").all()
    good = runs[runs.point != 3]
    assert good["error"].isna().all() and good["outcome"].notna().all() and len(good) == 9


def test_a_second_driver_on_the_same_folder_is_refused(tmp_path):
    path = write_sweep(tmp_path, GRID)
    sw = load_sweep(path)
    folder = tmp_path / "grid" / sw.spec_hash
    first = run_sweep(sw, out=tmp_path, workers=1, chunk_runs=36)
    assert first.folder == folder
    fd = os.open(folder / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(InputError, match="another dipsim sweep is writing this folder"):
            run_sweep(sw, out=tmp_path, workers=1)
    finally:
        os.close(fd)
    assert finished_chunks(folder, expand(sw.spec, 36)[1]) == {0}


@pytest.mark.slow
def test_the_command_line_runs_and_resumes(tmp_path):
    path = write_sweep(tmp_path, GRID)
    cmd = ["sweep", str(path), "--out", str(tmp_path / "res"), "--workers", "1",
           "--chunk-runs", "12"]
    proc = dipsim(*cmd, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "36 runs in 3 chunks: 0 already done, 3 run now" in proc.stdout
    assert "36/36 runs" in proc.stderr
    again = dipsim(*cmd, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "3 already done, 0 run now" in again.stdout
    assert again.stderr.startswith("Resuming grid:")


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_example_sweeps_load_and_expand(path):
    sw = load_sweep(path)
    design, chunks = expand(sw.spec)
    if sw.spec.sampler == "adaptive":  # its first grid; n_points counts every round
        assert len(design) < sw.spec.n_points()
    else:
        assert len(design) == sw.spec.n_points() >= 50
    assert sum(c.runs for c in chunks) == len(design) * sw.spec.replicates
    # Every point's scenario is valid (the examples should not record failures).
    for p in range(0, len(design), max(1, len(design) // 40)):
        point_scenario(sw.base, design.settings(p))


@pytest.mark.slow
def test_any_executor_works_and_other_model_code_never_mixes_in_a_folder(tmp_path):
    import dataclasses
    import itertools
    from concurrent.futures import ThreadPoolExecutor

    from sim.experiments.store import code_fingerprint
    from sim.experiments.sweep import SweepError

    class Reporting(ThreadPoolExecutor):
        """Runs chunks in threads; their results claim the given code fingerprints in turn."""

        def __init__(self, *codes: str):
            super().__init__(1)
            self.codes = itertools.cycle(codes)

        def submit(self, fn, /, *args, **kwargs):
            code = next(self.codes)
            return super().submit(lambda: dataclasses.replace(fn(*args, **kwargs), code=code))

    path = write_sweep(tmp_path, GRID)
    with ThreadPoolExecutor(2) as threads:
        ok = run_sweep(path, out=tmp_path / "threads", executor=threads, chunk_runs=12)
    assert ok.complete and ok.executor == "ThreadPoolExecutor"
    manifest = yaml.safe_load((ok.folder / "manifest.json").read_text())
    assert manifest["code"] == code_fingerprint()
    assert pq.read_metadata(shard_path(ok.folder, 0)).metadata[b"dipsim_code"] == \
        code_fingerprint().encode()
    # Resuming with other code (an upgrade, an edit of the model) refuses to mix.
    shard_path(ok.folder, 1).unlink()
    with Reporting("edited") as other, pytest.raises(SweepError, match="made by dipsim code"):
        run_sweep(path, out=tmp_path / "threads", executor=other)
    assert not shard_path(ok.folder, 1).exists()
    manifest = yaml.safe_load((ok.folder / "manifest.json").read_text())
    assert manifest["sessions"][-1]["status"] == "failed" and not manifest["complete"]
    # Workers with different code in one session stop it too.
    with Reporting("a", "b") as mixed, pytest.raises(SweepError, match="workers run different"):
        run_sweep(path, out=tmp_path / "mixed", executor=mixed, chunk_runs=12)


@pytest.mark.slow
def test_each_runs_seed_is_recovered_and_the_run_redone_alone(tmp_path):
    from sim.engine.streams import replicate_generators
    from sim.experiments.sweep import rerun, run_seed

    path = write_sweep(tmp_path, GRID)
    res = run_sweep(path, out=tmp_path / "out", workers=1, chunk_runs=36)
    runs = read_runs(res.folder)
    row = runs[(runs.point == 4) & (runs.replicate == 5)].iloc[0]
    seq = run_seed(res.folder, 4, 5)
    assert seq.entropy == 5 and tuple(seq.spawn_key) == (4, 5)  # the sweep file's seed
    (gen,) = replicate_generators(5, 4, 5, 1)  # what the model draws from
    assert gen.random() == np.random.Generator(np.random.PCG64(seq)).random()
    again = rerun(res.folder, 4, 5).runs.iloc[0]
    for column in ("outcome", "outcome_day", "talks_day", "final_casualties",
                   "final_hostility_venezuela"):
        assert (pd.isna(row[column]) and pd.isna(again[column])) or row[column] == again[column]
