"""The story of replicate 0: what it was told of each day, observed after the day's phases.

:class:`Narrator` is an observer of the model's step (``DiplomacyModel.observers``): it
reads the finished day and keeps, for replicate 0 only and up to the day it is decided,

- the pressures that acted (:class:`~sim.model.timeline.Firing`, logged by the timeline),
- each government's choice with its probabilities, utilities and inputs
  (:class:`Decision`),
- the turning points: an incident, a side becoming ready or not, talks opening or breaking
  off, an agreement, an escalation (:class:`TurningPoint`). A side becoming ready or not
  carries what moved its readiness (:data:`READINESS_DRIVERS`): each input of its readiness
  score then and now, and how much its change moved the score.

The plain-language account (:mod:`sim.output.narrative`) is written from these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.agents import Action
from sim.model.issues import ISSUES, TRACKS
from sim.model.mechanisms.choice import choice_probabilities
from sim.model.mechanisms.compliance import grievance, grievance_hazard
from sim.model.mechanisms.survival import survival_threat
from sim.model.outcomes import EscalationCause
from sim.scenario.schema import GOVERNMENTS

if TYPE_CHECKING:
    from sim.model.day import Day
    from sim.model.model import DiplomacyModel
    from sim.model.timeline import Firing


#: The inputs of a government's readiness score (§3.5), in the formula's order, and the
#: sign each enters with.
READINESS_DRIVERS: dict[str, int] = {"pain": 1, "surplus": 1, "hostility": -1,
                                     "commitment": -1, "signal": 1, "mediation": 1}
#: Each action's plain-language name, in action order.
ACTION_LABELS = [a.label for a in Action]
#: How far back a change of readiness is explained from (days).
LOOK_BACK_DAYS = 30


@dataclass
class Decision:
    """A government's choice in replicate 0 on one day, with what decided it."""

    day: int
    actor: str
    action: Action
    probabilities: dict[str, float]
    utilities: dict[str, float]
    inputs: dict[str, float]


@dataclass
class TurningPoint:
    """A moment of replicate 0 worth telling: talks opening, an offer accepted, ..."""

    day: int
    kind: str
    actor: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


#: The threat of force already shown (§3.10 (7)) from which staying at the table through a
#: defection is told as a turning point.
HELD_THREAT = 0.05


class Narrator:
    """Keeps replicate 0's firings, decisions and turning points, day by day."""

    def __init__(self) -> None:
        self.firings: list[Firing] = []
        self.decisions: list[Decision] = []
        self.turning_points: list[TurningPoint] = []
        self._ready_before = np.zeros(2, bool)
        # Each day: per government, the raw inputs of the readiness score and their weights
        # (weight x sign x audience cost), shape (2, 2, drivers).
        self._drivers: dict[int, np.ndarray] = {}
        self._last_crossing = [-1, -1]
        # Replicate 0's last step taken alone on a question linked to a deal (its day and
        # its tracks), and what is left of the grievance that all such steps added.
        self._shortfall: tuple[int, list[str]] | None = None
        self._step_grievance = 0.0

    def observe(self, model: DiplomacyModel, day: Day) -> None:
        """Note what the finished ``day`` did to replicate 0 (until it is decided)."""
        if not day.narrating:
            return
        if day.acting[0]:
            for gov in model.governments:
                self._decision(model, day, gov.index)
        if day.incident[0]:
            self.turning_points.append(TurningPoint(day.t, "incident", detail={
                "jump": float(day.jump[0])}))
        self._drivers[day.t] = self._readiness_inputs(model, day)
        self._turning_points(model, day)

    @staticmethod
    def _readiness_inputs(model: DiplomacyModel, day: Day) -> np.ndarray:
        """Replicate 0's readiness inputs and their weights in the score, per government."""
        w = model.spec.behaviour.readiness
        mediation = float(day.mediation[0]) \
            if day.mediation is not None else 0.0
        out = np.empty((2, 2, len(READINESS_DRIVERS)))
        for gov in model.governments:
            i = gov.index
            out[i, 0] = (model.pain[i, 0], model.surplus[0], model.hostility[i, 0],
                         model.commitment[i, 0], model.signal[i, 0], mediation)
            out[i, 1] = (w.pain, w.surplus, -w.hostility,
                         -w.commitment * float(np.ravel(gov.params.audience_cost)[0]),
                         w.signal, w.mediation)
        return out

    def _why_readiness(self, i: int, t: int) -> dict[str, Any]:
        """What moved government ``i``'s readiness since its last crossing of the bar.

        Looks back at most :data:`LOOK_BACK_DAYS`, and not past the day its readiness last
        crossed the bar the other way.
        """
        start = max(t - LOOK_BACK_DAYS, self._last_crossing[i])
        since = min((d for d in self._drivers if d >= start), default=t)
        self._last_crossing[i] = t
        then, now = self._drivers[since][i], self._drivers[t][i]
        return {"day": t, "since": since, "drivers": {
            name: {"then": float(then[0, k]), "now": float(now[0, k]),
                   "effect": float(now[1, k] * now[0, k] - then[1, k] * then[0, k])}
            for k, name in enumerate(READINESS_DRIVERS)}}

    def _decision(self, model: DiplomacyModel, day: Day, i: int) -> None:
        gov = model.governments[i]
        utilities = day.utilities[:, i, 0]
        probs = choice_probabilities(utilities, float(gov.params.temperature))
        names = ACTION_LABELS
        inputs = {"hostility": model.hostility[i, 0], "readiness": model.readiness[i, 0],
                  "pain": model.pain[i, 0], "war_gain": day.war_gain[i, 0],
                  "provocation": day.impulses.hostility[i, 0],
                  "in_talks": float(model.in_talks[0]), "removal": day.removal[i, 0],
                  "legal": model.legal[i, 0], "demand": day.demand[i, 0],
                  "onset": day.onset[i, 0],
                  "provocations": day.impulses.provocation[i, 0],
                  "defections": day.impulses.defection[i, 0],
                  "staked": model.audience[i, 0] * model.commitment[i, 0],
                  "removal_by_other": day.removal[1 - i, 0],
                  "threat": survival_threat(day.removal[1 - i, 0],
                                            day.impulses.provocation[i, 0]),
                  "shown_threat": day.shown_threat[i, 0]}
        self.decisions.append(Decision(
            day.t, gov.actor_id, Action(int(day.actions[i, 0])),
            # (Python floats in one call each: the same values as float() of each element.)
            dict(zip(names, probs.tolist(), strict=True)),
            {n: u for n, u in zip(names, utilities.tolist(), strict=True) if math.isfinite(u)},
            {k: float(v) for k, v in inputs.items()}))

    def _turning_points(self, model: DiplomacyModel, day: Day) -> None:
        tp, t = self.turning_points, day.t
        bar = float(day.bar[0])
        ready_now = model.readiness[:, 0] >= bar
        for i, gov in enumerate(GOVERNMENTS):
            if ready_now[i] != self._ready_before[i]:
                tp.append(TurningPoint(t, "ready" if ready_now[i] else "not_ready", gov,
                                       {"readiness": float(model.readiness[i, 0]),
                                        "bar": bar, **self._why_readiness(i, t)}))
        self._ready_before = ready_now
        if day.opening[0]:
            tp.append(TurningPoint(t, "talks_open"))
        if day.breaking[0]:
            tp.append(TurningPoint(t, "talks_break", detail={
                "hostility": float(model.hostility[:, 0].max())}))
        if day.agreeing[0]:
            tp.append(TurningPoint(t, "agreement", detail={
                "mediated": bool(model.mediated[0]),
                "terms": dict(zip([str(i) for i in ISSUES], map(float, model.deal[:, 0]),
                                  strict=True)),
                "nash": dict(zip([str(i) for i in ISSUES], map(float, model.nash_terms[:, 0]),
                                 strict=True))}))
        if day.closed is not None and day.closed[:, 0].any():
            tp.append(TurningPoint(t, "narrow_deal", detail={
                "tracks": [tr.value for tr, c in zip(TRACKS, day.closed[:, 0], strict=True)
                           if c]}))
        # The part of the grievance that steps taken alone have added (§3.12), fading as
        # the grievance does, by the model's own rule.
        step = float(day.shortfall[0]) if day.shortfall is not None else 0.0
        self._step_grievance = grievance(self._step_grievance, step,
                                         model.spec.behaviour.compliance.grievance_decay)
        if step > 0:
            steps = day.impulses.shortfalls[:, 0]
            self._shortfall = (t, [tr.value for tr, s in zip(TRACKS, steps, strict=True) if s])
        if day.broken is not None and day.broken[:, 0].any():
            detail: dict[str, Any] = {
                "tracks": [tr.value for tr, c in zip(TRACKS, day.broken[:, 0], strict=True)
                           if c],
                "grievance": float(model.deals.grievance[0]),
                "added_hazard": min(float(grievance_hazard(
                    model.deals.grievance[0], model.spec.behaviour.compliance.reciprocity)), 1.0)}
            if self._shortfall is not None:
                # The latest step, and the share of today's grievance still owed to steps.
                step_day, detail["step_tracks"] = self._shortfall
                detail["step_day"] = step_day
                detail["step_share"] = (self._step_grievance / detail["grievance"]
                                        if detail["grievance"] else 0.0)
            tp.append(TurningPoint(t, "deal_broken", detail=detail))
        if day.walked_out[0]:
            who = [g for i, g in enumerate(GOVERNMENTS) if day.actions[i, 0] == Action.WALK_OUT]
            tp.append(TurningPoint(t, "walk_out", who[0] if who else None))
        elif model.in_talks[0]:
            # A defection at the table answered by staying, under force already shown (§3.10).
            for i, gov in enumerate(GOVERNMENTS):
                if day.impulses.defection[i, 0] and day.shown_threat[i, 0] >= HELD_THREAT:
                    tp.append(TurningPoint(t, "held_under_threat", gov, detail={
                        "defections": float(day.impulses.defection[i, 0]),
                        "threat": float(day.shown_threat[i, 0])}))
        cause = int(model.escalation_cause[0]) if model.escalation_day[0] == t else 0
        if cause:
            tp.append(TurningPoint(t, "escalation", detail={
                "cause": EscalationCause(cause).label,
                "hostility": float(model.hostility[:, 0].max())}))
        if day.removed[0]:
            tp.append(TurningPoint(t, "leader_removed"))
