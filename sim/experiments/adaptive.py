"""The adaptive sampler: refine a grid where P(outcome) changes fastest.

A grid steps over a sharp change: the default scenario's P(reached talks) is 0% at 0.8x
the sanctions' intensity and 73% at 1.0x (``docs/notes/knife-edge.md``). An ``adaptive``
sweep starts from a coarse grid (each parameter's ``range`` and ``levels``), runs it, and
then, for ``refine.rounds`` rounds, adds ``refine.points`` points where P(``refine.outcome``)
jumps most between neighbours, as in adaptive mesh refinement or bisection:

- two design points are **neighbours along a parameter** when every other parameter is
  equal and no point lies between them along it (new points keep the other values of their
  pair, so they become neighbours of both);
- each pair's jump is ``|P_a - P_b|``; a jump within sampling noise (``z < 2`` with the
  binomial standard errors, ``(k + 1) / (n + 2)`` so that 0 and 1 have some) is not refined,
  nor a pair closer than 1/4096 of the range;
- the largest jumps get a point at their midpoint, one per pair (ties: lower points first).

Refining by the jump, not the slope, moves on once a step is resolved: halving a pair
halves its width but leaves its slope, while its jump is split between the two halves.

Everything here is pure: :func:`refine_points` takes the design and the per-point
probabilities and returns the new points; :func:`sim.experiments.sweep.run_sweep` runs the
rounds and stores them (each round's points appended to ``design.parquet`` with their
``round``).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.design import Design
from sim.experiments.sweepfile import Refine, SweepFile

#: Pairs closer than this share of a parameter's range are not split again.
MIN_SHARE = 1 / 4096
#: A jump must be this many standard errors to be refined (not chasing noise).
MIN_Z = 2.0


def neighbour_pairs(x: np.ndarray) -> list[tuple[int, int, int]]:
    """Pairs of neighbouring points along each parameter: ``(j, a, b)`` with ``x[a, j] < x[b, j]``.

    Args:
        x: Design matrix, ``(points, parameters)``.
    """
    pairs: list[tuple[int, int, int]] = []
    n, d = x.shape
    for j in range(d):
        others = [k for k in range(d) if k != j]
        keys: dict[tuple[float, ...], list[int]] = {}
        for i in range(n):
            keys.setdefault(tuple(np.round(x[i, others], 12)), []).append(i)
        for members in keys.values():
            ordered = sorted(members, key=lambda i: (x[i, j], i))
            pairs += [(j, a, b) for a, b in itertools.pairwise(ordered)
                      if x[a, j] < x[b, j]]
    return pairs


def refine_points(spec: SweepFile, design: Design, points: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The next round's points: midpoints of the neighbouring pairs where P jumps most.

    Args:
        spec: The sweep (its ``refine`` says which outcome, and how many points).
        design: The design so far.
        points: Per-point probabilities (:func:`sim.experiments.analysis.point_probabilities`)
            with ``k_<outcome>`` and ``runs``.

    Returns:
        Up to ``refine.points`` new points (values in parameter order); none when no jump
        is left above the noise.
    """
    refine = spec.refine or Refine()
    x = np.asarray(design.x, dtype=float)
    by_point = points.set_index("point")
    k = by_point[f"k_{refine.outcome}"].reindex(range(len(design))).to_numpy(dtype=float)
    n = by_point["runs"].reindex(range(len(design))).to_numpy(dtype=float)
    p = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
    smooth = (k + 1) / (n + 2)
    var = smooth * (1 - smooth) / np.where(n > 0, n, 1)
    existing = {tuple(np.round(row, 12)) for row in x}
    widths = [float(q.range[1] - q.range[0]) if q.range else 1.0 for q in spec.parameters]
    scored = []
    for j, a, b in neighbour_pairs(x):
        if not (n[a] > 0 and n[b] > 0) or x[b, j] - x[a, j] < MIN_SHARE * widths[j]:
            continue
        jump = abs(p[a] - p[b])
        if jump <= 0 or jump / np.sqrt(var[a] + var[b]) < MIN_Z:
            continue
        mid = x[a].copy()
        mid[j] = (x[a, j] + x[b, j]) / 2
        scored.append((-jump, a, j, mid))
    scored.sort(key=lambda t: (t[0], t[1], t[2]))
    new: list[tuple[Any, ...]] = []
    for _, _, _, mid in scored:
        value = tuple(q.cast(round(float(v), 12)) for q, v in zip(spec.parameters, mid,
                                                                  strict=True))
        key = tuple(np.round(np.array(value, dtype=float), 12))
        if key in existing:
            continue
        existing.add(key)
        new.append(value)
        if len(new) == refine.points:
            break
    return new


def extended(design: Design, new: list[tuple[Any, ...]]) -> Design:
    """The design with ``new`` points appended (their indices follow the last point's)."""
    x = np.vstack([design.x, np.array(new, dtype=float).reshape(len(new), design.x.shape[1])])
    return Design(design.labels, design.paths, design.points + tuple(new), x, design.problem)


def design_from_table(spec: SweepFile, table: pd.DataFrame) -> Design:
    """The design stored in ``design.parquet`` (an adaptive sweep's rounds so far)."""
    table = table.sort_values("point")
    labels = tuple(spec.labels)
    points = tuple(tuple(p.cast(float(v)) if p.range else v for p, v in
                         zip(spec.parameters, row, strict=True))
                   for row in table[list(labels)].itertuples(index=False))
    x = table[list(labels)].to_numpy(dtype=float)
    return Design(labels, tuple(p.path for p in spec.parameters), points, x)
