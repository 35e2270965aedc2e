"""Nothing lost: runs killed at random moments, full disks, unwritable folders, reruns.

``dipsim run`` is started as a user starts it (a subprocess) and stopped with SIGINT
(Ctrl-C), SIGTERM or SIGKILL at moments drawn from a seeded generator, some of them timed to
land while the results folder is being written. Afterwards the results root may hold only
complete results folders (every file present and matching the manifest's checksum) and, after
SIGKILL only, hidden ``.partial-*`` folders that the next run removes. A full disk (the
child's file-size limit) or an unwritable ``--out`` must give a clear message and exit 1 or 2
(2 when found before the run) with no folder presented as complete, and a second run must
never overwrite the first.
Killed sweeps must keep only complete shards and resume to the same table as an uninterrupted
sweep.
"""

from __future__ import annotations

import fcntl
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.output.storage import (
    CREATING_PREFIX,
    PARTIAL_PREFIX,
    clean_stale_partials,
    verify_folder,
)
from tests.conftest import ROOT

#: Every test here starts processes and stops them with signals, or fills a disk.
pytestmark = pytest.mark.slow

SCENARIO = ROOT / "tests" / "data" / "corpus-base.yaml"
NAME = "corpus-base"
TABLES = {"scenario.yaml", "manifest.json", "runs.parquet", "steps.parquet", "bands.parquet",
          "summary.json", "narrative.md", "README.md", "report.html"}
CHARTS = {"path.png", "offers.png", "hostility.png", "outcomes.png"}
#: Kill trials per signal, half of them timed to land while the folder is written
#: (DIPSIM_KILL_TRIALS=N multiplies them for a longer hunt).
TRIALS = {signal.SIGINT: 2, signal.SIGTERM: 2, signal.SIGKILL: 4}
SCALE = int(os.environ.get("DIPSIM_KILL_TRIALS", "1"))
def command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", "run", str(SCENARIO), "--runs", "200", "--seed", "3",
            "--out", str(out), *extra]


def start(out: Path, *extra: str, preexec=None) -> subprocess.Popen:
    def setup():
        # A test runner started in the background may ignore SIGINT; a user's shell does not.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if preexec is not None:
            preexec()

    # preexec_fn: the child's signal dispositions and limits must be set before exec.
    return subprocess.Popen(command(out, *extra), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=setup)  # noqa: PLW1509


def results_in(out: Path) -> tuple[list[Path], list[Path]]:
    """(visible entries, hidden temporary folders) under out/<scenario>/."""
    parent = out / NAME
    if not parent.exists():
        return [], []
    entries = sorted(parent.iterdir())
    hidden = [p for p in entries if p.name.startswith((PARTIAL_PREFIX, CREATING_PREFIX))]
    return [p for p in entries if not p.name.startswith(".")], hidden


def assert_only_complete_folders(out: Path) -> list[Path]:
    visible, _ = results_in(out)
    for folder in visible:
        assert folder.is_dir(), f"{folder} is not a results folder"
        assert {p.name for p in folder.iterdir()} in (TABLES, TABLES | CHARTS), folder
        assert verify_folder(folder) == [], folder
    return visible


def wait_for_partial(out: Path, proc: subprocess.Popen, limit: float = 60) -> bool:
    """Wait until the run starts writing its results folder (or ends)."""
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if results_in(out)[1]:
            return True
        time.sleep(0.005)
    return False


def kill_at(out: Path, sig: int, rng: random.Random, while_saving: bool
            ) -> subprocess.CompletedProcess:
    proc = start(out)
    if while_saving:
        wait_for_partial(out, proc)
        time.sleep(rng.uniform(0.0, 1.2))
    else:
        time.sleep(rng.uniform(0.2, 3.5))
    if proc.poll() is None:
        proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
                         ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_a_run_stopped_at_any_moment_leaves_a_complete_folder_or_none(tmp_path, sig):
    rng = random.Random(f"kill-{sig}")
    out = tmp_path / "results"
    complete_before: dict[Path, list[str]] = {}
    for trial in range(TRIALS[sig] * SCALE):
        r = kill_at(out, sig, rng, while_saving=trial % 2 == 1)
        visible = assert_only_complete_folders(out)
        assert "Traceback" not in r.stderr
        if r.returncode == 0 or (r.returncode == -sig and "Results: " in r.stdout):
            # It finished before the signal (or the signal came while Python was shutting
            # down, its handlers already restored).
            assert f"Results: {out / NAME}" in r.stdout
        elif sig == signal.SIGKILL:
            assert r.returncode == -signal.SIGKILL
        else:
            assert r.returncode == 128 + sig, r.stderr
            assert f"stopped by {signal.Signals(sig).name}" in r.stderr
            # Caught signals unwind: the temporary folder is removed on the way out.
            assert results_in(out)[1] == []
        # No earlier folder was touched.
        for folder, digest in complete_before.items():
            assert verify_folder(folder) == [] and sorted(os.listdir(folder)) == digest
        complete_before = {f: sorted(os.listdir(f)) for f in visible}
    # The next run cleans what killed runs left and adds its own folder beside the others.
    before = set(assert_only_complete_folders(out))
    r = subprocess.run(command(out, "--no-charts", "--runs", "5"), capture_output=True,
                       text=True, check=False, timeout=120)
    assert r.returncode == 0, r.stderr
    visible, hidden = results_in(out)
    assert hidden == [], "stale temporary folders of killed runs are removed"
    assert before < set(visible) and len(visible) == len(before) + 1


def test_stale_partial_folders_are_removed_only_when_abandoned(tmp_path):
    parent = tmp_path / NAME
    parent.mkdir()
    abandoned = parent / f"{PARTIAL_PREFIX}abandoned"
    abandoned.mkdir()
    (abandoned / "runs.parquet").write_bytes(b"PAR1 truncated")
    live = parent / f"{PARTIAL_PREFIX}live"
    live.mkdir()
    young = parent / f"{CREATING_PREFIX}young"
    young.mkdir()
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a run still writing holds this lock
    try:
        removed = clean_stale_partials(parent)
    finally:
        os.close(fd)
    assert removed == [abandoned]
    assert not abandoned.exists() and live.exists() and young.exists()
    os.utime(young, (time.time() - 3600, time.time() - 3600))
    assert set(clean_stale_partials(parent)) == {live, young}


def test_two_runs_at_once_and_a_rerun_never_overwrite(tmp_path):
    out = tmp_path / "results"
    procs = [start(out, "--no-charts") for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    first = assert_only_complete_folders(out)
    assert len(first) == 2
    # Same scenario, runs and seed in two processes at once: the same bytes.
    for name in ("runs.parquet", "steps.parquet", "bands.parquet", "summary.json"):
        assert (first[0] / name).read_bytes() == (first[1] / name).read_bytes(), name
    stamps = {f: (f / "manifest.json").read_bytes() for f in first}
    r = subprocess.run(command(out, "--no-charts"), capture_output=True, text=True,
                       check=False, timeout=120)
    assert r.returncode == 0
    after = assert_only_complete_folders(out)
    assert len(after) == 3
    for f, manifest in stamps.items():
        assert (f / "manifest.json").read_bytes() == manifest


def _file_size_limit(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("limit", [1, 5_000, 60_000, 250_000])
def test_a_full_disk_fails_clearly_and_leaves_nothing(tmp_path, limit):
    out = tmp_path / "results"
    proc = start(out, preexec=_file_size_limit(limit))
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert "cannot write results" in stderr and str(out / NAME) in stderr
    assert "File too large" in stderr
    assert "Traceback" not in stderr
    visible, hidden = results_in(out)
    assert visible == [] and hidden == []


def test_a_real_full_file_system_if_one_can_be_mounted(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = os.geteuid() == 0 and shutil.which("mount") and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)],
        capture_output=True, check=False).returncode == 0
    if not mounted:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        r = subprocess.run(command(disk), capture_output=True, text=True, check=False,
                           timeout=120)
        assert r.returncode == 1, r.stderr
        assert "No space left on device" in r.stderr and "Traceback" not in r.stderr
        visible, hidden = results_in(disk)
        assert visible == [] and hidden == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_an_unwritable_out_fails_before_the_run(locked_folder):
    started = time.perf_counter()
    r = subprocess.run(command(locked_folder / "results"), capture_output=True, text=True,
                       check=False, timeout=120)
    assert r.returncode == 2, r.stderr  # found before any work: bad input
    assert f"--out: cannot write results ({locked_folder}): Permission denied" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert time.perf_counter() - started < 15, "it fails before simulating"
    assert list(locked_folder.iterdir()) == []


def test_out_inside_a_file_and_a_name_cannot_escape(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = subprocess.run(command(f / "results"), capture_output=True, text=True, check=False,
                       timeout=120)
    assert r.returncode == 2 and f"cannot write results ({f}): not a folder" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run(command(tmp_path / "out", "--set", "name=../../escaped"),
                       capture_output=True, text=True, check=False, timeout=120)
    assert r.returncode == 2 and "name: expected a short lowercase name" in r.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "escaped").exists()


def test_save_refuses_a_name_that_is_not_a_slug(tmp_path):
    import sim

    results = sim.run(SCENARIO, runs=2, seed=1)
    bad = results.scenario.model_copy(update={"name": "../escaped"})
    results.scenario = bad
    with pytest.raises(ValueError, match="not a safe folder name"):
        results.save(tmp_path / "out", charts=False)
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------ sweeps

def driver_tracebacks(stderr: str) -> list[str]:
    """Every traceback in ``stderr``: the driver, the fork server and the workers all print
    none (the pool's processes ignore SIGINT and leave Ctrl-C to the driver)."""
    return stderr.split("Traceback (most recent call last):")[1:]


def assert_only_complete_shards(out: Path) -> None:
    import pyarrow.parquet as pq

    for folder in out.glob("stopped/*"):
        if folder.name.startswith("."):
            continue  # a folder still being created: never read as results
        for shard in (folder / "shards").glob("chunk-*.parquet"):
            assert pq.read_metadata(shard).num_rows == 4, shard  # 4 runs per chunk


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    """The sweep file, and its run table from an uninterrupted run."""
    from sim.experiments.store import read_runs
    from sim.experiments.sweep import run_sweep

    folder = tmp_path_factory.mktemp("sweep")
    path = ROOT / "tests" / "data" / "sweeps" / "stopped.yaml"
    reference = run_sweep(path, out=folder / "reference", workers=1, chunk_runs=30)
    return path, read_runs(reference.folder)


# SIGINT once chunks are being written (Ctrl-C while the worker pool is still starting can
# interrupt multiprocessing's forkserver while it imports, which prints its own traceback:
# a fault of the pool's start-up in sim/sweep.py, not of the results); SIGKILL early, while
# the sweep folder is being created or the first chunks run.
@pytest.mark.parametrize(("sig", "window"), [(signal.SIGINT, (0.0, 1.0)),
                                             (signal.SIGKILL, (0.3, 1.2))],
                         ids=["SIGINT", "SIGKILL-early"])
def test_a_stopped_sweep_keeps_only_complete_shards_and_resumes(tmp_path, sweep_file, sig,
                                                               window):
    import pandas as pd

    from sim.experiments.store import read_runs

    path, reference = sweep_file
    out = tmp_path / "out"
    args = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out),
            "--workers", "1", "--chunk-runs", "4"]
    # Ctrl-C reaches the whole foreground process group: the driver and its workers.
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    if sig == signal.SIGINT:
        deadline = time.monotonic() + 60
        while not list(out.glob("stopped/*/shards/chunk-*")) and time.monotonic() < deadline:
            time.sleep(0.01)
    time.sleep(random.Random(f"sweep-{sig}").uniform(*window))
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    _, stderr = proc.communicate(timeout=60)
    assert not driver_tracebacks(stderr), stderr
    if sig == signal.SIGINT:
        # 130: stopped and said so; 0: it had finished; -SIGINT: it had finished and the
        # signal came while Python was shutting down (its handlers already restored).
        assert proc.returncode in (0, 130, -signal.SIGINT), stderr
    assert_only_complete_shards(out)
    again = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
    assert again.returncode == 0, again.stderr
    (folder,) = [f for f in out.glob("stopped/*") if not f.name.startswith(".")]
    assert not list(folder.glob("shards/.*"))
    pd.testing.assert_frame_equal(read_runs(folder), reference)
