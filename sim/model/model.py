"""The diplomacy model: two governments, a timeline of pressures, R replicates at once.

``DiplomacyModel(scenario, n_replicates=R)`` is a real :class:`mesa.Model` whose state is a
set of arrays over a replicate axis, so one model steps R Monte Carlo replicates with numpy
and ``n_replicates=1`` is the ordinary interactive model; there is no second engine.

One step is one day. :meth:`DiplomacyModel.step` reads as its phases, each a method that
matches a section of ``docs/model.md`` §3 and calls the rules of
:mod:`sim.model.mechanisms`, of the government agents (:mod:`sim.model.agents`), of the
third parties (:mod:`sim.model.third_parties`) and of the deals (:mod:`sim.model.deals`):

1. :meth:`~DiplomacyModel._apply_pressures` (§3.1): pressures due today act.
2. :meth:`~DiplomacyModel._update_third_parties` (§3.16): oil buyers, producers and
   mediators respond.
3. :meth:`~DiplomacyModel._update_pain` (§3.2, §3.15): pain relaxes toward the adapted
   exposure; the status quo moves with events.
4. :meth:`~DiplomacyModel._update_factions` (§3.14): hardliners' support at home.
5. :meth:`~DiplomacyModel._update_hostility` (§3.3, §3.13): incidents, Richardson
   hostility, resolve, commitment, signals, the legal cost of force; escalation events.
6. :meth:`~DiplomacyModel._update_bargaining_range` (§3.4, §3.10): fallbacks, reservation
   values, the range left under an exit demand.
7. :meth:`~DiplomacyModel._update_readiness` (§3.5): each government's readiness; talks
   open and break off.
8. :meth:`~DiplomacyModel._bargain` (§3.6): the broad bargain at the table.
9. :meth:`~DiplomacyModel._settle_tracks` (§3.11): narrow deals on the tracks.
10. :meth:`~DiplomacyModel._keep_or_break_deals` (§3.12): compliance and snapback.
11. :meth:`~DiplomacyModel._choose_actions` (§3.7, §3.13): each government's visible
    action, force and its chance of removing a leader, breaking relations, walking out.
12. :meth:`~DiplomacyModel._score_and_absorb` (§3.8): the Goldstein score, counts, the
    outcome by precedence; a removed leader ends the run.

Observers (the narration of replicate 0, Mesa's data collector) look at the finished day;
they do not live inside the phases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from sim.engine.streams import ReplicateStreams
from sim.model import cameo
from sim.model.agents import (
    Action,
    BothGovernments,
    EffectTable,
    GovernmentAgent,
    ScriptedGovernment,
)
from sim.model.control import ModelControls
from sim.model.day import Day
from sim.model.mechanisms import status_quo as status_quo_rules
from sim.model.mechanisms.escalation import incidents, richardson_step
from sim.model.mechanisms.factions import hardliner_target
from sim.model.mechanisms.force import legal_cost, removal_probability
from sim.model.mechanisms.pain import relax_pain
from sim.model.mechanisms.readiness import move_toward, talks_bar, talks_transition
from sim.model.mechanisms.survival import discounted, range_under_demand
from sim.model.narration import Decision, Narrator, TurningPoint
from sim.model.outcomes import DECIDED, OUTCOMES, EscalationCause, Outcome
from sim.model.parameters import set_parameters
from sim.model.recording import (
    BAND_REPLICATES,
    BAND_VARIABLES,
    TRACE_REPLICATES,
    VARIABLES,
    Recorder,
)
from sim.model.reporters import model_reporters
from sim.model.state import init_state
from sim.model.third_parties import OilBuyer, ThirdPartyAgent, make_third_party, oil_sales_kept
from sim.model.timeline import Timeline
from sim.model.views import ModelViews
from sim.scenario.schema import GOVERNMENTS, Pressure, Scenario

__all__ = ["BAND_REPLICATES", "BAND_VARIABLES", "OUTCOMES", "TRACE_REPLICATES", "VARIABLES",
           "Day", "Decision", "DiplomacyModel", "Outcome", "TurningPoint"]

#: Random columns per replicate per day: hostility noise (2), action choice (2), incidents
#: (1), a narrow deal closing (1), a deal breaking (1), a leader removed by force (1), then
#: one per window of Poisson events (docs/model.md §5).
NOISE_COLUMNS = 2
CHOICE_COLUMNS = 2
INCIDENT_COLUMN = NOISE_COLUMNS + CHOICE_COLUMNS
TRACK_COLUMN = INCIDENT_COLUMN + 1
BREAK_COLUMN = TRACK_COLUMN + 1
REMOVAL_COLUMN = BREAK_COLUMN + 1
FIXED_COLUMNS = REMOVAL_COLUMN + 1
INCIDENT = cameo.USE_MILITARY_FORCE
#: Hostility is capped at this multiple of the escalation threshold (§3.3): past it a side is
#: on a war footing, and an unstable arms race stays finite.
HOSTILITY_CEILING = 5.0
#: Talks are scored as one CAMEO 046 "engage in negotiation" on the day they open and on
#: every day this many days later (a weekly round).
ROUND_DAYS = 7


Observer = Callable[["DiplomacyModel", Day], None]


class DiplomacyModel(ModelViews, ModelControls, mesa.Model):
    """US-Venezuela diplomacy under pressure, for ``n_replicates`` replicates at once.

    Args:
        scenario: A validated :class:`~sim.scenario.schema.Scenario` (read one with
            :func:`sim.load_scenario`; change it with levers or ``--set`` assignments in
            :mod:`sim.scenario`).
        n_replicates: R, the number of replicates stepped together.
        rng: Root seed (an int). None draws a fresh one, as Mesa models do; it is kept in
            :attr:`seed`.
        first_replicate: Global index of replicate 0 here (for chunks of a large run).
        point: Design-point index (sweeps); part of each replicate's stream key.
        script: Scripted actions per government id, e.g. ``{"venezuela": ["escalate"]}``.
        trace_replicates: Replicates (from 0) whose every variable is kept each day.
        band_replicates: Replicates (from 0) kept for quantile bands of key variables.
        narrate: Keep a log of replicate 0's pressures, actions and turning points, up to
            the day it is decided.
        stream_layout: Ids of the Poisson windows in random-column order (see
            :class:`~sim.model.timeline.Timeline`); for common random numbers across scenarios.
        collect: Collect Mesa's :attr:`datacollector` every day. None (the default)
            collects for the interactive model (``n_replicates=1``) only.
    """

    def __init__(self, scenario: Scenario, *, n_replicates: int = 1, rng: int | None = None,
                 first_replicate: int = 0, point: int = 0,
                 script: Mapping[str, Sequence[Any]] | None = None,
                 trace_replicates: int | None = None, band_replicates: int | None = None,
                 narrate: bool = False, stream_layout: Sequence[str] | None = None,
                 collect: bool | None = None):
        if not isinstance(scenario, Scenario):
            raise TypeError("DiplomacyModel needs a Scenario; read a file or library name "
                            "with sim.load_scenario(...)")
        if n_replicates < 1:
            raise ValueError("n_replicates must be at least 1")
        seed = int(np.random.SeedSequence().entropy % 2**63) if rng is None else int(rng)
        super().__init__(rng=seed)
        script = dict(script or {})
        unknown = sorted(set(script) - set(GOVERNMENTS))
        if unknown:
            raise ValueError(f"script names unknown governments: {', '.join(unknown)}")
        #: The validated scenario. (Mesa's ``Model.scenario`` is its own experiment object.)
        self.spec = scenario
        self.seed = seed
        self.point = point
        self.first_replicate = first_replicate
        self.n = n = int(n_replicates)
        self.horizon = scenario.horizon_days
        self.day = 0
        self.third_parties: list[ThirdPartyAgent] = [
            make_third_party(self, tp) for tp in scenario.third_parties]
        set_parameters(self)
        self.governments: list[GovernmentAgent] = [
            (ScriptedGovernment(self, gov, i, scenario.actors[gov], script[gov]) if gov in script
             else GovernmentAgent(self, gov, i, scenario.actors[gov]))
            for i, gov in enumerate(GOVERNMENTS)]
        #: Both governments' rules in one pass over their rows (the agents' own rules).
        self.both = BothGovernments(self)
        self._effects = EffectTable([gov.effects for gov in self.governments])
        buyers = [tp for tp in self.third_parties if isinstance(tp, OilBuyer)]
        self.timeline = Timeline(scenario, n, FIXED_COLUMNS, stream_layout,
                                 oil_sales_kept=oil_sales_kept(buyers))
        self.streams = ReplicateStreams(seed, point, first_replicate, n,
                                        FIXED_COLUMNS + self.timeline.columns,
                                        normal_columns=NOISE_COLUMNS, days=self.horizon)
        self.trace_n = min(n, max(0, TRACE_REPLICATES if trace_replicates is None
                                  else trace_replicates))
        self.band_n = min(n, max(0, BAND_REPLICATES if band_replicates is None
                                 else band_replicates))
        self.recorder = Recorder(self.horizon, self.trace_n, self.band_n, self._positions)
        self.injected: list[Pressure] = []
        self.narrate = narrate
        self.narrator = Narrator()
        #: Called with the model and the finished :class:`Day` after each step.
        self.observers: list[Observer] = [self.narrator.observe] if narrate else []
        init_state(self)
        self.collecting = (n == 1) if collect is None else bool(collect)
        self.datacollector = mesa.DataCollector(model_reporters=model_reporters(n))
        if self.collecting:
            self.datacollector.collect(self)
        self.running = True

    # ------------------------------------------------------------------ the step

    def step(self) -> None:
        """Advance every replicate by one day, phase by phase (``docs/model.md`` §3)."""
        if self.finished:
            self.running = False
            return
        day = self._begin_day()
        self._apply_pressures(day)
        self._update_third_parties(day)
        self._update_pain(day)
        self._update_factions(day)
        self._update_hostility(day)
        self._update_bargaining_range(day)
        self._update_readiness(day)
        self._bargain(day)
        self._settle_tracks(day)
        self._keep_or_break_deals(day)
        self._choose_actions(day)
        self._score_and_absorb(day)
        for observe in self.observers:
            observe(self, day)
        self._record(day.t)
        self.day += 1
        if self.finished or not (playing := np.count_nonzero(self.outcome < DECIDED)):
            self.running = self.day < self.horizon and bool(playing)
        if self.collecting:
            self.datacollector.collect(self)

    def reach(self, outcome: Outcome, mask: NDArray, t: int) -> None:
        """Record that ``outcome`` happened today where ``mask``, by precedence.

        A replicate's outcome is the highest-coded one that has happened; its day is the
        first day of that outcome (``docs/validation.md`` E3).
        """
        # (Most days: none. np.count_nonzero(x), here and below, is x.any(), but faster.)
        up = mask & (self.outcome < outcome) if np.count_nonzero(mask) else mask
        if np.count_nonzero(up):
            self.outcome[up] = outcome
            self.outcome_day[up] = t

    def _begin_day(self) -> Day:
        """§3.0: today's random numbers, and which replicates are still in play."""
        t = self.day
        active = self.outcome < DECIDED
        # Replicates whose run has ended draw no more numbers (their results are frozen).
        uniforms, normals = self.streams.day(t, active)
        # Replicate 0's story is told up to its decision, whatever the replicates beside it.
        return Day(t, active, uniforms, normals, narrating=self.narrate and bool(active[0]),
                   choice_uniforms=uniforms[NOISE_COLUMNS:NOISE_COLUMNS + CHOICE_COLUMNS])

    def _apply_pressures(self, day: Day) -> None:
        """§3.1: the pressures due today act (scheduled, in Poisson windows, triggered)."""
        log = self.narrator.firings if day.narrating else None
        day.impulses = imp = self.timeline.fire(day.t, day.uniforms, self, log)
        # Kept at the timeline's width: one column (broadcasting over the replicates) unless
        # a per-replicate pressure set the demands today.
        day.demand = imp.exit_demand
        day.onset = np.maximum(day.demand - self.demand_before, 0.0)
        self.demand_before = day.demand

    def _update_third_parties(self, day: Day) -> None:
        """§3.16: oil buyers back off, a producer cools, a mediator is accepted or offers."""
        imp, rules = day.impulses, self.spec.behaviour.third_parties
        self.seizure_stock = self.seizure_stock + imp.seizures
        self.strike_deaths = self.strike_deaths + imp.casualties
        shares = [buyer.share_today(self.seizure_stock, imp.tariffs, rules)
                  for buyer in self.buyers]
        day.kept = oil_sales_kept(self.buyers, shares) if self.buyers else 1.0
        if self.producers:
            self.producer_cooperation = self.producers[0].cooperation_today(
                self.strike_deaths, rules)
        mediation = imp.mediation  # one column unless per replicate (as the demands)
        if self.mediator is not None:
            if not self.mediation_on_timeline:
                self.mediating |= self.mediator.offers(self.readiness, rules)
                mediation = mediation + self.mediating
            mediation = mediation * self.mediator.accepted(self.hostility, rules)
        day.mediation = mediation

    def _update_pain(self, day: Day) -> None:
        """§3.2, §3.15: pain relaxes toward the adapted exposure; the status quo moves."""
        imp, b = day.impulses, self.spec.behaviour
        exposure = np.maximum(imp.exposure, 0.0)
        # Oil buyers dull only what they keep buying (Venezuela's row); an oil deal in force
        # brings relief (§3.11).
        effective = np.empty((2, self.n))
        effective[0] = imp.effective_exposure[0] + imp.oil_sales_exposure[0]
        effective[1] = (imp.effective_exposure[1] + imp.oil_sales_exposure[1] * day.kept
                        - self.deals.oil_relief())
        level = np.minimum(np.maximum(effective, 0.0), 1.0)
        # The recorded adaptation, a summary no rule reads, is worked out when asked for.
        self._adaptation, self._adaptation_inputs = None, (exposure, level)
        shock = np.minimum(np.maximum(imp.pain + self.pending_pain, 0.0), 1.0)
        self.pain = relax_pain(self.pain, level, b.pain_response, shock)
        held, terms = self.deals.issue_deals()
        # Flights resumed lift the pauses in force that day; a later pause counts again.
        level = imp.flights_paused
        self.pause_lifted = np.where(imp.flights_resumed > 0, level,
                                     np.minimum(self.pause_lifted, level))
        paused = np.minimum(level - self.pause_lifted + self.ruptured, 1.0) - self.paused0
        self.sq = status_quo_rules.moved(self.sq0, imp.relief[1] - self.relief0, paused,
                                         b.status_quo.relief, b.status_quo.flights,
                                         held & b.status_quo.deals, terms)
        self.status_quo_value = status_quo_rules.utilities(self.sq, self.ideals,
                                                           np.array(self.salience))

    def _update_factions(self, day: Day) -> None:
        """§3.14: hardliners' support at home moves with hostility and pain."""
        f = self.spec.behaviour.factions
        target = hardliner_target(self.h0, self.hostility, self.pain, f.rally, f.defection)
        self.hardliners = move_toward(self.hardliners, target, f.response)

    def _update_hostility(self, day: Day) -> None:
        """§3.3, §3.13: incidents, hostility, resolve, commitment, signals, legal cost.

        Escalation happens where hostility reaches the threshold or a pressure is itself a
        rupture step (a strike on land, a blockade); it does not end the run.
        """
        imp, b = day.impulses, self.spec.behaviour
        # Forces in proximity raise the hazard of an unplanned clash.
        hazard = b.incident_rate + b.incident_presence * imp.presence
        day.incident, day.jump = incidents(day.uniforms[INCIDENT_COLUMN], hazard,
                                           b.incident_size)
        h = self.hostility
        hostility = richardson_step(h, h[::-1], self.k, self.a, self.g, imp.hostility,
                                    self.pending_hostility, day.jump,
                                    b.hostility_noise * day.normals,
                                    ceiling=HOSTILITY_CEILING * self.spec.escalation.threshold)
        resolve = np.minimum(np.maximum(self.resolve + b.resolve_decay * (
            self.rho0 - self.resolve) + imp.resolve + self.pending_resolve, 0.0), 1.0)
        self.resolve = np.minimum(np.maximum(resolve, imp.resolve_floor), 1.0)
        self.commitment = self.commitment * (1.0 - b.commitment_decay) + imp.commitment
        # A government discounts the openness of a leader whose exit it demands (§3.10).
        received = imp.signal + self.pending_signal
        received = discounted(received, day.demand[::-1], b.survival.signal_discount)
        self.signal = self.signal * (1.0 - b.signal_decay) + received
        # Deaths in strikes cost the striker (the US) at home and abroad (§3.13).
        self.legal[0] = legal_cost(self.legal[0], imp.casualties, b.force.legal_cost_per_death,
                                   b.force.legal_decay)
        # A removed leader's replicate keeps yesterday's hostility (its state is frozen).
        if np.count_nonzero(day.active) < self.n:
            hostility = np.where(day.active, hostility, h)
        self.hostility = hostility
        # Yesterday's action effects are spent; today's deals and actions add tomorrow's.
        self.pending_hostility = np.zeros((2, self.n))
        day.hottest = hostility.max(axis=0)
        cause = np.where(day.hottest >= self.spec.escalation.threshold,
                         np.int8(EscalationCause.HOSTILITY), np.int8(0))
        np.maximum(cause, imp.escalates, out=cause)
        day.escalation_cause = np.where(day.active, cause, np.int8(0))
        # An overt strike on land against a leader whose exit the striker demands may
        # remove him (§3.13): the same draw as a strike chosen today (§3.7). (Strikes are
        # rare: the chance is only needed on days with one.)
        strike = day.escalation_cause == EscalationCause.OVERT_STRIKE
        if np.count_nonzero(strike):
            self.force_shown.shown_on(1, strike, day.t)  # on Venezuela's soil (§3.10)
            strike &= day.uniforms[REMOVAL_COLUMN] < removal_probability(
                day.demand[1], self.win_prob[0], self.hardliners[1])
        day.removed = strike
        day.live = day.active & ~day.removed

    def _update_bargaining_range(self, day: Day) -> None:
        """§3.4, §3.10: fallbacks, reservation values; the range left under exit demands."""
        reservation, day.most_us, day.most_ve, surplus = self.bargaining_range(
            self.pain, self.resolve)
        self.reservation = reservation
        self.surplus = range_under_demand(surplus, day.demand,
                                          self.spec.behaviour.survival.range_penalty)

    def _update_readiness(self, day: Day) -> None:
        """§3.5: each government's readiness; talks open and break off."""
        self.readiness = readiness = self.both.next_readiness(day)
        talks = self.spec.talks
        day.bar = talks_bar(talks.threshold, talks.mediation_bonus, day.mediation)
        day.opening, day.breaking, in_talks = talks_transition(
            day.live & ~self.broad_done, self.in_talks, readiness, day.bar, day.hottest,
            talks.breakdown_hostility)
        self.in_talks = in_talks
        self.talks_days = (np.where(in_talks & ~day.opening, self.talks_days + 1, 0)
                           if np.count_nonzero(in_talks) else np.zeros(self.n, np.int64))
        day.collapsing = day.breaking & (self.deal_day < 0) if np.count_nonzero(day.breaking) \
            else np.zeros(self.n, bool)  # (no talks broke off: none collapsed)

    def _bargain(self, day: Day) -> None:
        """§3.6: the broad bargain at the table: aspirations, offers, agreement, terms.

        Agreement comes when the offers cross or both accept a mediator's proposal; the
        deal is the Nash solution restricted to the terms both accept. It settles the
        agenda's tracks (a broad agreement, or a narrow deal on a one-issue agenda), and
        the talks end.
        """
        fr, reservation = self.frontier, self.reservation
        room = np.empty((2, self.n))
        np.subtract(day.most_us, reservation[0], out=room[0])
        np.subtract(day.most_ve, reservation[1], out=room[1])
        np.maximum(room, 0.0, out=room)
        day.room = room
        self.aspiration = aspiration = self.both.aspiration(day)
        # A demand beyond what any deal can give is read as a demand for the most there is:
        # the other side is then offered the least the frontier gives it.
        day.us_offer_to_ve = fr.ve_given_us(np.minimum(aspiration[0], fr.us_max))
        day.ve_offer_to_us = fr.us_given_ve(np.minimum(aspiration[1], fr.ve_max))
        # Only tracks with no deal yet are left to bargain over: an agenda settled before
        # (deals in force on day 0, or closed on their own) leaves nothing to agree at the
        # table.
        if np.count_nonzero(self.in_talks):
            live_talks = day.live & self.in_talks & ~self.broad_done & self.deals.open_agenda
            agreeing = live_talks & (room[0] > 0) & (day.us_offer_to_ve >= aspiration[1])
        else:  # nobody at the table (most days): nothing to agree
            live_talks, agreeing = np.zeros(self.n, bool), np.zeros(self.n, bool)
        mediated = np.zeros(self.n, bool)
        nash_u = None
        if self.mediator is not None:
            waiting = live_talks & ~agreeing & (day.mediation > 0) & (room[0] > 0)
            if np.count_nonzero(waiting):
                nash_u = fr.nash(reservation[0], reservation[1])
                bar = self.mediator.acceptance_bar(reservation, aspiration, day.mediation)
                mediated = waiting & (nash_u >= bar[0]) & (
                    fr.ve_given_us(np.nan_to_num(nash_u)) >= bar[1])
                agreeing = agreeing | mediated
        day.agreeing, day.mediated = agreeing, mediated
        self.offer_values = np.empty((2, self.n))
        self.offer_values[0], self.offer_values[1] = aspiration[0], day.ve_offer_to_us
        if not np.count_nonzero(agreeing):
            return
        if nash_u is None:
            nash_u = fr.nash(reservation[0], reservation[1])
        deal_u = np.clip(nash_u, aspiration[0], np.maximum(day.ve_offer_to_us, aspiration[0]))
        deal_u = np.where(mediated, nash_u, deal_u)
        self.deal = np.where(agreeing, fr.terms(deal_u), self.deal)
        self.nash_terms = np.where(agreeing, fr.terms(nash_u), self.nash_terms)
        self.mediated |= mediated
        self.deals.settle_agenda(self, agreeing, day.t)

    def _settle_tracks(self, day: Day) -> None:
        """§3.11: narrow deals close on the tracks where both sides gain."""
        self.deals.settle(self, day, day.uniforms[TRACK_COLUMN])

    def _keep_or_break_deals(self, day: Day) -> None:
        """§3.12: deals in force hold or break (defection, snapback)."""
        self.deals.keep_or_break(self, day, day.uniforms[BREAK_COLUMN])

    def _choose_actions(self, day: Day) -> None:
        """§3.7, §3.13: each government in play picks its visible action by logit choice.

        Force, breaking relations and walking out act today (escalation, a removed leader,
        talks ended); the other effects are stored now (commitment, concessions) or pending
        for tomorrow.
        """
        day.acting = day.live & ~day.agreeing
        day.war_gain = np.empty((2, self.n))
        np.subtract(self.war[0], day.ve_offer_to_us, out=day.war_gain[0])
        np.subtract(self.war[1], day.us_offer_to_ve, out=day.war_gain[1])
        # Row i: the chance that force by government i removes the other's leader.
        day.removal = removal_probability(day.demand[::-1], self.win_prob[:, None],
                                          self.hardliners[::-1])
        # Row i: the threat force already shown on i's soil holds over its leader (§3.10).
        day.shown_threat = self.force_shown.threat(day.t, self.hardliners, day.demand,
                                                   self.in_talks)
        day.utilities = self.both.action_utilities(day)
        chosen = self.both.choose_action(day)
        day.actions = actions = np.where(day.acting, chosen, Action.HOLD)
        # Both governments' effects in every replicate, gathered at once (rows as in
        # agents.EFFECT_ROWS); effects on the other side land on the other row.
        fx = self._effects.of(actions)
        # Hostility, resolve, signal and pain for tomorrow: the other side's rows (views: no
        # one changes fx), plus one's own hostility (de-escalation).
        pending = fx[:4, ::-1]
        self.pending_hostility += pending[0] + fx[4]
        self.pending_resolve, self.pending_signal, self.pending_pain = pending[1:]
        self.commitment = np.maximum(self.commitment + fx[5], 0.0)
        self.conceded = np.minimum(self.conceded + fx[6], 1.0)
        day.effects = fx
        # Force, breaking relations and walking out come last: on a day no replicate took
        # any, their checks (and updates that would change nothing) are left out.
        top = int(actions.max())
        if top >= Action.USE_FORCE:
            forced = actions == Action.USE_FORCE
            day.forced = forced.any(axis=0)
            self.force_shown.shown(forced[::-1], day.t)  # on the other's soil (§3.10)
            day.removed = day.removed | (forced & (day.uniforms[REMOVAL_COLUMN] < day.removal)
                                         ).any(axis=0)
        else:
            day.forced = np.zeros(self.n, bool)  # (and day.removed as it was)
        if top >= Action.RUPTURE:
            day.ruptured = (actions == Action.RUPTURE).any(axis=0)
            self.relations_open &= ~day.ruptured
            self.ruptured |= day.ruptured
            day.walked_out = (actions == Action.WALK_OUT).any(axis=0)
            self.in_talks &= ~day.walked_out
        else:
            day.ruptured, day.walked_out = np.zeros(self.n, bool), np.zeros(self.n, bool)

    def _score_and_absorb(self, day: Day) -> None:
        """§3.8: the day's Goldstein total and the index; counts; outcomes by precedence."""
        imp, t, fx = day.impulses, day.t, day.effects
        goldstein = imp.goldstein + day.incident * INCIDENT.goldstein
        events = imp.events + day.incident
        for i in (0, 1):
            goldstein += fx[7, i]
            events += fx[8, i]
        live_talks = day.live & self.in_talks
        deals = day.closed.any(axis=0) if day.closed is not None else False
        weekly, signed, breaking = live_talks, day.agreeing | deals, day.breaking
        if np.count_nonzero(weekly) or np.count_nonzero(signed) or np.count_nonzero(breaking):
            weekly = live_talks & (self.talks_days % ROUND_DAYS == 0)
        else:  # (no talks, signing or break-off anywhere, most days: each term adds what
            weekly = signed = breaking = False  # False does, to every replicate at once)
        goldstein += weekly * cameo.ENGAGE_IN_NEGOTIATION.goldstein + (
            signed * cameo.SIGN_AGREEMENT.goldstein) + (
            breaking * cameo.REDUCE_RELATIONS.goldstein)
        events += weekly + signed + breaking
        # A replicate whose leader was removed on an earlier day is still stepped (masking
        # every array costs more than the arithmetic), but nothing about it is counted or
        # recorded any more: its results were frozen that day (see _freeze).
        active = day.active
        self._action_log[t] = day.actions
        self.actions = self._action_log[t]
        self.cc_index = self.cc_index + self.index_rate * (goldstein - self.cc_index)
        self.goldstein_today = goldstein * active
        self.events_today = events * active
        self.goldstein_total += self.goldstein_today
        self.event_total += self.events_today
        self.casualties += imp.casualties * active
        # (Counts left as they are on days no talks open or break off, most days.)
        if np.count_nonzero(day.opening):
            self.talks_day[day.opening & (self.talks_day < 0)] = t
        if np.count_nonzero(day.breaking) or np.count_nonzero(day.walked_out):
            self.breakdowns += day.breaking | day.walked_out
        self.incidents += day.incident & active
        self.reach(Outcome.TALKS, live_talks | day.opening, t)
        if np.count_nonzero(day.collapsing) or np.count_nonzero(day.walked_out):  # (else none)
            self.reach(Outcome.TALKS_COLLAPSED, (day.collapsing | day.walked_out)
                       & (self.deal_day < 0) & (self.talks_day >= 0), t)
        # Relations broken and force used today raise the cause (codes are never below 0,
        # so a day with neither leaves it as it is).
        cause = day.escalation_cause
        if np.count_nonzero(day.ruptured):
            cause = np.maximum(cause, np.where(
                day.ruptured, np.int8(EscalationCause.RUPTURE), np.int8(0)))
        if np.count_nonzero(day.forced):
            cause = np.maximum(cause, np.where(day.forced, np.int8(EscalationCause.FORCE),
                                               np.int8(0)))
        escalating = (cause > 0) & active
        first = escalating & (self.escalation_day < 0)
        self.escalation_cause[first] = cause[first]
        self.escalation_day[first] = t
        self.reach(Outcome.ESCALATION, escalating, t)
        removed = day.removed & active
        self.reach(Outcome.LEADER_REMOVED, removed, t)
        if np.count_nonzero(removed):
            self._freeze(np.flatnonzero(removed))

    def _freeze(self, idx: NDArray) -> None:
        """Keep the end values of replicates decided today (for the run table)."""
        for name, final in self.final.items():
            final[..., idx] = getattr(self, name)[..., idx]

    def _record(self, t: int) -> None:
        m = self.recorder.width
        if m:
            self.recorder.record(t, self._values(m, offers=None), self.offer_values,
                                 self.outcome, self.outcome_day)
