"""Monte Carlo runs of one scenario: replicates in chunks, collected into Results.

Replicates are stepped together in one :class:`~sim.model.model.DiplomacyModel` per chunk (10,000
by default). Because every replicate draws only from its own stream, the chunk size changes
neither any replicate's path nor any result. Memory stays bounded for large runs: every
replicate contributes a row to the run table, but full per-day rows are kept only for the
first ``trace_replicates`` replicates and per-day quantile bands are computed from the first
``band_replicates``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sim.model.model import BAND_REPLICATES, TRACE_REPLICATES, DiplomacyModel
from sim.output.results import Results, RunData
from sim.scenario.load import load_scenario, with_overrides
from sim.scenario.schema import Scenario

#: Replicates stepped together in one model.
CHUNK_REPLICATES = 10_000

Progress = Callable[[int, int], None]


def run_ensemble(scenario: Scenario | str | Path | None = None, runs: int | None = None,
                 seed: int | None = None, *, overrides: Sequence[str] = (), point: int = 0,
                 first_replicate: int = 0, chunk: int = CHUNK_REPLICATES,
                 trace_replicates: int = TRACE_REPLICATES,
                 band_replicates: int = BAND_REPLICATES,
                 progress: Progress | None = None, source: str | None = None,
                 stream_layout: Sequence[str] | None = None, narrate: bool = True,
                 workers: int | None = None) -> Results:
    """Run ``runs`` replicates of a scenario.

    Args:
        scenario: A scenario, a path or library name, or None for the default.
        runs: Number of replicates (default: the scenario's ``runs``).
        seed: Root seed (default: the scenario's ``seed``).
        overrides: ``path=value`` assignments applied to the scenario.
        point: Design-point index (sweeps).
        first_replicate: Global index of the first replicate (sweeps run slices).
        chunk: Replicates stepped together per model.
        trace_replicates: Replicates whose every variable is kept each day.
        band_replicates: Replicates used for the per-day quantile bands.
        progress: Called with (replicate-days done, replicate-days in all).
        source: Where the scenario came from, for the manifest.
        stream_layout: Random-column order of Poisson windows (common random numbers).
        narrate: Keep the account of replicate 0 (for ``narrative.md``); sweeps skip it.
        workers: Processes each chunk may be split over (None: one per core; see
            :mod:`sim.engine.shards`). Results are the same for any number.

    Returns:
        The results of the run.
    """
    if not isinstance(scenario, Scenario):
        source = source or str(scenario or "caribbean-2025")
        scenario = load_scenario(scenario, list(overrides) or None)
    else:
        scenario = with_overrides(scenario, list(overrides))
    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    horizon = scenario.horizon_days
    total = runs * horizon
    parts: list[RunData] = []
    for offset in range(0, runs, chunk):
        n = min(chunk, runs - offset)
        model = DiplomacyModel(scenario, n_replicates=n, rng=seed,
                               point=point, first_replicate=first_replicate + offset,
                               trace_replicates=max(0, trace_replicates - offset),
                               band_replicates=max(0, band_replicates - offset),
                               narrate=narrate and offset == 0,
                               stream_layout=stream_layout, workers=workers)
        on_day = None if progress is None else (
            lambda day, done=offset * horizon, n=n: progress(done + day * n, total))
        model.run(on_day)
        parts.append(RunData.from_model(model))
        if progress is not None:
            progress((offset + n) * horizon, total)
    return Results(model.spec, RunData.concat(parts), seed=seed, source=source,
                   overrides=list(overrides))
