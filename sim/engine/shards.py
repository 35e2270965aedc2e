"""A chunk of replicates split over processes: each process steps a share of them.

Replicates are independent and each draws only from its own random stream, so a chunk of
R replicates can be stepped as a few shares of consecutive replicates, one per core, each
in its own model, and their results joined after: the results are the same, bit for bit,
as stepping all R in one model. :func:`map_shares` does this on Linux when the process has
no other Python threads: it forks one child per extra share (the child inherits the
validated scenario, so nothing is re-read or re-validated), runs the first share itself,
and reads each child's result back from an in-memory file the child wrote before it exited
(a pipe measured 20 times slower here: each 64 KB waits for the reader to be scheduled).

Numpy's elementwise passes over 10,000 replicates are short, so threads would spend their
time handing the interpreter lock back and forth (measured: slower than one thread);
processes do not share it.

This module knows nothing of the model: :mod:`sim.engine.ensemble` gives it the work of one
share as a function.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import os
import pickle
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from sim.engine.lifeline import serve_driver

#: Fewest replicates worth a process of their own: below this the fork and the transfer
#: of the results cost about what the share's stepping saves (docs/performance.md).
MIN_SHARE = 4_000


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether a run may fork here: Linux, and no other Python thread running.

    A web server's or a progress bar's threads could hold locks that a forked child would
    then wait on for ever, so with any of them running a model steps in one process. (The
    BLAS library's idle worker threads are safe: OpenBLAS stops them around a fork.)
    """
    return sys.platform.startswith("linux") and threading.active_count() == 1


def bounds(n: int, workers: int | None, extra: Sequence[tuple[int, float]] = ()
           ) -> list[tuple[int, int]]:
    """Shares ``(lo, hi)`` of ``n`` replicates for a run, of about equal cost.

    One per worker, as many as give each at least :data:`MIN_SHARE` replicates; one share
    in all when forking is not safe here.

    Args:
        n: Replicates in the model.
        workers: Most processes to use (None: one per core).
        extra: ``(count, weight)`` pairs: the first ``count`` replicates each cost
            ``weight`` more than stepping one replicate (recording their every variable,
            say), so the shares holding them get fewer replicates.
    """
    count = min(cores() if workers is None else max(1, int(workers)), n // MIN_SHARE)
    if count < 2 or not can_fork():
        return [(0, n)]

    def cost(i: int) -> float:  # of replicates 0 .. i - 1
        return i + sum(weight * min(i, first) for first, weight in extra)

    total = cost(n)
    edges = [0] + [bisect.bisect_left(range(n + 1), total * k / count, key=cost)
                   for k in range(1, count)] + [n]
    return list(itertools.pairwise(edges))


def map_shares[T](shares: list[tuple[int, int]], work: Callable[[int, int], T]) -> list[T]:
    """``[work(lo, hi) for lo, hi in shares]``, each share but the first in a forked child.

    Args:
        shares: From :func:`bounds`; the first is run here, each other in a child.
        work: Runs one share and returns its (picklable) result.

    Returns:
        The shares' results, in order.

    Raises:
        RuntimeError: A child failed or was killed (with what it reported).
    """
    children: list[tuple[int, int, tuple[int, int]]] = []  # pid, its results' file, share
    parent = os.getpid()
    try:
        for share in shares[1:]:
            out = os.memfd_create("dipsim-share", os.MFD_CLOEXEC)
            with warnings.catch_warnings():
                # Python warns on any fork with threads alive; ours are BLAS's (see can_fork).
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    pid = os.fork()
                except BaseException:
                    os.close(out)
                    raise
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                _child(work, share, out, parent)
            children.append((pid, out, share))
        results = [work(*shares[0])]
        while children:
            pid, out, share = children.pop(0)
            results.append(_receive(pid, out, share))
        return results
    finally:
        for pid, out, _ in children:
            _end(pid)
            os.close(out)


def _end(pid: int) -> None:
    """Kill a child (if it still runs) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _child(work: Callable[[int, int], Any], share: tuple[int, int], out: int,
           parent: int) -> None:
    """Run one share in a forked child, send its result (or its failure) and exit.

    The child dies with its parent: a parent killed by SIGKILL cannot end its children,
    and nobody would read their results. Ctrl-C reaches the whole process group: the parent
    handles it and ends the children. Other stop signals end a child at once, without a
    traceback (:func:`sim.engine.lifeline.serve_driver`).
    """
    serve_driver(parent)
    try:
        message: tuple[str, Any] = ("ok", work(*share))
    except BaseException as exc:  # reported to the parent, which raises
        message = ("failed", "".join(traceback.format_exception(exc)))
    try:
        with os.fdopen(out, "wb") as file:
            pickle.dump(message, file, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(0)


def _receive(pid: int, out: int, share: tuple[int, int]) -> Any:
    """A child's result, once it has exited (it is ended if this is interrupted)."""
    try:
        _, code = os.waitpid(pid, 0)
    except BaseException:
        _end(pid)
        os.close(out)
        raise
    with os.fdopen(out, "rb") as file:
        file.seek(0)
        try:
            status, payload = pickle.load(file)
        except Exception:  # nothing, or cut short: it died while writing
            status, payload = "failed", "it ended without writing its results"
    if status != "ok":
        lo, hi = share
        if os.WIFSIGNALED(code):
            payload += f" (killed by signal {os.WTERMSIG(code)})"
        raise RuntimeError(f"the process stepping replicates {lo} to {hi - 1} failed: "
                           f"{payload}")
    return payload
