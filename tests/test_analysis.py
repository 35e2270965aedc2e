"""Sweep analysis: probabilities per point, heatmaps, Sobol and Morris indices, the report."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.experiments.analysis import (
    SweepResults,
    heatmap_data,
    morris_indices,
    point_probabilities,
    sensitivity,
)
from sim.experiments.analysis_report import _index_table, _sensitivity_text, analyze
from sim.experiments.design import design_points
from sim.experiments.store import shard_path
from sim.experiments.sweep import run_sweep
from sim.experiments.sweepfile import SweepFile
from sim.model.outcomes import OUTCOMES
from sim.output.results import wilson_interval
from sim.output.sweep_charts import plot_heatmap, plot_indices
from sim.scenario.errors import InputError

SHORT = Path(__file__).resolve().parent / "data" / "sweeps" / "short.yaml"


def spec(**fields) -> SweepFile:
    data = {"name": "t", "scenario": str(SHORT), "replicates": 3, "seed": 7} | fields
    return SweepFile.model_validate(data)


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami and Homma (1990): S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The closed-form first-order and total indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


def test_sobol_indices_of_ishigami_through_the_sweep_path():
    params = [{"path": f"x{i}", "name": f"x{i}", "range": [-np.pi, np.pi]} for i in (1, 2, 3)]
    s = spec(sampler="sobol", samples=2048, parameters=params)
    design = design_points(s)
    points = design.table()
    points["p_escalation"] = ishigami(points[["x1", "x2", "x3"]].to_numpy())
    table = sensitivity(points.sample(frac=1.0, random_state=np.random.default_rng(0)), s,
                        "escalation").loc[["x1", "x2", "x3"]]
    s1, st = ishigami_indices()
    np.testing.assert_allclose(table["S1"], s1, atol=0.04)
    np.testing.assert_allclose(table["ST"], st, atol=0.04)
    assert (table["S1_conf"] < 0.1).all()
    # Sorted by total index: x1 (0.558) > x2 (0.442) > x3 (0.244).
    assert sensitivity(points, s, "escalation").index.tolist() == ["x1", "x2", "x3"]


def test_morris_ranks_a_linear_function_by_its_slopes():
    params = [{"path": f"x{i}", "name": f"x{i}", "range": [0, 1]} for i in (1, 2, 3)]
    s = spec(sampler="morris", samples=10, parameters=params)
    x = design_points(s).x
    y = 5 * x[:, 0] - 2 * x[:, 1] + 0 * x[:, 2]
    table = morris_indices(s, x, y)
    assert table.index.tolist() == ["x1", "x2", "x3"]
    np.testing.assert_allclose(table.loc[["x1", "x2", "x3"], "mu_star"], [5, 2, 0], atol=1e-9)
    np.testing.assert_allclose(table.loc[["x1", "x2", "x3"], "mu"], [5, -2, 0], atol=1e-9)
    np.testing.assert_allclose(table["sigma"], 0, atol=1e-9)  # linear: no interactions


def test_indices_refuse_missing_points_and_other_designs():
    params = [{"path": "x1", "name": "x1", "range": [0, 1]},
              {"path": "x2", "name": "x2", "range": [0, 1]}]
    s = spec(sampler="sobol", samples=8, parameters=params)
    points = design_points(s).table()
    points["p_talks"] = points["x1"]
    points.loc[3, "p_talks"] = np.nan
    with pytest.raises(ValueError, match="1 design point"):
        sensitivity(points, s, "talks")
    grid = spec(parameters=[{"path": "x1", "name": "x1", "values": [1, 2]}])
    assert sensitivity(points, grid, "talks") is None


def runs_table() -> pd.DataFrame:
    """Point 0: 3 escalation, 1 talks; point 1: 2 stalemate and 2 failed runs."""
    cats = pd.CategoricalDtype([o.label for o in OUTCOMES])
    return pd.DataFrame({
        "point": [0, 0, 0, 0, 1, 1, 1, 1],
        "replicate": [0, 1, 2, 3, 0, 1, 2, 3],
        "outcome": pd.Series(["escalation", "talks", "escalation", "escalation",
                              "stalemate", "stalemate", None, None], dtype=cats),
        "talks_day": [np.nan, 12, 30, np.nan, np.nan, np.nan, np.nan, np.nan],
        "error": [None] * 6 + ["InputError: bad", "InputError: bad"],
    })


def test_point_probabilities_count_wilson_and_leave_failures_out():
    design = pd.DataFrame({"point": [0, 1, 2], "tempo": [0.0, 1.0, 2.0]})
    pts = point_probabilities(runs_table(), design)
    assert pts["runs"].tolist() == [4, 2, 0] and pts["failed"].tolist() == [0, 2, 0]
    assert pts["k_escalation"].tolist() == [3, 0, 0]
    assert pts.loc[0, "p_escalation"] == 0.75 and pts.loc[1, "p_stalemate"] == 1.0
    lo, hi = wilson_interval(3, 4)
    assert (pts.loc[0, "lo_escalation"], pts.loc[0, "hi_escalation"]) == (lo, hi)
    assert pts.loc[0, "p_reached_talks"] == 0.5  # talks opened in two runs, whatever the end
    assert np.isnan(pts.loc[2, "p_talks"])  # a point with no runs yet has no probability
    assert pts["tempo"].tolist() == [0.0, 1.0, 2.0]


def grid_points() -> pd.DataFrame:
    """A 2 x 2 x 2 grid where P(escalation) = a/2 + b/4 + c/8 exactly (8 runs a point)."""
    rows = []
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                k = 4 * a + 2 * b + c
                rows.append({"point": len(rows), "a": a, "b": b, "c": c, "runs": 8,
                             "k_escalation": k, "p_escalation": k / 8})
    return pd.DataFrame(rows)


def test_heatmap_pools_over_the_other_parameters():
    cells = heatmap_data(grid_points(), "a", "b")
    assert cells[["a", "b"]].values.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert cells["runs"].tolist() == [16] * 4 and cells["points"].tolist() == [2] * 4
    np.testing.assert_allclose(cells["p"], [1 / 16, 5 / 16, 9 / 16, 13 / 16])
    lo, hi = wilson_interval(cells["k"], cells["runs"])
    np.testing.assert_allclose(cells["ci_low"], lo)
    np.testing.assert_allclose(cells["ci_high"], hi)
    assert cells.attrs == {"x": "a", "y": "b", "outcome": "escalation"}
    with pytest.raises(InputError, match="unknown outcome 'war'"):
        heatmap_data(grid_points(), "a", "b", "war")


def test_heatmap_bins_continuous_parameters():
    rng = np.random.default_rng(3)
    u = rng.random((400, 2))
    points = pd.DataFrame({"point": range(400), "u": u[:, 0], "v": u[:, 1], "runs": 10,
                           "k_talks": (10 * u[:, 0]).astype(int)})
    cells = heatmap_data(points, "u", "v", "talks", bins=4)
    assert cells["u"].nunique() == 4 and cells["v"].nunique() == 4
    assert cells["points"].sum() == 400
    by_u = cells.groupby("u")["p"].mean()
    assert by_u.is_monotonic_increasing  # P(talks) grows with u, as built


def test_plots_return_figures_and_draw_into_a_given_axes():
    cells = heatmap_data(grid_points(), "a", "c")
    fig = plot_heatmap(cells)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    cells_text = sorted(t.get_text() for t in ax.texts if "\n" in t.get_text())
    # Each cell: P, its 95% interval, the runs pooled (e.g. a=0, c=1: (1 + 3) / 16 over b).
    assert [t.split("\n")[0] for t in cells_text] == ["12%", "25%", "62%", "75%"]
    lo, hi = wilson_interval(2, 16)
    assert cells_text[0] == f"12%\n{lo:.0%}-{hi:.0%}\nn=16"
    assert ax.get_xlabel() == "a" and ax.get_ylabel() == "c"
    own = Figure()
    target = own.add_subplot()
    assert plot_heatmap(cells, ax=target) is own
    table = pd.DataFrame({"S1": [0.5, 0.1], "S1_conf": [0.05, 0.05], "ST": [0.6, 0.2],
                          "ST_conf": [0.05, 0.05]}, index=pd.Index(["p", "q"], name="parameter"))
    fig = plot_indices(table)
    bars = [p.get_width() for p in fig.axes[0].patches]
    assert sorted(bars) == [0.1, 0.2, 0.5, 0.6]


MORRIS = """\
    name: tiny-morris
    title: A tiny Morris sweep
    scenario: SHORT
    parameters:
      - path: boat_strike_tempo
        range: [0, 4]
      - path: actors.venezuela.cost_tolerance
        name: ve_tolerance
        range: [0.2, 0.8]
    sampler: morris
    samples: 6
    replicates: 20
    seed: 9
"""


@pytest.fixture(scope="module")
def morris_results(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("morris")
    path = tmp / "sweep.yaml"
    path.write_text(textwrap.dedent(MORRIS).replace("SHORT", str(SHORT)), encoding="utf-8")
    return run_sweep(path, out=tmp / "results", workers=2, chunk_runs=60).folder


@pytest.mark.slow
def test_analyze_writes_report_charts_and_tables(morris_results):
    dest = analyze(morris_results.parent)  # results/<sweep>/ finds its latest sweep
    assert dest == morris_results / "analysis"
    names = {p.name for p in dest.iterdir()}
    assert {"heatmap_escalation.png", "heatmap_talks.png", "indices_escalation.png",
            "morris_escalation.csv", "points.csv", "report.md"} <= names
    report = (dest / "report.md").read_text()
    # P(talks) gets indices unless it is the same everywhere, which the report then says.
    constant = "at every design point, so no parameter changes it" in report
    assert ({"morris_talks.csv", "indices_talks.png"} <= names) != constant
    assert report.startswith("# Sweep tiny-morris: A tiny Morris sweep")
    assert "18 design points (morris) x 20 replicates = 360 runs of scenario `short`" in report
    assert "| ve_tolerance | `actors.venezuela.cost_tolerance` | 0.2 to 0.8 |" in report
    assert "has the largest influence on P(escalation) (Morris mu* =" in report
    points = pd.read_csv(dest / "points.csv")
    assert len(points) == 18 and (points["runs"] == 20).all()
    res = SweepResults.load(morris_results)
    total = points[[f"k_{o.label}" for o in OUTCOMES]]
    assert (total.sum(axis=1) == 20).all() and res.complete
    morris = pd.read_csv(dest / "morris_escalation.csv", index_col="parameter")
    assert set(morris.index) == {"boat_strike_tempo", "ve_tolerance"}
    # Strikes drive escalation in this scenario far more than Venezuela's cost tolerance.
    assert morris.loc["boat_strike_tempo", "mu_star"] > morris.loc["ve_tolerance", "mu_star"]
    again = analyze(morris_results, x="ve_tolerance", y="boat_strike_tempo")
    assert "by ve_tolerance and boat_strike_tempo" in (again / "report.md").read_text()
    assert not [p for p in morris_results.iterdir() if p.name.startswith((".partial", ".creating"))]


def test_an_incomplete_sweep_is_reported_as_such(morris_results, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(morris_results, copy)
    shard_path(copy, 2).unlink()
    report = (analyze(copy) / "report.md").read_text()
    assert "**Incomplete:** 300 of 360 runs are finished" in report
    assert "Not computed: the indices need a result at every design point" in report


def dipsim(*args: str) -> subprocess.CompletedProcess:
    """Run the command line as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "sim", *args], check=False,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_analyze_command_line(morris_results, tmp_path):
    ok = dipsim("analyze", str(morris_results))
    assert ok.returncode == 0, ok.stderr
    assert "Sweep tiny-morris: 18 points, 360 runs" in ok.stdout
    assert f"Report: {morris_results / 'analysis' / 'report.md'}" in ok.stdout
    bad = dipsim("analyze", str(tmp_path))
    assert bad.returncode == 2 and "not a sweep results folder" in bad.stderr
    wrong = dipsim("analyze", str(morris_results), "--x", "tempo")
    assert wrong.returncode == 2
    assert "--x: unknown parameter 'tempo'; expected one of: boat_strike_tempo, ve_tolerance" \
        in wrong.stderr


def test_empty_cells_of_a_binned_design_say_no_points_and_wide_ones_are_hatched():
    rng = np.random.default_rng(3)
    u = rng.random((40, 2))
    u[:, 1] = u[:, 1] * 0.5 + (u[:, 0] > 0.5) * 0.5  # v below 0.5 exactly when u is
    points = pd.DataFrame({"point": range(40), "u": u[:, 0], "v": u[:, 1], "runs": 10,
                           "k_talks": (10 * u[:, 0]).astype(int)})
    cells = heatmap_data(points, "u", "v", "talks", bins=4)
    assert len(cells) == 16 and cells["points"].sum() == 40  # every cell, empty or not
    empty = cells[cells["points"] == 0]
    assert len(empty) == 8 and empty["p"].isna().all() and (empty["runs"] == 0).all()
    ax = plot_heatmap(cells).axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("no points") == 8
    hatched = [p for p in ax.patches if p.get_hatch()]
    wide = ((cells["ci_high"] - cells["ci_low"]) > 0.2).sum()
    assert len(hatched) == wide > 0
    assert any("hatched: interval wider than 20%" in t for t in texts)


def test_noise_level_indices_read_not_distinguishable_and_a_small_n_is_flagged():
    # The case: S1 = -0.10 with a half-width of 0.88 at N = 16.
    table = pd.DataFrame({"S1": [-0.10, 0.02], "S1_conf": [0.88, 0.30],
                          "ST": [0.70, 0.30], "ST_conf": [0.60, 0.35]},
                         index=pd.Index(["tempo", "oil"], name="parameter"))
    text = _sensitivity_text(table, "escalation", 16)
    assert "-10%" not in text.split("estimate")[0]  # never "explains -10%"
    assert "Alone, its share of the variance across the design (first-order Sobol index) " \
           "is not distinguishable from 0 (estimate -10%, 95% interval -98% to 78%)" in text
    assert "with its interactions, 70% (95% interval 10% to 100%)" in text
    assert "Not distinguishable from 0, even with interactions: oil." in text
    assert "**Warning: N = 16 is too small to tell the parameters apart**" in text
    # Half-widths shrink as 1/sqrt(N): from 0.88 to 0.05 takes 16 x (0.88 / 0.05)^2 = 4,956,
    # a power of two: 8,192.
    assert "About N = 8,192 (samples in the sweep file)" in text
    rows = _index_table(table)
    assert "| tempo | -0.100 ± 0.880 (≈ 0) | 0.700 ± 0.600 |" in rows
    precise = table.assign(S1=[0.5, 0.2], S1_conf=[0.02, 0.02], ST=[0.6, 0.25],
                           ST_conf=[0.03, 0.03])
    assert "Warning" not in _sensitivity_text(precise, "escalation", 4096)
    assert "50% (95% interval 48% to 52%)" in _sensitivity_text(precise, "escalation", 4096)


def test_the_terminal_and_the_report_come_from_one_reading(morris_results, tmp_path,
                                                             monkeypatch, capsys):
    """A sweep still running adds shards between two readings: read the folder once."""
    import shutil

    from sim.experiments import store
    from sim.ui.sweep_cli import cli_analyze

    copy = tmp_path / "copy"
    shutil.copytree(morris_results, copy)
    held = tmp_path / "held.parquet"
    shutil.move(shard_path(copy, 2), held)
    read = store.read_runs
    calls = []

    def reading_then_a_chunk_lands(folder, columns=None):
        calls.append(folder)
        runs = read(folder, columns)
        if held.exists():
            shutil.move(held, shard_path(copy, 2))  # the sweep finishes a chunk meanwhile
        return runs

    monkeypatch.setattr(store, "read_runs", reading_then_a_chunk_lands)
    monkeypatch.setattr("sim.experiments.analysis.read_runs", reading_then_a_chunk_lands)
    cli_analyze(copy)
    out = capsys.readouterr().out
    report = (copy / "analysis" / "report.md").read_text()
    assert len(calls) == 1
    assert "Sweep tiny-morris: 18 points, 300 runs (incomplete: 300 of 360 runs finished)" \
        in out
    assert "**Incomplete:** 300 of 360 runs are finished" in report
