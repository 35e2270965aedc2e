"""Results: tables, summary, the results folder, reproducibility and the Python API."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.stats

import sim
from sim.engine.ensemble import run_ensemble
from sim.output.results import Results, wilson_interval
from tests.conftest import DEFAULT, ROOT, SCENARIOS

GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="module")
def small() -> Results:
    return sim.run(None, runs=120, seed=5)


def test_wilson_interval_matches_scipy():
    for k, n in ((0, 10), (3, 10), (50, 100), (999, 1000), (1000, 1000)):
        lo, hi = wilson_interval(k, n)
        ci = scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert float(lo) == pytest.approx(ci.low, abs=1e-12)
        assert float(hi) == pytest.approx(ci.high, abs=1e-12)


def test_run_table_and_probabilities(small):
    runs = small.runs
    assert len(runs) == 120 and list(runs["replicate"]) == list(range(120))
    p = small.probabilities()
    assert p["probability"].sum() == pytest.approx(1.0)
    assert ((p["ci_low"] <= p["probability"]) & (p["probability"] <= p["ci_high"])).all()
    # Terms exist where the bargain at the table closed, and only there; it is a deal.
    terms = runs[["deal_drugs", "deal_oil", "deal_migration"]].notna()
    assert (terms.all(axis=1) == terms.any(axis=1)).all()
    assert runs.loc[terms.any(axis=1), "deal_day"].notna().all()
    assert runs.loc[runs["outcome"] == "stalemate", "outcome_day"].isna().all()
    assert runs.loc[runs["outcome"] != "stalemate", "outcome_day"].notna().all()
    escalated = runs["outcome"].isin(["escalation", "leader_removed"])
    assert (runs.loc[escalated, "escalation_day"] <= runs.loc[escalated, "outcome_day"]).all()
    talks = runs["outcome"] == "talks"
    assert (runs.loc[talks, "outcome_day"] == runs.loc[talks, "talks_day"]).all()


def test_steps_and_bands(small):
    steps = small.steps
    days = small.scenario.horizon_days
    assert len(steps) == 120 * days
    assert steps.groupby("replicate")["day"].apply(list).map(lambda d: d == list(range(days))
                                                             ).all()
    bands = small.band("hostility_venezuela")
    assert len(bands) == days
    assert (bands["q05"] <= bands["q25"]).all() and (bands["q75"] <= bands["q95"]).all()
    # The bands are taken over the runs still going on: not after a leader's removal.
    ended = small.runs.set_index("replicate")
    ended = ended.loc[ended["outcome"] == "leader_removed", "outcome_day"]
    going = ~(steps["day"] > steps["replicate"].map(ended).fillna(days).astype(int))
    median = steps[going].groupby("day")["hostility_venezuela"].median().to_numpy()
    np.testing.assert_allclose(bands["q50"].to_numpy(), median, rtol=1e-6)
    assert (bands["runs_in_play"].to_numpy() == going.groupby(steps["day"]).sum()).all()
    assert len(ended) and bands["runs_in_play"].iloc[-1] < 120  # the test can see it


@pytest.mark.slow
def test_same_seed_same_results_and_chunking_does_not_matter():
    a = sim.run(None, runs=50, seed=9)
    b = sim.run(None, runs=50, seed=9, chunk=7)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.steps, b.steps)
    c = sim.run(None, runs=50, seed=10)
    assert not a.runs["final_hostility_venezuela"].equals(c.runs["final_hostility_venezuela"])


def test_levers_and_overrides_in_the_python_api():
    scn = sim.load_scenario("caribbean-2025")
    a = sim.run(scn, runs=20, seed=1, us_salience_oil=0.4, talks__threshold=0.6)
    assert a.scenario.actors.us.salience.oil == 0.4 and a.scenario.talks.threshold == 0.6
    b = sim.run("caribbean-2025", runs=20, seed=1,
                overrides=["actors.us.salience.oil=0.4", "talks.threshold=0.6"])
    pd.testing.assert_frame_equal(a.runs, b.runs)


def test_save_writes_every_file_and_never_overwrites(small, tmp_path):
    first = small.save(tmp_path, charts=False, command=["test"])
    second = small.save(tmp_path, charts=False, command=["test"])
    assert first != second and first.parent == second.parent == tmp_path / "caribbean-2025"
    names = {p.name for p in first.iterdir()}
    assert names == {"scenario.yaml", "manifest.json", "runs.parquet", "steps.parquet",
                     "bands.parquet", "summary.json", "narrative.md", "README.md",
                     "report.html"}
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["runs"] == 120
    assert set(manifest["files"]) == names - {"manifest.json"}
    assert manifest["libraries"]["mesa"].startswith("3.")
    # Same seed, same bytes.
    for name in ("runs.parquet", "steps.parquet", "bands.parquet", "summary.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert not [p for p in (tmp_path / "caribbean-2025").iterdir() if p.name.startswith(".")]


def test_resolved_scenario_reproduces_the_run(small, tmp_path):
    folder = small.save(tmp_path, charts=False)
    again = sim.run(folder / "scenario.yaml", runs=120, seed=5)
    pd.testing.assert_frame_equal(small.runs, again.runs)


def test_a_failed_save_leaves_no_folder(small, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    import pyarrow.parquet as pq

    monkeypatch.setattr(pq, "write_table", boom)
    with pytest.raises(OSError, match="No space"):
        small.save(tmp_path, charts=False)
    assert list((tmp_path / "caribbean-2025").iterdir()) == []


@pytest.mark.slow
def test_charts_are_drawn(small, tmp_path):
    from sim.output import charts

    paths = charts.save_all(small, tmp_path)
    assert [p.name for p in paths] == ["path.png", "offers.png", "hostility.png",
                                       "outcomes.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 20_000
    fig = small.plot("path")
    assert fig.axes[0].get_title().startswith(small.scenario.title)
    labels = [t.get_text() for t in fig.axes[1].texts]  # the strip of pressures
    assert "first boat strike" in labels and "dock strike" in labels


def test_golden_run_table():
    """A small run of the default scenario, compared with the stored table."""
    res = run_ensemble(DEFAULT, runs=12, seed=2025)
    got = res.runs[["replicate", "outcome", "outcome_day", "talks_day", "final_casualties",
                    "final_hostility_us", "final_hostility_venezuela",
                    "final_readiness_venezuela"]].copy()
    got["outcome"] = got["outcome"].astype(str)
    expected = pd.read_csv(GOLDEN / "caribbean-2025-runs.csv", dtype={"outcome_day": "Int64",
                                                                       "talks_day": "Int64"})
    pd.testing.assert_frame_equal(got.round(9).reset_index(drop=True),
                                  expected.round(9), check_dtype=False)


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_library_scenario_runs_with_sane_output(path):
    res = sim.run(path, runs=200, seed=3)
    p = res.probabilities()
    assert p["probability"].sum() == pytest.approx(1.0)
    steps = res.steps
    num = steps.select_dtypes("number")
    assert np.isfinite(num.to_numpy(float)).all()
    for col in [c for c in steps if c.startswith(("readiness_", "pain_", "offer_"))]:
        assert steps[col].between(0, 1).all(), col
    assert (steps[["hostility_us", "hostility_venezuela"]] >= 0).all().all()
    # Every library scenario shows some variety: runs do not all end the same way on the
    # same day (under model v2 some end the same way, on different days).
    ends = res.runs[["outcome", "outcome_day"]].astype(str).drop_duplicates()
    assert len(ends) >= 2


@pytest.mark.slow
def test_the_pressure_strip_is_drawn_in_a_few_artists_whatever_the_pressures(tmp_path):
    """One artist per pressure took 78 s with 5,000 pressures: the strip is collections."""
    import datetime as dt

    import yaml

    from sim.output.path_chart import MAX_NAMED_PRESSURES, path_chart

    data = yaml.safe_load((ROOT / "scenarios" / "caribbean-2025.yaml").read_text())
    start = dt.date.fromisoformat(str(data["start"]))

    def day(k: int) -> str:
        return (start + dt.timedelta(days=k)).isoformat()

    data["pressures"] = [
        {"id": f"s{i}", "type": "boat_strike", "sender": "us", "target": "venezuela",
         "at": day(i % 240), "deaths": 1} if i % 2 else
        {"id": f"t{i}", "type": "financial_sanctions", "sender": "us", "target": "venezuela",
         "start": day(i % 200), "until": day(i % 200 + 30), "intensity": 0.01}
        for i in range(1000)]
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    def artists(results) -> int:
        strip = path_chart(results).axes[-1]  # the strip of pressures under the path
        return len(strip.lines) + len(strip.texts) + len(strip.collections) + len(
            strip.patches)

    few = sim.run(ROOT / "scenarios" / "caribbean-2025.yaml", runs=20, seed=1)
    many = sim.run(path, runs=20, seed=1)
    assert len(many.scenario.pressures) == 1000 > MAX_NAMED_PRESSURES
    # The default scenario names its 15 pressures; 1,000 are drawn, unnamed, in as few.
    assert artists(many) <= artists(few)
    assert "1,000 of them, too many to name" in path_chart(many).axes[-1].get_title("left")
