"""docs/sweeps.md's polars recipe: shards and design scanned lazily, joined on point.

polars is in the test extra (CI installs it); without it this is skipped.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

SHORT = Path(__file__).resolve().parent / "data" / "sweeps" / "short.yaml"

#: Slow tier: these start processes or optional packages (pytest -m "not slow" skips them).
pytestmark = pytest.mark.slow


def test_the_documented_polars_recipe_gives_the_analysis_probabilities(tmp_path):
    pl = pytest.importorskip("polars", reason="polars is not installed (the test extra has it)")
    from sim.experiments.analysis import SweepResults
    from sim.experiments.sweep import run_sweep

    path = tmp_path / "sweep.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: polars
        scenario: {SHORT}
        parameters:
          - path: boat_strike_tempo
            values: [0.0, 2.0, 4.0]
        replicates: 20
        seed: 3
        """))
    folder = run_sweep(path, out=tmp_path / "out", workers=1, chunk_runs=25).folder
    # The recipe of docs/sweeps.md, "Reading results with polars".
    runs = pl.scan_parquet(f"{folder}/shards/*.parquet")
    design = pl.scan_parquet(f"{folder}/design.parquet")
    p = (runs.filter(pl.col("error").is_null())
         .join(design, on="point")
         .group_by("boat_strike_tempo")
         .agg(pl.len().alias("runs"),
              (pl.col("outcome") == "escalation").mean().alias("p_escalation"),
              pl.col("talks_day").is_not_null().mean().alias("p_reached_talks"))
         .sort("boat_strike_tempo")
         .collect())
    points = SweepResults.load(folder).points.sort_values("boat_strike_tempo")
    assert p["runs"].to_list() == points["runs"].tolist() == [20, 20, 20]
    np.testing.assert_allclose(p["p_escalation"].to_numpy(), points["p_escalation"])
    np.testing.assert_allclose(p["p_reached_talks"].to_numpy(), points["p_reached_talks"])
