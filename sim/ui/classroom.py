"""The classroom's model: one narrated run of the page's scenario, its levers and buttons.

:class:`ClassroomModel` is what the page (:mod:`sim.ui.app`) steps: a
:class:`~sim.model.model.DiplomacyModel` of one replicate with the page's seed and levers,
safe to step and inject into from two threads. :func:`ensemble_for` runs the same scenario,
seed and injected pressures many times for the ensemble tab. Nothing here draws.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
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
from sim.scenario.load import load_scenario, with_overrides
from sim.scenario.schema import GOVERNMENTS, Scenario

#: Environment variable naming the scenario the page opens (a file or a library name).
SCENARIO_ENV = "DIPSIM_DEMO_SCENARIO"
#: Replicates of the ensemble view.
ENSEMBLE_RUNS = 500
#: Replicates of the ensemble that keep every variable (its sample paths come from these).
SAMPLE_PATHS = 60
#: Events shown in the feed.
FEED_LENGTH = 12
#: Resolution of the live figure; with its size this sets the PNG to about 760 x 470 pixels.
LIVE_DPI = 76
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
    Injection("Offer talks", PressureType.DIALOGUE_OFFER),
    Injection("Grant a licence", PressureType.SANCTIONS_RELIEF, duration_days=90),
    Injection("Pause deportation flights", PressureType.DEPORTATION_FLIGHTS_PAUSED,
              sender="venezuela", target="us", duration_days=30),
)


# ---------------------------------------------------------------------------- the model


@functools.cache
def page_scenario() -> Scenario:
    """The scenario the page opens: ``$DIPSIM_DEMO_SCENARIO``, else the default one."""
    return load_scenario(os.environ.get(SCENARIO_ENV) or None)


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
    """The page's model: one narrated replicate of the page's scenario, with levers and a seed.

    Mesa's Reset rebuilds the model with the sidebar's values and, because Mesa models carry
    an experiment object of their own, also passes one as ``scenario``; this class ignores it
    and opens the page's scenario. Only levers whose value differs from the scenario's are
    applied, and a government's three saliences are set together (rescaled to sum to 1), so
    moving one slider changes only what it says. Stepping and injecting take a lock: Mesa's
    play loop steps in a thread while the buttons inject from another.

    Args:
        scenario: A dipsim scenario; anything else (None, Mesa's experiment) opens
            :func:`page_scenario`.
        seed: The seed box's text (or a number); empty uses the scenario's seed.
        **levers: Values of :data:`PAGE_LEVERS` (any lever of :data:`sim.scenario.levers.LEVERS`).
    """

    def __init__(self, scenario: Any = None, *, seed: Any = None, **levers: Any):
        base = scenario if isinstance(scenario, Scenario) else page_scenario()
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
        self.notes: list[str] = notes
        #: What the page last said about a button pressed for this model.
        self.said = ""
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
            return super().inject(kind, sender, target, intensity, duration_days, deaths)


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


def model_params(scenario: Scenario) -> dict[str, Any]:
    """Mesa's model parameters for the sidebar: the seed box and the lever sliders."""
    params: dict[str, Any] = {"seed": {"type": "InputText", "value": str(scenario.seed),
                                       "label": "Seed (applies on Reset)"}}
    for name in PAGE_LEVERS:
        lever = LEVERS[name]
        current = lever.current(scenario)
        if lever.switch:
            params[name] = {"type": "Checkbox", "value": bool(current), "label": lever.label}
        else:
            params[name] = {"type": "SliderFloat", "value": round(float(current), 2),
                            "min": lever.minimum, "max": lever.maximum, "step": lever.step,
                            "label": lever.label}
    return params


def apply_injection(model: ClassroomModel, button: Injection) -> str:
    """Inject a button's pressure into the model; returns what the feed should say."""
    model.inject(button.kind, sender=button.sender, target=button.target,
                 duration_days=button.duration_days)
    return (f"{button.label}: queued for {_short_date(model.date)}; it acts when the next day "
            "is simulated.")


# ---------------------------------------------------------------------------- the ensemble


@dataclass
class Ensemble:
    """Many replicates of the page's model, for the bands and the ensemble view.

    Attributes:
        results: The runs as :class:`~sim.output.results.Results` (every replicate traced).
        cc: Conflict-cooperation index per day and replicate, NaN after a leader's removal
            (the one outcome that ends a run; docs/model.md §3.1).
        outcome: Outcome per replicate.
        injected: How many of the live model's injected pressures the runs replay.
    """

    results: Results
    cc: NDArray
    outcome: NDArray
    injected: int

    def band(self, outcomes: tuple[Outcome, ...], low: float = 0.25, high: float = 0.75,
             minimum: int = 10) -> tuple[NDArray, NDArray]:
        """Per-day quantiles of the index over the runs that end in ``outcomes``.

        Days on which fewer than ``minimum`` such runs are still undecided are NaN.
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


def run_ensemble_like(model: DiplomacyModel, runs: int = ENSEMBLE_RUNS,
                      injected: int | None = None) -> Ensemble:
    """Run the model's scenario ``runs`` times with its seed, replaying injected pressures.

    Replicate 0 draws from the same stream as the live model, so with the same injections it
    follows the same path. An injected pressure is a pressure dated the day it was injected,
    so the runs replay it as one of the scenario's own.

    Args:
        model: The live model.
        runs: Replicates.
        injected: How many of the model's injected pressures to replay (default: all).
    """
    pressures = list(model.injected)[: injected]
    spec = model.spec.model_copy(update={"pressures": [*model.spec.pressures, *pressures]})
    # Every replicate keeps the band variables (the index among them); only the first few
    # keep every variable (the sample paths drawn), so a page's ensemble stays a few MB.
    results = run_ensemble(spec, runs, model.seed, trace_replicates=min(runs, SAMPLE_PATHS),
                           band_replicates=runs, narrate=False, source=spec.name, workers=1)
    data = results.data
    cc = data.band_trace[:, BAND_VARIABLES.index("cc_index"), :].astype(float)
    outcome = data.runs["outcome"].astype(int)
    decided = outcome >= DECIDED
    after = np.arange(spec.horizon_days)[:, None] > data.runs["outcome_day"][None, :]
    cc[after & decided[None, :]] = np.nan
    return Ensemble(results, cc, outcome, len(pressures))


def ensemble_for(model: ClassroomModel, with_injections: bool) -> Ensemble:
    """The model's ensemble, computed once per model (and per number of injections)."""
    n = len(model.injected) if with_injections else 0
    cache: dict[int, Ensemble] = model.__dict__.setdefault("_ensembles", {})
    with model.__dict__.setdefault("_ensemble_lock", threading.Lock()):
        if n not in cache:
            cache[n] = run_ensemble_like(model, injected=n)
        return cache[n]


# ---------------------------------------------------------------------------- live charts


def _short_date(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"
