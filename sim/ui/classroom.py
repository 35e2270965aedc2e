"""The classroom's model: one narrated run of a scenario, its levers, buttons and ensembles.

:class:`ClassroomModel` is what the page (:mod:`sim.ui.page`) steps: a
:class:`~sim.model.model.DiplomacyModel` of one replicate with the page's seed and levers,
safe to step and inject into from two threads. It remembers each pressure injected from the
page with its day, so one can be taken back (:func:`undo_injection`): the run is rebuilt and
replayed to the same day without it, exactly as if it had never been pressed.
:func:`ensemble_for` runs the same scenario, seed and injected pressures many times for the
bands and the fan. Nothing here draws.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.engine.ensemble import run_ensemble
from sim.model.issues import ISSUES
from sim.model.model import DiplomacyModel
from sim.model.outcomes import DECIDED, OUTCOMES, Outcome
from sim.model.pressures import PressureType
from sim.model.recording import BAND_VARIABLES, VARIABLES
from sim.output.results import Results
from sim.scenario.errors import InputError
from sim.scenario.levers import LEVERS, apply_levers
from sim.scenario.library import DEFAULT_SCENARIO, list_episodes, list_scenarios
from sim.scenario.load import load_scenario, with_overrides
from sim.scenario.schema import GOVERNMENTS, Scenario

#: Environment variable naming the scenario the page opens (a file or a library name).
SCENARIO_ENV = "DIPSIM_DEMO_SCENARIO"
#: Replicates of the ensemble view, by default, and the choices the page offers.
ENSEMBLE_RUNS = 500
RUN_COUNTS = (100, 250, 500, 1000, 2000)
#: Replicates of an ensemble that keep every variable: when talks collapsed and deals broke
#: are read from these (recording them costs little: 0.83 s against 0.83-0.90 s for 500).
TRACED_RUNS = 1000
#: Replicates of the bands behind the live path.
BAND_RUNS = 500

_V = {name: i for i, name in enumerate(VARIABLES)}

#: The levers with a slider or switch on the page, in the order shown.
PAGE_LEVERS: tuple[str, ...] = (
    "sanctions_intensity", "boat_strike_tempo", "bounty", "mediation",
    "us_cost_tolerance", "venezuela_cost_tolerance",
    *(f"{g}_salience_{i}" for g in GOVERNMENTS for i in ISSUES),
)


@dataclass(frozen=True)
class Injection:
    """A button that applies a pressure now: its label and the pressure it injects."""

    label: str
    kind: PressureType
    sender: str = "us"
    target: str = "venezuela"
    duration_days: int | None = None


#: The buttons that inject a pressure into the running model.
INJECTIONS: tuple[Injection, ...] = (
    Injection("Strike a dock", PressureType.COVERT_LAND_STRIKE),
    Injection("Seize a tanker", PressureType.TANKER_SEIZURE),
    Injection("Demand Maduro go", PressureType.EXIT_DEMAND),
    Injection("Offer talks", PressureType.DIALOGUE_OFFER),
    Injection("Grant a licence", PressureType.SANCTIONS_RELIEF, duration_days=90),
    Injection("Pause deportation flights", PressureType.DEPORTATION_FLIGHTS_PAUSED,
              sender="venezuela", target="us", duration_days=30),
    Injection("Resume deportation flights", PressureType.DEPORTATION_FLIGHTS_RESUMED,
              sender="venezuela", target="us"),
)


@dataclass(frozen=True)
class Injected:
    """A pressure injected from the page: the day it acts on and what it was."""

    day: int
    kind: PressureType
    sender: str
    target: str
    intensity: float = 1.0
    duration_days: int | None = None
    deaths: float | None = None


# ---------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class ScenarioChoice:
    """An entry of the page's scenario picker: what to load and what to call it."""

    key: str
    label: str


def _sources() -> list[str]:
    """Files and names given on the command line (``$DIPSIM_DEMO_SCENARIO``, path-separated)."""
    raw = os.environ.get(SCENARIO_ENV) or ""
    return [s for s in raw.split(os.pathsep) if s]


@functools.cache
def load_choice(key: str) -> Scenario:
    """The scenario behind a picker entry (read once per server)."""
    return load_scenario(key or None)


def _title(key: str) -> str | None:
    """A picker entry's title, from the file's ``title:`` line (None if unreadable).

    Read without validating the file: 37 files are listed, each is validated when picked.
    """
    path = Path(key)
    if not path.is_file():
        try:
            return load_choice(key).title
        except InputError:
            return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("title:"):
            value = line.partition(":")[2].split(" #")[0].strip()
            return value.strip("\"'") or path.stem
    return path.stem


@functools.cache
def scenario_choices() -> list[ScenarioChoice]:
    """The picker's entries: what the command line named, the library, then its episodes.

    The episodes of the record (``scenarios/episodes/``, 2014-2026) start in the middle of
    things (talks under way, deals in force) and end in the whole range of outcomes. Titles
    are read without validating the files (a file is checked when it is picked); an entry
    that cannot be read is left out. Listed once per server.
    """
    out: list[ScenarioChoice] = []
    sources = [*_sources(), *(str(p) for p in list_scenarios())]
    episodes = {str(p) for p in list_episodes()}
    for source in [*sources, *sorted(episodes)]:
        key = str(Path(source).resolve()) if Path(source).is_file() else source
        title = _title(key)
        if title is None:
            continue
        name = Path(key).stem if Path(key).is_file() else key
        label = f"{'episode ' if source in episodes else ''}{name}: {title}"
        if all(c.label != label for c in out):
            out.append(ScenarioChoice(key, label))
    return out


def page_scenario_key() -> str:
    """The picker entry the page opens with: the command line's first, else the default."""
    sources = _sources()
    if sources:
        return str(Path(sources[0]).resolve()) if Path(sources[0]).is_file() else sources[0]
    return str(next((p for p in list_scenarios() if p.stem == DEFAULT_SCENARIO),
                    DEFAULT_SCENARIO))


# ---------------------------------------------------------------------------- the model


def parse_seed(text: Any, default: int) -> tuple[int, str]:
    """Read the seed box: a whole number from 0, or the default with a note saying why."""
    if text is None or str(text).strip() == "":
        return default, ""
    try:
        seed = int(str(text).strip())
    except ValueError:
        return default, f"The seed must be a whole number; {text!r} is not, so {default} is used."
    if seed < 0:
        return default, f"The seed must be 0 or more; {default} is used."
    return seed, ""


class ClassroomModel(DiplomacyModel):
    """The page's model: one narrated replicate of a scenario, with levers and a seed.

    Only levers whose value differs from the scenario's are applied, and a government's
    three saliences are set together (rescaled to sum to 1), so moving one slider changes
    only what it says. Stepping and injecting take a lock: the page's play loop steps in a
    thread while its buttons inject from another.

    Args:
        scenario: The scenario (default: the one the page opens with).
        seed: The seed box's text (or a number); empty uses the scenario's seed.
        **levers: Values of :data:`PAGE_LEVERS` (any lever of :data:`sim.scenario.levers.LEVERS`).
    """

    def __init__(self, scenario: Scenario | None = None, *, seed: Any = None, **levers: Any):
        base = scenario if isinstance(scenario, Scenario) else load_choice(page_scenario_key())
        rng, note = parse_seed(seed, base.seed)
        notes = [note] if note else []
        try:
            changed, overrides = lever_changes(base, levers)
            spec = apply_levers(with_overrides(base, overrides), changed)
        except InputError as exc:  # e.g. all three saliences at 0: run the scenario as is
            changed, overrides, spec = {}, [], base
            notes.append("Levers not applied: " + "; ".join(p.message for p in exc.problems))
        super().__init__(spec, rng=rng, narrate=True, trace_replicates=1, band_replicates=1)
        self.lock = threading.RLock()
        self.base = base
        self.seed_text = seed
        self.lever_values = dict(levers)
        self.notes: list[str] = notes
        #: Pressures injected from the page, with the day each acts on.
        self.injections: list[Injected] = []
        self.levers_applied = {**changed, **{o.split("=", 1)[0]: o.split("=", 1)[1]
                                             for o in overrides}}

    def step(self) -> None:
        """Advance one day (under the model's lock)."""
        with self.lock:
            super().step()

    def inject(self, kind: PressureType | str, sender: str = "us", target: str = "venezuela",
               intensity: float = 1.0, duration_days: int | None = None,
               deaths: float | None = None) -> Any:
        """Add a pressure acting on the next day (under the model's lock); see the base class."""
        with self.lock:
            pressure = super().inject(kind, sender, target, intensity, duration_days, deaths)
            self.injections.append(Injected(self.day, PressureType(str(kind)), sender, target,
                                            intensity, duration_days, deaths))
            return pressure

    def rebuilt(self, injections: list[Injected] | None = None, day: int | None = None
                ) -> ClassroomModel:
        """The same run (scenario, seed, levers) replayed to ``day`` with ``injections``.

        Each injection is made on its own day before that day is stepped, as the page made
        it, so the replay draws the same random numbers and follows the same path.
        """
        new = ClassroomModel(self.base, seed=self.seed_text, **self.lever_values)
        todo = sorted(self.injections if injections is None else injections,
                      key=lambda i: i.day)
        day = self.day if day is None else day
        while new.day < day and new.running:
            while todo and todo[0].day <= new.day:
                i = todo.pop(0)
                new.inject(i.kind, i.sender, i.target, i.intensity, i.duration_days, i.deaths)
            new.step()
        for i in todo:  # still queued: made today, acting on the next day
            if i.day <= new.day:
                new.inject(i.kind, i.sender, i.target, i.intensity, i.duration_days, i.deaths)
        return new


def undo_injection(model: ClassroomModel, index: int = -1) -> ClassroomModel:
    """The run as if injection ``index`` (default: the last) had never been made.

    Raises:
        IndexError: Nothing was injected.
    """
    if not model.injections:
        raise IndexError("nothing was injected")
    keep = list(model.injections)
    keep.pop(index)
    return model.rebuilt(keep)


def lever_changes(scenario: Scenario, values: Mapping[str, Any]
                  ) -> tuple[dict[str, Any], list[str]]:
    """The lever values that change a scenario, and salience overrides.

    One moved salience slider acts like the lever (the government's other two saliences are
    rescaled so the three sum to 1); two or three moved sliders are taken together,
    normalised to sum to 1.

    Returns:
        Levers to pass as keywords (those that differ from the scenario's), and
        ``actors.<gov>.salience={...}`` assignments that set a government's three saliences
        at once.
    """
    changed: dict[str, Any] = {}
    overrides: list[str] = []
    salience: dict[str, dict[str, float]] = {g: {} for g in GOVERNMENTS}
    for name, value in values.items():
        if name not in LEVERS:
            raise TypeError(f"unknown lever {name!r}; levers are {', '.join(LEVERS)}")
        if value is None:
            continue
        lever = LEVERS[name]
        gov, _, issue = name.partition("_salience_")
        if issue:
            salience[gov][issue] = float(value)
            continue
        current = lever.current(scenario)
        if lever.switch:
            if bool(value) != bool(current):
                changed[name] = bool(value)
        elif abs(float(value) - float(current)) > 1e-9:
            changed[name] = float(value)
    for gov, given in salience.items():
        now = {str(i): float(getattr(scenario.actors[gov].salience, str(i))) for i in ISSUES}
        moved = {i: v for i, v in given.items() if abs(v - now[i]) > 1e-9}
        if len(moved) == 1:  # the lever rescales the other two, keeping their proportions
            issue, value = next(iter(moved.items()))
            changed[f"{gov}_salience_{issue}"] = value
        elif moved:
            wanted = {**now, **given}
            total = sum(wanted.values())
            if total <= 0:
                raise InputError.single(f"{gov} salience",
                                        "at least one salience must be above 0")
            terms = ", ".join(f"{i}: {wanted[str(i)] / total:.6f}" for i in ISSUES)
            overrides.append(f"actors.{gov}.salience={{{terms}}}")
    return changed, overrides


@dataclass(frozen=True)
class LeverControl:
    """A lever's control on the page: a slider (min, max, step) or a switch."""

    name: str
    label: str
    value: float | bool
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 0.1
    switch: bool = False


def lever_controls(scenario: Scenario) -> list[LeverControl]:
    """The page's lever controls, each at the scenario's own value."""
    out = []
    for name in PAGE_LEVERS:
        lever = LEVERS[name]
        current = lever.current(scenario)
        if lever.switch:
            out.append(LeverControl(name, lever.label, bool(current), switch=True))
        else:
            out.append(LeverControl(name, lever.label, round(float(current), 2),
                                    lever.minimum, lever.maximum, lever.step))
    return out


def apply_injection(model: ClassroomModel, button: Injection) -> str:
    """Inject a button's pressure into the model; returns what the page should say."""
    model.inject(button.kind, sender=button.sender, target=button.target,
                 duration_days=button.duration_days)
    return (f"{button.label}: queued for {short_date(model.date)}; it acts when the next "
            "day is simulated.")


# ---------------------------------------------------------------------------- the ensemble


@dataclass
class Ensemble:
    """Many replicates of the page's model, for the bands and the fan.

    Attributes:
        results: The runs as :class:`~sim.output.results.Results`.
        cc: Conflict-cooperation index per day and replicate, NaN after a leader's removal
            (the one outcome that ends a run; docs/model.md §3.1).
        outcome: Outcome per replicate.
        injected: How many of the live model's injected pressures the runs replay.
        first: For ``talks_collapsed`` and ``deal_broken``, the first day it happened in
            each traced replicate (-1 if never): talks that ended on a day no deal closed,
            and a day with fewer deals in force than the day before.
    """

    results: Results
    cc: NDArray
    outcome: NDArray
    injected: int
    first: dict[str, NDArray] = field(default_factory=dict)

    def band(self, outcomes: tuple[Outcome, ...], low: float = 0.25, high: float = 0.75,
             minimum: int = 10) -> tuple[NDArray, NDArray]:
        """Per-day quantiles of the index over the runs that end in ``outcomes``.

        Days on which fewer than ``minimum`` such runs are still going are NaN.
        """
        cc = self.cc[:, np.isin(self.outcome, [int(o) for o in outcomes])]
        days = cc.shape[0]
        lo, hi = np.full(days, np.nan), np.full(days, np.nan)
        enough = np.isfinite(cc).sum(axis=1) >= minimum
        if enough.any():
            q = np.nanquantile(cc[enough], [low, high], axis=1)
            lo[enough], hi[enough] = q[0], q[1]
        return lo, hi

    def probabilities(self) -> list[tuple[Outcome, float, float, float]]:
        """(outcome, probability, 95% low, 95% high) for each outcome (from the results)."""
        p = self.results.probabilities()
        return [(o, float(p.loc[o.label, "probability"]), float(p.loc[o.label, "ci_low"]),
                 float(p.loc[o.label, "ci_high"])) for o in OUTCOMES]

    def share_by(self, what: str, day: int) -> float:
        """Share of runs in which ``what`` had happened by the end of ``day``.

        ``what``: ``talks``, ``deal``, ``escalation``, ``leader_removed`` (from the run
        table), ``talks_collapsed`` or ``deal_broken`` (from the traced replicates' days,
        :attr:`first`).
        """
        runs = self.results.data.runs
        columns = {"talks": "talks_day", "deal": "deal_day", "escalation": "escalation_day"}
        if what in columns:
            first = runs[columns[what]]
        elif what == "leader_removed":
            first = np.where(runs["outcome"] == Outcome.LEADER_REMOVED, runs["outcome_day"], -1)
        elif what in self.first:
            first = self.first[what]
        else:
            raise ValueError(f"no share for {what!r}")
        hit = (first >= 0) & (first <= day)
        return float(np.count_nonzero(hit)) / max(len(first), 1)

    def rank(self, day: int, value: float) -> float:
        """Share of the runs still going on ``day`` whose index was below ``value``."""
        column = self.cc[day]
        column = column[np.isfinite(column)]
        return float(np.mean(column < value)) if column.size else float("nan")


def run_ensemble_like(model: DiplomacyModel, runs: int = ENSEMBLE_RUNS,
                      injected: int | None = None,
                      progress: Callable[[int, int], None] | None = None) -> Ensemble:
    """Run the model's scenario ``runs`` times with its seed, replaying injected pressures.

    Replicate 0 draws from the same stream as the live model, so with the same injections it
    follows the same path. An injected pressure is a pressure dated the day it was injected,
    so the runs replay it as one of the scenario's own.

    Args:
        model: The live model.
        runs: Replicates.
        injected: How many of the model's injected pressures to replay (default: all).
        progress: Called with (replicate-days done, replicate-days in all).
    """
    pressures = list(model.injected)[: injected]
    spec = model.spec.model_copy(update={"pressures": [*model.spec.pressures, *pressures]})
    # Every replicate keeps the band variables (the index among them); only the first few
    # keep every variable, so a page's ensemble stays a few MB.
    results = run_ensemble(spec, runs, model.seed, trace_replicates=min(runs, TRACED_RUNS),
                           band_replicates=runs, narrate=False, source=spec.name, workers=1,
                           progress=progress)
    data = results.data
    cc = data.band_trace[:, BAND_VARIABLES.index("cc_index"), :].astype(float)
    outcome = data.runs["outcome"].astype(int)
    decided = outcome >= DECIDED
    after = np.arange(spec.horizon_days)[:, None] > data.runs["outcome_day"][None, :]
    cc[after & decided[None, :]] = np.nan
    return Ensemble(results, cc, outcome, len(pressures), first_days(data.trace))


def first_days(trace: NDArray) -> dict[str, NDArray]:
    """First day talks collapsed and a deal broke, per traced replicate (-1 if never).

    Talks collapse on a day the replicate leaves the table without a deal closing that day;
    a deal breaks on a day fewer tracks have a deal in force than the day before.
    """
    talks = trace[:, _V["in_talks"], :] > 0
    deals = trace[:, _V["deals_in_force"], :]
    left = talks[:-1] & ~talks[1:] & ~(deals[1:] > deals[:-1])
    broke = deals[1:] < deals[:-1]

    def first(hit: NDArray) -> NDArray:
        return np.where(hit.any(axis=0), hit.argmax(axis=0) + 1, -1)

    return {"talks_collapsed": first(left), "deal_broken": first(broke)}


_CACHE: OrderedDict[tuple[Any, ...], Ensemble] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 6


def ensemble_for(model: ClassroomModel, with_injections: bool, runs: int = ENSEMBLE_RUNS,
                 progress: Callable[[int, int], None] | None = None) -> Ensemble:
    """The model's ensemble, computed once per scenario, seed, levers, injections and runs.

    A rebuilt model (an undo, a Reset with the same settings) finds its ensemble again.
    """
    n = len(model.injections) if with_injections else 0
    key = (id(model.base), model.seed, tuple(sorted(model.lever_values.items())),
           tuple(model.injections[:n]), runs)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    ens = run_ensemble_like(model, runs=runs, injected=n, progress=progress)
    with _CACHE_LOCK:
        _CACHE[key] = ens
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return ens


def short_date(d: dt.date) -> str:
    """``Tue 2 Sep 2025``."""
    return f"{d:%a} {d.day} {d:%b %Y}"
