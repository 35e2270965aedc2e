"""Parameter sweeps: run (or resume) a sweep file's design and store every run.

A sweep is three separate steps, as EMA Workbench separates design, evaluation and storage:

1. **Design** (pure, :mod:`sim.experiments.design`): the sampler turns the parameters of a
   sweep file (:mod:`sim.experiments.sweepfile`) into design points, and the points times
   their replicates are cut into chunks of about
   :data:`~sim.experiments.design.DEFAULT_CHUNK_RUNS` runs. Nothing is run and nothing is
   read.
2. **Evaluation** (:mod:`sim.experiments.executors`): a worker runs the replicates of each
   design point in a chunk with :func:`sim.engine.ensemble.run_ensemble`, on a local process
   pool, a Dask ``LocalCluster`` or a Dask scheduler.
3. **Storage** (:mod:`sim.experiments.store`): each finished chunk becomes one Parquet shard,
   renamed into place whole, under ``results/<sweep>/<spec-hash>/``. Rerunning the same
   sweep finds that folder again (same hash), skips the chunks whose shards exist, and redoes
   the rest, so an interrupted sweep resumes with nothing lost or duplicated.

:func:`run_sweep` (this module) drives the three. For notebooks::

    from sim.experiments.sweep import load_sweep, read_runs, run_sweep

    outcome = run_sweep(load_sweep("scenarios/sweeps/strikes-vs-oil.yaml"), workers=2)
    runs = read_runs(outcome.folder)

The command line (``dipsim sweep``, with its progress bar) is in :mod:`sim.ui.sweep_cli`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.experiments.adaptive import design_from_table, extended, refine_points
from sim.experiments.design import DEFAULT_CHUNK_RUNS, Chunk, Design, chunk_specs, expand
from sim.experiments.executors import ChunkTask, open_executor, run_chunk
from sim.experiments.store import (
    clean_temporary,
    count_failed,
    create_folder,
    locked,
    read_manifest,
    read_runs,
    scan_shards,
    start_session,
    update_manifest,
    update_session,
    write_design,
    write_shard,
)
from sim.experiments.sweepfile import Refine, Sampler, Sweep, load_sweep
from sim.output.storage import resolve_parent_refs
from sim.scenario.errors import InputError

#: The entry points of sweeps for notebooks and scripts (see the module docstring).
__all__ = ["Progress", "SweepError", "SweepOutcome", "load_sweep", "read_runs", "rerun",
           "run_seed", "run_sweep"]

#: Seconds between updates of a running session's counts in the manifest.
NOTE_SECONDS = 2.0
#: ``progress(runs_done, runs_total, runs_failed)``; runs_done counts resumed chunks.
Progress = Callable[[int, int, int], None]


@dataclass
class SweepOutcome:
    """What a call of :func:`run_sweep` did.

    Attributes:
        folder: The results folder.
        points: Design points.
        runs: Runs in the whole sweep.
        chunks: Chunks in the whole sweep.
        resumed_chunks: Chunks already finished before this call.
        chunks_run: Chunks run by this call.
        runs_run: Runs run by this call.
        failed_runs: Failed runs in the whole folder (after this call).
        seconds: Wall time of this call's execution.
        executor: Description of the executor used.
        complete: Every chunk is finished.
    """

    folder: Path
    points: int
    runs: int
    chunks: int
    resumed_chunks: int
    chunks_run: int
    runs_run: int
    failed_runs: int
    seconds: float
    executor: str
    complete: bool


def run_sweep(sweep: Sweep | str | Path, *, out: str | Path = "results",
              executor: str | Executor = "local", workers: int | None = None,
              chunk_runs: int | None = None, progress: Progress | None = None,
              command: Sequence[str] | None = None) -> SweepOutcome:
    """Run a sweep, or resume it, into ``<out>/<name>/<spec-hash>/``.

    The folder is created whole on the first call. Each chunk's shard is written when the
    chunk finishes; a later call with the same sweep skips finished chunks and runs the
    rest, so a sweep killed at any moment resumes where it stopped. Chunk size is fixed by
    the first call (it is in the manifest); it never changes a result.

    Args:
        sweep: A loaded sweep or a sweep file.
        out: Results root folder.
        executor: ``local``, ``dask``, ``tcp://HOST:PORT``, or any
            :class:`concurrent.futures.Executor` (which the caller owns).
        workers: Worker processes for ``local`` and ``dask`` (default: every core).
        chunk_runs: Runs per chunk for a new folder (default
            :data:`~sim.experiments.design.DEFAULT_CHUNK_RUNS`).
        progress: Called as runs finish (see :data:`Progress`).
        command: The command line, for the manifest.

    Returns:
        What was done.

    Raises:
        InputError: The sweep file or an option is invalid, or another process is running
            this sweep.
        SweepError: The executor failed (a worker died, a remote worker lacks dipsim);
            finished chunks are kept and a rerun resumes.
    """
    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    folder = resolve_parent_refs(out) / sweep.spec.name / sweep.spec_hash
    if (folder / "manifest.json").is_file():
        chunk_runs = int(read_manifest(folder)["chunk_runs"])
    chunk_runs = chunk_runs or DEFAULT_CHUNK_RUNS
    if chunk_runs < 1:
        raise InputError.single("--chunk-runs", f"expected at least 1; got {chunk_runs}")
    design, chunks = expand(sweep.spec, chunk_runs)
    adaptive = sweep.spec.sampler is Sampler.ADAPTIVE
    if not (folder / "manifest.json").is_file():
        create_folder(sweep, folder, design, chunks, chunk_runs, command)
    elif adaptive:  # the rounds made so far are in design.parquet
        design, chunks = _adaptive_design(sweep, folder, chunk_runs)
    total = sum(c.runs for c in chunks)
    with locked(folder):
        clean_temporary(folder)
        scanned = scan_shards(folder, chunks)
        done = set(scanned)
        codes = set(scanned.values())
        if len(codes) > 1:
            raise InputError.single(str(folder), "its shards were made by different dipsim "
                                    f"code ({', '.join(sorted(codes))}); the results do not "
                                    "belong together: delete the folder and rerun")
        code = codes.pop() if codes else None
        todo = [c for c in chunks if c.index not in done]
        failed = count_failed(folder, done)
        done_runs = sum(c.runs for c in chunks if c.index in done)
        if progress is not None:
            progress(done_runs, total, failed)
        started = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        status = "interrupted"
        ran = ran_runs = 0
        description = "none (nothing to run)" if not todo else (
            type(executor).__name__ if isinstance(executor, Executor) else str(executor))
        session = start_session(folder, {
            "started": started.isoformat(timespec="seconds"), "seconds": 0.0,
            "executor": description, "chunks_resumed": len(done), "chunks_run": 0,
            "runs_run": 0, "pid": os.getpid()})
        noted = [t0]

        def note(chunks_run: int, runs_run: int) -> None:
            # What a killed session leaves: its counts as of its last few seconds.
            now = time.perf_counter()
            if now - noted[0] >= NOTE_SECONDS:
                update_session(folder, session, {"seconds": round(now - t0, 3),
                                                 "chunks_run": chunks_run,
                                                 "runs_run": runs_run})
                noted[0] = now

        try:
            if todo or (adaptive and not _refined(folder, sweep)):
                if isinstance(executor, Executor):
                    opened = contextlib.nullcontext(
                        (executor, max(1, workers or os.cpu_count() or 1), description))
                else:
                    opened = open_executor(executor, workers)
                with opened as (ex, slots, description):
                    ran, ran_runs, failed, code = _drive(
                        ex, 2 * slots, sweep, todo, folder, done_runs, total, failed,
                        progress, code, note)
                    if adaptive:
                        a_ran, a_runs, failed, code, design, chunks = _refine_rounds(
                            sweep, folder, design, chunks, chunk_runs, ex, 2 * slots,
                            progress, failed, code, note, ran, ran_runs)
                        ran, ran_runs = ran + a_ran, ran_runs + a_runs
                        total = sum(c.runs for c in chunks)
            status = "complete"
        except SweepError:
            status = "failed"
            raise
        finally:
            seconds = time.perf_counter() - t0
            update_session(folder, session, {
                "seconds": round(seconds, 3),
                "executor": description,
                "chunks_run": ran,
                "runs_run": ran_runs,
                "status": status,
            }, complete=status == "complete", failed=failed, code=code)
    return SweepOutcome(folder, len(design), total, len(chunks), len(done), ran, ran_runs,
                        failed, seconds, description, status == "complete")


def _adaptive_design(sweep: Sweep, folder: Path, chunk_runs: int) -> tuple[Design, list[Chunk]]:
    """An adaptive sweep's design so far (every round in ``design.parquet``) and its chunks.

    Each round's points are cut into chunks of their own, numbered after the previous
    round's, so a new round never changes an earlier chunk.
    """
    import pandas as pd  # noqa: PLC0415

    table = pd.read_parquet(folder / "design.parquet")
    design = design_from_table(sweep.spec, table)
    rounds = table.sort_values("point")["round"].to_numpy()
    chunks: list[Chunk] = []
    for r in range(int(rounds.max()) + 1 if len(rounds) else 0):
        members = np.flatnonzero(rounds == r)
        head = Design(design.labels, design.paths, design.points[:members[-1] + 1],
                      design.x[:members[-1] + 1])
        chunks += chunk_specs(head, sweep.spec.replicates, chunk_runs,
                              first_point=int(members[0]), first_index=len(chunks))
    return design, chunks


def _refined(folder: Path, sweep: Sweep) -> bool:
    """Whether an adaptive sweep has made all its rounds (or stopped: nothing to refine)."""
    manifest = read_manifest(folder)
    refine = sweep.spec.refine or Refine()
    return "refined" in manifest or int(manifest.get("rounds", 0)) >= refine.rounds


def _refine_rounds(sweep: Sweep, folder: Path, design: Design, chunks: list[Chunk],
                   chunk_runs: int, ex: Executor, window: int,
                   progress: Progress | None, failed: int, code: str | None,
                   note: Callable[[int, int], None], ran: int, ran_runs: int):
    """Run an adaptive sweep's remaining rounds: refine, store the round, run its chunks.

    The rounds already made were run (and resumed) with the rest; each new round's points
    come from every finished run (:func:`sim.experiments.adaptive.refine_points`), which
    are the same whatever the executor or interruptions, so a resumed sweep refines alike.

    Returns:
        Chunks and runs run here, failed runs, the code fingerprint, the design and chunks.
    """
    import pandas as pd  # noqa: PLC0415

    from sim.experiments.analysis import point_probabilities  # noqa: PLC0415

    spec = sweep.spec
    refine = spec.refine or Refine()
    table = pd.read_parquet(folder / "design.parquet")
    rounds = table.sort_values("point")["round"].tolist()
    made = max(rounds) if rounds else 0
    a_ran = a_runs = 0
    while made < refine.rounds:
        runs = read_runs(folder)
        new = refine_points(spec, design, point_probabilities(runs, design.table()))
        if not new:  # no jump left above the noise
            update_manifest(folder, rounds=made, refined="no change left above the noise")
            break
        if made + 1 == refine.rounds:
            update_manifest(folder, refined=f"{refine.rounds} rounds")
        first = len(design)
        design = extended(design, new)
        made += 1
        rounds += [made] * len(new)
        todo = chunk_specs(design, spec.replicates, chunk_runs, first_point=first,
                           first_index=len(chunks))
        chunks = chunks + todo
        write_design(folder, design, rounds)
        total = sum(c.runs for c in chunks)
        update_manifest(folder, rounds=made, points=len(design), chunks=len(chunks),
                        runs=len(design) * spec.replicates, complete=False)
        done_runs = total - sum(c.runs for c in todo)

        def noted(c: int, n: int, before: tuple[int, int] = (ran + a_ran, ran_runs + a_runs)
                  ) -> None:
            note(before[0] + c, before[1] + n)

        r, rr, failed, code = _drive(ex, window, sweep, todo, folder, done_runs, total,
                                     failed, progress, code, noted)
        a_ran, a_runs = a_ran + r, a_runs + rr
    return a_ran, a_runs, failed, code, design, chunks


class SweepError(RuntimeError):
    """The executor failed; the sweep stopped with its finished chunks kept."""


def _drive(ex: Executor, window: int, sweep: Sweep, todo: list[Chunk], folder: Path,
           done_runs: int, total: int, failed: int, progress: Progress | None,
           code: str | None, note: Callable[[int, int], None] = lambda c, r: None
           ) -> tuple[int, int, int, str | None]:
    """Submit chunks (at most ``window`` in flight), write each shard as it finishes.

    ``code`` is the fingerprint of the folder's existing shards (None if it has none); every
    chunk must come from workers with that code, or with the code of the first chunk.

    Returns:
        Chunks run, runs run, failed runs in all, and the folder's code fingerprint.
    """
    seed = int(sweep.spec.seed or 0)
    outputs = tuple(sweep.spec.outputs)
    earlier = code is not None
    queue = iter(todo)
    pending: dict[Future, Chunk] = {}
    ran = ran_runs = 0

    def submit_more() -> None:
        while len(pending) < window:
            c = next(queue, None)
            if c is None:
                return
            pending[ex.submit(run_chunk, ChunkTask(c, sweep.base_data, seed, outputs))] = c

    try:
        submit_more()
        while pending:
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in finished:
                chunk = pending.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:
                    raise SweepError(f"chunk {chunk.index} could not be run: "
                                     f"{type(exc).__name__}: {exc}") from exc
                if code is None:
                    code = result.code
                elif result.code != code:
                    raise SweepError(
                        f"the results in this folder were made by dipsim code {code}, and "
                        f"this run's workers have {result.code}; results of different code "
                        "must not mix: use another --out (or delete the folder) to start "
                        "afresh" if earlier else
                        f"the workers run different dipsim code ({code} and {result.code}); "
                        "install the same dipsim on every worker")
                write_shard(folder, chunk.index, result.table)
                ran += 1
                ran_runs += chunk.runs
                done_runs += chunk.runs
                failed += result.failed
                note(ran, ran_runs)
                if progress is not None:
                    progress(done_runs, total, failed)
            submit_more()
    finally:
        for fut in pending:
            fut.cancel()
    return ran, ran_runs, failed, code


def run_seed(folder: str | Path, point: int, replicate: int):
    """The seed of one run of a sweep: ``SeedSequence(seed, spawn_key=(point, replicate))``.

    ``seed`` is the sweep's root seed (``seed`` in ``manifest.json`` and ``sweep.yaml``);
    ``point`` and ``replicate`` are the run's row in the shards. The run drew every random
    number from ``numpy.random.Generator(numpy.random.PCG64(run_seed(...)))``.

    Returns:
        The :class:`numpy.random.SeedSequence`.
    """
    from sim.engine.streams import replicate_seed_sequence  # noqa: PLC0415

    return replicate_seed_sequence(int(read_manifest(folder)["seed"]), point, replicate)


def rerun(folder: str | Path, point: int, replicate: int, *, trace: bool = True):
    """Run one run of a sweep again, alone: the same row as in the shards, with its story.

    The design point's scenario is rebuilt from the folder's ``sweep.yaml`` (its base
    scenario) and ``design.parquet``, and replicate ``replicate`` is run from its own seed
    (:func:`run_seed`), so every column equals the shard's row; with ``trace`` its every
    variable is kept day by day (``Results.steps``, ``Results.story()``).

    Returns:
        The :class:`~sim.output.results.Results` of that one run.
    """
    from sim.engine.ensemble import run_ensemble  # noqa: PLC0415
    from sim.experiments.design import design_points  # noqa: PLC0415
    from sim.experiments.sweepfile import point_scenario  # noqa: PLC0415

    folder = Path(folder)
    sweep = load_sweep(folder / "sweep.yaml")
    design = design_points(sweep.spec)
    scenario = point_scenario(sweep.base, design.settings(point),
                              source=f"design point {point}")
    n = 1 if trace else 0
    return run_ensemble(scenario, 1, int(sweep.spec.seed or 0), point=point,
                        first_replicate=replicate, trace_replicates=n, band_replicates=n,
                        narrate=trace)
