"""Designs: a sweep file's parameters as design points, and the points as chunks of runs.

This is the pure half of a sweep (EMA Workbench's "design" step): nothing is run and nothing
is read. :func:`design_points` turns the parameters into design points with the sweep's
sampler; :func:`chunk_specs` cuts the points times their replicates into chunks of about
:data:`DEFAULT_CHUNK_RUNS` runs, each one task for an executor and one shard on disk;
:func:`expand` does both.

Samplers come from libraries: full grids from :func:`itertools.product`; Monte Carlo points
from a numpy ``Generator`` and Latin hypercubes from :class:`scipy.stats.qmc.LatinHypercube`,
both scaled by :func:`scipy.stats.qmc.scale`; Sobol (Saltelli) and Morris designs from SALib,
so that :mod:`sim.experiments.analysis` can compute valid indices from them (Saltelli 2002; Saltelli
et al. 2010; Morris 1991; Campolongo et al. 2007). The random samplers draw from
:func:`sampler_rng`, a stream of the root seed that no run uses.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.experiments.sweepfile import Sampler, SweepFile

#: Runs per chunk (one task, one shard). With about 1.5-3 ms per run at 100 replicates per
#: point, a chunk of 500 runs takes about a second, so Dask's ~3 ms per task stays well
#: under 1%; 250 runs is the floor that keeps it under 5%.
DEFAULT_CHUNK_RUNS = 500
#: One-element spawn key of the sampler's generator; runs use two-element keys (point,
#: replicate), so the sampler never shares a stream with a run.
SAMPLER_STREAM = 0x5EED


@dataclass(frozen=True)
class Design:
    """The design points of a sweep.

    Attributes:
        labels: Parameter column names, in file order.
        paths: Parameter paths or lever names, in file order.
        points: One tuple of values per design point (point index = position).
        x: The sampler's matrix in parameter units, ``(points, parameters)``, before values
            are picked from lists or rounded; NaN where a grid value is not a number.
        problem: The SALib problem (names and bounds) behind a Sobol or Morris design.
    """

    labels: tuple[str, ...]
    paths: tuple[str, ...]
    points: tuple[tuple[Any, ...], ...]
    x: np.ndarray
    problem: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.points)

    def settings(self, point: int) -> tuple[tuple[str, Any], ...]:
        """(path, value) pairs of one design point, in file order."""
        return tuple(zip(self.paths, self.points[point], strict=True))

    def table(self):
        """The design as a pandas DataFrame: ``point`` then one column per parameter.

        A column of numbers is float (int if every value is whole and was given so), a
        column of true/false is bool, anything else is text.
        """
        import pandas as pd  # noqa: PLC0415

        cols: dict[str, Any] = {"point": np.arange(len(self.points), dtype=np.int64)}
        for j, label in enumerate(self.labels):
            cols[label] = _column([pt[j] for pt in self.points])
        return pd.DataFrame(cols)


def _column(values: list[Any]) -> np.ndarray:
    if values and all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.int64)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.float64)
    return np.array([v if isinstance(v, str) else json.dumps(v) for v in values], dtype=object)


def _number(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan


def sampler_rng(seed: int) -> np.random.Generator:
    """The generator the samplers draw from: ``SeedSequence(seed, spawn_key=(0x5EED,))``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SAMPLER_STREAM,)))


def salib_problem(spec: SweepFile) -> dict[str, Any]:
    """The SALib problem of a sweep (every parameter needs a range)."""
    bounds = []
    for p in spec.parameters:
        if p.range is None:
            raise ValueError(f"parameter {p.label!r} has no range")
        bounds.append([float(p.range[0]), float(p.range[1])])
    return {"num_vars": len(spec.parameters), "names": spec.labels, "bounds": bounds}


def design_points(spec: SweepFile, seed: int | None = None) -> Design:
    """Expand a sweep file's parameters into design points (pure: nothing is run or read).

    Args:
        spec: A validated sweep file (see
            :func:`sim.experiments.sweepfile.sweep_problems` for the checks it needs).
        seed: Root seed for the random samplers (default: ``spec.seed``, else 0).

    Returns:
        The design. Point order is the sampler's: a grid varies the last parameter fastest;
        Sobol and Morris points are in SALib's order, which their analyses rely on.
    """
    seed = (spec.seed or 0) if seed is None else seed
    params = spec.parameters
    d = len(params)
    problem: dict[str, Any] | None = None
    match spec.sampler:
        case Sampler.GRID | Sampler.ADAPTIVE:  # adaptive: its first grid
            points = [tuple(pt) for pt in itertools.product(*(p.grid_values() for p in params))]
            x = np.array([[_number(v) for v in pt] for pt in points], dtype=float)
        case Sampler.LIST:
            n = len(params[0].values or [])
            points = [tuple((p.values or [])[i] for p in params) for i in range(n)]
            x = np.array([[_number(v) for v in pt] for pt in points], dtype=float)
        case Sampler.MONTE_CARLO | Sampler.LATIN_HYPERCUBE:
            from scipy.stats import qmc  # noqa: PLC0415

            rng = sampler_rng(seed)
            n = int(spec.samples or 0)
            if spec.sampler is Sampler.MONTE_CARLO:
                unit = rng.random((n, d))
            else:
                unit = qmc.LatinHypercube(d, rng=rng).random(n)
            points = [tuple(p.from_unit(float(u)) for p, u in zip(params, row, strict=True))
                      for row in unit]
            lows = [p.range[0] if p.range else 0.0 for p in params]
            highs = [p.range[1] if p.range else 1.0 for p in params]
            x = qmc.scale(unit, lows, highs) if n else np.zeros((0, d))
            for j, p in enumerate(params):
                if p.values is not None:
                    x[:, j] = [_number(pt[j]) for pt in points]
        case Sampler.SOBOL | Sampler.MORRIS:
            problem = salib_problem(spec)
            if spec.sampler is Sampler.SOBOL:
                from SALib.sample import sobol  # noqa: PLC0415

                x = sobol.sample(dict(problem), int(spec.samples or 0), calc_second_order=False,
                                 seed=sampler_rng(seed))
            else:
                from SALib.sample import morris  # noqa: PLC0415

                x = morris.sample(dict(problem), int(spec.samples or 0),
                                  num_levels=spec.morris_levels, seed=sampler_rng(seed))
            x = np.asarray(x, dtype=float)
            points = [tuple(p.cast(float(v)) for p, v in zip(params, row, strict=True))
                      for row in x]
        case _:
            raise ValueError(f"unknown sampler {spec.sampler!r}")
    return Design(tuple(spec.labels), tuple(p.path for p in params),
                  tuple(tuple(_plain(v) for v in pt) for pt in points),
                  np.asarray(x, dtype=float).reshape(len(points), d), problem)


def _plain(v: Any) -> Any:
    """A numpy scalar as the Python value it holds (so run specs pickle small and compare)."""
    return v.item() if isinstance(v, np.generic) else v


@dataclass(frozen=True)
class RunSpec:
    """Replicates ``first_replicate .. first_replicate + replicates - 1`` of one design point.

    Attributes:
        point: Design-point index.
        first_replicate: Global index of the first replicate.
        replicates: How many replicates.
        settings: (path or lever, value) pairs that make the point's scenario from the base.
    """

    point: int
    first_replicate: int
    replicates: int
    settings: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Chunk:
    """One task and one shard: consecutive runs of consecutive design points.

    Attributes:
        index: Chunk number; the shard is ``shards/chunk-<index>.parquet``.
        specs: The run specs, in point order.
    """

    index: int
    specs: tuple[RunSpec, ...]

    @property
    def runs(self) -> int:
        """Runs in the chunk."""
        return sum(s.replicates for s in self.specs)


def chunk_specs(design: Design, replicates: int, chunk_runs: int = DEFAULT_CHUNK_RUNS,
                first_point: int = 0, first_index: int = 0) -> list[Chunk]:
    """Cut the runs of a design into chunks of ``chunk_runs`` runs (the last may be smaller).

    Points are taken in order and each point's replicates in order; a point whose
    replicates do not fit in the current chunk is split across chunks. Every (point,
    replicate) pair is in exactly one chunk. Pure.

    Args:
        design: The design.
        replicates: Runs per point.
        chunk_runs: Runs per chunk.
        first_point: Cut only the points from this one on (an adaptive sweep's new round).
        first_index: Number of the first chunk.
    """
    if replicates < 1 or chunk_runs < 1:
        raise ValueError("replicates and chunk_runs must be at least 1")
    chunks: list[Chunk] = []
    current: list[RunSpec] = []
    room = chunk_runs
    for p in range(first_point, len(design)):
        settings = design.settings(p)
        start = 0
        while start < replicates:
            n = min(room, replicates - start)
            current.append(RunSpec(p, start, n, settings))
            start += n
            room -= n
            if room == 0:
                chunks.append(Chunk(first_index + len(chunks), tuple(current)))
                current, room = [], chunk_runs
    if current:
        chunks.append(Chunk(first_index + len(chunks), tuple(current)))
    return chunks


def expand(spec: SweepFile, chunk_runs: int = DEFAULT_CHUNK_RUNS) -> tuple[Design, list[Chunk]]:
    """Expand a sweep file into its design and its chunks of run specs (pure)."""
    design = design_points(spec)
    return design, chunk_specs(design, spec.replicates, chunk_runs)
