"""The diplomacy model: two governments, a timeline of pressures, R replicates at once.

``DiplomacyModel(scenario, n_replicates=R)`` is a real :class:`mesa.Model` whose state is a
set of arrays over a replicate axis, so one model steps R Monte Carlo replicates with numpy
and ``n_replicates=1`` is the ordinary interactive model; there is no second engine. One
step is one day, in this order (``docs/model.md`` states every equation):

1. **Pressures** due today act (:mod:`sim.model.timeline`): sanction exposure, one-off pain,
   hostility shocks, resolve, commitment, signals, mediation, casualties, Goldstein scores.
2. **Pain and adaptation**: adaptation grows while sanctions hold; pain relaxes toward
   exposure times (1 - adaptation) and takes one-off shocks.
3. **Hostility** (Richardson) with today's shocks and noise; resolve estimates, commitment
   and signals update. Hostility of either side at the threshold, or an overt strike on
   land, is **escalation** (absorbing).
4. **Fallbacks**: war value from the win probability less the cost of conflict; the
   status quo less pain; reservation values floored by the domestic win-set.
5. **Readiness** of each government moves toward its target; talks open when both are
   ready (mediation lowers the bar) and break off when hostility runs too high.
6. **Offers** follow the aspiration curves inside talks; when they cross, the deal is the
   Nash solution restricted to the terms both accept (**agreement**, absorbing). While
   mediation is in force, a mediator (a third party) proposes the Nash split itself, which
   the sides accept sooner the more leverage it has.
7. **Actions**: each government picks its visible action by logit choice; effects act
   now or on the next day's hostility.
8. **Scoring**: the day's Goldstein total updates the conflict-cooperation index.

A replicate that reaches agreement or escalation is frozen from the next day on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from sim.model import cameo
from sim.engine import shards
from sim.model.agents import (
    ACTIONS,
    COLD,
    Action,
    GovernmentAgent,
    ScriptedGovernment,
    action_utilities,
    effect_table,
    logit_choice,
    readiness_target,
)
from sim.engine.allocator import keep_temporaries_on_heap
from sim.model.mechanisms.bargaining import Frontier, utility
from sim.scenario.errors import InputError
from sim.model.mechanisms.escalation import war_value, win_probability
from sim.model.issues import ISSUES
from sim.scenario.levers import apply_levers
from sim.model.pressures import PressureType
from sim.scenario.load import load_scenario, with_overrides
from sim.scenario.schema import (
    GOVERNMENTS,
    Condition,
    Pressure,
    Scenario,
)
from sim.engine.streams import ReplicateStreams
from sim.model.third_parties import Mediator, Producer, make_third_party, us_salience_with_producers
from sim.model.timeline import Firing, Timeline


class Outcome(IntEnum):
    """Where a replicate ended up. Agreement and escalation are absorbing."""

    STALEMATE = 0
    TALKS = 1
    AGREEMENT = 2
    ESCALATION = 3

    @property
    def label(self) -> str:
        """Lower-case name as used in tables: ``stalemate``, ``talks``, ..."""
        return self.name.lower()


OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)

#: Random columns per replicate per day: hostility noise (2), action choice (2), incidents
#: (1), then one per window of Poisson events.
NOISE_COLUMNS = 2
CHOICE_COLUMNS = 2
INCIDENT_COLUMNS = 1
FIXED_COLUMNS = NOISE_COLUMNS + CHOICE_COLUMNS + INCIDENT_COLUMNS
INCIDENT = cameo.USE_MILITARY_FORCE

#: Variables recorded each day, per replicate: name -> display name.
VARIABLES: dict[str, str] = {
    "cc_index": "Conflict-cooperation index (Goldstein, smoothed)",
    "goldstein": "Goldstein total of the day",
    "hostility_us": "US hostility",
    "hostility_venezuela": "Venezuelan hostility",
    "readiness_us": "US readiness to talk",
    "readiness_venezuela": "Venezuelan readiness to talk",
    "pain_us": "Sanction pain on the US",
    "pain_venezuela": "Sanction pain on Venezuela",
    "adaptation_venezuela": "Venezuelan adaptation to sanctions",
    "resolve_us": "US estimate of Venezuelan resolve",
    "resolve_venezuela": "Venezuelan estimate of US resolve",
    "commitment_us": "US public commitment",
    "commitment_venezuela": "Venezuelan public commitment",
    "reservation_us": "US reservation value",
    "reservation_venezuela": "Venezuelan reservation value",
    "surplus": "Bargaining range (US utility room)",
    **{f"offer_{gov}_{issue}": f"{'US' if gov == 'us' else 'Venezuelan'} offer on {issue}"
       for gov in GOVERNMENTS for issue in ISSUES},
    "casualties": "Deaths (cumulative)",
    "events": "Events of the day",
    "in_talks": "At the table",
    "outcome": "Outcome so far (0 stalemate, 1 talks, 2 agreement, 3 escalation)",
    "action_us": "US action",
    "action_venezuela": "Venezuelan action",
}

#: Variables whose quantile bands over all recorded replicates are kept.
BAND_VARIABLES: tuple[str, ...] = (
    "cc_index", "hostility_us", "hostility_venezuela", "readiness_us", "readiness_venezuela",
    "pain_venezuela", "surplus", *(f"offer_{g}_{i}" for g in GOVERNMENTS for i in ISSUES))

_OFFERS = [f"offer_{gov}_{issue}" for gov in GOVERNMENTS for issue in ISSUES]
# Where the six offer positions sit (consecutive) in VARIABLES and in BAND_VARIABLES.
_OFFER_SLOTS = range(list(VARIABLES).index(_OFFERS[0]), list(VARIABLES).index(_OFFERS[0]) + 6)
_BAND_OFFER_SLOTS = range(BAND_VARIABLES.index(_OFFERS[0]), BAND_VARIABLES.index(_OFFERS[0]) + 6)
assert [list(VARIABLES)[v] for v in _OFFER_SLOTS] == _OFFERS
assert [BAND_VARIABLES[b] for b in _BAND_OFFER_SLOTS] == _OFFERS

#: The arrays over the replicate axis (the last) that make up a model's state and record;
#: the shares of a run split over processes are joined along it (see sim.engine.shards).
_REPLICATE_ARRAYS = (
    "hostility", "pain", "adaptation", "resolve", "commitment", "signal", "readiness",
    "conceded", "reservation", "surplus", "offer_values", "aspiration", "in_talks",
    "talks_days", "outcome", "outcome_day", "talks_day", "breakdowns", "incidents",
    "escalation_cause", "cc_index", "goldstein_today", "goldstein_total", "casualties",
    "events_today", "event_total", "deal", "mediated", "nash_terms", "pending_hostility",
    "pending_pain", "pending_resolve", "pending_signal", "_action_log", "_trace", "_band",
    "_trace_offers", "_band_offers")

# What recording a replicate costs, in replicates stepped (measured at 10,000 replicates:
# the first of two shares, which records 200 traced and 2,000 banded replicates, ends
# with the second when it holds 4,700 of the 10,000; docs/performance.md).
_TRACE_COST, _BAND_COST = 1.5, 0.15

#: Default number of replicates whose every variable is kept each day (steps table).
TRACE_REPLICATES = 200
#: Default number of replicates whose key variables are kept for quantile bands.
BAND_REPLICATES = 2_000



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


class DiplomacyModel(mesa.Model):
    """US-Venezuela diplomacy under pressure, for ``n_replicates`` replicates at once.

    Args:
        scenario: A :class:`~sim.scenario.schema.Scenario`, a path or library name, or None for the
            default scenario.
        n_replicates: R, the number of replicates stepped together.
        rng: Root seed (an int); None uses the scenario's seed.
        first_replicate: Global index of replicate 0 here (for chunks of a large run).
        point: Design-point index (sweeps); part of each replicate's stream key.
        overrides: ``path=value`` assignments applied to the scenario.
        script: Scripted actions per government id, e.g. ``{"venezuela": ["escalate"]}``.
        trace_replicates: Replicates (from 0) whose every variable is kept each day.
        band_replicates: Replicates (from 0) kept for quantile bands of key variables.
        narrate: Keep a log of replicate 0's pressures, actions and turning points, up to
            the day it is decided.
        stream_layout: Ids of the Poisson windows in random-column order (see
            :class:`~sim.model.timeline.Timeline`); for common random numbers across scenarios.
        workers: Processes :meth:`run` may split the replicates over (None: one per core;
            see :mod:`sim.engine.shards`). Results are the same for any number.
        **levers: Flat parameters (see :data:`sim.scenario.levers.LEVERS`), e.g.
            ``boat_strike_tempo=2`` or ``us_salience_oil=0.5``.
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, *, n_replicates: int = 1,
                 rng: int | None = None, first_replicate: int = 0, point: int = 0,
                 overrides: Sequence[str] = (), script: Mapping[str, Sequence[Any]] | None = None,
                 trace_replicates: int | None = None, band_replicates: int | None = None,
                 narrate: bool = False, stream_layout: Sequence[str] | None = None,
                 workers: int | None = None, **levers: Any):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario, list(overrides) or None)
        else:
            scenario = with_overrides(scenario, list(overrides))
        scenario = apply_levers(scenario, levers)
        seed = scenario.seed if rng is None else int(rng)
        super().__init__(rng=seed)
        keep_temporaries_on_heap()
        if n_replicates < 1:
            raise ValueError("n_replicates must be at least 1")
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1 (or None for one per core)")
        #: The validated scenario. (Mesa's ``Model.scenario`` is its own experiment object.)
        self.spec = scenario
        self.seed = seed
        self.point = point
        self.first_replicate = first_replicate
        self.n = n = int(n_replicates)
        self.horizon = scenario.horizon_days
        self.day = 0
        self.third_parties = [make_third_party(self, tp) for tp in scenario.third_parties]
        self._setup_parameters()
        self.timeline = Timeline(scenario, n, FIXED_COLUMNS, stream_layout)
        self._stream_columns = FIXED_COLUMNS + self.timeline.columns
        script = dict(script or {})
        unknown = sorted(set(script) - set(GOVERNMENTS))
        if unknown:
            raise ValueError(f"script names unknown governments: {', '.join(unknown)}")
        self._effects = effect_table()
        self._effect_column = np.array([[0], [len(Action)]])  # column offset per government
        actors = [scenario.actors[g] for g in GOVERNMENTS]
        self._bias = np.array([[a.readiness_bias] for a in actors], dtype=float)
        self._audience = np.array([[a.audience_cost] for a in actors], dtype=float)
        self._temperature = np.array([[a.temperature] for a in actors], dtype=float)
        self._exponent = np.array([[a.concession_exponent] for a in actors])
        self.governments: list[GovernmentAgent] = []
        for i, gov in enumerate(GOVERNMENTS):
            params = scenario.actors[gov]
            agent = (ScriptedGovernment(self, gov, i, params, script[gov]) if gov in script
                     else GovernmentAgent(self, gov, i, params))
            self.governments.append(agent)
        self.trace_n = min(n, max(0, TRACE_REPLICATES if trace_replicates is None
                                  else trace_replicates))
        self.band_n = min(n, max(0, BAND_REPLICATES if band_replicates is None
                                 else band_replicates))
        self._quiet_index = [list(VARIABLES).index(v) for v in ("goldstein", "events")]
        self.narrate = narrate
        self.firings: list[Firing] = []
        self.turning_points: list[TurningPoint] = []
        self.decisions: list[Decision] = []
        self.injected: list[Pressure] = []
        self.running = True
        #: Processes a run() may split the replicates over (None: one per core).
        self.workers = workers
        self._joined = False
        # The replicate arrays (state, random streams, traces) are made when first needed
        # (a step, or reading one of them; see __getattr__), so a run split over processes
        # makes only each process's share of them (see run and sim.engine.shards).
        self._unallocated = True

    def __getattr__(self, name: str) -> Any:
        # Reached only for attributes not set: before the replicate arrays are made, make
        # them (all replicates) and look again.
        if self.__dict__.pop("_unallocated", False):
            self._allocate(0, self.n)
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _allocate(self, lo: int, hi: int) -> None:
        """Make the replicate arrays for replicates ``lo .. hi - 1`` of this model.

        The whole model is ``(0, n)``; a share of a run split over processes holds only its
        own replicates, and :meth:`_join` puts the shares back together.
        """
        self.__dict__.pop("_unallocated", None)
        if (lo, hi) != (0, self.n):
            self.n = hi - lo
            self.first_replicate += lo
            self.trace_n = min(self.n, max(0, self.trace_n - lo))
            self.band_n = min(self.n, max(0, self.band_n - lo))
            self.timeline.resize(self.n)
        n = self.n
        self.streams = ReplicateStreams(self.seed, self.point, self.first_replicate, n,
                                        self._stream_columns, normal_columns=NOISE_COLUMNS,
                                        days=self.horizon)
        self._init_state()
        # The traces are written day by day, except the offers' issue positions: each day
        # keeps the offers as US utilities (two numbers, not six), turned into positions in
        # one pass when the traces are read (see the trace and band_trace properties).
        self._trace = np.full((self.horizon, len(VARIABLES), self.trace_n), np.nan, np.float32)
        self._band = np.full((self.horizon, len(BAND_VARIABLES), self.band_n), np.nan,
                             np.float32)
        # (Rows are read only once written, so left uninitialised.)
        self._trace_offers = np.empty((self.horizon, 2, self.trace_n))
        self._band_offers = np.empty((self.horizon, 2, self.band_n))
        self._recorded = self._positioned = 0
        # What _record writes each day, per trace: (slot in the trace, index in VARIABLES)
        # of every variable but the offers, and the slots zeroed for frozen replicates.
        variable = list(VARIABLES).index
        self._recordings = (
            (self._trace, self._trace_offers, self.trace_n,
             [(v, v) for v in range(len(VARIABLES)) if v not in _OFFER_SLOTS],
             self._quiet_index),
            (self._band, self._band_offers, self.band_n,
             [(b, variable(name)) for b, name in enumerate(BAND_VARIABLES)
              if variable(name) not in _OFFER_SLOTS], []))

    # ------------------------------------------------------------------ set-up

    def _setup_parameters(self) -> None:
        scn = self.spec
        us, ve = scn.actors.us, scn.actors.venezuela
        both = (us, ve)

        def pair(get: Any) -> NDArray:
            return np.array([float(get(a)) for a in both])[:, None]

        self.k = pair(lambda a: a.hostility.reaction)
        self.a = pair(lambda a: a.hostility.restraint)
        self.g = pair(lambda a: a.hostility.grievance)
        self.rho0 = pair(lambda a: a.resolve_baseline)
        self.winset_floor = pair(lambda a: 1.0 - a.win_set)
        n = scn.escalation.decisiveness
        p_us = float(win_probability(us.capability, ve.capability, n))
        self.win_prob = np.array([p_us, 1.0 - p_us])
        cost = np.array([scn.escalation.conflict_cost * (1.0 - a.cost_tolerance) for a in both])
        self.war = war_value(self.win_prob, cost)[:, None]
        sq = np.array(scn.status_quo.as_tuple())
        producers = [tp for tp in self.third_parties if isinstance(tp, Producer)]
        #: Saliences as the model uses them: the US's after producers' cooperation.
        self.salience = (us_salience_with_producers(us.salience.as_tuple(), producers),
                         ve.salience.as_tuple())
        self.status_quo_value = np.array(
            [float(utility(sq, a.ideal.as_tuple(), s))
             for a, s in zip(both, self.salience, strict=True)])[:, None]
        agenda = [i in scn.talks.agenda for i in ISSUES]
        self.frontier = Frontier(self.salience[0], self.salience[1], us.ideal.as_tuple(),
                                 ve.ideal.as_tuple(), sq, agenda)
        mediators = [tp for tp in self.third_parties if isinstance(tp, Mediator)]
        #: The strongest mediator's leverage proposes the split (None: no mediator).
        self.mediator = max(mediators, key=lambda m: m.leverage) if mediators else None
        b = scn.behaviour
        self.index_rate = 1.0 - 0.5 ** (1.0 / b.index_halflife_days)

    def _init_state(self) -> None:
        n = self.n
        scn = self.spec
        self.hostility = np.array([[scn.actors[g].hostility.initial] * n for g in GOVERNMENTS],
                                  dtype=float)
        # Pain starts at the level of the measures already in force ('since').
        pain0 = np.clip(self.timeline.exposure_in_force(), 0.0, 1.0)
        self.pain = np.repeat(pain0[:, None], n, axis=1)
        self.adaptation = np.zeros((2, n))
        self.resolve = np.broadcast_to(self.rho0, (2, n)).copy()
        self.commitment = np.zeros((2, n))
        self.signal = np.zeros((2, n))
        # Readiness starts at the target of the first day's pain, hostility and bargaining
        # range, not at zero (commitment, signals and mediation count from day 0 on).
        _, _, _, surplus0 = self.bargaining_range(self.pain, self.resolve)
        zero = np.zeros(n)
        self.readiness = readiness_target(self._bias, self._audience, scn.behaviour.readiness,
                                          self.pain, surplus0, self.hostility, zero, zero, zero)
        self.conceded = np.zeros((2, n))
        self.reservation = np.zeros((2, n))
        self.surplus = np.zeros(n)
        self.offer_values = np.full((2, n), np.nan)
        self.aspiration = np.zeros((2, n))
        self.in_talks = np.zeros(n, bool)
        self.talks_days = np.zeros(n, np.int64)
        self.outcome = np.zeros(n, np.int8)
        self.outcome_day = np.full(n, -1, np.int64)
        self.talks_day = np.full(n, -1, np.int64)
        self.breakdowns = np.zeros(n, np.int64)
        self.incidents = np.zeros(n, np.int64)
        self.escalation_cause = np.zeros(n, np.int8)  # 1 hostility, 2 overt strike on land
        self.cc_index = np.zeros(n)
        self.goldstein_today = np.zeros(n)
        self.goldstein_total = np.zeros(n)
        self.casualties = np.zeros(n)
        self.events_today = np.zeros(n)
        self.event_total = np.zeros(n)
        self.deal = np.full((3, n), np.nan)
        self.mediated = np.zeros(n, bool)
        #: End values per replicate: taken on the day of the decision for decided
        #: replicates; for the others, read the live arrays (see :meth:`end_values`).
        self.final: dict[str, NDArray] = {
            name: np.zeros(shape) for name, shape in (
                ("hostility", (2, n)), ("readiness", (2, n)), ("pain", (2, n)),
                ("cc_index", (n,)))}
        self.nash_terms = np.full((3, n), np.nan)
        self.actions = np.zeros((2, n), np.int8)
        self._action_log = np.empty((self.horizon, 2, n), np.int8)  # read up to today
        self.pending_hostility = np.zeros((2, n))
        self.pending_pain = np.zeros((2, n))
        self.pending_resolve = np.zeros((2, n))
        self.pending_signal = np.zeros((2, n))

    # ------------------------------------------------------------------ queries

    def variable(self, condition: Condition) -> NDArray:
        """The model variable a trigger condition tests, per replicate."""
        if condition.actor is None:
            return {"cc_index": self.cc_index, "casualties": self.casualties,
                    "in_talks": self.in_talks.astype(float)}[condition.variable]
        i = GOVERNMENTS.index(condition.actor)
        return {"hostility": self.hostility, "readiness": self.readiness, "pain": self.pain,
                "adaptation": self.adaptation, "resolve": self.resolve,
                "commitment": self.commitment}[condition.variable][i]

    def inject(self, kind: PressureType | str, sender: str = "us", target: str = "venezuela",
               intensity: float = 1.0, duration_days: int | None = None,
               deaths: float | None = None) -> Pressure:
        """Add a pressure that acts on the next day stepped, in every replicate.

        This is how the classroom page's buttons (strike a dock, seize a tanker, offer talks,
        grant a licence, pause deportation flights) act on a running model.

        Args:
            kind: A pressure type, e.g. ``tanker_seizure``.
            sender: Who applies it.
            target: Which government it acts on.
            intensity: Scales its effects.
            duration_days: For states, how long it holds (default: to the end).
            deaths: For events, deaths it causes (default from the catalogue).

        Returns:
            The validated pressure, as added.

        Raises:
            InputError: The pressure is not valid (unknown type or actor, run finished).
        """
        if self.finished:
            raise InputError.single("inject", "the run has reached its horizon")
        data: dict[str, Any] = {"type": str(kind), "sender": sender, "target": target,
                                "at": self.date.isoformat(), "intensity": intensity}
        if duration_days is not None:
            data["duration_days"] = duration_days
        if deaths is not None:
            data["deaths"] = deaths
        try:
            pressure = Pressure.model_validate(data)
        except ValidationError as exc:
            raise InputError.single("inject", "; ".join(
                e["msg"] for e in exc.errors(include_url=False))) from None
        for role in ("sender", "target"):
            if getattr(pressure, role) not in self.spec.actor_ids:
                raise InputError.single("inject", f"unknown {role} {getattr(pressure, role)!r}")
        if pressure.target not in GOVERNMENTS:
            raise InputError.single("inject", f"the target must be a government "
                                    f"({' or '.join(GOVERNMENTS)}); got {pressure.target!r}")
        if pressure.sender == pressure.target:
            raise InputError.single("inject", "sender and target are the same actor")
        pid = f"{pressure.type.value}-injected-{len(self.injected) + 1}"
        self.timeline.add(pid, pressure)
        self.injected.append(pressure)
        return pressure

    def bargaining_range(self, pain: NDArray, resolve: NDArray
                         ) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """Reservation values and the bargaining range, given pain and resolve estimates.

        Each government's fallback is ``max(W, rho W + (1 - rho)(Q - pain))`` (war value W,
        status-quo utility Q, its belief rho that the other side will fight), floored by
        its domestic win-set at ``1 - win_set``.

        Returns:
            ``(reservation (2, n), most the US can get, most Venezuela can get, surplus)``;
            the surplus is the US utility room above its reservation value (negative:
            no bargaining range), floored at -1.
        """
        status_quo = self.status_quo_value - pain
        fallback = np.maximum(self.war, resolve * self.war + (1.0 - resolve) * status_quo)
        reservation = np.maximum(fallback, self.winset_floor)
        most_us = self.frontier.us_given_ve(reservation[1])
        most_ve = self.frontier.ve_given_us(reservation[0])
        return reservation, most_us, most_ve, np.maximum(most_us - reservation[0], -1.0)

    def end_values(self, name: str) -> NDArray:
        """A variable's value at the end of each replicate's run.

        That is its value on the day the replicate was decided (agreement or escalation),
        otherwise today's.
        """
        decided = self.outcome >= Outcome.AGREEMENT
        return np.where(decided, self.final[name], getattr(self, name))

    def offer_positions(self, upto: int | None = None) -> NDArray:
        """Each government's public offer as issue positions, shape ``(2, 3, m)``.

        Offers are kept as the US utility of each side's offer and turned into positions on
        the three issues only when asked (traces, charts), for the first ``upto``
        replicates (default all). Before the first day both offers are the status quo.
        """
        return self._positions(self.offer_values[:, :upto])

    def _positions(self, values: NDArray) -> NDArray:
        """Offers given as US utilities, shape ``(..., 2, m)``, as positions ``(..., 2, 3, m)``.

        NaN (no offer made yet) stands for the status quo.
        """
        positions = self.frontier.terms(np.nan_to_num(values))
        sq = np.array(self.spec.status_quo.as_tuple()).reshape(3, *[1] * values.ndim)
        return np.moveaxis(np.where(np.isnan(values)[None], sq, positions), 0, -2)

    @property
    def trace(self) -> NDArray:
        """Every variable of :data:`VARIABLES` per day for the first ``trace_n`` replicates.

        Shape ``(horizon, variables, trace_n)``, float32; NaN for days not yet stepped.
        """
        self._place_offers()
        return self._trace

    @property
    def band_trace(self) -> NDArray:
        """The :data:`BAND_VARIABLES` per day for the first ``band_n`` replicates."""
        self._place_offers()
        return self._band

    def _place_offers(self) -> None:
        """Write the offer positions of the days recorded since the traces were last read."""
        lo, hi = self._positioned, self._recorded
        if hi <= lo:
            return
        for trace, slots, offers in ((self._trace, _OFFER_SLOTS, self._trace_offers),
                                     (self._band, _BAND_OFFER_SLOTS, self._band_offers)):
            if trace.shape[2]:
                days = offers[lo:hi]
                trace[lo:hi, slots.start:slots.stop] = self._positions(days).reshape(
                    hi - lo, 6, -1)
        self._positioned = hi

    @property
    def offers(self) -> NDArray:
        """Public offers as positions, shape ``(2, 3, n)`` (see :meth:`offer_positions`)."""
        return self.offer_positions()

    @property
    def action_counts(self) -> NDArray:
        """How often each government took each action so far, shape ``(2, 6, n)``.

        Counted from the day-by-day log of actions, in which decided replicates hold; the
        count of holding is left at 0.
        """
        log = self._action_log[: self.day]
        counts = np.zeros((2, len(Action), self.n), np.int32)
        for a in ACTIONS[1:]:
            # Summing the comparison's bytes is several times faster than count_nonzero.
            counts[:, a] = (log == a).view(np.int8).sum(axis=0, dtype=np.int32)
        return counts

    @property
    def date(self) -> dt.date:
        """Calendar date of the next day to simulate."""
        return self.spec.date_of(self.day)

    @property
    def finished(self) -> bool:
        """Whether the horizon has been reached."""
        return self.day >= self.horizon

    # ------------------------------------------------------------------ the step

    def step(self) -> None:
        """Advance every replicate by one day."""
        if self.finished:
            self.running = False
            return
        if self._joined:
            raise RuntimeError("a model whose run was split over processes cannot step on")
        t = self.day
        active = self.outcome < Outcome.AGREEMENT
        # Decided replicates' numbers no longer matter (their results are frozen), so their
        # streams are not drawn any more.
        uniforms, normals = self.streams.day(t, active)
        scn, b = self.spec, self.spec.behaviour
        # Replicate 0's story is told up to its decision, whatever the replicates beside it.
        narrating = self.narrate and bool(active[0])
        log = self.firings if narrating else None
        imp = self.timeline.fire(t, uniforms, self, log)

        # 2. Pain relaxes toward the exposure left after adaptation, plus one-off shocks.
        exposure = np.maximum(imp.exposure, 0.0)
        level = np.clip(imp.effective_exposure, 0.0, 1.0)
        adaptation = np.where(exposure > 0, 1.0 - level / np.where(exposure > 0, exposure, 1),
                              0.0)
        pain = self.pain + b.pain_response * (level - self.pain)
        shock = np.clip(imp.pain + self.pending_pain, 0.0, 1.0)
        pain = pain + (1.0 - pain) * shock

        # 3. Incidents (hazard rises with forces in proximity), then Richardson hostility,
        # resolve, commitment and signals.
        # One uniform decides both: an incident happens when u < hazard, and then u / hazard
        # is itself uniform on (0, 1) and sets the exponential size of the jump.
        hazard = b.incident_rate + b.incident_presence * imp.presence
        u = uniforms[NOISE_COLUMNS + CHOICE_COLUMNS]
        incident = u < hazard
        jump = np.zeros(self.n)
        hit = np.flatnonzero(incident)  # incidents are rare: size only those
        if hit.size:
            jump[hit] = -b.incident_size * np.log1p(
                -u[hit] / np.broadcast_to(hazard, incident.shape)[hit])
        h = self.hostility
        hostility = np.maximum(
            h + self.k * h[::-1] - self.a * h + self.g + imp.hostility + self.pending_hostility
            + jump + b.hostility_noise * normals, 0.0)
        resolve = np.clip(self.resolve + b.resolve_decay * (self.rho0 - self.resolve)
                          + imp.resolve + self.pending_resolve, 0.0, 1.0)
        resolve = np.minimum(np.maximum(resolve, imp.resolve_floor), 1.0)
        commitment = self.commitment * (1.0 - b.commitment_decay) + imp.commitment
        signal = self.signal * (1.0 - b.signal_decay) + imp.signal + self.pending_signal

        # Decided replicates keep yesterday's hostility: with unstable reaction parameters
        # it would otherwise grow without bound after escalation, to inf and NaN.
        if not active.all():
            hostility = np.where(active, hostility, h)
        hottest = hostility.max(axis=0)
        escalating = active & ((hottest >= scn.escalation.threshold) | imp.escalates)
        live = active & ~escalating

        # 4. Fallbacks and the bargaining range.
        fr = self.frontier
        reservation, most_us, most_ve, surplus = self.bargaining_range(pain, resolve)

        # 5. Readiness; talks open when both are ready, break off when hostility runs high.
        mediation = imp.mediation
        target = readiness_target(self._bias, self._audience, b.readiness, pain, surplus,
                                  hostility, commitment, signal, mediation)
        readiness = self.readiness + b.readiness_response * (target - self.readiness)
        bar = scn.talks.threshold - scn.talks.mediation_bonus * mediation
        opening = live & ~self.in_talks & (readiness[0] >= bar) & (readiness[1] >= bar)
        breaking = live & self.in_talks & (hottest >= scn.talks.breakdown_hostility)
        in_talks = (self.in_talks | opening) & ~breaking
        talks_days = np.where(in_talks & ~opening, self.talks_days + 1, 0)

        # 6. Aspirations and offers; agreement when the offers cross.
        room = np.empty((2, self.n))
        np.subtract(most_us, reservation[0], out=room[0])
        np.subtract(most_ve, reservation[1], out=room[1])
        np.maximum(room, 0.0, out=room)
        # Time-based concession: 1 - (t/T)^e, which is 1 outside talks (t = 0).
        remaining = np.ones((2, self.n))
        seated = np.flatnonzero(talks_days)
        if seated.size:
            phase = np.minimum(talks_days[seated] / scn.talks.deadline_days, 1.0)
            remaining[:, seated] = 1.0 - phase ** self._exponent
        aspiration = reservation + (1.0 - self.conceded) * room * remaining
        # A demand beyond what any deal can give is read as a demand for the most there is:
        # the other side is then offered the least the frontier gives it.
        us_offer_to_ve = fr.ve_given_us(np.minimum(aspiration[0], fr.us_max))
        ve_offer_to_us = fr.us_given_ve(np.minimum(aspiration[1], fr.ve_max))
        agreeing = live & in_talks & (room[0] > 0) & (us_offer_to_ve >= aspiration[1])
        mediated = np.zeros(self.n, bool)
        nash_u = None
        if self.mediator is not None:
            waiting = live & in_talks & ~agreeing & (imp.mediation > 0) & (room[0] > 0)
            if waiting.any():
                nash_u = fr.nash(reservation[0], reservation[1])
                bar_m = self.mediator.acceptance_bar(reservation, aspiration, imp.mediation)
                mediated = waiting & (nash_u >= bar_m[0]) & (fr.ve_given_us(
                    np.nan_to_num(nash_u)) >= bar_m[1])
                agreeing = agreeing | mediated
        if agreeing.any():
            if nash_u is None:
                nash_u = fr.nash(reservation[0], reservation[1])
            deal_u = np.clip(nash_u, aspiration[0], np.maximum(ve_offer_to_us, aspiration[0]))
            deal_u = np.where(mediated, nash_u, deal_u)
            self.deal = np.where(agreeing, fr.terms(deal_u), self.deal)
            self.nash_terms = np.where(agreeing, fr.terms(nash_u), self.nash_terms)
            self.mediated |= mediated

        # 7. Actions (only replicates still in play), logit choice for both governments.
        acting = live & ~agreeing
        war_gain = np.empty((2, self.n))
        np.subtract(self.war[0], ve_offer_to_us, out=war_gain[0])
        np.subtract(self.war[1], us_offer_to_ve, out=war_gain[1])
        provocation = imp.hostility  # shocks from the other side's pressures, for retaliation
        utilities = action_utilities(b.actions, hostility, pain, readiness, war_gain,
                                     provocation, in_talks)
        choice = uniforms[NOISE_COLUMNS:NOISE_COLUMNS + CHOICE_COLUMNS]
        chosen = logit_choice(utilities, self._temperature, choice)
        for gov in self.governments:
            if gov.scripted:
                chosen[gov.index] = gov.choose(utilities[:, gov.index], choice[gov.index], t)
        actions = np.where(acting, chosen, Action.HOLD)
        if narrating and acting[0]:
            for gov in self.governments:
                i = gov.index
                self._note_decision(t, gov, utilities[:, i, 0], int(actions[i, 0]), {
                    "hostility": hostility[i, 0], "readiness": readiness[i, 0],
                    "pain": pain[i, 0], "war_gain": war_gain[i, 0],
                    "provocation": provocation[i, 0], "in_talks": float(in_talks[0])})
        goldstein = imp.goldstein + incident * INCIDENT.goldstein
        events = imp.events + incident
        # Effects of both governments' actions in every replicate, gathered at once: rows
        # as in agents.EFFECT_ROWS. Effects on the other side land on the other row.
        fx = np.take(self._effects, actions + self._effect_column, axis=1)
        pending = fx[:4, ::-1].copy()  # hostility, resolve, signal and pain, for tomorrow
        pending[0] += fx[4]  # one's own hostility (de-escalation)
        commitment = np.maximum(commitment + fx[5], 0.0)
        conceded = np.minimum(self.conceded + fx[6], 1.0)
        for i in (0, 1):
            goldstein += fx[7, i]
            events += fx[8, i]
        weekly = live & in_talks & (talks_days % 7 == 0)
        goldstein += weekly * cameo.ENGAGE_IN_NEGOTIATION.goldstein + agreeing * (
            cameo.SIGN_AGREEMENT.goldstein) + breaking * cameo.REDUCE_RELATIONS.goldstein
        events += weekly + agreeing + breaking

        # 8. Scoring and outcomes. Replicates decided on an earlier day are still stepped
        # (they are independent of the rest, and masking every array costs more than the
        # arithmetic), but nothing about them is counted or recorded any more: their
        # results were frozen on the day of the decision (see _freeze and _record).
        n = self.n
        self.adaptation = np.broadcast_to(adaptation, (2, n))
        self.pain, self.hostility, self.resolve = pain, hostility, resolve
        self.commitment, self.signal = commitment, signal
        self.readiness, self.reservation, self.surplus = readiness, reservation, surplus
        self.in_talks, self.talks_days, self.aspiration = in_talks, talks_days, aspiration
        self.offer_values = np.empty((2, n))
        self.offer_values[0], self.offer_values[1] = aspiration[0], ve_offer_to_us
        self.conceded = conceded
        (self.pending_hostility, self.pending_resolve, self.pending_signal,
         self.pending_pain) = pending
        self._action_log[t] = actions
        self.actions = self._action_log[t]
        self.cc_index = self.cc_index + self.index_rate * (goldstein - self.cc_index)
        self.goldstein_today = goldstein * active
        self.events_today = events * active
        self.goldstein_total += self.goldstein_today
        self.event_total += self.events_today
        self.casualties += imp.casualties * active
        first_talks = opening & (self.talks_day < 0)
        self.talks_day[first_talks] = t
        self.breakdowns += breaking
        self.outcome[live & in_talks & (self.outcome == Outcome.STALEMATE)] = Outcome.TALKS
        self.outcome[agreeing] = Outcome.AGREEMENT
        self.outcome[escalating] = Outcome.ESCALATION
        strike = np.broadcast_to(imp.escalates, escalating.shape)
        self.escalation_cause[escalating] = np.where(strike[escalating], 2, 1)
        self.outcome_day[agreeing | escalating] = t
        self.incidents += incident & active
        decided = agreeing | escalating
        if decided.any():
            self._freeze(np.flatnonzero(decided))
        if narrating:
            if incident[0]:
                self.turning_points.append(TurningPoint(t, "incident", detail={
                    "jump": float(jump[0])}))
            self._note_turning_points(t, opening, breaking, agreeing, escalating, strike,
                                      readiness, bar)
        self._record(t)
        self.day += 1
        if self.finished or not (self.outcome < Outcome.AGREEMENT).any():
            self.running = self.day < self.horizon and bool(
                (self.outcome < Outcome.AGREEMENT).any())

    def _note_decision(self, t: int, gov: GovernmentAgent, utilities: NDArray, action: int,
                       inputs: dict[str, Any]) -> None:
        temperature = float(gov.params.temperature)
        finite = np.isfinite(utilities)
        if temperature > COLD:
            w = np.where(finite, np.exp((np.where(finite, utilities, 0) - utilities[finite].max())
                                        / temperature), 0.0)
            probs = w / w.sum()
        else:
            probs = (np.arange(len(utilities)) == int(np.argmax(utilities))).astype(float)
        names = [a.label for a in Action]
        self.decisions.append(Decision(
            t, gov.actor_id, Action(action), dict(zip(names, map(float, probs), strict=True)),
            {n: float(u) for n, u, ok in zip(names, utilities, finite, strict=True) if ok},
            {k: float(v) for k, v in inputs.items()}))

    def _freeze(self, idx: NDArray) -> None:
        """Keep the end values of replicates decided today (for the run table)."""
        for name, final in self.final.items():
            final[..., idx] = getattr(self, name)[..., idx]

    def _note_turning_points(self, t: int, opening: NDArray, breaking: NDArray,
                             agreeing: NDArray, escalating: NDArray, strike: NDArray,
                             readiness: NDArray, bar: NDArray) -> None:
        tp = self.turning_points
        previous = getattr(self, "_ready_before", np.zeros(2, bool))
        ready_now = readiness[:, 0] >= bar[0]
        for i, gov in enumerate(GOVERNMENTS):
            if ready_now[i] != previous[i]:
                tp.append(TurningPoint(t, "ready" if ready_now[i] else "not_ready", gov,
                                       {"readiness": float(readiness[i, 0]),
                                        "bar": float(bar[0])}))
        self._ready_before = ready_now
        if opening[0]:
            tp.append(TurningPoint(t, "talks_open"))
        if breaking[0]:
            tp.append(TurningPoint(t, "talks_break", detail={
                "hostility": float(self.hostility[:, 0].max())}))
        if agreeing[0]:
            tp.append(TurningPoint(t, "agreement", detail={
                "mediated": bool(self.mediated[0]),
                "terms": dict(zip([str(i) for i in ISSUES], map(float, self.deal[:, 0]),
                                  strict=True)),
                "nash": dict(zip([str(i) for i in ISSUES], map(float, self.nash_terms[:, 0]),
                                 strict=True))}))
        if escalating[0]:
            tp.append(TurningPoint(t, "escalation", detail={
                "cause": "overt strike on land" if strike[0] else "hostility",
                "hostility": float(self.hostility[:, 0].max())}))

    def _record(self, t: int) -> None:
        m = max(self.trace_n, self.band_n)
        if not m:
            return
        values = self._values(m, offers=None)
        # Replicates decided before today keep yesterday's row, with nothing happening.
        frozen = (self.outcome[:m] >= Outcome.AGREEMENT) & (self.outcome_day[:m] < t)
        for trace, offers, n, pairs, quiet in self._recordings:
            if not n:
                continue
            row, offer_row = trace[t], offers[t]
            for slot, v in pairs:
                row[slot] = values[v][:n]
            offer_row[...] = self.offer_values[:, :n]
            dead = frozen[:n]
            if t and dead.any():
                row[:, dead] = trace[t - 1][:, dead]
                offer_row[:, dead] = offers[t - 1][:, dead]
                for v in quiet:
                    row[v, dead] = 0.0
        self._recorded = t + 1

    def current_values(self, upto: int | None = None) -> list[NDArray]:
        """Today's value of every variable in :data:`VARIABLES`, in order, per replicate.

        Args:
            upto: Only the first ``upto`` replicates (default all).
        """
        m = self.n if upto is None else upto
        return self._values(m, list(self.offer_positions(m).reshape(6, m)))

    def _values(self, m: int, offers: list[NDArray] | None) -> list[NDArray | None]:
        """:meth:`current_values` for ``m`` replicates, with ``offers`` in the offer slots."""
        if offers is None:
            offers = [None] * 6
        h, r, p = self.hostility[:, :m], self.readiness[:, :m], self.pain[:, :m]
        res, c = self.resolve[:, :m], self.commitment[:, :m]
        return [self.cc_index[:m], self.goldstein_today[:m], h[0], h[1], r[0], r[1], p[0], p[1],
                self.adaptation[1, :m], res[0], res[1], c[0], c[1], self.reservation[0, :m],
                self.reservation[1, :m], self.surplus[:m], *offers, self.casualties[:m],
                self.events_today[:m], self.in_talks[:m], self.outcome[:m],
                self.actions[0, :m], self.actions[1, :m]]

    def run(self, on_day: Callable[[int], None] | None = None) -> DiplomacyModel:
        """Step to the horizon (stopping early once every replicate is decided).

        A large model not stepped yet is split over processes (see :mod:`sim.engine.shards`);
        the results are the same as stepping it here, bit for bit.

        Args:
            on_day: Called with the number of days stepped after each day (of the first
                share, when split).
        """
        shares = (shards.bounds(self.n, self.workers, [(self.trace_n, _TRACE_COST),
                                                       (self.band_n, _BAND_COST)])
                  if "_unallocated" in self.__dict__ else [(0, self.n)])
        if len(shares) > 1:
            shards.run_shares(self, shares, on_day)
        else:
            self._step_to_end(on_day)
        return self

    def _step_to_end(self, on_day: Callable[[int], None] | None) -> None:
        while self.day < self.horizon and self.running:
            self.step()
            if on_day is not None:
                on_day(self.day)
        self.fill_remaining()

    def _share_arrays(self) -> dict[str, Any]:
        """This share's replicate arrays, complete to the horizon, for :meth:`_join`."""
        # Days after an early stop: every replicate was decided, so each holds.
        self._action_log[self.day:] = Action.HOLD
        arrays = {name: getattr(self, name) for name in _REPLICATE_ARRAYS}
        arrays["final"] = self.final
        arrays["shape"] = (self.day, self.n, self.trace_n, self.band_n)
        return arrays

    def _join(self, parts: list[dict[str, Any]]) -> None:
        """Make this model the whole of the shares it was stepped in (first share first)."""
        day = max(p["shape"][0] for p in parts)
        for p in parts:
            if p["shape"][0] < day:  # stopped early, all decided: nothing happens any more
                p["goldstein_today"] = np.zeros_like(p["goldstein_today"])
                p["events_today"] = np.zeros_like(p["events_today"])
        for name in _REPLICATE_ARRAYS:
            # The traces are often all in the first share: kept as they are, not copied.
            held = [p[name] for p in parts if p[name].shape[-1]] or [parts[0][name]]
            setattr(self, name, held[0] if len(held) == 1 else np.concatenate(held, axis=-1))
        self.final = {name: np.concatenate([p["final"][name] for p in parts], axis=-1)
                      for name in self.final}
        _, ns, traced, banded = zip(*(p["shape"] for p in parts), strict=True)
        self.n, self.trace_n, self.band_n = sum(ns), sum(traced), sum(banded)
        self.day = day
        self.actions = self._action_log[self.day - 1]
        # Offer positions are placed when the traces are read, as in one process (placing
        # them again where a share already did gives the same numbers).
        self._recorded, self._positioned = self.horizon, 0
        self.running = False
        self._joined = True

    def fill_remaining(self) -> None:
        """After an early stop, record the frozen state for the days not stepped."""
        if self.day == 0 or self.day >= self.horizon:
            return
        self._place_offers()
        self._trace[self.day:] = self._trace[self.day - 1]
        self._trace[self.day:, self._quiet_index] = 0.0
        self._band[self.day:] = self._band[self.day - 1]
        self._trace_offers[self.day:] = self._trace_offers[self.day - 1]
        self._band_offers[self.day:] = self._band_offers[self.day - 1]
        self._recorded = self._positioned = self.horizon
