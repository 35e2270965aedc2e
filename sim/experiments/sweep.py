"""Parameter sweeps: sweep files, samplers, run specs, executors, Parquet shards and resume.

A sweep file names a base scenario, the parameters to vary (any scenario field by path, such
as ``actors.venezuela.salience.oil`` or ``pressures[boat_strikes].per_week``, or a lever name
such as ``boat_strike_tempo``), a sampler, the replicates per design point, a root seed and
the run-table columns to keep. Running it is three separate steps:

1. **Expansion** (pure, :func:`design_points` and :func:`chunk_specs`): the sampler turns the
   parameters into design points, and the points times their replicates are cut into chunks
   of about :data:`DEFAULT_CHUNK_RUNS` runs. Nothing is run and nothing is read.
2. **Execution** (:func:`run_chunk`): a worker runs the replicates of each design point in a
   chunk with :func:`sim.engine.ensemble.run_ensemble`. Replicate ``r`` of point ``p`` draws only
   from ``SeedSequence(seed, spawn_key=(p, r))``, so a run's result does not depend on the
   executor, the number of workers or the chunk size.
3. **Storage** (:func:`run_sweep`): each finished chunk becomes one Parquet shard, written to a
   temporary file and renamed into place, under ``results/<sweep>/<spec-hash>/``. Rerunning
   the same sweep finds that folder again (same hash), skips the chunks whose shards exist,
   and redoes the rest, so an interrupted sweep resumes with nothing lost or duplicated.

Samplers come from libraries: full grids from :func:`itertools.product`; Monte Carlo points
from a numpy ``Generator`` and Latin hypercubes from :class:`scipy.stats.qmc.LatinHypercube`,
both scaled by :func:`scipy.stats.qmc.scale`; Sobol (Saltelli) and Morris designs from SALib,
so that :mod:`sim.output.analysis` can compute valid indices from them (Saltelli 2002; Saltelli et
al. 2010; Morris 1991; Campolongo et al. 2007).

Executors are all :class:`concurrent.futures.Executor`: a local process pool (the default),
a Dask ``LocalCluster`` or a running Dask scheduler (``Client(address).get_executor()``).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import fcntl
import functools
import hashlib
import itertools
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from sim.scenario.errors import InputError, Problem
from sim.model.issues import ISSUES
from sim.scenario.fields import Number, Slug
from sim.scenario.library import resolve_scenario_path
from sim.scenario.load import load_scenario, scenario_from_document
from sim.scenario.messages import validate_document
from sim.scenario.overrides import apply_override, parse_assignment
from sim.scenario.schema import MAX_SEED, Scenario
from sim.scenario.yamlfile import YamlDocument, read_yaml

#: Runs per chunk (one task, one shard). With about 1.5-3 ms per run at 100 replicates per
#: point, a chunk of 500 runs takes about a second, so Dask's ~3 ms per task stays well
#: under 1%; 250 runs is the floor that keeps it under 5%.
DEFAULT_CHUNK_RUNS = 500
MAX_POINTS = 1_000_000
MAX_RUNS = 1_000_000_000
#: One-element spawn key of the sampler's generator; runs use two-element keys (point,
#: replicate), so the sampler never shares a stream with a run.
SAMPLER_STREAM = 0x5EED
FORMAT = 1
#: Modules that only present results; editing them changes no result of a sweep.
_PRESENTATION = frozenset({"__main__.py", "output/analysis.py", "output/charts.py",
                           "output/narrative.py", "ui/app.py", "ui/cli.py"})


def _fingerprint_files() -> str:
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        if p.relative_to(root).as_posix() in _PRESENTATION:
            continue
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


#: Taken when this module is imported, i.e. with the code a process loaded (workers import it
#: when they start), not when a file is edited later.
_CODE_FINGERPRINT = _fingerprint_files()


def code_fingerprint() -> str:
    """A hash of the dipsim code that computes results (every module but presentation).

    Every shard records the fingerprint of the worker that made it, and the driver checks
    each new chunk against the folder's shards and against the other workers, so results
    made by different model code (an upgrade between two sessions, a Dask worker with
    another install) never mix in one folder. It is taken from the source files when
    :mod:`sim.experiments.sweep` is first imported in a process.
    """
    return _CODE_FINGERPRINT


#: The outcome labels, in the model's order (:data:`sim.model.model.OUTCOMES`; a test checks).
OUTCOME_LABELS: tuple[str, ...] = ("stalemate", "talks", "agreement", "escalation")


@functools.cache
def run_columns() -> dict[str, str]:
    """Every column of a run table and its kind ("int", "float" or "bool").

    Found from the model itself (one replicate of a one-day scenario run through
    :func:`sim.engine.ensemble.run_ensemble`), so a column the model adds can be kept at once.
    """
    from sim.engine.ensemble import run_ensemble  # noqa: PLC0415

    scn = Scenario.model_validate({
        "name": "columns", "title": "Run-table columns", "start": "2025-01-01",
        "horizon_days": 1, "status_quo": {i.value: 0.5 for i in ISSUES}})
    runs = run_ensemble(scn, 1, 0, trace_replicates=0, band_replicates=0).data.runs
    kinds = {}
    for name, values in runs.items():
        dtype = np.asarray(values).dtype
        kinds[name] = ("bool" if dtype == np.bool_ else
                       "int" if np.issubdtype(dtype, np.integer) else "float")
    return kinds


#: Columns every shard has whatever ``outputs`` says.
ALWAYS_KEPT = ("point", "replicate", "outcome")
DEFAULT_OUTPUTS: tuple[str, ...] = (
    "day", "talks_day", "casualties", "deal_drugs", "deal_oil", "deal_migration",
    "hostility_us", "hostility_venezuela")
#: Columns whose value -1 means "did not happen" (stored as null).
_MISSING_IF_NEGATIVE = ("day", "talks_day")


# ----------------------------------------------------------------------------- sweep files


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Sampler(StrEnum):
    """How design points are drawn from the parameters.

    ``grid`` is the full factorial of every parameter's values (``values``, or ``levels``
    evenly spaced points of a ``range``); ``list`` takes the i-th value of every parameter as
    point i; ``monte_carlo`` and ``latin_hypercube`` draw ``samples`` points uniformly over
    the ranges (a value list is sampled uniformly among its items); ``sobol`` is Saltelli's
    design for first-order and total Sobol indices (``samples`` = N, a power of two, gives
    N x (D + 2) points); ``morris`` is Morris's one-at-a-time trajectories (``samples`` = r
    trajectories give r x (D + 1) points).
    """

    GRID = "grid"
    LIST = "list"
    MONTE_CARLO = "monte_carlo"
    LATIN_HYPERCUBE = "latin_hypercube"
    SOBOL = "sobol"
    MORRIS = "morris"


Value = StrictBool | StrictInt | StrictFloat | str


class Parameter(_Section):
    """One parameter of a sweep: where it acts and the values it takes.

    ``path`` is a scenario field path (as with ``dipsim run --set``) or a lever name (see
    :data:`sim.scenario.levers.LEVERS`). Give either ``range: [low, high]`` or ``values: [...]``.
    """

    path: str = Field(min_length=1, max_length=200,
                      description="Scenario field path or lever name")
    name: Annotated[str, Field(pattern=r"^[^\s,][^\n,]{0,79}$")] | None = Field(
        None, description="Column name in the tables (default: the path)")
    range: tuple[Number, Number] | None = Field(
        None, description="[low, high] of a continuous parameter")
    values: Annotated[list[Value], Field(min_length=1, max_length=10_000)] | None = Field(
        None, description="The values the parameter takes")
    levels: Annotated[StrictInt, Field(ge=2, le=10_000)] | None = Field(
        None, description="Grid only: evenly spaced points of the range, ends included")
    integer: StrictBool = Field(False, description="Round sampled values to whole numbers")

    @field_validator("range")
    @classmethod
    def _ordered(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"range low ({v[0]:g}) must be below high ({v[1]:g})")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> Parameter:
        if (self.range is None) == (self.values is None):
            raise ValueError("give either 'range: [low, high]' or 'values: [...]', not both "
                             "and not neither")
        if self.levels is not None and self.range is None:
            raise ValueError("'levels' divides a range; with 'values' the values are the levels")
        return self

    @property
    def label(self) -> str:
        """The column name of this parameter in the design and results tables."""
        return self.name or self.path

    def from_unit(self, u: float) -> Any:
        """The value at position ``u`` in [0, 1): scaled into the range or picked from values."""
        if self.values is not None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        assert self.range is not None
        return self.cast(self.range[0] + u * (self.range[1] - self.range[0]))

    def cast(self, x: float) -> float | int:
        """A sampled real as the value to set (rounded when ``integer``)."""
        return round(x) if self.integer else float(x)

    def grid_values(self) -> list[Any]:
        """The values of this parameter in a full grid."""
        if self.values is not None:
            return list(self.values)
        assert self.range is not None and self.levels is not None
        xs = np.linspace(self.range[0], self.range[1], self.levels)
        return [self.cast(round(float(x), 12)) for x in xs]


class SweepFile(_Section):
    """A whole sweep file (see ``docs/sweeps.md``)."""

    name: Slug = Field(description="Short name; results go to results/<name>/<hash>/")
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=20_000)
    scenario: str = Field("caribbean-2025", min_length=1, max_length=500,
                          description="Base scenario: a library name, or a path relative "
                                      "to the sweep file")
    set_: list[str] = Field(default_factory=list, alias="set", max_length=200,
                            description="path=value (or lever=value) settings applied to "
                                        "the base before the sweep")
    parameters: Annotated[list[Parameter], Field(min_length=1, max_length=100)]
    sampler: Sampler = Sampler.GRID
    samples: Annotated[StrictInt, Field(ge=1, le=MAX_POINTS)] | None = Field(
        None, description="monte_carlo/latin_hypercube: points; sobol: N (a power of two); "
                          "morris: trajectories")
    morris_levels: Annotated[StrictInt, Field(ge=2, le=1000)] = Field(
        4, description="Morris only: levels of the grid the trajectories move on")
    replicates: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = Field(
        100, description="Monte Carlo replicates per design point")
    seed: Annotated[StrictInt, Field(ge=0, le=MAX_SEED)] | None = Field(
        None, description="Root seed (default: the base scenario's)")
    outputs: list[str] = Field(default_factory=lambda: list(DEFAULT_OUTPUTS), max_length=200,
                               description="Run-table columns kept besides point, "
                                           "replicate and outcome")

    @property
    def labels(self) -> list[str]:
        """The parameters' column names, in file order."""
        return [p.label for p in self.parameters]

    def n_points(self) -> int:
        """How many design points the sampler makes (computed without sampling)."""
        d = len(self.parameters)
        match self.sampler:
            case Sampler.GRID:
                return math.prod(len(p.values) if p.values is not None else p.levels or 0
                                 for p in self.parameters)
            case Sampler.LIST:
                return len(self.parameters[0].values or [])
            case Sampler.MONTE_CARLO | Sampler.LATIN_HYPERCUBE:
                return self.samples or 0
            case Sampler.SOBOL:
                return (self.samples or 0) * (d + 2)
            case Sampler.MORRIS:
                return (self.samples or 0) * (d + 1)
            case _:
                raise ValueError(f"unknown sampler {self.sampler!r}")


def sweep_problems(spec: SweepFile) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-field checks of a sweep file, as (location, message); empty if it is sound."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    s = spec.sampler
    seen: dict[str, int] = {}
    reserved = set(ALWAYS_KEPT) | set(spec.outputs) | {"error"}
    for i, p in enumerate(spec.parameters):
        where = ("parameters", i)
        if p.label in seen:
            out.append(((*where, "name" if p.name else "path"),
                        f"{p.label!r} is already parameters[{seen[p.label]}]; give each "
                        "parameter its own path or name"))
        seen.setdefault(p.label, i)
        if p.label in reserved:
            out.append(((*where, "name" if p.name else "path"),
                        f"{p.label!r} is a results column; give the parameter a 'name'"))
        if s is Sampler.GRID and p.range is not None and p.levels is None:
            out.append(((*where, "range"), "a grid needs 'levels' with a range (how many "
                        "evenly spaced values), or a list of 'values'"))
        if s is not Sampler.GRID and p.levels is not None:
            out.append(((*where, "levels"), f"'levels' is for the grid sampler, not {s}"))
        if s in (Sampler.SOBOL, Sampler.MORRIS) and p.range is None:
            out.append(((*where, "values"), f"the {s} sampler needs 'range: [low, high]' "
                        "for every parameter (its indices are for continuous inputs)"))
        if s is Sampler.LIST and p.values is None:
            out.append(((*where, "range"), "the list sampler takes 'values' (point i uses "
                        "the i-th value of every parameter)"))
    if s is Sampler.LIST:
        lengths = {len(p.values) for p in spec.parameters if p.values is not None}
        if len(lengths) > 1:
            first = len(spec.parameters[0].values or [])
            for i, p in enumerate(spec.parameters):
                if p.values is not None and len(p.values) != first:
                    out.append((("parameters", i, "values"),
                                f"the list sampler needs as many values for every "
                                f"parameter: {len(p.values)} here, {first} in parameters[0]"))
    if s in (Sampler.GRID, Sampler.LIST) and spec.samples is not None:
        out.append((("samples",), f"'samples' is not used by the {s} sampler; remove it"))
    if s not in (Sampler.GRID, Sampler.LIST) and spec.samples is None:
        what = {Sampler.SOBOL: "N, a power of two (N x (parameters + 2) points)",
                Sampler.MORRIS: "trajectories (trajectories x (parameters + 1) points)"}
        out.append((("sampler",), f"the {s} sampler needs 'samples': "
                    f"{what.get(s, 'the number of design points')}"))
    if s is Sampler.SOBOL and spec.samples is not None and spec.samples & (spec.samples - 1):
        lo = 1 << (spec.samples.bit_length() - 1)
        out.append((("samples",), f"Sobol sampling needs a power of two; got {spec.samples} "
                    f"(try {lo} or {lo * 2})"))
    if s is Sampler.MORRIS and spec.samples is not None and spec.samples < 2:
        out.append((("samples",), "Morris needs at least 2 trajectories for sigma"))
    if s is not Sampler.MORRIS and "morris_levels" in spec.model_fields_set:
        out.append((("morris_levels",), f"'morris_levels' is for the morris sampler, not {s}"))
    # The default outputs are known columns; others are checked against the model's.
    known = run_columns() if "outputs" in spec.model_fields_set else DEFAULT_OUTPUTS
    for k, name in enumerate(spec.outputs):
        if name in ALWAYS_KEPT:
            out.append((("outputs", k), f"{name!r} is always kept; remove it"))
        elif name not in known:
            import difflib  # noqa: PLC0415

            near = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            out.append((("outputs", k), f"unknown column {name!r}{hint}; expected one of: "
                        f"{', '.join(c for c in known if c not in ALWAYS_KEPT)}"))
    if len(set(spec.outputs)) != len(spec.outputs):
        out.append((("outputs",), "a column is listed twice"))
    if not out:
        n = spec.n_points()
        if n > MAX_POINTS:
            out.append((("parameters",), f"the design has {n:,} points; the limit is "
                        f"{MAX_POINTS:,}"))
        elif n * spec.replicates > MAX_RUNS:
            out.append((("replicates",), f"{n:,} points x {spec.replicates:,} replicates is "
                        f"more than {MAX_RUNS:,} runs"))
    return out


# ------------------------------------------------------------------------------- expansion


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
        spec: A validated sweep file (see :func:`sweep_problems` for the checks it needs).
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
        case Sampler.GRID:
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


def chunk_specs(design: Design, replicates: int, chunk_runs: int = DEFAULT_CHUNK_RUNS
                ) -> list[Chunk]:
    """Cut the runs of a design into chunks of ``chunk_runs`` runs (the last may be smaller).

    Points are taken in order and each point's replicates in order; a point whose
    replicates do not fit in the current chunk is split across chunks. Every (point,
    replicate) pair is in exactly one chunk. Pure.
    """
    if replicates < 1 or chunk_runs < 1:
        raise ValueError("replicates and chunk_runs must be at least 1")
    chunks: list[Chunk] = []
    current: list[RunSpec] = []
    room = chunk_runs
    for p in range(len(design)):
        settings = design.settings(p)
        start = 0
        while start < replicates:
            n = min(room, replicates - start)
            current.append(RunSpec(p, start, n, settings))
            start += n
            room -= n
            if room == 0:
                chunks.append(Chunk(len(chunks), tuple(current)))
                current, room = [], chunk_runs
    if current:
        chunks.append(Chunk(len(chunks), tuple(current)))
    return chunks


def expand(spec: SweepFile, chunk_runs: int = DEFAULT_CHUNK_RUNS) -> tuple[Design, list[Chunk]]:
    """Expand a sweep file into its design and its chunks of run specs (pure)."""
    design = design_points(spec)
    return design, chunk_specs(design, spec.replicates, chunk_runs)


# ------------------------------------------------------------------------- loading sweeps


@dataclass
class Sweep:
    """A sweep file read, checked and resolved against its base scenario.

    Attributes:
        spec: The sweep file, with the root seed filled in.
        source: Where the sweep file was read from.
        base: The base scenario with the sweep's ``set`` applied.
        base_data: ``base`` as plain data (what workers receive).
        spec_hash: 12 hex digits that identify what this sweep computes; its results folder
            is ``<out>/<name>/<spec_hash>/``.
    """

    spec: SweepFile
    source: str
    base: Scenario
    base_data: dict[str, Any]
    spec_hash: str = field(init=False)

    def __post_init__(self) -> None:
        self.spec_hash = spec_hash(self.spec, self.base_data)

    def resolved_yaml(self) -> str:
        """The sweep as run, every default filled in, naming ``scenario.yaml`` beside it.

        Rerunning this file (from the results folder) computes the same hash, so it resumes
        or reproduces the same sweep.
        """
        data = self.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["scenario"] = "scenario.yaml"
        data["set"] = []
        if self.spec.sampler is not Sampler.MORRIS:
            del data["morris_levels"]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def spec_hash(spec: SweepFile, base_data: Mapping[str, Any]) -> str:
    """A short hash of everything that decides a sweep's results.

    It covers the resolved base scenario (after ``set``), the parameters, sampler,
    replicates, seed and outputs; not the sweep's name, title, description or the chunk
    size (which changes no result). The model code is checked apart, shard by shard (see
    :func:`code_fingerprint`).
    """
    what = spec.model_dump(mode="json", by_alias=True,
                           exclude={"name", "title", "description", "scenario", "set_"})
    text = json.dumps({"format": FORMAT, "scenario": base_data, "sweep": what},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _scenario_data(scn: Scenario) -> dict[str, Any]:
    return scn.model_dump(mode="json", by_alias=True, exclude_none=True)


def point_scenario(base: Scenario | Mapping[str, Any], settings: Sequence[tuple[str, Any]],
                   source: str = "design point") -> Scenario:
    """The scenario of one design point: field paths applied to the base, then levers.

    Args:
        base: The base scenario, or its plain data.
        settings: (path or lever name, value) pairs, applied in order; field paths first
            (a salience rescales the other two of that government), then levers.
        source: Names the point in error messages.

    Raises:
        InputError: A value makes the scenario invalid.
    """
    from sim.scenario.levers import LEVERS, apply_levers  # noqa: PLC0415

    paths = [(k, v) for k, v in settings if k not in LEVERS]
    levers = {k: v for k, v in settings if k in LEVERS}
    if isinstance(base, Scenario) and not paths:
        scn = base
    else:
        data = copy.deepcopy(dict(base) if not isinstance(base, Scenario)
                             else _scenario_data(base))
        for path, value in paths:
            apply_override(data, path, copy.deepcopy(value))
        scn = scenario_from_document(YamlDocument(source, data, None))
    return apply_levers(scn, levers) if levers else scn


def _probe_values(p: Parameter) -> list[Any]:
    if p.values is not None:
        return list(dict.fromkeys(json.dumps(v) for v in p.values[:50]).keys())
    assert p.range is not None
    return [json.dumps(p.cast(p.range[0])), json.dumps(p.cast(p.range[1]))]


def _problem_text(exc: InputError) -> str:
    return "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in exc.problems)


def load_sweep(path: str | Path) -> Sweep:
    """Read a sweep file, check it and resolve it against its base scenario.

    Each parameter is tried alone at its ends (or each of its first 50 values) on the base
    scenario, so a misspelled path or an out-of-bounds range is reported here, at its line,
    rather than as a sweep full of failed runs. Combinations of values can still be
    invalid; such points fail when run and are recorded with their error.

    Raises:
        InputError: The file, a setting or a parameter is invalid (file, line, field and
            what was expected).
    """
    source = str(path)
    doc = read_yaml(path, "sweep file")
    spec: SweepFile = validate_document(doc, SweepFile, "sweep file")
    problems = sweep_problems(spec)
    if problems:
        raise InputError(source, [Problem(_where(loc), msg, doc.line_of(loc))
                                  for loc, msg in problems])
    scn_path = _scenario_path(spec.scenario, Path(path).parent)
    try:
        base = load_scenario(scn_path)
    except InputError as exc:
        raise InputError(source, [Problem("scenario", f"{exc.source}: {_problem_text(exc)}",
                                          doc.line_of(("scenario",)))]) from None
    for i, text in enumerate(spec.set_):
        try:
            key, value = parse_assignment(text)
            base = point_scenario(base, [(key, value)], source="set")
        except InputError as exc:
            raise InputError(source, [Problem(f"set[{i}]", f"{text}: {_problem_text(exc)}",
                                              doc.line_of(("set", i)))]) from None
        except TypeError as exc:
            raise InputError(source, [Problem(f"set[{i}]", str(exc),
                                              doc.line_of(("set", i)))]) from None
    bad: list[Problem] = []
    for i, p in enumerate(spec.parameters):
        key = "values" if p.values is not None else "range"
        for text in _probe_values(p):
            try:
                point_scenario(base, [(p.path, json.loads(text))], source="parameter")
            except InputError as exc:
                bad.append(Problem(f"parameters[{i}].{key}",
                                   f"{p.path}={text} makes the scenario invalid: "
                                   f"{_problem_text(exc)}",
                                   doc.line_of(("parameters", i, key))))
                break
    if bad:
        raise InputError(source, bad)
    if spec.seed is None:
        spec = spec.model_copy(update={"seed": base.seed})
    return Sweep(spec, source, base, _scenario_data(base))


def _where(loc: tuple[str | int, ...]) -> str:
    out = ""
    for k in loc:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


def _scenario_path(name: str, here: Path) -> Path:
    """A scenario path relative to the sweep file, else a library name or a plain path."""
    beside = here / name
    try:
        if beside.is_file():
            return beside
    except OSError:  # a name the system cannot look up: read_yaml reports it as bad input
        pass
    return resolve_scenario_path(name)


# ----------------------------------------------------------------------------- execution


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
        table: The shard (see :func:`shard_table`).
        failed: Runs that failed.
        seconds: Time the worker spent.
        code: The worker's :func:`code_fingerprint`.
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


def shard_table(cols: Mapping[str, Any], kinds: Mapping[str, str], code: str):
    """The Parquet table of a finished chunk (built by the worker, written by the driver).

    ``outcome`` and ``escalation_cause`` are dictionary-encoded labels (pandas reads them as
    categoricals); ``day`` and ``talks_day`` are null when the event did not happen; every
    column of a failed run is null except ``point``, ``replicate`` and ``error``. The
    table's metadata holds the worker's code fingerprint.
    """
    import pyarrow as pa  # noqa: PLC0415

    from sim.output.results import ESCALATION_CAUSES  # noqa: PLC0415

    failed = np.array([e is not None for e in cols["error"]], dtype=bool)
    arrays: dict[str, Any] = {
        "point": pa.array(cols["point"], pa.int32()),
        "replicate": pa.array(cols["replicate"], pa.int64()),
    }
    for name, raw in cols.items():
        if name in ("point", "replicate", "error"):
            continue
        values = np.asarray(raw)
        if name in ("outcome", "escalation_cause"):
            labels = OUTCOME_LABELS if name == "outcome" else ESCALATION_CAUSES
            codes = pa.array(values.astype(np.int8), pa.int8(), mask=failed)
            arrays[name] = pa.DictionaryArray.from_arrays(codes, pa.array(labels))
        elif kinds[name] == "int":
            mask = failed | (values < 0) if name in _MISSING_IF_NEGATIVE else failed
            arrays[name] = pa.array(values.astype(np.int64), pa.int64(), mask=mask)
        elif kinds[name] == "bool":
            arrays[name] = pa.array(values.astype(bool), pa.bool_(), mask=failed)
        else:
            arrays[name] = pa.array(values.astype(np.float64), pa.float64(), mask=failed)
    arrays["error"] = pa.array(cols["error"], pa.string())
    return pa.table(arrays).replace_schema_metadata({CODE_KEY: code})


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
        ctx.set_forkserver_preload(["numpy", "pandas", "pyarrow", "pydantic", "scipy.stats",
                                    "yaml", "mesa"])
        # Ctrl-C belongs to the driver, which stops the sweep and says how to resume: the
        # fork server and the workers ignore it (else each prints its own traceback).
        _start_forkserver_ignoring_sigint()
        pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx,
                                   initializer=_ignore_sigint)
        try:
            yield pool, n, f"local process pool, {n} worker{'s' * (n != 1)}"
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif kind == "dask":
        import logging  # noqa: PLC0415

        import dask  # noqa: PLC0415
        from distributed import Client, LocalCluster  # noqa: PLC0415

        # Dask's workers sample their task thread's stack every 10 ms for the dashboard's
        # profiler; here that cost a fifth of each chunk and made the first (importing) task
        # eight times slower. The workers are spawned with the config in force now.
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
        try:
            yield client.get_executor(), n, f"Dask LocalCluster, {n} worker{'s' * (n != 1)}"
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
            yield client.get_executor(), threads, f"Dask scheduler {kind}, {threads} threads"
        finally:
            client.close()
    else:
        raise InputError.single("--executor", f"expected local, dask or a scheduler address "
                                f"such as tcp://127.0.0.1:8786; got {kind!r}")


# ------------------------------------------------------------------------- results folder


SHARDS = "shards"
#: Parquet metadata key of a shard: the code fingerprint of the worker that made it.
CODE_KEY = "dipsim_code"
_TMP_SUFFIX = ".tmp"


def shard_path(folder: Path, index: int) -> Path:
    """The shard file of chunk ``index``."""
    return folder / SHARDS / f"chunk-{index:06d}.parquet"


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through a temporary file in the same folder, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}{_TMP_SUFFIX}")
    try:
        write(tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_json(path: Path, data: Any) -> None:
    _write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n",
                                               encoding="utf-8"))


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for lib in ("dipsim", "numpy", "scipy", "pandas", "pyarrow", "SALib", "dask",
                "distributed", "mesa"):
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def _ignore_sigint() -> None:
    """Worker initializer: leave Ctrl-C to the driver."""
    import signal  # noqa: PLC0415

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_forkserver_ignoring_sigint() -> None:
    """Start multiprocessing's fork server with SIGINT ignored (it and its forks keep that)."""
    import signal  # noqa: PLC0415
    from multiprocessing import forkserver  # noqa: PLC0415

    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to set
        forkserver.ensure_running()
        return
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


#: A ``.creating-*`` folder older than this was left by a killed driver (making a sweep
#: folder takes well under a second).
CREATING_STALE_SECONDS = 600.0


def _clean_stale_creating(parent: Path) -> None:
    import time  # noqa: PLC0415

    now = time.time()
    for old in parent.glob(".creating-*"):
        try:
            if now - old.stat().st_mtime > CREATING_STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue


def _create_folder(sweep: Sweep, folder: Path, design: Design, chunks: list[Chunk],
                   chunk_runs: int, command: Sequence[str] | None) -> None:
    """Create the results folder whole (temp folder, then rename) unless it exists."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    folder.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_creating(folder.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".creating-{folder.name}-", dir=folder.parent))
    try:
        (tmp / SHARDS).mkdir()
        (tmp / "sweep.yaml").write_text(sweep.resolved_yaml(), encoding="utf-8")
        from sim.output.results import scenario_yaml  # noqa: PLC0415

        (tmp / "scenario.yaml").write_text(scenario_yaml(sweep.base), encoding="utf-8")
        table = design.table()
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False),
                       tmp / "design.parquet", compression="zstd")
        spec = sweep.spec
        manifest = {
            "format": FORMAT,
            "sweep": spec.name,
            "title": spec.title,
            "spec_hash": sweep.spec_hash,
            "source": sweep.source,
            "scenario": sweep.base.name,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": list(command) if command else None,
            "sampler": str(spec.sampler),
            "parameters": spec.labels,
            "seed": spec.seed,
            "points": len(design),
            "replicates": spec.replicates,
            "runs": len(design) * spec.replicates,
            "chunk_runs": chunk_runs,
            "chunks": len(chunks),
            "outputs": list(spec.outputs),
            "code": None,
            "versions": _versions(),
            "complete": False,
            "sessions": [],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                           encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / "manifest.json").is_file():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process made it first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a sweep results folder.

    Raises:
        InputError: The folder is not a sweep results folder.
    """
    path = Path(folder) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError.single(str(folder), f"not a sweep results folder (cannot read "
                                f"manifest.json: {exc})") from None
    if not isinstance(data, dict) or "spec_hash" not in data:
        raise InputError.single(str(folder), "not a sweep results folder (its manifest "
                                "has no spec_hash)")
    return data


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a results folder; the kernel releases it if we die."""
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError.single(str(folder), "another dipsim sweep is writing this "
                                    "folder; wait for it to finish or stop it") from None
        yield
    finally:
        os.close(fd)


def finished_chunks(folder: Path, chunks: Sequence[Chunk]) -> set[int]:
    """Chunks whose shard exists and holds the expected number of rows.

    A shard is only ever renamed into place complete, so this finds every finished chunk;
    a shard that is unreadable or of the wrong length (a damaged disk, a hand edit) is
    not counted and its chunk is redone.
    """
    return set(_scan_shards(folder, chunks))


def _scan_shards(folder: Path, chunks: Sequence[Chunk]) -> dict[int, str]:
    """The finished chunks (see :func:`finished_chunks`) and the code that made each."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    done: dict[int, str] = {}
    for c in chunks:
        path = shard_path(folder, c.index)
        if not path.is_file():
            continue
        try:
            meta = pq.read_metadata(path)
        except (OSError, ValueError):  # pyarrow raises ArrowInvalid, a ValueError
            continue
        if meta.num_rows == c.runs:
            done[c.index] = (meta.metadata or {}).get(CODE_KEY.encode(), b"").decode()
    return done


def _clean_temporary(folder: Path) -> None:
    for p in (folder / SHARDS).glob(f".*{_TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            p.unlink()
    for p in folder.glob(f".*{_TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            p.unlink()


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
        chunk_runs: Runs per chunk for a new folder (default :data:`DEFAULT_CHUNK_RUNS`).
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
    folder = Path(out) / sweep.spec.name / sweep.spec_hash
    if (folder / "manifest.json").is_file():
        chunk_runs = int(read_manifest(folder)["chunk_runs"])
    chunk_runs = chunk_runs or DEFAULT_CHUNK_RUNS
    if chunk_runs < 1:
        raise InputError.single("--chunk-runs", f"expected at least 1; got {chunk_runs}")
    design, chunks = expand(sweep.spec, chunk_runs)
    if not (folder / "manifest.json").is_file():
        _create_folder(sweep, folder, design, chunks, chunk_runs, command)
    total = sum(c.runs for c in chunks)
    with _locked(folder):
        _clean_temporary(folder)
        scanned = _scan_shards(folder, chunks)
        done = set(scanned)
        codes = set(scanned.values())
        if len(codes) > 1:
            raise InputError.single(str(folder), "its shards were made by different dipsim "
                                    f"code ({', '.join(sorted(codes))}); the results do not "
                                    "belong together: delete the folder and rerun")
        code = codes.pop() if codes else None
        todo = [c for c in chunks if c.index not in done]
        failed = _count_failed(folder, done)
        done_runs = sum(c.runs for c in chunks if c.index in done)
        if progress is not None:
            progress(done_runs, total, failed)
        started = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        status = "interrupted"
        ran = ran_runs = 0
        description = "none (nothing to run)"
        try:
            if todo:
                if isinstance(executor, Executor):
                    description = type(executor).__name__
                    ran, ran_runs, failed, code = _drive(
                        executor, max(2, 2 * (workers or os.cpu_count() or 1)), sweep, todo,
                        folder, done_runs, total, failed, progress, code)
                else:
                    with open_executor(executor, workers) as (ex, slots, description):
                        ran, ran_runs, failed, code = _drive(
                            ex, 2 * slots, sweep, todo, folder, done_runs, total, failed,
                            progress, code)
            status = "complete"
        except SweepError:
            status = "failed"
            raise
        finally:
            seconds = time.perf_counter() - t0
            manifest = read_manifest(folder)
            manifest["sessions"].append({
                "started": started.isoformat(timespec="seconds"),
                "seconds": round(seconds, 3),
                "executor": description,
                "chunks_resumed": len(done),
                "chunks_run": ran,
                "runs_run": ran_runs,
                "status": status,
                "dipsim": _versions()["dipsim"],
            })
            manifest["complete"] = status == "complete"
            manifest["failed_runs"] = failed
            manifest["code"] = code
            _write_json(folder / "manifest.json", manifest)
    return SweepOutcome(folder, len(design), total, len(chunks), len(done), ran, ran_runs,
                        failed, seconds, description, status == "complete")


class SweepError(RuntimeError):
    """The executor failed; the sweep stopped with its finished chunks kept."""


def _count_failed(folder: Path, done: set[int]) -> int:
    """Failed runs recorded in the finished shards (rows with an error)."""
    import pyarrow.compute as pc  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    return sum(int(pc.count(pq.read_table(shard_path(folder, i), columns=["error"])
                            .column("error")))  # count() skips nulls: the failed rows
               for i in sorted(done))


def _drive(ex: Executor, window: int, sweep: Sweep, todo: list[Chunk], folder: Path,
           done_runs: int, total: int, failed: int, progress: Progress | None,
           code: str | None) -> tuple[int, int, int, str | None]:
    """Submit chunks (at most ``window`` in flight), write each shard as it finishes.

    ``code`` is the fingerprint of the folder's existing shards (None if it has none); every
    chunk must come from workers with that code, or with the code of the first chunk.

    Returns:
        Chunks run, runs run, failed runs in all, and the folder's code fingerprint.
    """
    import pyarrow.parquet as pq  # noqa: PLC0415

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
                table = result.table
                _write_atomic(shard_path(folder, chunk.index),
                              lambda p, t=table: pq.write_table(t, p, compression="zstd"))
                ran += 1
                ran_runs += chunk.runs
                done_runs += chunk.runs
                failed += result.failed
                if progress is not None:
                    progress(done_runs, total, failed)
            submit_more()
    finally:
        for fut in pending:
            fut.cancel()
    return ran, ran_runs, failed, code


def read_runs(folder: str | Path, columns: Sequence[str] | None = None):
    """The run table of a sweep results folder (every finished shard) as a DataFrame.

    Rows are sorted by point and replicate, so two folders of the same sweep compare equal
    whatever the executor, worker count, chunk size or interruptions.
    """
    import pandas as pd  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    shards = sorted((Path(folder) / SHARDS).glob("chunk-*.parquet"))
    if not shards:
        return pd.DataFrame(columns=list(columns or ALWAYS_KEPT))
    table = pa.concat_tables([pq.read_table(s, columns=list(columns) if columns else None)
                              for s in shards])
    df = table.to_pandas()
    return df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------ command line


class _ProgressBar:
    """A rich progress bar on stderr (done/total runs, runs/s, ETA, failures).

    When stderr is not a terminal (a log file, CI), it prints a plain line at every tenth of
    the sweep instead.
    """

    def __init__(self, title: str):
        from rich.console import Console  # noqa: PLC0415

        self.title = title
        self.console = Console(stderr=True)
        self.bar: Any = None
        self.task: Any = None
        self.t0 = time.perf_counter()
        self.first: int | None = None
        self.next_line = 0.0

    def __enter__(self) -> _ProgressBar:
        if self.console.is_terminal:
            from rich.progress import (  # noqa: PLC0415
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("runs"), TextColumn("{task.fields[rate]}"),
                TextColumn("ETA"), TimeRemainingColumn(), TimeElapsedColumn(),
                TextColumn("{task.fields[failed]}"), console=self.console, transient=False)
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, done: int, total: int, failed: int) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first, self.t0 = done, now
        ran = done - self.first
        rate = ran / (now - self.t0) if now > self.t0 and ran else 0.0
        rate_text = f"{rate:,.0f} runs/s" if rate else "- runs/s"
        failed_text = f"{failed:,} failed" if failed else ""
        if self.bar is not None:
            if self.task is None:
                self.task = self.bar.add_task(self.title, total=total, completed=done,
                                              rate=rate_text, failed=failed_text)
            self.bar.update(self.task, completed=done, rate=rate_text, failed=failed_text)
            return
        if done >= self.next_line * total or done == total:
            eta = (total - done) / rate if rate else float("nan")
            eta_text = f", ETA {eta:,.0f} s" if math.isfinite(eta) else ""
            self.console.print(f"{self.title}: {done:,}/{total:,} runs, {rate_text}{eta_text}"
                               f"{', ' + failed_text if failed_text else ''}",
                               highlight=False, soft_wrap=True, markup=False)
            self.next_line = math.floor(done / total * 10 + 1) / 10 if total else 2.0


def cli_sweep(path: Path, executor: str = "local", workers: int | None = None,
              out: Path = Path("results"), chunk_runs: int | None = None,
              command: Sequence[str] | None = None) -> int:
    """``dipsim sweep``: run or resume a sweep with a progress bar; return the exit code.

    Returns:
        0 when the sweep is complete; 1 when the executor failed; 130 when interrupted
        (Ctrl-C), 128 + N when stopped by signal N. Finished chunks are kept in every case.
        Bad input raises InputError (exit code 2).
    """
    sweep = load_sweep(path)
    spec = sweep.spec
    folder = Path(out) / spec.name / sweep.spec_hash
    resuming = (folder / "manifest.json").is_file()
    n_points = spec.n_points()
    console = _ProgressBar(spec.name).console

    def say(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True, markup=False)

    say(f"{'Resuming' if resuming else 'Sweep'} {spec.name}: {n_points:,} points x "
        f"{spec.replicates:,} replicates ({spec.sampler}) -> {folder}")
    if resuming and chunk_runs is not None:
        kept = int(read_manifest(folder).get("chunk_runs", chunk_runs))
        if kept != chunk_runs:
            say(f"note: this sweep started with {kept:,} runs per chunk and keeps them "
                f"(--chunk-runs {chunk_runs:,} applies to new sweeps)")
    try:
        with _ProgressBar(spec.name) as bar:
            outcome = run_sweep(sweep, out=out, executor=executor, workers=workers,
                                chunk_runs=chunk_runs, progress=bar, command=command)
    except KeyboardInterrupt:
        say(f"interrupted; finished chunks are kept in {folder}; rerun the same command to "
            "resume")
        return 130
    except SweepError as exc:
        say(f"sweep stopped: {exc}\nfinished chunks are kept in {folder}; fix the cause and "
            "rerun the same command to resume")
        return 1
    except BaseException as exc:
        signum = getattr(exc, "signum", None)  # the CLI's stop signals (SIGTERM, SIGHUP)
        if not isinstance(signum, int):
            raise
        import signal  # noqa: PLC0415

        say(f"stopped by {signal.Signals(signum).name}; finished chunks are kept in {folder}; "
            "rerun the same command to resume")
        return 128 + signum
    rate = outcome.runs_run / outcome.seconds if outcome.seconds > 0 else 0.0
    lines = [f"{outcome.runs:,} runs in {outcome.chunks:,} chunks: "
             f"{outcome.resumed_chunks:,} already done, {outcome.chunks_run:,} run now "
             f"({outcome.runs_run:,} runs in {outcome.seconds:,.1f} s, {rate:,.0f} runs/s, "
             f"{outcome.executor})"]
    if outcome.failed_runs:
        lines.append(f"{outcome.failed_runs:,} runs failed; their errors are in the "
                     "'error' column of the shards (dipsim analyze lists them)")
    lines += [f"Results: {outcome.folder}",
              f"Next: dipsim analyze {outcome.folder}"]
    print("\n".join(lines))
    return 0
