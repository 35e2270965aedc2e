"""A run split over processes: the same model, bit for bit, and failures reported."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest

import sim
from sim.engine import shards
from sim.model.model import DiplomacyModel
from sim.output.results import RunData

#: Live state (moving on in decided replicates until their model stops).
LIVE = ("hostility", "pain", "adaptation", "resolve", "commitment", "signal", "readiness",
        "conceded", "reservation", "surplus", "offer_values", "aspiration", "talks_days",
        "in_talks", "cc_index", "pending_", "actions")

pytestmark = pytest.mark.skipif(not shards.can_fork(), reason="runs are split on Linux only")


@pytest.fixture
def small_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split models of a few hundred replicates, so the tests stay quick."""
    monkeypatch.setattr(shards, "MIN_SHARE", 50)


def _model(workers: int, *overrides: str) -> DiplomacyModel:
    return DiplomacyModel(None, n_replicates=300, rng=5, workers=workers, narrate=True,
                          trace_replicates=150, band_replicates=250,
                          overrides=list(overrides))


def _assert_same(one: DiplomacyModel, split: DiplomacyModel, live: bool = True) -> None:
    """The same model; ``live``: every array, else only results (as a share that stopped
    early leaves its decided replicates' live state, which is not a result, behind)."""
    assert one.trace.shape == split.trace.shape and one.band_trace.shape == split.band_trace.shape
    assert np.array_equal(one.trace, split.trace, equal_nan=True)
    assert np.array_equal(one.band_trace, split.band_trace, equal_nan=True)
    for name, value in vars(one).items():
        if isinstance(value, np.ndarray) and (live or not name.startswith(LIVE)):
            other = getattr(split, name)
            assert other.shape == value.shape, name
            # Day-by-day logs: the days after the stop are never written or read.
            days = one.day if name in ("_action_log", "_trace_offers", "_band_offers") else None
            assert np.array_equal(value[:days], other[:days], equal_nan=True), name
    for name, value in one.final.items():
        assert np.array_equal(value, split.final[name]), name
    assert np.array_equal(one.action_counts, split.action_counts)
    assert (one.n, one.first_replicate, one.trace_n, one.band_n, one.day, one.running) == (
        split.n, split.first_replicate, split.trace_n, split.band_n, split.day, split.running)
    a, b = RunData.from_model(one), RunData.from_model(split)
    assert a.runs.keys() == b.runs.keys()
    for key in a.runs:
        assert np.array_equal(a.runs[key], b.runs[key], equal_nan=True), key
    assert (a.firings, a.turning_points, a.decisions) == (b.firings, b.turning_points,
                                                          b.decisions)
    assert a.decisions  # replicate 0's story is told by the first share


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The process ids of the children forked (in the parent)."""
    pids: list[int] = []
    fork = os.fork

    def recording() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording)
    return pids


def test_a_run_split_in_three_is_the_run_in_one_process(small_shares, forked):
    assert shards.bounds(300, 3) == [(0, 100), (100, 200), (200, 300)]
    one = _model(1).run()
    assert not forked
    _assert_same(one, _model(3).run())
    assert len(forked) == 2


def test_shares_that_stop_on_different_days_join_into_the_same_run(small_shares):
    """Every replicate escalates early; each share stops when its last one does."""
    one = _model(1, "escalation.threshold=0.3").run()
    stops = [int(one.outcome_day[lo:hi].max()) + 1 for lo, hi in shards.bounds(300, 3)]
    assert len(set(stops)) == 3 and one.day == max(stops) < one.horizon
    split = _model(3, "escalation.threshold=0.3").run()
    _assert_same(one, split, live=False)
    with pytest.raises(RuntimeError, match="split over processes"):
        split.step()


def _all_reaped(pids: list[int]) -> bool:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def test_results_files_are_the_same_bytes_whatever_the_processes(small_shares, forked,
                                                                 tmp_path):
    folders = [sim.run(None, runs=300, seed=3, workers=w).save(tmp_path / str(w), charts=False,
                                                               command=["test"])
               for w in (1, 3)]
    assert len(forked) == 2
    for name in ("runs.parquet", "steps.parquet", "bands.parquet", "summary.json",
                 "narrative.md"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name


def test_no_child_process_is_left_behind(small_shares, forked):
    _model(3).run()
    assert len(forked) == 2 and _all_reaped(forked)


def test_a_failing_share_is_reported(small_shares, monkeypatch):
    step = DiplomacyModel.step

    def failing(self):
        if self.first_replicate > 0 and self.day == 3:
            raise ValueError("bad day")
        step(self)

    monkeypatch.setattr(DiplomacyModel, "step", failing)
    with pytest.raises(RuntimeError,
                       match=r"(?s)replicates \d+ to 299 failed:.*ValueError: bad day"):
        _model(2).run()


def test_a_killed_share_is_reported(small_shares, monkeypatch):
    step = DiplomacyModel.step

    def killed(self):
        if self.first_replicate > 0:
            os.kill(os.getpid(), signal.SIGKILL)
        step(self)

    monkeypatch.setattr(DiplomacyModel, "step", killed)
    with pytest.raises(RuntimeError, match=r"without writing its results.*signal 9"):
        _model(2).run()


def test_an_interrupted_run_ends_its_children(small_shares, forked):
    def interrupt(day: int) -> None:
        if day == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _model(3).run(interrupt)
    assert len(forked) == 2 and _all_reaped(forked)


def test_shares_need_enough_replicates_and_no_other_thread():
    n = 2 * shards.MIN_SHARE
    assert shards.bounds(n, 2) == [(0, n // 2), (n // 2, n)]
    assert shards.bounds(n - 1, 2) == [(0, n - 1)]
    assert shards.bounds(n, 1) == [(0, n)]
    # Recording the first replicates costs more: their share gets fewer.
    assert shards.bounds(10_000, 2, [(200, 1.5), (2_000, 0.15)]) == [(0, 4_700),
                                                                     (4_700, 10_000)]
    assert shards.bounds(12_000, 3, [(12_000, 1.0)]) == [(0, 4_000), (4_000, 8_000),
                                                        (8_000, 12_000)]
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert shards.bounds(n, 2) == [(0, n)]
    finally:
        release.set()
        other.join()


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match="workers must be at least 1"):
        DiplomacyModel(None, workers=0)
