"""dipsim calibrate: the file, the distance by hand, the folds, a smoke fit, parameter files."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from ctypes import c_longlong
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.engine.ensemble import run_ensemble
from sim.experiments import calibrate as calibrate_module
from sim.experiments.abc_samplers import _fork_worker
from sim.experiments.calibrate import (
    Simulator,
    assign_folds,
    calibrate,
    distance,
    signal_misses,
    weighted_quantile,
)
from sim.experiments.calibrate_file import load_calibration
from sim.experiments.calibrate_report import resting, save
from sim.experiments.forecasts import (
    alternative_rows,
    assignments,
    predictive_rows,
    score_readings,
    share_runs,
)
from sim.experiments.hindcast import hindcast, load_readings, robustness
from sim.scenario.errors import InputError
from sim.scenario.library import list_episodes
from sim.scenario.load import load_scenario, with_overrides
from sim.scenario.params import load_params
from tests.conftest import ROOT, scenario

#: An episode where nothing can happen: no pressure, no noise, no government ever moves.
#: Its record says escalation on day 10, so every run is surely wrong (Brier 2).
QUIET_EPISODE = """\
name: {name}
title: "A synthetic episode"
start: 2025-08-01
horizon_days: 30
seed: 5
status_quo: {{drugs: 0.1, oil: 0.35, migration: 0.5}}
actors:
  us: {{temperature: 0, readiness_bias: -20}}
  venezuela: {{temperature: 0, readiness_bias: -20}}
behaviour:
  hostility_noise: 0
  incident_rate: 0
  incident_presence: 0
  actions: {{escalate_bias: -50, de_escalate_bias: -50, signal_bias: -50, concede_bias: -50,
             retaliate_bias: -50}}
pressures: {pressures}
record:
  outcome: escalation
  lag_days: 10
  confidence: high
  dossier: docs/episodes/synthetic.md
  conventions: [E3]
  sources: [{{url: "https://example.org/a", publisher: Example, date: 2025-08-12}}]
"""
#: An overt strike on land on day 10: escalation on day 10 in every run (Brier 0).
STRIKE = "[{id: strike, type: overt_land_strike, sender: us, target: venezuela, at: 2025-08-11}]"


def _episodes(tmp_path: Path) -> tuple[Path, Path]:
    struck = tmp_path / "struck.yaml"
    struck.write_text(QUIET_EPISODE.format(name="struck", pressures=STRIKE), encoding="utf-8")
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text(QUIET_EPISODE.format(name="quiet", pressures="[]"), encoding="utf-8")
    return struck, quiet


SMOKE = """\
name: smoke
episodes: [{struck}, {quiet}]
runs: 20
evaluation_runs: 30
seed: 7
population: 8
generations: 2
folds: 2
parameters:
  - path: behaviour.readiness.pain
    low: 2
    high: 12
  - path: actors.venezuela.readiness_bias
    low: -4
    high: 0
signals:
  include: false
"""


def _smoke_file(tmp_path: Path, text: str = SMOKE) -> Path:
    struck, quiet = _episodes(tmp_path)
    path = tmp_path / "smoke.yaml"
    path.write_text(text.format(struck=struck, quiet=quiet), encoding="utf-8")
    return path


# ----------------------------------------------------------------------- the file


@pytest.mark.parametrize(("change", "field", "line", "expected"), [
    (("folds: 2", "folds: 2\npopulaton: 8"), "populaton", 9,
     "unknown field (did you mean 'population'?)"),
    (("    low: 2\n", "    low: 20\n"), "parameters[0]", 10, "low (20) must be below high (12)"),
    (("path: behaviour.readiness.pain", "path: behaviour.readiness.pian"),
     "parameters[0].path", 10, "cannot set behaviour.readiness.pian=2"),
    (("    high: 0\n", "    high: 30\n"), "parameters[1].high", 15,
     "expected a number at most 20"),
    (("folds: 2", "folds: 3"), "folds", 8, "3 folds need at least as many episodes"),
    (("runs: 20", "runs: 0"), "runs", 3, "expected a number at least 1"),
    (("seed: 7", "seed: seven"), "seed", 5, "expected a whole number"),
    (("path: actors.venezuela.readiness_bias", "path: behaviour.readiness.pain"),
     "parameters", 9, "repeats the path"),
    (("include: false", "include: false\n  weight: -1"), "signals.weight", 18,
     "expected a number at least 0"),
    (("folds: 2", "folds: 2\nkernel: local"), "kernel", 9,
     "Input should be 'silverman' or 'beaumont'; got 'local'"),
])
def test_bad_calibration_files_name_file_line_and_field(tmp_path, change, field, line,
                                                        expected):
    path = _smoke_file(tmp_path, SMOKE.replace(*change))
    with pytest.raises(InputError) as err:
        load_calibration(path)
    report = err.value.report()
    assert f"{path}:{line}: {field}:" in report and expected in report, report


def test_a_missing_episode_is_named_in_the_calibration_file(tmp_path):
    path = _smoke_file(tmp_path, SMOKE.replace("{quiet}]", "{quiet}, no-such-episode]"))
    with pytest.raises(InputError) as err:
        load_calibration(path)
    assert f"{path}:2: episodes[2]: no such episode 'no-such-episode'" in err.value.report()


def test_the_default_calibration_file_is_sound():
    cal = load_calibration()
    spec = cal.spec
    assert len(cal.readings) == len(list_episodes()) >= 20
    assert 6 <= len(spec.parameters) <= 10 and spec.folds == 5 and spec.runs == 200
    assert spec.kernel == "beaumont" and spec.population == 48  # validation.md M13
    assert cal.signals_scenario is not None and spec.signals.include
    defaults = cal.defaults()
    for p in spec.parameters:  # today's value lies inside every prior
        assert p.low <= defaults[p.path] <= p.high, p.path


@pytest.mark.slow
def test_the_quick_calibration_file_is_the_default_with_fewer_particles_and_runs():
    quick, default = load_calibration("quick").spec, load_calibration().spec
    assert quick.parameters == default.parameters and quick.folds == default.folds
    assert quick.signals == default.signals and quick.seed == default.seed
    assert quick.kernel == default.kernel
    assert (quick.population, quick.generations, quick.runs) == (16, 2, 100)


# ----------------------------------------------------------------------- the distance


def test_the_distance_by_hand(tmp_path, monkeypatch):
    struck, quiet = _episodes(tmp_path)
    readings = load_readings([struck, quiet], with_alternatives=False)
    paths = ["behaviour.readiness.pain"]
    stats = Simulator(readings, paths, runs=25, run_seed=None,
                      signals_scenario=None).statistics([4.0])
    # struck: escalation in every run, as recorded: (1 - 1)^2 = 0. quiet: stalemate in
    # every run against a recorded escalation: (1 - 0)^2 + (0 - 1)^2 = 2.
    np.testing.assert_allclose(stats["brier"], [0.0, 2.0])
    assert stats["signals"].size == 0
    assert distance(stats, weight=0.5) == pytest.approx(1.0)
    # Early rejection: after the quiet episode the mean is at least 2 / 2 = 1 > 0.5, so the
    # struck episode is not run; below the bound everything is run, as without one.
    backwards = Simulator(readings[::-1], paths, runs=25, run_seed=None,
                          signals_scenario=None)
    assert backwards.statistics([4.0], bound=0.5) is None
    np.testing.assert_allclose(backwards.statistics([4.0], bound=1.5)["brier"], [2.0, 0.0])
    # Learning the order: the quiet episode (Brier 2 over 30 days) now runs first, so the
    # forward simulator rejects as early as the backward one, and its statistics are as
    # they were (each episode runs from the same seed whenever it runs).
    forward = Simulator(readings, paths, runs=25, run_seed=None, signals_scenario=None)
    assert forward.order == [0, 1]
    forward.learn([np.array([0.0, 2.0]), np.array([0.5, 1.5])])
    assert forward.order == [1, 0]
    ran: list[str] = []
    original = calibrate_module.with_overrides
    monkeypatch.setattr(calibrate_module, "with_overrides",
                        lambda scn, sets: ran.append(scn.name) or original(scn, sets))
    assert forward.statistics([4.0], bound=0.5) is None
    assert ran == [readings[1].scenario.name]  # the struck episode was never run
    np.testing.assert_array_equal(forward.statistics([4.0])["brier"], stats["brier"])
    # Per day simulated: an episode twice as long must score twice as badly to go first.
    forward._days = np.array([60.0, 30.0])
    forward.learn([np.array([1.0, 0.6])])
    assert forward.order == [1, 0]  # 0.6 / 30 > 1.0 / 60
    # Mean Brier (0.32 + 0.98) / 2 = 0.65, plus 0.1 x (0.3 + 0 + 0.2) = 0.05.
    assert distance({"brier": np.array([0.32, 0.98]), "signals": np.array([0.3, 0.0, 0.2])},
                    0.1) == pytest.approx(0.70)


def test_the_signals_are_those_of_the_default_scenario_with_the_same_values(tmp_path):
    struck, _ = _episodes(tmp_path)
    readings = load_readings([struck], with_alternatives=False)
    base = load_scenario()
    sets = assignments(["actors.venezuela.readiness_bias"], [-1.5])
    stats = Simulator(readings, ["actors.venezuela.readiness_bias"], runs=40, run_seed=3,
                      signals_scenario=base).statistics([-1.5])
    expected = signal_misses(run_ensemble(with_overrides(base, sets), 40, 3,
                                          trace_replicates=40, band_replicates=0))
    np.testing.assert_allclose(stats["signals"], expected)
    assert ((expected >= 0) & (expected <= 1)).all()
    assert distance(stats, 0.1) == pytest.approx(0.0 + 0.1 * expected.sum())


def test_common_random_numbers_across_particles(tmp_path):
    """The same values give the same statistics, whichever particle asks."""
    readings = load_readings(list(_episodes(tmp_path)), with_alternatives=False)
    model = Simulator(readings, ["behaviour.readiness.pain"], 25, None, None)
    a, b = model.statistics([3.0]), model.statistics([3.0])
    np.testing.assert_array_equal(a["brier"], b["brier"])


def test_weighted_quantiles_by_hand():
    x, w = np.array([3.0, 1.0, 2.0]), np.array([0.25, 0.25, 0.5])
    # Sorted 1, 2, 3 with weights .25, .5, .25: the weight centres are at .125, .5, .875.
    assert weighted_quantile(x, w, 0.5) == pytest.approx(2.0)
    assert weighted_quantile(x, w, 0.3125) == pytest.approx(1.5)


# ----------------------------------------------------------------------- the folds


def test_the_folds_are_a_repeatable_stratified_partition():
    directions = [load_scenario(p).record.direction.value for p in list_episodes()]
    folds = assign_folds(directions, 5, seed=11)
    assert set(folds.tolist()) == {1, 2, 3, 4, 5}  # every episode in exactly one fold
    sizes = np.bincount(folds)[1:]
    assert sizes.sum() == len(directions) and sizes.max() - sizes.min() <= 1
    for d in set(directions):  # each direction spread evenly over the folds
        counts = np.bincount(folds[np.array(directions) == d], minlength=6)[1:]
        assert counts.max() - counts.min() <= 1, d
    np.testing.assert_array_equal(folds, assign_folds(directions, 5, seed=11))
    assert not np.array_equal(folds, assign_folds(directions, 5, seed=12))
    with pytest.raises(ValueError, match="folds"):
        assign_folds(directions[:3], 5, seed=1)


# ----------------------------------------------------------------------- the samplers


def _toy_fit(sampler, kernel="silverman"):
    """A two-parameter toy problem through pyabc with the given sampler and kernel."""
    import pyabc

    from sim.experiments.calibrate import ACCEPT_ALL, Distance, proposal_kernel

    prior = pyabc.Distribution(p0=pyabc.RV("uniform", -2, 4), p1=pyabc.RV("uniform", -2, 4))

    def model(par):
        return {"brier": np.array([(par["p0"] - 0.3) ** 2 + np.random.normal(0, 0.01)]),
                "signals": np.array([(par["p1"] + 1) ** 2])}

    abc = pyabc.ABCSMC(model, prior, Distance(1.0), population_size=12, sampler=sampler,
                       transitions=proposal_kernel(kernel),
                       eps=pyabc.MedianEpsilon(initial_epsilon=ACCEPT_ALL))
    abc.new("sqlite://", {"brier": np.zeros(1), "signals": np.zeros(1)})
    history = abc.run(max_nr_populations=3)
    df, w = history.get_distribution(m=0, t=history.max_t)
    return df.sort_index(axis=1).to_numpy(), w


@pytest.mark.slow
def test_the_particles_do_not_depend_on_the_number_of_workers():
    from sim.experiments.abc_samplers import ForkSampler

    one, w1 = _toy_fit(ForkSampler(1, seed=5))  # one after another in this process
    forked = ForkSampler(2, seed=5)
    two, w2 = _toy_fit(forked)
    assert forked.forked == 3  # every generation in two forked processes
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(w1, w2)
    other, _ = _toy_fit(ForkSampler(2, seed=6))
    assert not np.array_equal(one, other)


def test_each_proposal_kernel_has_the_covariance_its_source_gives():
    # docs/validation.md D3, M12: the kernel a calibration file names is the one pyabc uses.
    from pyabc.transition.multivariatenormal import silverman_rule_of_thumb

    from sim.experiments.calibrate import proposal_kernel
    from sim.experiments.forecasts import effective_size

    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.normal(size=(32, 3)), columns=["a", "b", "c"])
    w = rng.random(32)
    w /= w.sum()
    weighted = np.cov(x.to_numpy(), aweights=w, rowvar=False)
    beaumont = proposal_kernel("beaumont")  # Beaumont et al. 2009: twice the covariance
    beaumont.fit(x, w)
    np.testing.assert_allclose(beaumont.cov, 2 * weighted, rtol=1e-12)
    silverman = proposal_kernel("silverman")  # pyabc's default shrinks with the weights
    silverman.fit(x, w)
    factor = silverman_rule_of_thumb(effective_size(w), 3) ** 2
    np.testing.assert_allclose(silverman.cov, factor * weighted, rtol=1e-12)
    assert factor < 0.6
    for unknown in ("local", "gaussian"):
        with pytest.raises(ValueError, match="unknown proposal kernel"):
            proposal_kernel(unknown)


def test_a_fit_perturbs_with_the_kernel_its_file_names(tmp_path, monkeypatch):
    from sim.experiments.abc_samplers import ForkSampler

    asked, made = [], calibrate_module.proposal_kernel
    monkeypatch.setattr(calibrate_module, "proposal_kernel",
                        lambda kernel: asked.append(kernel) or made(kernel))
    cal = load_calibration(_smoke_file(tmp_path, SMOKE.replace(
        "folds: 2", "folds: 2\nkernel: beaumont").replace("runs: 20", "runs: 2")))
    fit = calibrate_module.run_fit(cal, cal.readings, "all", 5,
                                   lambda seed, on_state: ForkSampler(1, seed, on_state))
    assert asked == ["beaumont"] and len(fit.particles) == 8


@pytest.mark.slow
def test_the_wider_kernel_keeps_the_particles_independent_of_the_workers():
    from sim.experiments.abc_samplers import ForkSampler

    one, w1 = _toy_fit(ForkSampler(1, seed=5), "beaumont")
    two, w2 = _toy_fit(ForkSampler(2, seed=5), "beaumont")
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(w1, w2)
    default, _ = _toy_fit(ForkSampler(1, seed=5))
    assert not np.array_equal(one, default)  # the kernel reached pyabc


def _sleeps():
    time.sleep(60)  # a particle still running when the generation is complete


def test_a_particle_worker_ends_at_once_when_the_driver_ends_it():
    # The driver ends the workers it no longer needs with SIGTERM. The command line's stop
    # handler raises an exception, and a worker forked from it used to catch it, report
    # it and then wait for ever on its way out to flush a queue nobody read: the driver,
    # joining it, hung (seen once in CI, in test_the_cli_calibrates_and_reports). A worker
    # now dies of the signal at once, whatever handler it inherited.
    ctx = multiprocessing.get_context("fork")
    counter, stop, queue = ctx.Value(c_longlong, 0), ctx.Value("b", 0), ctx.Queue()

    def raising(signum, frame):
        raise RuntimeError("stop")

    old = signal.signal(signal.SIGTERM, raising)
    try:
        worker = ctx.Process(target=_fork_worker, daemon=True,
                             args=(_sleeps, 1, 1, counter, stop, queue, os.getpid()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # (fork with threads)
            worker.start()
    finally:
        signal.signal(signal.SIGTERM, old)
    deadline = time.monotonic() + 60
    while counter.value == 0 and time.monotonic() < deadline:  # it took a particle
        time.sleep(0.01)
    worker.terminate()
    worker.join(timeout=60)
    alive = worker.is_alive()
    if alive:
        worker.kill()
        worker.join()
    queue.close()
    assert counter.value == 1
    assert not alive and worker.exitcode == -signal.SIGTERM


DASK_AGAINST_FORK = """
import numpy as np
from sim.experiments.abc_samplers import DaskSampler, ForkSampler
from sim.experiments.executors import dask_client
from tests.test_calibrate import _toy_fit

local, _ = _toy_fit(ForkSampler(2, seed=5))
with dask_client("dask", 2) as (client, _, _):
    dask, _ = _toy_fit(DaskSampler(client, seed=5))
np.testing.assert_array_equal(local, dask)
"""


@pytest.mark.slow
def test_the_dask_sampler_keeps_the_same_particles():
    # In a process of its own: Dask's client leaves a thread for the life of the process
    # (distributed's offload executor), and a process with another thread never splits a
    # run over forked processes, which later tests (tests/test_shards.py) check.
    done = subprocess.run([sys.executable, "-c", DASK_AGAINST_FORK], capture_output=True,
                          text=True, cwd=ROOT, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


# ----------------------------------------------------------------------- a smoke fit


PROMISED = ("posterior.parquet", "summary.csv", "corner.png", "cv_table.parquet",
            "cv_table.csv", "cv_predictive.csv", "cv_scores.json", "report.md", "params.yaml",
            "manifest.json", "generations.csv", "calibration.yaml")


@pytest.mark.slow
def test_a_smoke_calibration_writes_every_promised_file(tmp_path):
    cal = load_calibration(_smoke_file(tmp_path))
    stages = []
    result = calibrate(cal, workers=2, progress=stages.append)
    folder = save(result, tmp_path / "out")
    assert folder.parent == tmp_path / "out" / "calibration"
    for name in PROMISED:
        assert (folder / name).is_file(), name
    posterior = pd.read_parquet(folder / "posterior.parquet")
    assert set(posterior["fit"]) == {"all", "fold-1", "fold-2"}
    assert (posterior.groupby("fit")["weight"].sum() - 1).abs().max() < 1e-9
    assert (posterior.groupby("fit").size() == 8).all()
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary["parameter"]) == cal.paths
    assert ((summary["q05"] <= summary["median"]) & (summary["median"] <= summary["q95"])).all()
    cv = pd.read_csv(folder / "cv_table.csv")
    assert sorted(cv["episode"]) == ["quiet", "struck"] and set(cv["fold"]) == {1, 2}
    assert {f"param:{p}" for p in cal.paths} <= set(cv.columns)
    assert (cv["runs"] == 30).all()
    scores = json.loads((folder / "cv_scores.json").read_text())
    assert set(scores) == {"out_of_sample", "in_sample", "defaults",
                           "out_of_sample_predictive"}
    # The quiet episode stays quiet and the strike escalates whatever the values: both
    # are scored exactly as the hindcast would score them, by a point or by every particle.
    assert scores["out_of_sample"]["brier"] == pytest.approx(1.0)
    assert scores["out_of_sample_predictive"]["brier"] == pytest.approx(1.0)
    predictive = pd.read_csv(folder / "cv_predictive.csv")
    assert list(predictive["episode"]) == list(cv["episode"])
    assert (predictive["runs"] == 30).all() and (predictive["particles"] >= 1).all()
    assert "| score | defaults | in sample | out of sample | out of sample, predictive |" \
        in (folder / "report.md").read_text()
    params = load_params(folder / "params.yaml")
    assert [a.split("=")[0] for a in params.assignments] == cal.paths
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["folds"] == result.folds and "pyabc" in manifest["libraries"]
    assert manifest["kernel"] == "silverman"
    assert "generations, silverman kernel," in (folder / "report.md").read_text()
    for label, fit in manifest["fits"].items():
        w = posterior.loc[posterior["fit"] == label, "weight"]
        assert fit["effective_size"] == pytest.approx(1 / (w ** 2).sum(), abs=0.01)
        assert 1 <= fit["effective_size"] <= 8
    assert {s.label for s in stages} >= {"fold 1 of 2", "fold 2 of 2", "all episodes",
                                        "scoring"}
    assert max(s.generation for s in stages) == 2


# ----------------------------------------------------------------------- the predictive


def test_the_effective_size_of_a_posterior_is_kish_s():
    def fit(weights):
        return calibrate_module.Fit("fold-1", [], pd.DataFrame({"x": range(len(weights)),
                                                                "weight": weights}),
                                    pd.DataFrame(), 0, 0.0)

    assert fit([1.0, 0.0, 0.0]).effective_size == 1.0
    assert fit([0.25] * 4).effective_size == pytest.approx(4.0)
    assert fit([0.5, 0.25, 0.25]).effective_size == pytest.approx(1 / 0.375)  # 2.67
    assert fit([2.0, 1.0, 1.0]).effective_size == pytest.approx(1 / 0.375)  # unnormalised


def test_the_report_says_when_a_posterior_rests_on_few_particles():
    def result(weights):
        fit = calibrate_module.Fit("all", [], pd.DataFrame({"weight": weights}),
                                   pd.DataFrame(), 0, 0.0)
        return SimpleNamespace(fits={"all": fit}, calibration=SimpleNamespace(
            spec=SimpleNamespace(population=len(weights))))

    few = resting(result([0.9] + [0.1 / 31] * 31))  # 1 / (0.81 + 31 x 0.0032^2) = 1.23
    assert few.startswith("The posterior rests on 1.2 effective particles of 32")
    assert "too few for its intervals" in few
    many = resting(result([1.0] * 32))
    assert many == ("The posterior rests on 32.0 effective particles of 32 (Kish: 1 / sum "
                    "of the squared weights).")


def test_runs_are_shared_by_largest_remainders():
    # 10 runs at 0.5, 0.25, 0.25: 5, 2.5, 2.5; the one left goes to the earlier tie.
    assert share_runs([0.5, 0.25, 0.25], 10).tolist() == [5, 3, 2]
    assert share_runs([2, 0, 1], 7).tolist() == [5, 0, 2]  # 4.67, 0, 2.33
    assert share_runs([1.0], 3).tolist() == [3]
    w = np.random.default_rng(1).dirichlet(np.ones(32))
    counts = share_runs(w, 1000)
    assert counts.sum() == 1000 and (np.abs(counts - 1000 * w) < 1).all()
    for bad in ([], [0.0, 0.0], [0.5, -0.1]):
        with pytest.raises(ValueError, match="weights"):
            share_runs(bad, 10)


def test_the_predictive_pools_each_particles_share_of_the_runs(tmp_path):
    _, quiet = _episodes(tmp_path)
    readings = load_readings([quiet], with_alternatives=False)
    # Talks open at once with biases of +20, never with -20: the predictive gives talks
    # exactly the weight of the first particle.
    particles = pd.DataFrame({"actors.us.readiness_bias": [20.0, -20.0],
                              "actors.venezuela.readiness_bias": [20.0, -20.0],
                              "weight": [0.7, 0.3], "distance": [0.1, 0.2]})
    (row,) = predictive_rows(readings, particles, 10, None, workers=1, extra={"fold": 1})
    assert (row["n_talks"], row["n_stalemate"], row["runs"]) == (7, 3, 10)
    assert row["p_talks"] == 0.7 and row["particles"] == 2 and row["fold"] == 1
    assert row["modal"] == "talks" and not row["modal_match"]


#: Two alternative readings of the quiet episode: the same inputs with another record,
#: and the strike of STRIKE added (escalation on day 10 in every run).
ALTERNATIVES = """\
  alternatives:
    - {{id: talks-record, note: "Another record only", set: ["record.outcome=talks"]}}
    - {{id: struck, note: "A strike added", set: ["pressures={}"]}}
""".format(STRIKE.replace('"', '\\"'))


def test_alternative_readings_run_with_their_episodes_point(tmp_path):
    _, quiet = _episodes(tmp_path)
    quiet.write_text(quiet.read_text(encoding="utf-8") + ALTERNATIVES, encoding="utf-8")
    main, *others = load_readings([quiet])
    assert [r.reading for r in others] == ["talks-record", "struck"]
    paths = ["actors.us.readiness_bias", "actors.venezuela.readiness_bias"]
    for bias, modal in ((20.0, "talks"), (-20.0, "stalemate")):
        # The point table's row, as calibrate writes it: the fold and its values.
        point = pd.DataFrame(score_readings(
            [main], assignments(paths, [bias, bias]), 10, None, workers=1,
            extra={"fold": 2, **{f"param:{p}": bias for p in paths}}))
        assert point.loc[0, "modal"] == modal
        rows = alternative_rows([main, *others], point, 10, None, workers=1)
        assert [(r["reading"], r["fold"], r["runs"]) for r in rows] == [
            ("talks-record", 2, 10), ("struck", 2, 10)]
        # Same inputs and values: the main reading's outcomes, scored against its record.
        assert rows[0]["modal"] == modal and rows[0][f"n_{modal}"] == 10
        assert rows[0]["modal_match"] == (modal == "talks")
        assert rows[1]["modal"] == "escalation" and rows[1]["n_escalation"] == 10
        counted = robustness(pd.concat([point, pd.DataFrame(rows)]))
        assert (counted["alternatives"], counted["episodes_whose_modal_changes"],
                counted["alternatives_changing_modal"]) == (2, 1, 1)


def test_particles_that_agree_give_the_point_forecast_exactly():
    # The replicates are the point forecast's: particle j runs the next n_j global
    # indices from the same seed, so equal values reproduce the point row cell for cell.
    readings = load_readings(["2025-chevron-revocation"], with_alternatives=False)
    values = {"behaviour.compliance.hostility_factor": 1.0, "actors.us.readiness_bias": -1.1}
    particles = pd.DataFrame({**{p: [v] * 3 for p, v in values.items()},
                              "weight": [0.5, 0.3, 0.2]})
    (point,) = score_readings(readings, assignments(list(values), list(values.values())),
                              40, None, workers=1)
    (pooled,) = predictive_rows(readings, particles, 40, None, workers=1)
    assert pooled.pop("particles") == 3
    pd.testing.assert_series_equal(pd.Series(pooled), pd.Series(point))
    # A particle whose deals break more easily breaks more of its 12 runs (40 x 0.3).
    other = particles.assign(**{"behaviour.compliance.hostility_factor": [1.0, 3.0, 1.0]})
    (moved,) = predictive_rows(readings, other, 40, None, workers=1)
    assert point["n_deal_broken"] < moved["n_deal_broken"] <= point["n_deal_broken"] + 12


# ----------------------------------------------------------------------- parameter files


def _params(tmp_path: Path, *assignments: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"name": "test", "set": list(assignments)}),
                    encoding="utf-8")
    return path


def test_params_change_a_run_as_the_file_says(tmp_path):
    sets = ("actors.us.readiness_bias=20", "actors.venezuela.readiness_bias=20",
            "talks.threshold=0.1")
    path = _params(tmp_path, *sets)
    quiet = scenario(horizon_days=20)
    with_file = sim.run(quiet, runs=20, seed=3, params=path)
    by_hand = sim.run(quiet, runs=20, seed=3, overrides=list(sets))
    plain = sim.run(quiet, runs=20, seed=3)
    pd.testing.assert_frame_equal(with_file.runs, by_hand.runs)
    assert (with_file.runs["talks_day"] >= 0).all() and (plain.runs["talks_day"] < 0).all()
    assert with_file.overrides[:3] == list(sets)
    # --set comes after the file, so it wins.
    later = sim.run(quiet, runs=20, seed=3, params=path,
                    overrides=["actors.us.readiness_bias=-20"])
    assert (later.runs["talks_day"] < 0).all()


def test_params_apply_to_every_episode_of_a_hindcast(tmp_path):
    struck, _ = _episodes(tmp_path)
    path = _params(tmp_path, "pressures[strike].at=2025-08-21", "record.lag_days=20")
    result = hindcast([struck], runs=10, seed=1, with_alternatives=False, params=path)
    assert result.main.iloc[0]["simulated_day"] == 20


@pytest.mark.parametrize(("body", "field", "line", "expected"), [
    ("name: t\nset:\n  - talks.threshold=0.4\n  - talks.threshhold=0.4\n", "set[1]", 4,
     "talks.threshhold=0.4"),
    ("name: t\nset:\n  - talks.threshold=4\n", "set[0]", 3, "at most 1"),
    ("name: t\nset:\n  - talks.threshold\n", "set[0]", 3, "expected path=value"),
    ("name: t\nsets: [talks.threshold=0.4]\n", "sets", 2, "unknown field"),
])
def test_bad_params_files_name_file_line_and_field(tmp_path, body, field, line, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_params(path).apply(load_scenario())
    report = err.value.report()
    assert f"{path}:{line}: {field}:" in report and expected in report, report


def _dipsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True,
                          text=True, check=False, cwd=cwd, env=env)


@pytest.mark.slow
def test_the_cli_applies_params_and_refuses_a_bad_file(tmp_path):
    good = _params(tmp_path, "talks.threshold=0.35")
    done = _dipsim("run", "--runs", "20", "--no-charts", "--params", str(good), "--out",
                   str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (folder,) = (tmp_path / "out" / "caribbean-2025").iterdir()
    assert yaml.safe_load((folder / "scenario.yaml").read_text())["talks"]["threshold"] == 0.35
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: t\nset:\n  - talks.threshold=7\n", encoding="utf-8")
    for command in (["run", "--runs", "5"], ["hindcast", "2015-eo13692", "--runs", "5"]):
        done = _dipsim(*command, "--params", str(bad), "--out", str(tmp_path / "no"),
                       cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert f"{bad}:3: set[0]:" in done.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.slow
def test_the_cli_calibrates_and_refuses_a_bad_file(tmp_path):
    path = _smoke_file(tmp_path)
    done = _dipsim("calibrate", str(path), "--workers", "2", "--out", str(tmp_path / "out"),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "out of sample: Brier 1.000" in done.stdout
    assert "effective particles of 8 (Kish" in done.stdout
    (folder,) = (tmp_path / "out" / "calibration").iterdir()
    assert (folder / "params.yaml").is_file()
    # The predictive of a folder already written: the same table as calibrate wrote; and
    # the alternative readings (given to the quiet episode now: a calibration reads only
    # main readings) with the episode's point, whatever its values (nothing moves there).
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text(quiet.read_text(encoding="utf-8") + ALTERNATIVES, encoding="utf-8")
    done = _dipsim("predictive", str(folder), "--workers", "1", "--out",
                   str(tmp_path / "again"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "predictive:" in done.stdout and "Brier 1.000" in done.stdout
    assert ("robustness, point: 2 alternative readings; the modal outcome changes under at "
            "least one of them in 1 of 1 episodes (100%)") in done.stdout
    (again,) = (tmp_path / "again" / "predictive").iterdir()
    pd.testing.assert_frame_equal(pd.read_csv(again / "cv_predictive.csv"),
                                  pd.read_csv(folder / "cv_predictive.csv"))
    alternatives = pd.read_csv(again / "cv_alternatives.csv")
    assert list(zip(alternatives["reading"], alternatives["modal"], strict=True)) == [
        ("talks-record", "stalemate"), ("struck", "escalation")]
    assert (alternatives["runs"] == 30).all()
    report = (again / "report.md").read_text()
    assert "| episode | recorded |" in report and "- `quiet`, `struck`: escalation" in report
    robust = json.loads((again / "scores.json").read_text())["out_of_sample_robustness"]
    assert robust["episodes_whose_modal_changes"] == 1
    # A folder whose point forecasts today's model does not reproduce is refused.
    tampered = tmp_path / "tampered"
    shutil.copytree(folder, tampered)
    table = pd.read_csv(tampered / "cv_table.csv")
    quiet = table["episode"] == "quiet"
    table.loc[quiet, "n_stalemate"] -= 1
    table.loc[quiet, "n_escalation"] += 1
    table.to_csv(tampered / "cv_table.csv", index=False)
    lacking = tmp_path / "lacking"
    shutil.copytree(folder, lacking)
    table.drop(columns=["n_talks"]).to_csv(lacking / "cv_table.csv", index=False)
    for target, said in ((tampered, f"{tampered / 'cv_table.csv'}: quiet: today's model"),
                         (lacking, "cv_table.csv: lacks the columns n_talks"),
                         (tmp_path / "nowhere", "no such folder"),
                         (tmp_path / "out", "not a calibration results folder")):
        done = _dipsim("predictive", str(target), "--out", str(tmp_path / "no"),
                       cwd=tmp_path)
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    bad = _smoke_file(tmp_path, textwrap.dedent(SMOKE).replace("folds: 2", "folds: 9"))
    done = _dipsim("calibrate", str(bad), "--out", str(tmp_path / "no"), cwd=tmp_path)
    assert done.returncode == 2 and f"{bad}:8: folds:" in done.stderr
    done = _dipsim("calibrate", str(path), "--executor", "ray", "--out",
                   str(tmp_path / "no"), cwd=tmp_path)
    assert done.returncode == 2 and "--executor" in done.stderr
    assert not (tmp_path / "no").exists()
