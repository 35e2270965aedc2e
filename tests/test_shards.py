"""A chunk split over processes: the same run, bit for bit, and failures reported."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest

import sim
from sim.engine import shards
from sim.engine.ensemble import run_ensemble, run_replicates
from sim.model.model import DiplomacyModel
from sim.output.rundata import RunData
from sim.scenario.load import with_overrides
from tests.conftest import DEFAULT

pytestmark = pytest.mark.skipif(not shards.can_fork(), reason="runs are split on Linux only")


@pytest.fixture
def small_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split models of a few hundred replicates, so the tests stay quick.

    A run splits only in a process with no other thread: a thread an earlier test left
    behind would make these tests fail for a reason they do not name, so it is named here.
    """
    monkeypatch.setattr(shards, "MIN_SHARE", 50)
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    for t in others:
        t.join(timeout=5)
    alive = [t.name for t in others if t.is_alive()]
    assert not alive, f"threads left by earlier tests keep runs from forking: {alive}"


def _run(workers: int, *overrides: str, on_day=None) -> RunData:
    return run_replicates(with_overrides(DEFAULT, list(overrides)), 300, 5, workers=workers,
                          narrate=True, trace_replicates=150, band_replicates=250,
                          on_day=on_day)


def _assert_same(one: RunData, split: RunData) -> None:
    """The same results: every run-table column, trace, band trace and the story."""
    assert one.trace.shape == split.trace.shape and one.band_trace.shape == split.band_trace.shape
    assert np.array_equal(one.trace, split.trace, equal_nan=True)
    assert np.array_equal(one.band_trace, split.band_trace, equal_nan=True)
    assert one.runs.keys() == split.runs.keys()
    for key in one.runs:
        assert np.array_equal(one.runs[key], split.runs[key], equal_nan=True), key
    assert (one.firings, one.turning_points, one.decisions) == (
        split.firings, split.turning_points, split.decisions)
    assert one.decisions  # replicate 0's story is told by the first share


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
    one = _run(1)
    assert not forked
    _assert_same(one, _run(3))
    assert len(forked) == 2


def test_shares_that_stop_on_different_days_join_into_the_same_run(small_shares):
    """Every replicate escalates early; each share stops when its last one does."""
    one = _run(1, "escalation.threshold=0.3")
    day = one.runs["outcome_day"]
    stops = [int(day[lo:hi].max()) + 1 for lo, hi in shards.bounds(300, 3)]
    assert len(set(stops)) == 3 and max(stops) < DEFAULT.horizon_days
    _assert_same(one, _run(3, "escalation.threshold=0.3"))


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
    folders = [sim.run(DEFAULT, runs=300, seed=3, workers=w).save(tmp_path / str(w), charts=False,
                                                               command=["test"])
               for w in (1, 3)]
    assert len(forked) == 2
    for name in ("runs.parquet", "steps.parquet", "bands.parquet", "summary.json",
                 "narrative.md", "README.md"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name


def test_no_child_process_is_left_behind(small_shares, forked):
    _run(3)
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
        _run(2)


def test_a_killed_share_is_reported(small_shares, monkeypatch):
    step = DiplomacyModel.step

    def killed(self):
        if self.first_replicate > 0:
            os.kill(os.getpid(), signal.SIGKILL)
        step(self)

    monkeypatch.setattr(DiplomacyModel, "step", killed)
    with pytest.raises(RuntimeError, match=r"without writing its results.*signal 9"):
        _run(2)


def test_an_interrupted_run_ends_its_children(small_shares, forked):
    def interrupt(day: int) -> None:
        if day == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(3, on_day=interrupt)
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
        run_ensemble(DEFAULT, runs=2, workers=0)
