"""The adaptive sampler: points go where P(outcome) jumps between neighbours, not into noise."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments.adaptive import extended, neighbour_pairs, refine_points
from sim.experiments.design import design_points
from sim.experiments.sweepfile import SweepFile, sweep_problems

SHORT = Path(__file__).resolve().parent / "data" / "sweeps" / "short.yaml"


def spec(levels=(5,), points=2, outcome="escalation", **fields) -> SweepFile:
    params = [{"path": f"x{j}", "range": [0, 1], "levels": n} for j, n in enumerate(levels)]
    return SweepFile.model_validate({
        "name": "t", "parameters": params, "sampler": "adaptive", "replicates": 100,
        "refine": {"outcome": outcome, "points": points, "rounds": 3}, **fields})


def probabilities(design, p_of) -> pd.DataFrame:
    k = [round(100 * p_of(np.asarray(x))) for x in design.x]
    return pd.DataFrame({"point": range(len(design)), "runs": 100, "k_escalation": k})


def test_neighbours_are_adjacent_along_one_parameter_with_the_others_equal():
    x = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [0.5, 0]], dtype=float)
    pairs = sorted(neighbour_pairs(x))
    assert pairs == [(0, 0, 4), (0, 2, 3), (0, 4, 1), (1, 0, 2), (1, 1, 3)]


def test_a_step_is_bisected_and_flat_ground_is_left_alone():
    s = spec()
    design = design_points(s)  # 0, .25, .5, .75, 1
    assert [pt[0] for pt in design.points] == [0.0, 0.25, 0.5, 0.75, 1.0]
    step = probabilities(design, lambda x: float(x[0] > 0.6))
    new = refine_points(s, design, step)
    assert new == [(0.625,)]  # the one jump; nothing else above the noise
    design = extended(design, new)
    # The step is at 0.61: the next round halves the side where the jump now is.
    step = probabilities(design, lambda x: float(x[0] > 0.61))
    assert refine_points(s, design, step) == [(0.5625,)]


def test_jumps_within_the_noise_are_not_refined():
    s = spec()
    design = design_points(s)
    noisy = probabilities(design, lambda x: 0.5 + 0.04 * (x[0] > 0.6))  # 4 points: z < 2
    assert refine_points(s, design, noisy) == []


def test_in_two_dimensions_the_largest_jumps_come_first():
    s = spec(levels=(3, 3), points=3)
    design = design_points(s)
    # P: 0.3 where x1 is high, 0.9 where both are: jumps of 0.9 (x0 = 1, along x1), 0.6
    # (x1 = 1, along x0) and 0.3 (x0 = 0 and 0.5, along x1; the lower point first).
    new = refine_points(s, design, probabilities(
        design, lambda x: 0.6 * (x[0] > 0.6) * (x[1] > 0.6) + 0.3 * (x[1] > 0.6)))
    assert new == [(1.0, 0.75), (0.75, 1.0), (0.0, 0.75)]


def test_adaptive_sweep_files_are_checked():
    bad = SweepFile.model_validate({"name": "t", "sampler": "adaptive", "parameters": [
        {"path": "x", "values": [1, 2]}], "refine": {"outcome": "war"}})
    messages = [m for _, m in sweep_problems(bad)]
    assert any("needs 'range: [low, high]' and 'levels'" in m for m in messages)
    assert any("unknown outcome 'war'" in m for m in messages)
    grid = SweepFile.model_validate({"name": "t", "parameters": [
        {"path": "x", "range": [0, 1], "levels": 3}], "refine": {"rounds": 2}})
    assert any("'refine' is for the adaptive sampler" in m for _, m in sweep_problems(grid))


@pytest.mark.slow
def test_an_adaptive_sweep_runs_its_rounds_stores_them_and_resumes(tmp_path):
    from sim.experiments.analysis import SweepResults
    from sim.experiments.analysis_report import analyze
    from sim.experiments.sweep import run_sweep

    path = tmp_path / "adaptive.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: adaptive
        scenario: {SHORT}
        parameters:
          - path: boat_strike_tempo
            range: [0, 4]
            levels: 3
        sampler: adaptive
        refine: {{outcome: escalation, rounds: 2, points: 2}}
        replicates: 40
        seed: 3
        """))
    first = run_sweep(path, out=tmp_path / "out", workers=2, chunk_runs=50)
    design = pd.read_parquet(first.folder / "design.parquet")
    manifest = json.loads((first.folder / "manifest.json").read_text())
    assert design["round"].iloc[:3].tolist() == [0, 0, 0]
    assert len(design) == manifest["points"] and manifest["runs"] == 40 * len(design)
    assert first.complete and first.runs == 40 * len(design)
    assert 3 < len(design) <= 7 and manifest["rounds"] >= 1
    again = run_sweep(path, out=tmp_path / "out", workers=1, chunk_runs=50)
    assert again.chunks_run == 0 and again.folder == first.folder and again.complete
    res = SweepResults.load(first.folder)
    assert (res.points["runs"] == 40).all()
    report = (analyze(first.folder) / "report.md").read_text()
    assert "Adaptive design: a first grid, then" in report
    assert (first.folder / "analysis" / "profile_escalation.png").is_file()
