"""Forecasts of held-out episodes: by a point of the posterior, and by all of it.

:func:`score_readings` runs each reading with one parameter vector (``--set``
assignments, :func:`assignments`); :func:`predictive_rows` shares each reading's runs out
among a posterior's particles by weight (:func:`share_runs`) and pools them: the posterior
predictive of ``docs/validation.md`` D8. Both give rows of the hindcast table
(:func:`sim.experiments.hindcast.forecast_outcomes`), on the same replicates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.ensemble import run_ensemble
from sim.experiments.hindcast import (
    MAIN,
    Reading,
    forecast,
    forecast_outcomes,
    record_outcomes,
)
from sim.scenario.load import with_overrides


def assignments(paths: Sequence[str], values: Sequence[float]) -> list[str]:
    """``path=value`` assignments (``dipsim run --set``) of a parameter vector."""
    return [f"{p}={float(v)!r}" for p, v in zip(paths, values, strict=True)]


def score_readings(readings: Sequence[Reading], sets: Sequence[str], runs: int,
                   run_seed: int | None, workers: int | None = None,
                   extra: dict[str, Any] | None = None,
                   on_episode: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Hindcast rows (:func:`sim.experiments.hindcast.forecast`) of readings run with ``sets``."""
    rows = []
    for k, reading in enumerate(readings):
        scn = with_overrides(reading.scenario, list(sets))
        res = run_ensemble(scn, runs, run_seed, trace_replicates=0, band_replicates=0,
                           narrate=False, workers=workers)
        rows.append({**forecast(Reading(reading.episode, reading.reading, scn,
                                        reading.record), res), **(extra or {})})
        if on_episode is not None:
            on_episode(k + 1)
    return rows


def alternative_rows(readings: Sequence[Reading], point: pd.DataFrame, runs: int,
                     run_seed: int | None, workers: int | None = None,
                     on_reading: Callable[[int], None] | None = None
                     ) -> list[dict[str, Any]]:
    """Hindcast rows of the alternative readings, each run with its episode's point.

    Encoding robustness out of sample (``docs/validation.md`` D9): an alternative reading
    of an episode is run with the values in that episode's row of ``point`` (its
    ``param:`` columns: the medians of the fold that held it out), so that it differs
    from the main reading's row only in its encoding. Main readings in ``readings`` are
    skipped (``point`` holds their rows); each row gets the episode's ``fold``.
    """
    stored = point.set_index("episode")
    paths = [c.removeprefix("param:") for c in point.columns if c.startswith("param:")]
    rows: list[dict[str, Any]] = []
    for reading in readings:
        if reading.reading == MAIN:
            continue
        row = stored.loc[reading.episode]
        rows += score_readings([reading], assignments(paths, [row[f"param:{p}"]
                                                              for p in paths]),
                               runs, run_seed, workers, extra={"fold": int(row["fold"])})
        if on_reading is not None:
            on_reading(len(rows))
    return rows


def share_runs(weights: Sequence[float] | np.ndarray, runs: int) -> np.ndarray:
    """Runs per particle in proportion to the weights, by largest remainders.

    Each particle gets the whole part of its share of ``runs``; the runs left over go one
    each to the largest fractional parts, ties to the earlier particle. The counts sum to
    ``runs``.
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or not len(w) or (w < 0).any() or not w.sum() > 0:
        raise ValueError("weights must be a non-empty vector of non-negative numbers "
                         "with a positive sum")
    exact = w / w.sum() * int(runs)
    counts = np.floor(exact).astype(np.int64)
    left = int(runs) - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:left]] += 1
    return counts


def effective_size(weights: Sequence[float] | np.ndarray) -> float:
    """Kish's effective sample size of weighted particles, ``1 / sum_j w_j^2`` (normalised).

    The number of equally weighted particles that would average as precisely (Kish 1965):
    1 when one particle carries all the weight, their number when all weigh the same.
    """
    w = np.asarray(weights, dtype=float)
    return float(1.0 / np.square(w / w.sum()).sum())


def parameter_columns(particles: pd.DataFrame) -> list[str]:
    """The parameter paths of a table of particles (every column but the bookkeeping)."""
    return [c for c in particles.columns
            if c not in ("fit", "generation", "particle", "weight", "distance")]


def predictive_rows(readings: Sequence[Reading], particles: pd.DataFrame, runs: int,
                    run_seed: int | None, workers: int | None = None,
                    extra: dict[str, Any] | None = None,
                    on_episode: Callable[[int], None] | None = None
                    ) -> list[dict[str, Any]]:
    """Hindcast rows of the posterior predictive (``docs/validation.md`` D8).

    Each reading's ``runs`` replicates are shared out among the particles in proportion
    to their weights (:func:`share_runs`); particle ``j`` runs the next ``n_j`` replicates
    by global index with its own values, from the same seed as
    :func:`score_readings`. The replicates are the point forecast's (common random
    numbers); only the parameters differ, so particles that all hold the same values give
    the point forecast's row exactly.

    Args:
        readings: The held-out readings.
        particles: One row per particle: each parameter (by path) and ``weight``.
        runs: Replicates per reading, in all.
        run_seed: The runs' seed (None: each episode's own).
        workers: Processes a particle's runs may be split over.
        extra: Columns added to every row.
        on_episode: Called with the number of readings done.
    """
    paths = parameter_columns(particles)
    counts = share_runs(particles["weight"].to_numpy(), runs)
    starts = np.cumsum(counts) - counts
    values = particles[paths].to_numpy(dtype=float)
    rows = []
    for k, reading in enumerate(readings):
        labels, days = [], []
        for j in np.flatnonzero(counts):
            scn = with_overrides(reading.scenario, assignments(paths, values[j]))
            res = run_ensemble(scn, int(counts[j]), run_seed, first_replicate=int(starts[j]),
                               trace_replicates=0, band_replicates=0, narrate=False,
                               workers=workers)
            got = record_outcomes(res)
            labels.append(got[0])
            days.append(got[1])
        rows.append({**forecast_outcomes(reading, np.concatenate(labels),
                                         np.concatenate(days)),
                     "particles": int(np.count_nonzero(counts)), **(extra or {})})
        if on_episode is not None:
            on_episode(k + 1)
    return rows
