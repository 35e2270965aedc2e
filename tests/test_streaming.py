"""A run streamed to disk: the same folder as a run held in memory, with memory flat in runs.

``dipsim run`` writes ``runs.parquet`` chunk by chunk into its temporary folder and keeps
only the run table's key columns (sim.output.runtable). Before, every replicate's row of
about 40 numbers stayed in memory, and was copied when chunks were joined and when the
table was written: 1M runs peaked at 2.08 GB. benchmarks/memory.py measures the process;
here the allocations are counted with tracemalloc (numpy reports its arrays to it), which
is exact and does not depend on the machine's speed.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim.output.results import save_while_running
from sim.output.runtable import KEY_COLUMNS, key_columns
from tests.conftest import ROOT

SCENARIO = ROOT / "tests" / "data" / "corpus-base.yaml"


@pytest.mark.slow
def test_a_streamed_run_writes_the_same_folder_as_a_run_in_memory(tmp_path):
    scn = sim.load_scenario(SCENARIO)
    held = sim.run(scn, runs=2500, seed=3, chunk=700)
    a = held.save(tmp_path / "a", charts=False)
    streamed, b = save_while_running(
        tmp_path / "b", scn,
        lambda path: sim.run(scn, runs=2500, seed=3, chunk=700, runs_file=path),
        charts=False)
    for name in ("runs.parquet", "steps.parquet", "bands.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))
    for name in ("summary.json", "narrative.md", "scenario.yaml"):
        assert (a / name).read_text() == (b / name).read_text(), name
    assert pq.ParquetFile(b / "runs.parquet").num_row_groups == 4  # one per chunk
    # Only the key columns stay in memory, in compact types; the rest is on disk.
    assert set(streamed.data.runs) == set(key_columns(held.data.runs))
    assert set(KEY_COLUMNS) <= set(streamed.data.runs)
    assert streamed.data.runs["outcome"].dtype == np.int8
    pd.testing.assert_frame_equal(streamed.probabilities(), held.probabilities())
    pd.testing.assert_frame_equal(streamed.timing(), held.timing())
    pd.testing.assert_frame_equal(streamed.runs, held.runs)
    assert json.loads((b / "manifest.json").read_text())["runs"] == 2500


def test_no_escalation_cause_is_null_not_an_empty_label():
    runs = sim.run(SCENARIO, runs=300, seed=3).runs
    cause = runs["escalation_cause"]
    assert "" not in cause.cat.categories
    assert (cause.isna() == (runs["outcome"] != "escalation")).all()


def _peak_bytes(runs: int, tmp_path) -> int:
    scn = sim.load_scenario(SCENARIO)
    tracemalloc.start()
    try:
        save_while_running(tmp_path / str(runs), scn,
                           lambda path: sim.run(scn, runs=runs, seed=1, chunk=2_000,
                                                workers=1, runs_file=path),
                           charts=False)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_memory_stays_flat_in_the_number_of_runs(tmp_path):
    small, large = _peak_bytes(4_000, tmp_path), _peak_bytes(12_000, tmp_path)
    # 8,000 more runs may add the key columns (about 50 bytes a run in memory, and the
    # summary's table of them) but not the whole table (about 320 bytes a run, copied
    # when chunks were joined and when the file was written: about 1 KB a run before).
    per_run = (large - small) / 8_000
    assert per_run < 200, f"{per_run:.0f} bytes more per run"
