"""A model's run split over processes: each steps a share of the replicates.

Replicates are independent and each draws only from its own random stream, so a model of
R replicates can be stepped as a few shares of consecutive replicates, one per core, and
joined after: the results are the same, bit for bit, as stepping all R in one process.
:meth:`sim.model.model.DiplomacyModel.run` does this for large models on Linux when the process
has no other Python threads: it forks one child per extra share (the child inherits the
set-up model, so nothing is re-read or re-validated), steps the first share itself, and
reads each child's arrays back from an in-memory file the child wrote before it exited (a
pipe measured 20 times slower here: each 64 KB waits for the reader to be scheduled).

Numpy's elementwise passes over 10,000 replicates are short, so threads would spend their
time handing the interpreter lock back and forth (measured: slower than one thread);
processes do not share it.

A share whose replicates are all decided stops early, as a whole model would; its days
after that are filled as :meth:`~sim.model.model.DiplomacyModel.fill_remaining` does, so the
joined traces, tables and counts are those of one model. (As in one model, the live state
arrays of decided replicates are not results; their recorded values are.)
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel

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


def run_shares(model: DiplomacyModel, shares: list[tuple[int, int]],
               on_day: Callable[[int], None] | None = None) -> None:
    """Step ``model`` to its end as ``shares``, in that many processes, and join them.

    Args:
        model: A model not stepped yet (its replicate arrays not made).
        shares: From :func:`bounds`; the first is stepped here, each other in a child.
        on_day: Called with the day count after each day of the first share.

    Raises:
        RuntimeError: A child failed or was killed (with what it reported).
    """
    children: list[tuple[int, int, tuple[int, int]]] = []  # pid, its results' file, share
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
                _child(model, share, out)
            children.append((pid, out, share))
        model._allocate(*shares[0])
        model._step_to_end(on_day)
        parts = [model._share_arrays()]
        while children:
            pid, out, share = children.pop(0)
            parts.append(_receive(pid, out, share))
        model._join(parts)
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


def _child(model: DiplomacyModel, share: tuple[int, int], out: int) -> None:
    """Step one share in a forked child, send its arrays (or its failure) and exit."""
    try:
        # Ctrl-C reaches the whole process group: the parent handles it and ends the
        # children. Other stop signals end a child at once, without a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for name in ("SIGTERM", "SIGHUP"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        model.narrate = False  # replicate 0, the one told, is the parent's
        model._allocate(*share)
        model._step_to_end(None)
        message: tuple[str, Any] = ("ok", model._share_arrays())
    except BaseException as exc:  # reported to the parent, which raises
        message = ("failed", "".join(traceback.format_exception(exc)))
    try:
        with os.fdopen(out, "wb") as file:
            pickle.dump(message, file, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(0)


def _receive(pid: int, out: int, share: tuple[int, int]) -> dict[str, Any]:
    """A child's arrays, once it has exited (it is ended if this is interrupted)."""
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
