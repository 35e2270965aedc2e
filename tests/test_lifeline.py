"""A driver killed with SIGKILL leaves no process behind: workers, fork server, shares.

Each test starts dipsim in a session of its own (so its process group holds dipsim and
everything it started), waits until it has started its helper processes, kills the driver
alone with SIGKILL (which runs no clean-up), and checks that within 10 seconds no process
of the group is left. Before sim.engine.lifeline, a sweep's fork server, resource tracker
and pool workers stayed for ever, and a run's forked shares ran on to the end of their
share.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.engine import lifeline, shards

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="parent-death signals and pidfds are Linux's")]


def group(pgid: int) -> list[tuple[int, str]]:
    """The processes of process group ``pgid``: (pid, command line)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] == "Z" or int(fields[2]) != pgid:  # state, pgrp
                continue
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        out.append((int(entry.name), cmd))
    return out


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    """dipsim in a session of its own; its stderr in ``cwd/stderr.txt``, where SIGABRT
    has it write every thread's stack (``-X faulthandler``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(cwd / "stderr.txt", "wb") as err:
        return subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "sim", *args],
                                cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)


def where_it_is(proc: subprocess.Popen, cwd: Path) -> str:
    """What the driver printed, and where each of its threads was: it is stopped with
    SIGABRT, on which it writes their stacks."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGABRT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    return (cwd / "stderr.txt").read_text(errors="replace")[-4000:]


def kill_driver_and_wait(proc: subprocess.Popen, cwd: Path, helpers: int,
                         limit: float = 60, busy: float = 1.0, grace: float = 10) -> list:
    """Wait for ``helpers`` processes beside the driver (and ``busy`` seconds more), SIGKILL
    the driver, return the processes of its group still there ``grace`` seconds later
    (none, if they end with it). A driver that has not started its helpers within
    ``limit`` seconds fails the test with its stack."""
    try:
        deadline = time.monotonic() + limit
        while len(group(proc.pid)) < helpers + 1 and time.monotonic() < deadline:
            assert proc.poll() is None, ("dipsim ended before its helpers started:\n"
                                         + (cwd / "stderr.txt").read_text(errors="replace"))
            time.sleep(0.05)
        if len(group(proc.pid)) < helpers + 1:
            processes = group(proc.pid)
            pytest.fail(f"{len(processes) - 1} of {helpers} helpers after {limit} s: "
                        f"{processes}\n{where_it_is(proc, cwd)}")
        time.sleep(busy)  # the helpers at work
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + grace
        while group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        return group(proc.pid)
    finally:
        left = group(proc.pid)
        if left:  # never leave them running, whatever the outcome
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_killed_sweep_leaves_no_worker_fork_server_or_tracker(tmp_path):
    proc = start(["sweep", str(ROOT / "scenarios" / "sweeps" / "strikes-vs-oil.yaml"),
                  "--workers", "2", "--out", str(tmp_path / "out")], tmp_path)
    # The driver, the resource tracker, the fork server and two workers.
    assert kill_driver_and_wait(proc, tmp_path, helpers=4) == []


@pytest.mark.skipif(not shards.can_fork(), reason="runs are split on Linux only")
def test_a_killed_run_leaves_no_forked_share(tmp_path):
    # 10,000 replicates of a ten-year horizon, none traced (so the run needs no more than
    # hundreds of MB while it is killed), so the forked share steps 5,000 of them: about
    # 8 s here, and it is killed as soon as it starts. The share of the code before
    # sim.engine.lifeline ran on to its end, long after the driver was killed; here it
    # must be gone within 4 s (SIGKILL from the kernel takes milliseconds).
    proc = start(["run", "--runs", "10000", "--no-charts", "--workers", "2", "--keep-steps",
                  "0", "--set", "horizon_days=3650", "--out", str(tmp_path / "out")],
                 tmp_path)
    assert kill_driver_and_wait(proc, tmp_path, helpers=1, busy=0.0, grace=4) == []


def test_die_with_parent_exits_at_once_if_the_parent_is_already_gone():
    code = ("import os, sys; from sim.engine.lifeline import die_with_parent; "
            "die_with_parent(parent=os.getppid() + 1); sys.exit(0)")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ,
                                                             "PYTHONPATH": str(ROOT)},
                          check=False, timeout=60)
    assert done.returncode == 1


def test_a_watched_process_that_is_gone_ends_the_watcher_at_once():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    code = (f"from sim.engine.lifeline import watch_process; watch_process({child.pid}); "
            "import time; time.sleep(30)")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ,
                                                             "PYTHONPATH": str(ROOT)},
                          check=False, timeout=60)
    assert done.returncode == 1
    assert lifeline.PARENT_ENV not in os.environ
