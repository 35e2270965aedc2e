"""pyabc samplers whose particles do not depend on timing, workers or executor.

pyabc's own parallel samplers (``MulticoreEvalParallelSampler``, ``DaskDistributedSampler``)
already keep, of everything simulated in a generation, the first ``n`` accepted particles *in
the order they were started* (so a slow simulation cannot bias the population). They reseed
numpy from the operating system in every worker, though, so which parameters a particle
proposes depends on which worker drew it, and a fit cannot be repeated.

The two samplers here keep pyabc's rule and give each particle its own stream instead:
particle ``i`` of the ``c``-th call of a fit draws its proposal (and anything else pyabc draws
for it) from numpy's global generator and Python's ``random`` seeded with
``SeedSequence(seed, spawn_key=(c, i))``. Every particle started below the n-th accepted one
is waited for, so the accepted population is the same whatever the number of workers, the
executor, or the order in which simulations finish. What does vary is how many simulations
past that point were started and then thrown away (reported as ``simulated``, not passed to
pyabc: pyabc's count of evaluations is the deterministic ``index of the n-th accepted + 1``).

:class:`ForkSampler` runs the particles in processes forked from this one (like pyabc's
multicore sampler: nothing is pickled on the way out), or one after another in this one
with a single worker or where forking is not safe; :class:`DaskSampler` submits them to
a Dask client (a ``LocalCluster`` or a running scheduler, :func:`sim.experiments.executors.
dask_client`).
"""

from __future__ import annotations

import os
import random
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from ctypes import c_longlong
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyabc.sampler import Sampler

from sim.engine.lifeline import serve_driver

#: Called in the driver after every finished simulation of a generation.
GenerationProgress = Callable[["SamplerState"], None]


@dataclass
class SamplerState:
    """Where a generation stands, for progress bars.

    Attributes:
        call: Calls of the sampler so far in this fit (one per ABC-SMC population).
        accepted: Particles accepted so far (in any order).
        wanted: Population size.
        simulated: Simulations finished in this generation.
    """

    call: int
    accepted: int
    wanted: int
    simulated: int


def seed_particle(seed: int, call: int, index: int) -> None:
    """Seed numpy's global generator and Python's ``random`` for one particle."""
    state = np.random.SeedSequence(seed, spawn_key=(call, index)).generate_state(4)
    np.random.seed(state)
    random.seed(int(state[0]) << 32 | int(state[1]))


def _error_text(exc: BaseException) -> str:
    report = getattr(exc, "report", None)
    text = report() if callable(report) else f"{type(exc).__name__}: {exc}"
    return f"{text}\n{traceback.format_exc()}"


class ParticleError(RuntimeError):
    """A simulation raised inside a worker; the message carries its traceback."""


def _keep_first_accepted(results: dict[int, Any], n: int) -> tuple[list[Any], int] | None:
    """The particles up to the n-th accepted one in start order, if all of them are in.

    Returns:
        ``(particles, count)`` or None while a particle before the n-th accepted one is
        still missing.
    """
    kept, accepted, index = [], 0, 0
    while accepted < n:
        if index not in results:
            return None
        particle = results[index]
        kept.append(particle)
        accepted += bool(particle.accepted)
        index += 1
    return kept, index


class _Deterministic(Sampler):
    """What both samplers share: the seed, the call counter, progress and the sample."""

    def __init__(self, seed: int, progress: GenerationProgress | None = None):
        super().__init__()
        self.seed = int(seed)
        self.calls = 0
        self.progress = progress
        self.simulated_total = 0

    def _sample(self, kept: list[Any], count: int) -> Any:
        sample = self._create_empty_sample()
        for particle in kept:
            sample.append(particle)
        self.nr_evaluations_ = count
        return sample

    def _report(self, accepted: int, n: int, simulated: int) -> None:
        if self.progress is not None:
            self.progress(SamplerState(self.calls, accepted, n, simulated))

    def _serial(self, n: int, simulate_one: Callable[[], Any]) -> Any:
        """The same particles, one after another in this process.

        The global generators are put back afterwards, as if the particles had run in
        other processes, so the driver's own draws (if any) do not depend on the path.
        """
        saved = np.random.get_state(), random.getstate()
        results: dict[int, Any] = {}
        accepted = 0
        try:
            while accepted < n:
                index = len(results)
                seed_particle(self.seed, self.calls, index)
                particle = simulate_one()
                results[index] = particle
                accepted += bool(particle.accepted)
                self._report(accepted, n, len(results))
        finally:
            np.random.set_state(saved[0])
            random.setstate(saved[1])
        self.simulated_total += len(results)
        done = _keep_first_accepted(results, n)
        assert done is not None
        return self._sample(*done)


def _fork_worker(simulate_one, seed: int, call: int, counter, stop, queue,
                 parent: int | None = None) -> None:
    """Take particle indices from ``counter`` until the driver says stop.

    The driver ends the workers it no longer needs with SIGTERM, and that must end a worker
    at once: a stop handler inherited through the fork (the command line's raises an
    exception) would let the worker report the stop and then, on its way out, wait for
    ever to flush its queue, which nobody reads any more (a full pipe, or a write lock held
    by a worker already ended), and the driver waited for it in turn. The worker also dies
    with the driver, and leaves Ctrl-C, which reaches the whole process group, to the
    driver (:func:`sim.engine.lifeline.serve_driver`).
    """
    serve_driver(parent)
    while not stop.value:
        with counter.get_lock():
            index = counter.value
            counter.value += 1
        seed_particle(seed, call, index)
        try:
            queue.put((index, simulate_one(), None))
        except BaseException as exc:  # sent to the driver, which raises it
            queue.put((index, None, _error_text(exc)))
            return


class ForkSampler(_Deterministic):
    """Particles simulated in ``workers`` processes forked from this one, each generation.

    Args:
        workers: Processes (1 runs the same particles as any other number, one at a time).
        seed: Root of the particles' streams.
        progress: Called in this process after every finished simulation.
    """

    def __init__(self, workers: int, seed: int, progress: GenerationProgress | None = None):
        super().__init__(seed, progress)
        self.workers = max(1, int(workers))
        self.forked = 0  # generations run in forked processes

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        """Run particles until the first ``n`` accepted in start order are known."""
        import multiprocessing  # noqa: PLC0415
        from queue import Empty  # noqa: PLC0415

        del t, max_eval, all_accepted, ana_vars  # the stream of a particle is (call, index)
        self.calls += 1
        if self.workers == 1 or not can_fork():
            return self._serial(n, simulate_one)
        ctx = multiprocessing.get_context("fork")  # the closure is inherited, not pickled
        counter, stop = ctx.Value(c_longlong, 0), ctx.Value("b", 0)
        queue = ctx.Queue()
        procs = [ctx.Process(target=_fork_worker, daemon=True,
                             args=(simulate_one, self.seed, self.calls, counter, stop, queue,
                                   os.getpid()))
                 for _ in range(self.workers)]
        with warnings.catch_warnings():
            # Python warns on any fork with threads alive; ours are BLAS's (see can_fork).
            warnings.simplefilter("ignore", DeprecationWarning)
            for p in procs:
                p.start()
        self.forked += 1
        results: dict[int, Any] = {}
        accepted = 0
        try:
            while True:
                try:
                    index, particle, error = queue.get(timeout=0.2)
                except Empty:
                    if not any(p.is_alive() for p in procs):
                        raise ParticleError("every worker stopped before the generation "
                                            "was complete") from None
                    continue
                if error is not None:
                    raise ParticleError(f"particle {index} failed:\n{error}")
                results[index] = particle
                accepted += bool(particle.accepted)
                self._report(accepted, n, len(results))
                if accepted >= n:
                    stop.value = 1
                    done = _keep_first_accepted(results, n)
                    if done is not None:
                        break
        finally:
            # What is still running was started after the n-th accepted particle (or the
            # generation failed): nothing of it is needed.
            stop.value = 1
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join()
            queue.close()
        self.simulated_total += len(results)
        return self._sample(*done)


def can_fork() -> bool:
    """Whether particles may run in forked processes: Linux, and no other Python thread.

    A thread of a web server or a notebook could hold a lock a forked child then waits on
    for ever; the idle worker threads of the BLAS library are safe (OpenBLAS stops them
    around a fork), as :func:`sim.engine.shards.can_fork` says.
    """
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _dask_particle(simulate_one_pickle: bytes, seed: int, call: int, index: int
                   ) -> tuple[int, Any, str | None]:
    """One particle on a Dask worker."""
    import cloudpickle  # noqa: PLC0415

    simulate_one = cloudpickle.loads(simulate_one_pickle)
    seed_particle(seed, call, index)
    try:
        return index, simulate_one(), None
    except Exception as exc:
        return index, None, _error_text(exc)


class DaskSampler(_Deterministic):
    """Particles submitted one by one to a Dask client, at most ``2 x threads`` at a time.

    The generation's simulation function is pickled (cloudpickle) once and scattered to
    the workers; each task runs one particle.

    Args:
        client: A ``distributed.Client``.
        seed: Root of the particles' streams.
        progress: Called in this process after every finished simulation.
    """

    def __init__(self, client: Any, seed: int, progress: GenerationProgress | None = None):
        super().__init__(seed, progress)
        self.client = client

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("client", None)
        state.pop("progress", None)
        return state

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        """Submit particles until the first ``n`` accepted in start order are known."""
        import cloudpickle  # noqa: PLC0415
        from distributed import wait  # noqa: PLC0415

        del t, max_eval, all_accepted, ana_vars
        self.calls += 1
        pickled = self.client.scatter(cloudpickle.dumps(simulate_one), broadcast=True)
        slots = max(2, 2 * sum(self.client.nthreads().values()))
        running: dict[Any, int] = {}
        results: dict[int, Any] = {}
        accepted, next_index, done = 0, 0, None
        try:
            while done is None:
                while accepted < n and len(running) < slots:
                    future = self.client.submit(_dask_particle, pickled, self.seed,
                                                self.calls, next_index, pure=False)
                    running[future] = next_index
                    next_index += 1
                finished = wait(list(running), return_when="FIRST_COMPLETED").done
                for future in finished:
                    del running[future]
                    index, particle, error = future.result()
                    if error is not None:
                        raise ParticleError(f"particle {index} failed:\n{error}")
                    results[index] = particle
                    accepted += bool(particle.accepted)
                    self._report(accepted, n, len(results))
                if accepted >= n:
                    done = _keep_first_accepted(results, n)
                    if done is not None:
                        break
                    last = sorted(i for i, p in results.items() if p.accepted)[n - 1]
                    for future, index in list(running.items()):
                        if index > last:  # started after the n-th accepted: not needed
                            future.cancel()
                            del running[future]
        finally:
            for future in running:
                future.cancel()
        self.simulated_total += len(results)
        return self._sample(*done)
