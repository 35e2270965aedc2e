"""Monte Carlo runs of one scenario: replicates in chunks, chunks in shares, into Results.

Replicates are stepped together in one :class:`~sim.model.model.DiplomacyModel` per chunk
(10,000 by default), and a large chunk is split into shares stepped in one process per core
(:mod:`sim.engine.shards`). Because every replicate draws only from its own stream, neither
the chunk size nor the number of processes changes any replicate's path or any result.
Memory stays bounded for large runs: every replicate contributes a row to the run table,
but full per-day rows are kept only for the first ``trace_replicates`` replicates and
per-day quantile bands are computed from the first ``band_replicates``.

The engine uses the model's public interface only: the constructor, :meth:`run`, and what
:meth:`RunData.from_model <sim.output.rundata.RunData.from_model>` reads from a model that
has run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from sim.engine import shards
from sim.engine.allocator import keep_temporaries_on_heap
from sim.engine.streams import collector_paused
from sim.model.model import BAND_REPLICATES, TRACE_REPLICATES, DiplomacyModel
from sim.output.results import Results
from sim.output.rundata import RunData
from sim.output.runtable import RunTableWriter, compact_dtype, key_columns
from sim.scenario.schema import Scenario

#: Replicates stepped together in one model.
CHUNK_REPLICATES = 10_000

# What recording a replicate costs, in replicates stepped (measured at 10,000 replicates:
# the first of two shares, which records 200 traced and 2,000 banded replicates, ends
# with the second when it holds 4,700 of the 10,000; docs/performance.md).
TRACE_COST, BAND_COST = 1.5, 0.15

Progress = Callable[[int, int], None]


def run_replicates(scenario: Scenario, n: int, seed: int, *, first_replicate: int = 0,
                   point: int = 0, trace_replicates: int = TRACE_REPLICATES,
                   band_replicates: int = BAND_REPLICATES, narrate: bool = False,
                   stream_layout: Sequence[str] | None = None, workers: int | None = None,
                   on_day: Callable[[int], None] | None = None) -> RunData:
    """Step replicates ``first_replicate .. first_replicate + n - 1`` to the horizon.

    Large batches are split over one process per core (at most ``workers``); the result is
    the same for any split.

    Args:
        scenario: The validated scenario.
        n: Replicates to step.
        seed: Root seed.
        first_replicate: Global index of the first replicate.
        point: Design-point index (sweeps).
        trace_replicates: Replicates (from ``first_replicate``) whose every variable is kept.
        band_replicates: Replicates (from ``first_replicate``) kept for quantile bands.
        narrate: Keep the account of the first replicate.
        stream_layout: Random-column order of Poisson windows (common random numbers).
        workers: Most processes to use (None: one per core).
        on_day: Called with the day count after each day (of the first share).
    """
    # The allocator is tuned for the process here, where replicates are stepped, so that
    # every caller (run_ensemble, benchmarks/ensemble.py) steps them the same way.
    keep_temporaries_on_heap()
    traced, banded = min(n, max(0, trace_replicates)), min(n, max(0, band_replicates))

    def share(lo: int, hi: int) -> RunData:
        # The cyclic garbage collector is paused while a share steps: a run leaves no
        # garbage in reference cycles (tests/test_model.py), so collections would only scan
        # the model's own objects (its thousands of generators) again and again, 10 to
        # 100 ms a share. The model itself is collected later, as before.
        with collector_paused():
            model = DiplomacyModel(scenario, n_replicates=hi - lo, rng=seed, point=point,
                                   first_replicate=first_replicate + lo,
                                   trace_replicates=max(0, traced - lo),
                                   band_replicates=max(0, banded - lo),
                                   narrate=narrate and lo == 0, stream_layout=stream_layout,
                                   collect=False)
            model.run(on_day if lo == 0 else None)
            return RunData.from_model(model)

    parts = shards.map_shares(
        shards.bounds(n, workers, [(traced, TRACE_COST), (banded, BAND_COST)]), share)
    return RunData.concat(parts)


def run_ensemble(scenario: Scenario, runs: int | None = None, seed: int | None = None, *,
                 point: int = 0, first_replicate: int = 0, chunk: int = CHUNK_REPLICATES,
                 trace_replicates: int = TRACE_REPLICATES,
                 band_replicates: int = BAND_REPLICATES,
                 progress: Progress | None = None, source: str | None = None,
                 overrides: Sequence[str] = (),
                 stream_layout: Sequence[str] | None = None, narrate: bool = True,
                 workers: int | None = None, runs_file: str | Path | None = None) -> Results:
    """Run ``runs`` replicates of a scenario.

    Args:
        scenario: The validated scenario (:func:`sim.load_scenario` reads files).
        runs: Number of replicates (default: the scenario's ``runs``).
        seed: Root seed (default: the scenario's ``seed``).
        point: Design-point index (sweeps).
        first_replicate: Global index of the first replicate (sweeps run slices).
        chunk: Replicates stepped together per model.
        trace_replicates: Replicates whose every variable is kept each day.
        band_replicates: Replicates used for the per-day quantile bands.
        progress: Called with (replicate-days done, replicate-days in all).
        source: Where the scenario came from, for the manifest.
        overrides: The ``path=value`` assignments already applied, for the manifest.
        stream_layout: Random-column order of Poisson windows (common random numbers).
        narrate: Keep the account of replicate 0 (for ``narrative.md``); sweeps skip it.
        workers: Processes each chunk may be split over (None: one per core; see
            :mod:`sim.engine.shards`). Results are the same for any number.
        runs_file: Stream the run table to this Parquet file, chunk by chunk, and keep in
            memory only its key columns (:mod:`sim.output.runtable`), so memory stays flat
            in ``runs``. ``Results.runs`` then reads the file back.

    Returns:
        The results of the run.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError("run_ensemble needs a Scenario; use sim.run for files and names")
    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    if workers is not None and workers < 1:
        raise ValueError("workers must be at least 1 (or None for one per core)")
    horizon = scenario.horizon_days
    total = runs * horizon
    parts: list[RunData] = []
    stream = _Stream(runs_file, scenario, runs) if runs_file is not None else None
    with contextlib.ExitStack() as stack:
        if stream is not None:
            stack.callback(stream.writer.close)
        # Only chunks large enough for their dead model to matter (tens of MB at 10,000
        # replicates) are collected; a collection costs tens of ms whatever the chunk.
        collect = stack.enter_context(_garbage_of_each_chunk(runs > chunk >= MIN_COLLECTED))
        for offset in range(0, runs, chunk):
            n = min(chunk, runs - offset)
            on_day = None if progress is None else (
                lambda day, done=offset * horizon, n=n: progress(done + day * n, total))
            part = run_replicates(
                scenario, n, seed, first_replicate=first_replicate + offset, point=point,
                trace_replicates=trace_replicates - offset,
                band_replicates=band_replicates - offset, narrate=narrate and offset == 0,
                stream_layout=stream_layout, workers=workers, on_day=on_day)
            parts.append(part if stream is None else stream.add(part, offset))
            del part
            collect()
            if progress is not None:
                progress((offset + n) * horizon, total)
    data = RunData.concat(parts)
    if stream is not None:
        data = stream.finish(data)
    return Results(scenario, data, seed=seed, source=source, overrides=list(overrides))


#: Smallest chunk of a multi-chunk run whose model is collected when the chunk ends.
MIN_COLLECTED = 1_000


@contextlib.contextmanager
def _garbage_of_each_chunk(enabled: bool) -> Iterator[Callable[[], object]]:
    """A function that frees each finished chunk's model; the collector set up for it.

    A finished model is garbage held in reference cycles (Mesa's model and agents, bound
    methods), with its random windows and state arrays: tens of MB at 10,000 replicates.
    Only a full collection frees it, and Python runs one when it sees fit, so dead models
    piled up between collections. Collecting after each chunk keeps one alive at a time;
    the objects that existed before the run (imports: about 150,000) are frozen
    (:func:`gc.freeze`) meanwhile, so each collection scans only the chunk's own objects
    (tens of ms against seconds per chunk; a collection of everything took 0.4 s here).
    """
    if not enabled:
        yield lambda: None
        return
    freeze = gc.isenabled() and gc.get_freeze_count() == 0  # never undo a caller's freeze
    if freeze:
        gc.freeze()
    try:
        yield gc.collect
    finally:
        if freeze:
            gc.unfreeze()


class _Stream:
    """A run's table written chunk by chunk; the key columns kept in preallocated arrays."""

    def __init__(self, path: str | Path, scenario: Scenario, runs: int):
        self.path = Path(path)
        self.writer = RunTableWriter(self.path, scenario.start)
        self.runs = runs
        self.kept: dict[str, np.ndarray] = {}
        self.head: dict[str, np.ndarray] | None = None

    def add(self, part: RunData, offset: int) -> RunData:
        """Write a chunk's rows; keep its key columns; return it without its run table."""
        self.writer.write(part.runs)
        if not self.kept:
            self.kept = {k: np.empty(self.runs, compact_dtype(k, part.runs[k].dtype))
                         for k in key_columns(part.runs)}
            rows = max(1, part.trace.shape[2])
            self.head = {k: v[:rows].copy() for k, v in part.runs.items()}
        n = len(part.runs["replicate"])
        for k, column in self.kept.items():
            column[offset:offset + n] = part.runs[k]
        return dataclasses.replace(part, runs={})

    def finish(self, data: RunData) -> RunData:
        """The joined traces with the kept columns, the file and the first rows."""
        return dataclasses.replace(data, runs=self.kept, runs_file=self.path, head=self.head)
