"""Executors and the worker: how the chunks of a sweep are run (the "evaluate" step).

:func:`run_chunk` is what a worker does with a chunk: it runs the replicates of each design
point with :func:`sim.engine.ensemble.run_ensemble`. Replicate ``r`` of point ``p`` draws only
from ``SeedSequence(seed, spawn_key=(p, r))``, so a run's result does not depend on the
executor, the number of workers or the chunk size. The worker sends its shard back as an
Arrow table; the driver writes it (:mod:`sim.experiments.store`).

:func:`open_executor` opens any :class:`concurrent.futures.Executor` a sweep can use: a local
process pool (the default; its workers fork from a ``forkserver`` that has imported the heavy
libraries once), a Dask ``LocalCluster``, or a running Dask scheduler
(``Client(address).get_executor()``).
"""

from __future__ import annotations

import contextlib
import copy
import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.experiments.design import Chunk
from sim.experiments.store import code_fingerprint, shard_table
from sim.experiments.sweepfile import point_scenario, run_columns
from sim.scenario.errors import InputError
from sim.scenario.load import scenario_from_document
from sim.scenario.yamlfile import YamlDocument

#: What the fork server imports once, so the workers forked from it need not: the heavy
#: libraries, not dipsim (each worker imports the dipsim code on disk when it starts).
FORKSERVER_PRELOAD = ["sim.engine.lifeline", "numpy", "pandas", "pyarrow", "pydantic",
                      "scipy.stats", "yaml", "mesa"]


@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs to run a chunk: the chunk, the base scenario and what to keep."""

    chunk: Chunk
    base: dict[str, Any]
    seed: int
    outputs: tuple[str, ...]


@dataclass
class ChunkOutput:
    """A finished chunk: its shard as an Arrow table (small to send back from a worker).

    Attributes:
        index: The chunk's index.
        table: The shard (see :func:`sim.experiments.store.shard_table`).
        failed: Runs that failed.
        seconds: Time the worker spent.
        code: The worker's :func:`sim.experiments.store.code_fingerprint`.
    """

    index: int
    table: Any
    failed: int
    seconds: float
    code: str = ""


def run_chunk(task: ChunkTask) -> ChunkOutput:
    """Run every spec of a chunk; record a failing design point's error and carry on.

    A design point whose scenario is invalid, or whose run raises, gives one row per
    replicate with no outcome and the error's text; the other points are unaffected.
    """
    from sim.engine.ensemble import run_ensemble  # noqa: PLC0415 - workers import the model once

    t0 = time.perf_counter()
    kinds = run_columns()
    keep = ("replicate", "outcome", *task.outputs)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("point", *keep)}
    errors: list[str | None] = []
    failed = 0
    base = scenario_from_document(YamlDocument("sweep base", copy.deepcopy(task.base), None))
    for spec in task.chunk.specs:
        n = spec.replicates
        replicates = np.arange(spec.first_replicate, spec.first_replicate + n, dtype=np.int64)
        try:
            scn = point_scenario(base, spec.settings, source=f"design point {spec.point}")
            res = run_ensemble(scn, n, task.seed, point=spec.point,
                               first_replicate=spec.first_replicate, trace_replicates=0,
                               band_replicates=0, workers=1)  # the sweep's workers share the cores
            runs = res.data.runs
            got = {k: np.asarray(runs[k]) for k in keep}
            error = None
        except Exception as exc:
            msg = exc.report() if isinstance(exc, InputError) else str(exc)
            error = f"{type(exc).__name__}: {msg}"[:4000]
            got = {k: np.zeros(n, dtype=bool if kinds[k] == "bool" else
                                   np.int64 if kinds[k] == "int" else np.float64)
                   for k in keep}
            got["replicate"] = replicates
            failed += n
        parts["point"].append(np.full(n, spec.point, dtype=np.int64))
        for k in keep:
            parts[k].append(got[k])
        errors.extend([error] * n)
    columns: dict[str, Any] = {k: np.concatenate(v) for k, v in parts.items()}
    columns["error"] = errors
    code = code_fingerprint()
    return ChunkOutput(task.chunk.index, shard_table(columns, kinds, code), failed,
                       time.perf_counter() - t0, code)


@contextlib.contextmanager
def open_executor(kind: str = "local", workers: int | None = None
                  ) -> Iterator[tuple[Executor, int, str]]:
    """Open an executor for a sweep; close it (and any cluster it started) afterwards.

    Args:
        kind: ``local`` (a process pool on this machine), ``dask`` (a Dask
            ``LocalCluster``) or the address of a running Dask scheduler
            (``tcp://HOST:PORT``).
        workers: Worker processes for ``local`` and ``dask`` (default: every core);
            ignored for a scheduler address, whose workers are whatever joined it.

    Yields:
        The executor, how many tasks it runs at once, and a description.

    Raises:
        InputError: ``kind`` is none of those, or the scheduler cannot be reached.
    """
    n = workers or os.cpu_count() or 1
    if kind == "local":
        import multiprocessing  # noqa: PLC0415
        from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

        # forkserver: workers fork from a clean server that has imported the heavy libraries
        # once (spawn re-imports them in every worker; fork from a threaded driver can
        # deadlock). dipsim itself is imported by each worker, so a pool runs the code on
        # disk when the sweep starts, not when the server did.
        ctx = multiprocessing.get_context("forkserver")
        # Ctrl-C belongs to the driver, which stops the sweep and says how to resume: the
        # fork server and the workers ignore it (else each prints its own traceback).
        _start_forkserver()
        pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx,
                                   initializer=_worker_start, initargs=(os.getpid(),))
        try:
            yield pool, n, f"local process pool, {n} worker{'s' * (n != 1)}"
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif kind == "dask" or "://" in kind:
        with dask_client(kind, n) as (client, threads, what):
            yield client.get_executor(), threads, what
    else:
        raise InputError.single("--executor", f"expected local, dask or a scheduler address "
                                f"such as tcp://127.0.0.1:8786; got {kind!r}")


@contextlib.contextmanager
def dask_client(kind: str = "dask", workers: int | None = None
                ) -> Iterator[tuple[Any, int, str]]:
    """Open a Dask client; close it (and any cluster it started) afterwards.

    Sweeps take its executor (:func:`open_executor`); ``dipsim calibrate`` hands the client
    itself to pyabc (:class:`sim.experiments.abc_samplers.DaskSampler`).

    Args:
        kind: ``dask`` (a ``LocalCluster`` of ``workers`` single-threaded processes) or
            the address of a running scheduler (``tcp://HOST:PORT``).
        workers: Worker processes of a ``LocalCluster`` (default: every core).

    Yields:
        The client, how many tasks it runs at once, and a description.

    Raises:
        InputError: ``kind`` is neither, or the scheduler cannot be reached.
    """
    n = workers or os.cpu_count() or 1
    if kind == "dask":
        import logging  # noqa: PLC0415

        import dask  # noqa: PLC0415
        from distributed import Client, LocalCluster  # noqa: PLC0415

        # Dask's workers sample their task thread's stack every 10 ms for the dashboard's
        # profiler; here that cost a fifth of each chunk and made the first (importing) task
        # eight times slower. The workers are started with the config in force now.
        # They fork from the same fork server as the local pool, which has imported numpy,
        # pandas, SciPy and Mesa (and dies with this process): spawned workers imported
        # them each (10-12 s on a loaded machine before their first chunk) and took 4 s to
        # close against 0.2 s (docs/performance.md, Sweeps).
        _start_forkserver()
        with dask.config.set({"distributed.worker.profile.enabled": False,
                              "distributed.worker.multiprocessing-method": "forkserver"}):
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
        try:
            yield client, n, f"Dask LocalCluster, {n} worker{'s' * (n != 1)}"
        finally:
            client.close()
            cluster.close()
    elif "://" in kind:
        from distributed import Client  # noqa: PLC0415

        try:
            client = Client(kind, timeout="15s")
        except (OSError, TimeoutError) as exc:
            raise InputError.single("--executor", f"cannot reach the Dask scheduler at "
                                    f"{kind}: {exc}") from None
        try:
            threads = sum(client.nthreads().values()) or 1
            yield client, threads, f"Dask scheduler {kind}, {threads} threads"
        finally:
            client.close()
    else:
        raise InputError.single("--executor", f"expected dask or a scheduler address such "
                                f"as tcp://127.0.0.1:8786; got {kind!r}")


def _worker_start(driver: int) -> None:
    """Worker initializer: leave Ctrl-C to the driver, and end when the driver ends.

    A driver killed with SIGKILL cannot stop its pool, and the workers would wait on its
    pipes for ever (keeping the fork server and the resource tracker alive with them). So
    each worker dies with its parent, the fork server (which itself dies with the driver),
    and also watches the driver directly (:mod:`sim.engine.lifeline`).
    """
    import signal  # noqa: PLC0415

    from sim.engine.lifeline import die_with_parent, watch_process  # noqa: PLC0415

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    watch_process(driver)


def _start_forkserver() -> None:
    """Start multiprocessing's fork server with SIGINT ignored, dying with this process.

    SIGINT ignored: the server and its forks keep that (Ctrl-C is the driver's). The server
    is started with :data:`sim.engine.lifeline.PARENT_ENV` naming this process, so its
    preload of :mod:`sim.engine.lifeline` has the kernel kill it when this process dies.
    """
    import multiprocessing  # noqa: PLC0415
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415
    from multiprocessing import forkserver  # noqa: PLC0415

    from sim.engine.lifeline import PARENT_ENV  # noqa: PLC0415

    # sim.engine.lifeline first: imported by the fork server, it has the server die with
    # this process. The server runs for the rest of the process, for the local pool and
    # Dask's workers alike (a later preload list is not used by a running server).
    multiprocessing.get_context("forkserver").set_forkserver_preload(FORKSERVER_PRELOAD)

    previous_env = os.environ.get(PARENT_ENV)
    # The kernel's parent-death signal follows the thread that started the server: only
    # the main thread lives as long as the process (elsewhere the workers' watch suffices).
    if threading.current_thread() is threading.main_thread():
        os.environ[PARENT_ENV] = str(os.getpid())
    try:
        try:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread: signals are not ours to set
            forkserver.ensure_running()
            return
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        if previous_env is None:
            os.environ.pop(PARENT_ENV, None)
        else:
            os.environ[PARENT_ENV] = previous_env
