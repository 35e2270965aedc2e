"""Processes that end with the process that started them.

A process killed with SIGKILL runs no clean-up, so the processes it started must notice
on their own that it is gone, or they live on: a sweep's pool workers blocked on a pipe
nobody reads, the pool's fork server and resource tracker waiting for them, a run's
forked shares stepping replicates nobody will collect. Two mechanisms, both from Linux:

- :func:`die_with_parent` asks the kernel to send this process SIGKILL when its parent
  dies (``prctl(PR_SET_PDEATHSIG)``, through ctypes). It is set in the forked shares of a
  run (:mod:`sim.engine.shards`), in a sweep's fork server and in each pool worker, so a
  chain driver -> fork server -> worker unwinds link by link.
- :func:`watch_process` starts a daemon thread that waits on a pidfd of another process
  (the sweep's driver, which is not a worker's parent: the fork server is) and ends this
  process as soon as that one exits. A pidfd names one process, never a later one that
  reuses its number.

Both do nothing where the system lacks them (not Linux); the pool then relies on its
usual shutdown, as before. Standard library only.

The fork server imports this module (``set_forkserver_preload``) with
:data:`PARENT_ENV` set to the driver's pid: the import then calls :func:`die_with_parent`
in the fork server, the only place where the server runs code of ours before it forks.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import threading

#: ``prctl`` option: the signal the kernel sends this process when its parent dies.
PR_SET_PDEATHSIG = 1
#: Environment variable the fork server is started with: the pid of the process whose
#: death must end it (see the module docstring).
PARENT_ENV = "DIPSIM_DIE_WITH_PARENT"


def die_with_parent(sig: int = signal.SIGKILL, parent: int | None = None) -> bool:
    """Have the kernel send ``sig`` to this process when its parent dies.

    Args:
        sig: The signal (SIGKILL: no clean-up, nothing to report to anyone).
        parent: The pid the parent had when this process was made; if the parent is
            already gone (this process was re-parented before the call), exit at once.

    Returns:
        Whether the request was made (False where ``prctl`` is missing).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if ok and parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the request: nobody waits for us
    return ok


def serve_driver(parent: int | None = None) -> None:
    """Set up a process forked to work for its driver, which manages its end.

    It dies with the driver (:func:`die_with_parent`), leaves Ctrl-C, which reaches the
    whole process group, to the driver, and ends at once on SIGTERM or SIGHUP: a stop
    handler inherited through the fork (the command line's raises) would let it report the
    stop and then wait for ever on its way out, on pipes or queues nobody reads any more.
    Used by a run's forked shares (:mod:`sim.engine.shards`) and the calibration's particle
    workers (:mod:`sim.experiments.abc_samplers`).

    Args:
        parent: The driver's pid when this process was forked (see :func:`die_with_parent`).
    """
    die_with_parent(parent=parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)


def watch_process(pid: int) -> bool:
    """End this process (``os._exit``) as soon as process ``pid`` exits.

    A daemon thread waits on a pidfd of ``pid`` (no polling). If ``pid`` is already gone,
    this process exits at once.

    Returns:
        Whether a watch was started (False where pidfds are missing).
    """
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return False
    try:
        fd = opener(pid)
    except ProcessLookupError:
        os._exit(1)
    except OSError:  # an old kernel
        return False

    def wait() -> None:
        with contextlib.suppress(OSError, ValueError):
            select.select([fd], [], [])
        os._exit(1)

    threading.Thread(target=wait, name=f"dipsim-watch-{pid}", daemon=True).start()
    return True


if os.environ.get(PARENT_ENV) and os.environ.get(PARENT_ENV) == str(os.getppid()):
    die_with_parent(parent=os.getppid())
