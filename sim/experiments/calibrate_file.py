"""Calibration files: what ``dipsim calibrate`` fits, to which episodes, and how hard it tries.

A calibration file (``scenarios/calibration/default.yaml``; ``docs/validation.md`` Part D)
names the parameters to fit, each a scenario field path as ``dipsim run --set`` takes it
(``actors.venezuela.readiness_bias``, ``behaviour.readiness.pain``) with a uniform prior
``[low, high]``; the episodes (default: all of ``scenarios/episodes``); the runs per episode
for each particle; the ABC-SMC population and generations; the folds of the
cross-validation; and whether the late-2025 signals of the default scenario enter the fit.

Like a sweep file, it checks itself where it enters: :class:`CalibrationFile` is the schema
(pydantic, ``extra="forbid"``), and :func:`load_calibration` also sets every parameter to
its ``low`` and ``high`` on every episode (and on the default scenario, when the signals are
in), so a path no scenario has, or a range a field cannot take, is reported with the file,
the line and the field before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from sim.experiments.hindcast import Reading, load_readings
from sim.scenario.errors import InputError, Problem
from sim.scenario.fields import NonNegative, Number, Section, Slug
from sim.scenario.library import resolve_episode_path, scenario_dir
from sim.scenario.load import load_scenario, with_overrides
from sim.scenario.messages import validate_document
from sim.scenario.overrides import field_value
from sim.scenario.schema import MAX_SEED, Scenario
from sim.scenario.yamlfile import YamlDocument, read_yaml

#: Where the library's calibration files live, and the one used when none is named.
CALIBRATION_DIR = "calibration"
DEFAULT_CALIBRATION = "default"


class Prior(Section):
    """One fitted parameter: a scenario field path and its uniform prior ``[low, high]``."""

    path: str = Field(min_length=1, max_length=200,
                      description="Scenario field path, as dipsim run --set takes it")
    low: Number = Field(description="Lower end of the uniform prior")
    high: Number = Field(description="Upper end of the uniform prior")
    note: str = Field("", max_length=2000, description="Why this range")

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class SignalsSpec(Section):
    """Whether the late-2025 signals of the default scenario enter the fit, and how much."""

    include: StrictBool = Field(True, description="Add the signal loss to the distance")
    weight: NonNegative = Field(0.1, description="Weight of the signal loss (0 to 4) "
                                                 "against the mean Brier score (0 to 2)")


class CalibrationFile(Section):
    """A whole calibration file (see ``docs/validation.md`` Part D)."""

    name: Slug = Field(description="Short name, recorded in the results")
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=20_000)
    episodes: Annotated[list[str], Field(min_length=2, max_length=1000)] | None = Field(
        None, description="Episode names or paths (default: all of scenarios/episodes)")
    runs: Annotated[StrictInt, Field(ge=1, le=100_000)] = Field(
        200, description="Runs per episode for each particle")
    evaluation_runs: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = Field(
        1000, description="Runs per episode when scoring fitted values")
    seed: Annotated[StrictInt, Field(ge=0, le=MAX_SEED)] = Field(
        20261130, description="Root of pyabc's randomness and of the fold assignment")
    run_seed: Annotated[StrictInt, Field(ge=0, le=MAX_SEED)] | None = Field(
        None, description="Root seed of every simulation (default: each episode's own)")
    population: Annotated[StrictInt, Field(ge=2, le=100_000)] = Field(
        40, description="Particles per ABC-SMC generation")
    generations: Annotated[StrictInt, Field(ge=1, le=100)] = Field(
        3, description="ABC-SMC generations, the first drawn from the prior")
    kernel: Literal["silverman", "beaumont"] = Field(
        "silverman", description="ABC-SMC proposal kernel: pyabc's default (silverman) or "
                                 "twice the weighted covariance (beaumont); "
                                 "docs/validation.md D3, M12")
    min_epsilon: NonNegative | None = Field(
        None, description="Also stop once the threshold falls to this distance")
    folds: Annotated[StrictInt, Field(ge=2, le=1000)] = Field(
        5, description="Folds of the cross-validation over episodes")
    parameters: Annotated[list[Prior], Field(min_length=1, max_length=50)]
    signals: SignalsSpec = Field(default_factory=SignalsSpec)

    @field_validator("parameters")
    @classmethod
    def _distinct(cls, parameters: list[Prior]) -> list[Prior]:
        seen: dict[str, int] = {}
        for i, p in enumerate(parameters):
            if p.path in seen:
                raise ValueError(f"parameters[{i}] repeats the path {p.path!r} of "
                                 f"parameters[{seen[p.path]}]")
            seen[p.path] = i
        return parameters


@dataclass(frozen=True)
class Calibration:
    """A checked calibration file with its episodes read.

    Attributes:
        spec: The file's contents.
        source: The path as given, for messages and the manifest.
        readings: The main reading of each episode, in library order.
        signals_scenario: The default scenario whose late-2025 signals enter the fit
            (None when the file leaves them out).
        data: The file as plain data (written beside the results).
    """

    spec: CalibrationFile
    source: str
    readings: tuple[Reading, ...]
    signals_scenario: Scenario | None
    data: dict[str, Any]

    @property
    def paths(self) -> list[str]:
        """The fitted parameters' paths, in file order."""
        return [p.path for p in self.spec.parameters]

    def defaults(self) -> dict[str, float | None]:
        """Each parameter's value in the default scenario (None where it has none)."""
        base = self.signals_scenario or load_scenario()
        out: dict[str, float | None] = {}
        for path in self.paths:
            try:
                value = field_value(base, path)
            except (AttributeError, TypeError):
                value = None
            out[path] = float(value) if isinstance(value, int | float) else None
        return out


def resolve_calibration_path(name_or_path: str | Path | None) -> Path:
    """A calibration file from a path, a library name (``default``) or None (the default)."""
    name = DEFAULT_CALIBRATION if name_or_path is None else name_or_path
    p = Path(name)
    if p.suffix in (".yaml", ".yml") or len(p.parts) > 1 or p.exists():
        return p
    return scenario_dir() / CALIBRATION_DIR / f"{name}.yaml"


def load_calibration(path: str | Path | None = None) -> Calibration:
    """Read a calibration file, read its episodes, and try every parameter on them.

    Raises:
        InputError: The file is invalid, names an episode that does not exist, asks for
            more folds than it has episodes, or has a parameter that some episode (or the
            default scenario) cannot take at ``low`` or ``high``; each problem names the
            file, line and field. An invalid episode file is reported in its own words.
    """
    doc = read_yaml(resolve_calibration_path(path), "calibration file")
    spec: CalibrationFile = validate_document(doc, CalibrationFile, "calibration file")
    problems: list[Problem] = []
    names = spec.episodes
    if names is not None:
        for i, name in enumerate(names):
            if not resolve_episode_path(name).is_file():
                problems.append(Problem(f"episodes[{i}]", f"no such episode {name!r} "
                                        "(a name in scenarios/episodes or a path)",
                                        doc.line_of(("episodes", i))))
    if problems:
        raise InputError(doc.source, problems)
    readings = tuple(load_readings(names, with_alternatives=False))
    if spec.folds > len(readings):
        raise InputError(doc.source, [Problem("folds", f"{spec.folds} folds need at least "
                                              f"as many episodes; the file has "
                                              f"{len(readings)}", doc.line_of(("folds",)))])
    signals = load_scenario() if spec.signals.include else None
    scenarios = [(r.episode, r.scenario) for r in readings]
    if signals is not None:
        scenarios.append(("the default scenario (signals)", signals))
    _try_parameters(doc, spec, scenarios)
    return Calibration(spec, doc.source, readings, signals, doc.data)


#: The source a value error of :func:`_try_parameters` carries (a path error says --set).
_VALUES = "calibration values"


def _try_parameters(doc: YamlDocument, spec: CalibrationFile,
                    scenarios: list[tuple[str, Scenario]]) -> None:
    """Set every parameter to its low and its high end on every scenario, or raise."""
    for end in ("low", "high"):
        assignments = [f"{p.path}={getattr(p, end)!r}" for p in spec.parameters]
        for label, scn in scenarios:
            try:
                with_overrides(scn, assignments, source=_VALUES)
                continue
            except InputError:
                pass
            for i, text in enumerate(assignments):  # find the parameter at fault
                try:
                    with_overrides(scn, [text], source=_VALUES)
                except InputError as exc:
                    # A path the --set language cannot follow, or that leads to no field
                    # (an unknown field), is the path's fault; anything else, the value's.
                    unknown = any(p.message.startswith("unknown field") for p in exc.problems)
                    field = end if exc.source == _VALUES and not unknown else "path"
                    why = "; ".join(p.message for p in exc.problems)
                    raise InputError(doc.source, [Problem(
                        f"parameters[{i}].{field}", f"cannot set {text} on {label}: {why}",
                        doc.line_of(("parameters", i, field)))]) from None
            raise InputError(doc.source, [Problem(
                "parameters", f"the parameters at their {end} ends together make {label} "
                "invalid", doc.line_of(("parameters",)))])
