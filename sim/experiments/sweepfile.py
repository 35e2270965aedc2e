"""Sweep files: their schema, their checks, and loading one against its base scenario.

A sweep file names a base scenario, the parameters to vary (any scenario field by path, such
as ``actors.venezuela.salience.oil`` or ``pressures[boat_strikes].per_week``, or a lever name
such as ``boat_strike_tempo``), a sampler, the replicates per design point, a root seed and
the run-table columns to keep (see ``docs/sweeps.md``). Like EMA Workbench's declared
uncertainties, a sweep file is data that checks itself where it enters:

- :class:`SweepFile` and :class:`Parameter` are the schema (pydantic, ``extra="forbid"``);
- :func:`sweep_problems` are the checks across fields (a grid needs levels, Sobol a power
  of two, ...), each with the location of the offending field;
- :func:`load_sweep` reads a file, runs both, resolves the base scenario and tries each
  parameter on it, and returns a :class:`Sweep` whose :func:`spec_hash` names its results
  folder.

What the sweep then computes is designed in :mod:`sim.experiments.design`, run by
:mod:`sim.experiments.executors` and stored by :mod:`sim.experiments.store`;
:mod:`sim.experiments.sweep` drives the three.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
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

from sim.model.issues import ISSUES
from sim.model.outcomes import OUTCOMES
from sim.scenario.errors import InputError, Problem
from sim.scenario.fields import Number, Slug
from sim.scenario.library import resolve_scenario_path
from sim.scenario.load import load_scenario, scenario_from_document
from sim.scenario.messages import validate_document
from sim.scenario.overrides import apply_override, parse_assignment
from sim.scenario.schema import MAX_SEED, Scenario
from sim.scenario.yamlfile import YamlDocument, read_yaml

MAX_POINTS = 1_000_000
MAX_RUNS = 1_000_000_000
#: Version of the sweep format: part of every spec hash and of every sweep manifest.
FORMAT = 1

#: The outcome labels, in the model's order (:data:`sim.model.outcomes.OUTCOMES`).
OUTCOME_LABELS: tuple[str, ...] = tuple(o.label for o in OUTCOMES)


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
    "outcome_day", "talks_day", "deal_day", "escalation_day", "final_casualties", "deal_drugs",
    "deal_oil", "deal_migration", "final_hostility_us", "final_hostility_venezuela")


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
    trajectories give r x (D + 1) points); ``adaptive`` starts from the grid of ``levels``
    and, for ``refine.rounds`` rounds, adds ``refine.points`` points where P(outcome)
    changes most between neighbouring points (:mod:`sim.experiments.adaptive`).
    """

    GRID = "grid"
    LIST = "list"
    MONTE_CARLO = "monte_carlo"
    LATIN_HYPERCUBE = "latin_hypercube"
    SOBOL = "sobol"
    MORRIS = "morris"
    ADAPTIVE = "adaptive"


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


class Refine(_Section):
    """How an ``adaptive`` sweep refines its grid (see :mod:`sim.experiments.adaptive`)."""

    outcome: str = Field("reached_talks", min_length=1, max_length=40,
                         description="The probability followed: an outcome label, or "
                                     "reached_talks (talks opened at any time)")
    rounds: Annotated[StrictInt, Field(ge=1, le=50)] = Field(
        4, description="Rounds of refinement after the first grid")
    points: Annotated[StrictInt, Field(ge=1, le=10_000)] = Field(
        4, description="Points added per round (fewer when no change is left to resolve)")


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
    refine: Refine | None = Field(
        None, description="Adaptive only: the outcome followed, rounds and points per round")
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
            case Sampler.ADAPTIVE:  # at most: the grid, then each round's points
                grid = math.prod(p.levels or 0 for p in self.parameters)
                refine = self.refine or Refine()
                return grid + refine.rounds * refine.points
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
        if s is Sampler.ADAPTIVE and (p.range is None or p.levels is None):
            out.append(((*where, "range" if p.range is not None else "values"),
                        "the adaptive sampler needs 'range: [low, high]' and 'levels' (its "
                        "first grid) for every parameter"))
        if s not in (Sampler.GRID, Sampler.ADAPTIVE) and p.levels is not None:
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
    if s is not Sampler.ADAPTIVE and spec.refine is not None:
        out.append((("refine",), f"'refine' is for the adaptive sampler, not {s}"))
    if spec.refine is not None and spec.refine.outcome not in (*OUTCOME_LABELS,
                                                               "reached_talks"):
        out.append((("refine", "outcome"), f"unknown outcome {spec.refine.outcome!r}; "
                    f"expected one of: {', '.join((*OUTCOME_LABELS, 'reached_talks'))}"))
    if s is Sampler.ADAPTIVE and "talks_day" not in spec.outputs and (
            spec.refine or Refine()).outcome == "reached_talks":
        out.append((("outputs",), "refining on reached_talks needs talks_day in outputs"))
    if s in (Sampler.GRID, Sampler.LIST, Sampler.ADAPTIVE) and spec.samples is not None:
        out.append((("samples",), f"'samples' is not used by the {s} sampler; remove it"))
    if s not in (Sampler.GRID, Sampler.LIST, Sampler.ADAPTIVE) and spec.samples is None:
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

            from sim.output.rundata import RENAMED_RUN_COLUMNS  # noqa: PLC0415

            near = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            if name in RENAMED_RUN_COLUMNS:
                hint = f" (it is now called {RENAMED_RUN_COLUMNS[name]!r})"
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
    :func:`sim.experiments.store.code_fingerprint`).
    """
    what = spec.model_dump(mode="json", by_alias=True,
                           exclude={"name", "title", "description", "scenario", "set_"})
    if what.get("refine") is None:  # sweeps from before 'refine' keep their hash
        what.pop("refine", None)
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
