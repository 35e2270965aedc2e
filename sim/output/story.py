"""What the account of one run needs to know: a :class:`Story` of one replicate.

A story is built from a run's collected data (:meth:`Story.from_run`) or from a running,
narrated model (:meth:`Story.from_model`); :mod:`sim.output.narrative` turns it into words.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.model.issues import ISSUES
from sim.model.narration import Decision, TurningPoint
from sim.model.outcomes import Outcome
from sim.model.recording import VARIABLES
from sim.model.timeline import Firing
from sim.output.rundata import ESCALATION_CAUSES, RunData
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel

_V = {name: i for i, name in enumerate(VARIABLES)}


@dataclass
class Story:
    """What the account needs to know about one replicate.

    Attributes:
        scenario: The scenario as run.
        seed: The root seed.
        replicate: The global index of the replicate told.
        trace: Every variable of :data:`~sim.model.model.VARIABLES` per day, shape ``(days, V)``;
            only the days simulated so far.
        firings: Pressures that acted, in order.
        turning_points: Turning points, in order.
        decisions: Each government's daily choice with its probabilities and inputs.
        outcome: The outcome so far.
        outcome_day: Day of agreement or escalation (-1 if none).
        talks_day: Day talks first opened (-1 if never).
        deal: Deal terms per issue, when agreed.
        nash: The Nash bargaining solution at agreement, per issue.
        escalation_cause: What made the run escalate (``hostility``, ``blockade``, ...).
        finished: Whether the run reached its horizon (or ended in agreement or escalation).
    """

    scenario: Scenario
    seed: int
    replicate: int
    trace: NDArray
    firings: list[Firing] = field(default_factory=list)
    turning_points: list[TurningPoint] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    outcome: Outcome = Outcome.STALEMATE
    outcome_day: int = -1
    talks_day: int = -1
    deal: tuple[float, ...] | None = None
    nash: tuple[float, ...] | None = None
    escalation_cause: str = ""
    finished: bool = True

    @classmethod
    def from_run(cls, scenario: Scenario, seed: int, data: RunData) -> Story:
        """The story of replicate 0 of a run (the first replicate it holds)."""
        r = data.runs
        deal = tuple(float(r[f"deal_{i}"][0]) for i in ISSUES)
        nash = tuple(float(r[f"nash_{i}"][0]) for i in ISSUES)
        trace = data.trace[:, :, 0] if data.trace.shape[2] else np.empty((0, len(VARIABLES)))
        return cls(scenario, seed, int(r["replicate"][0]),
                   np.asarray(trace, dtype=float), list(data.firings),
                   list(data.turning_points), list(data.decisions), Outcome(int(r["outcome"][0])),
                   int(_outcome_day(r)), int(r["talks_day"][0]),
                   None if np.isnan(deal).any() else deal, None if np.isnan(nash).any() else nash,
                   ESCALATION_CAUSES[int(r["escalation_cause"][0])])

    @classmethod
    def from_model(cls, model: DiplomacyModel) -> Story:
        """The story so far of replicate 0 of a model built with ``narrate=True``."""
        days = model.day
        trace = (model.trace[:days, :, 0].astype(float) if model.trace_n
                 else np.empty((0, len(VARIABLES))))
        deal = tuple(float(v) for v in model.deal[:, 0])
        nash = tuple(float(v) for v in model.nash_terms[:, 0])
        outcome = Outcome(int(model.outcome[0]))
        return cls(model.spec, model.seed, model.first_replicate, trace, list(model.firings),
                   list(model.turning_points), list(model.decisions), outcome,
                   int(model.outcome_day[0]), int(model.talks_day[0]),
                   None if np.isnan(deal).any() else deal, None if np.isnan(nash).any() else nash,
                   ESCALATION_CAUSES[int(model.escalation_cause[0])],
                   model.finished or outcome is Outcome.LEADER_REMOVED)

    def value(self, day: int, name: str) -> float:
        """The value of a variable at the end of a day (NaN where nothing says).

        Read from the trace; a run recorded without one (``--keep-steps 0``) still has each
        government's daily decision inputs, which give its hostility, readiness and pain.
        """
        if 0 <= day < len(self.trace):
            return float(self.trace[day, _V[name]])
        if name == "in_talks":
            name = "in_talks_us"  # the same for both governments
        var, _, gov = name.rpartition("_")
        inputs = self._inputs.get((day, gov))
        if inputs is not None and var in inputs:
            return float(inputs[var])
        return float("nan")

    @functools.cached_property
    def _inputs(self) -> dict[tuple[int, str], dict[str, float]]:
        return {(d.day, d.actor): d.inputs for d in self.decisions}

    def peak(self, name: str) -> float:
        """The highest value a variable reached in the days told (NaN if unknown)."""
        if len(self.trace):
            return float(np.nanmax(self.trace[:, _V[name]]))
        var, _, gov = name.rpartition("_")
        seen = [d.inputs[var] for d in self.decisions if d.actor == gov and var in d.inputs]
        return float(max(seen)) if seen else float("nan")

    def before(self, day: int, name: str) -> float:
        """The value of a variable at the start of a day (the end of the day before)."""
        return self.value(day - 1, name) if day > 0 else self.value(0, name)

    def date(self, day: int) -> dt.date:
        """The calendar date of a day."""
        return self.scenario.date_of(day)


def _outcome_day(runs: dict[str, NDArray]) -> int:
    return int(runs["outcome_day"][0])
