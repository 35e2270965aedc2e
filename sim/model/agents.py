"""The government agents: how the United States and Venezuela each decide, day by day.

Each government is a Mesa agent (:class:`GovernmentAgent`) whose state is its row of the
model's arrays over the replicate axis, so one agent decides for every replicate at once.
The model's step (:mod:`sim.model.model`) calls, for each government:

1. :meth:`GovernmentAgent.next_readiness` (``docs/model.md`` §3.5): its **readiness to
   talk** moves toward a logistic target that rises with sanction pain and the size of the
   bargaining range (Zartman's ripeness, 2000; Fearon 1995) and with openness signals and
   mediation, and falls with hostility and with the audience cost of backing down from its
   public commitments (Fearon 1994; Putnam 1988);
2. :meth:`GovernmentAgent.aspiration` (§3.6): at the table it concedes along its
   time-based **aspiration curve** (Boulware, linear or conceder; Faratin, Sierra and
   Jennings 1998, as in NegMAS);
3. :meth:`GovernmentAgent.action_utilities` and :meth:`GovernmentAgent.choose_action`
   (§3.7): it picks one visible **action** by a logit (softmax) over action utilities with a
   temperature (McFadden 1974; McKelvey and Palfrey's quantal response, 1995): bounded
   rationality, and the source of run-to-run variety. Temperature 0 picks the best action.

Actions and their effects (:attr:`GovernmentAgent.effects`; the model applies both
governments' effects together):

=================  ==========================================================  ===========
action             effect                                                      CAMEO
=================  ==========================================================  ===========
hold               nothing                                                     none
escalate           the other's hostility +0.04, its resolve estimate of us     138 / 154
                   +0.02, our public commitment +0.5
de-escalate        the other's hostility -0.03, ours -0.02, our commitment     087
                   -0.2
signal openness    an openness signal (+1) to the other side                   036
concede            we give up 5% more of the bargaining range we asked for     080
retaliate          asymmetric retaliation: pain on the other (Venezuela        172 / 160
                   pauses deportation flights, 0.05; the US adds
                   administrative sanctions, 0.03) and its hostility +0.02
use force          a strike on land: escalation today and, against a leader    190
                   whose exit it demands, a chance of removing him; the
                   other's hostility +0.5 and pain +0.1, our commitment +2
break relations    escalation today; relations stay broken; the other's        161
                   hostility +0.2, our commitment +1 (only while open)
walk out of talks  talks end today (collapsed, if no deal was reached); the    164
                   other's hostility +0.05, our commitment +0.3 (at the table)
=================  ==========================================================  ===========
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.model import cameo
from sim.model.cameo import EventCode
from sim.model.mechanisms.bargaining import aspiration, concession_left
from sim.model.mechanisms.choice import logit_choice
from sim.model.mechanisms.readiness import move_toward, readiness_target
from sim.model.mechanisms.survival import survival_threat
from sim.scenario.actors import Actor
from sim.scenario.behaviour import ActionWeights

if TYPE_CHECKING:
    from sim.model.day import Day
    from sim.model.model import DiplomacyModel


class Action(IntEnum):
    """A government's visible action of the day."""

    HOLD = 0
    ESCALATE = 1
    DE_ESCALATE = 2
    SIGNAL_OPENNESS = 3
    CONCEDE = 4
    RETALIATE = 5
    USE_FORCE = 6
    RUPTURE = 7
    WALK_OUT = 8

    @property
    def label(self) -> str:
        """Plain-language name, e.g. ``signal openness``."""
        return {Action.DE_ESCALATE: "de-escalate", Action.RUPTURE: "break relations",
                Action.WALK_OUT: "walk out of talks"}.get(self, self.name.lower().replace(
                    "_", " "))


ACTIONS: tuple[Action, ...] = tuple(Action)

# Effects of actions, on the model's scales (hostility threshold 1, pain in [0, 1]).
ESCALATE_HOSTILITY = 0.04
ESCALATE_RESOLVE = 0.02
ESCALATE_COMMITMENT = 0.5
DE_ESCALATE_OTHER = -0.03
DE_ESCALATE_SELF = -0.02
DE_ESCALATE_COMMITMENT = -0.2
SIGNAL_STRENGTH = 1.0
CONCEDE_STEP = 0.05
RETALIATE_HOSTILITY = 0.02
RETALIATE_PAIN = (0.03, 0.05)  # pain the US / Venezuela inflicts by retaliating
FORCE_HOSTILITY = 0.50  # as an overt strike on land (the pressure catalogue)
FORCE_PAIN = 0.10
FORCE_COMMITMENT = 2.0
RUPTURE_HOSTILITY = 0.20
RUPTURE_COMMITMENT = 1.0
WALK_OUT_HOSTILITY = 0.05
WALK_OUT_COMMITMENT = 0.3

#: CAMEO codes of each action, per government (US, Venezuela).
ACTION_EVENTS: dict[Action, tuple[EventCode, EventCode]] = {
    Action.ESCALATE: (cameo.THREATEN_MILITARY_FORCE, cameo.MOBILIZE_FORCES),
    Action.DE_ESCALATE: (cameo.DE_ESCALATE, cameo.DE_ESCALATE),
    Action.SIGNAL_OPENNESS: (cameo.EXPRESS_INTENT_TO_NEGOTIATE, cameo.EXPRESS_INTENT_TO_NEGOTIATE),
    Action.CONCEDE: (cameo.YIELD, cameo.YIELD),
    Action.RETALIATE: (cameo.ADMINISTRATIVE_SANCTIONS, cameo.REDUCE_RELATIONS),
    Action.USE_FORCE: (cameo.USE_MILITARY_FORCE, cameo.USE_MILITARY_FORCE),
    Action.RUPTURE: (cameo.BREAK_RELATIONS, cameo.BREAK_RELATIONS),
    Action.WALK_OUT: (cameo.HALT_NEGOTIATIONS, cameo.HALT_NEGOTIATIONS),
}

#: What each retaliation looks like, per government.
RETALIATION = ("new administrative sanctions", "pauses deportation flights")


@dataclass(frozen=True)
class ActionEffects:
    """The effects of each action as lookup tables indexed by action (one row per government).

    The model stacks both governments' tables (:func:`effect_table`) and applies a day's
    actions with one gather rather than one comparison per action.
    """

    other_hostility: NDArray
    own_hostility: NDArray
    other_resolve: NDArray
    other_signal: NDArray
    other_pain: NDArray
    commitment: NDArray
    conceded: NDArray
    goldstein: NDArray
    is_event: NDArray


def _table(values: dict[Action, float]) -> NDArray:
    return np.array([values.get(a, 0.0) for a in Action])


def action_effects(index: int) -> ActionEffects:
    """The action tables of government ``index`` (0 the US, 1 Venezuela)."""
    return ActionEffects(
        other_hostility=_table({Action.ESCALATE: ESCALATE_HOSTILITY,
                                Action.DE_ESCALATE: DE_ESCALATE_OTHER,
                                Action.RETALIATE: RETALIATE_HOSTILITY,
                                Action.USE_FORCE: FORCE_HOSTILITY,
                                Action.RUPTURE: RUPTURE_HOSTILITY,
                                Action.WALK_OUT: WALK_OUT_HOSTILITY}),
        own_hostility=_table({Action.DE_ESCALATE: DE_ESCALATE_SELF}),
        other_resolve=_table({Action.ESCALATE: ESCALATE_RESOLVE}),
        other_signal=_table({Action.SIGNAL_OPENNESS: SIGNAL_STRENGTH}),
        other_pain=_table({Action.RETALIATE: RETALIATE_PAIN[index],
                           Action.USE_FORCE: FORCE_PAIN}),
        commitment=_table({Action.ESCALATE: ESCALATE_COMMITMENT,
                           Action.DE_ESCALATE: DE_ESCALATE_COMMITMENT,
                           Action.USE_FORCE: FORCE_COMMITMENT,
                           Action.RUPTURE: RUPTURE_COMMITMENT,
                           Action.WALK_OUT: WALK_OUT_COMMITMENT}),
        conceded=_table({Action.CONCEDE: CONCEDE_STEP}),
        goldstein=_table({a: codes[index].goldstein for a, codes in ACTION_EVENTS.items()}),
        is_event=_table({a: 1.0 for a in Action if a is not Action.HOLD}),
    )


#: Rows of :func:`effect_table`, in order.
EFFECT_ROWS = ("other_hostility", "other_resolve", "other_signal", "other_pain",
               "own_hostility", "commitment", "conceded", "goldstein", "is_event")


def effect_table(tables: Sequence[ActionEffects]) -> NDArray:
    """Both governments' action effects as one table, shape ``(9, 2 * n_actions)``.

    Row ``EFFECT_ROWS[k]``, column ``index * n_actions + action``: the model gathers a day's
    effects for both governments and every replicate with one ``np.take``.

    Args:
        tables: Each government's :class:`ActionEffects`, the US first.
    """
    return np.array([np.concatenate([getattr(fx, row) for fx in tables])
                     for row in EFFECT_ROWS])


class EffectTable:
    """Both governments' action effects as one table (:func:`effect_table`), gathered daily.

    Args:
        tables: Each government's :class:`ActionEffects`, the US first.
    """

    def __init__(self, tables: Sequence[ActionEffects]):
        self.table = effect_table(tables)
        #: Each government's first column in the table.
        self.column = np.array([[0], [len(Action)]])
        hold = self.table[:, self.column.ravel() + Action.HOLD]
        # Whether holding does nothing: its columns all +0.0, as a table of zeros has.
        self._hold_inert = not np.count_nonzero(hold) and not np.signbit(hold).any()

    def of(self, actions: NDArray) -> NDArray:
        """Each action's column of effects, shape ``(rows, 2, n)`` for actions ``(2, n)``.

        Where holding does nothing, the result starts as zeros and only the columns of the
        other actions (few, most days) are gathered: the same values as gathering them all.
        """
        moving = actions != Action.HOLD
        count = np.count_nonzero(moving)
        if not self._hold_inert or 2 * count > actions.size:
            return np.take(self.table, actions + self.column, axis=1)
        fx = np.zeros((self.table.shape[0], *actions.shape))
        if count:
            where = np.flatnonzero(moving)
            columns = (actions + self.column).ravel()[where]
            fx.reshape(fx.shape[0], -1)[:, where] = np.take(self.table, columns, axis=1)
        return fx


def action_utilities(w: ActionWeights, hostility: NDArray, pain: NDArray, readiness: NDArray,
                     war_gain: NDArray, provocation: NDArray, in_talks: NDArray,
                     removal: ArrayLike = 0.0, legal: ArrayLike = 0.0, demand: ArrayLike = 0.0,
                     relations_open: ArrayLike = True, provocations: ArrayLike = 0.0,
                     onset: ArrayLike = 0.0, staked: ArrayLike = 0.0,
                     defections: ArrayLike = 0.0, threat: ArrayLike = 0.0,
                     shown_threat: ArrayLike = 0.0) -> NDArray:
    """Utilities of the nine actions relative to holding (0), stacked on a new first axis.

    Args:
        w: The action weights.
        hostility: The government's hostility (any shape S, e.g. ``(n,)`` or ``(2, n)``).
        pain: Its sanction pain.
        readiness: Its readiness to talk.
        war_gain: Value of war less the value of the other side's current offer.
        provocation: Hostility shocks received today from the other side's pressures.
        in_talks: Whether the sides are at the table (openness is moot, walking out open).
        removal: The chance that force would remove the other side's leader (§3.13).
        legal: The legal and evidentiary cost of force it already bears (§3.13).
        demand: The exit demand it faces (§3.10).
        relations_open: Whether diplomatic relations are open (they can be broken).
        provocations: Coercive measures it received today from the other side.
        onset: Exit demand against its leader made today (§3.10).
        staked: Its audience cost times its public commitment (§3.13).
        defections: Coercive measures it received today from the other side on an issue
            of a track on the table: a defection at the table (§3.7).
        threat: The threat to its leader's survival that today's coercive measures bring
            home (§3.10): offers of talks gain utility with it.
        shown_threat: The threat that force already shown on its soil holds over its
            leader, where nobody demands his exit (§3.10): walking out loses utility with it.

    Returns:
        Shape ``(9, *S)``; ``-inf`` marks an action not available.
    """
    out = np.empty((len(ACTIONS), *np.shape(hostility)))
    (hold, escalate, de_escalate, signal, concede, retaliate, force, rupture,
     walk_out) = (out[a] for a in ACTIONS)
    talking = np.asarray(in_talks, bool)
    # Each row is built in place: the weighted terms added to the bias one by one.
    hold[...] = 0.0
    np.multiply(hostility, w.escalate_hostility, out=escalate)
    escalate += w.escalate_bias
    escalate += w.escalate_war * war_gain
    np.multiply(pain, w.de_escalate_pain, out=de_escalate)
    de_escalate += w.de_escalate_bias
    de_escalate += w.de_escalate_readiness * readiness
    de_escalate -= w.de_escalate_hostility * hostility
    if np.count_nonzero(talking) == talking.size:  # (everyone at the table)
        signal[...] = -np.inf
    else:
        np.multiply(readiness, w.signal_readiness, out=signal)
        signal += w.signal_bias
        signal += w.signal_survival * np.asarray(threat)
        if np.count_nonzero(talking):  # (a copy where nothing is at the table would change nothing)
            np.copyto(signal, -np.inf, where=talking)
    np.multiply(readiness, w.concede_readiness, out=concede)
    concede += w.concede_bias
    np.multiply(provocation, w.retaliate_shock, out=retaliate)
    retaliate += w.retaliate_bias
    # Force: when war is worth more than the deal on offer, and when it could remove a
    # leader whose exit one demands, against the legal cost already borne (§3.13).
    np.multiply(war_gain, w.force_war, out=force)
    force += w.force_bias
    force += w.force_removal * np.asarray(removal)
    force -= w.force_legal * np.asarray(legal)
    force += w.force_commitment * np.asarray(staked)
    # Breaking relations: a leader told to go today, or provoked (§3.10); only while open.
    # (An action no replicate may take is not weighed: its row is -inf throughout.)
    relations = np.asarray(relations_open, bool)
    if np.count_nonzero(relations):
        np.multiply(provocations, w.rupture_provocation, out=rupture)
        rupture += w.rupture_bias
        rupture += w.rupture_demand * np.asarray(demand)
        rupture += w.rupture_onset * np.asarray(onset)
        np.copyto(rupture, -np.inf, where=~relations)
    else:
        rupture[...] = -np.inf
    # Walking out of talks: answering a defection on the issues at the table, hostile, not
    # ready, and not while force already shown threatens one's leader (only at the table).
    if np.count_nonzero(talking):
        np.multiply(defections, w.walk_out_provocation, out=walk_out)
        walk_out += w.walk_out_bias
        walk_out += w.walk_out_hostility * hostility
        walk_out -= w.walk_out_readiness * readiness
        walk_out -= w.walk_out_shown_force * np.asarray(shown_threat)
        np.copyto(walk_out, -np.inf, where=~talking)
    else:
        walk_out[...] = -np.inf
    return out


def utilities_of(m: DiplomacyModel, day: Day, rows: int | slice) -> NDArray:
    """The action utilities of the governments in ``rows`` of the model's state (§3.7).

    ``rows`` is one government's index (shape ``(9, n)``) or ``slice(None)`` for both
    (``(9, 2, n)``): the one place that reads the day's state into :func:`action_utilities`.
    Row ``i`` of the threat to a leader reads the other side's removal chance (§3.10).
    """
    imp = day.impulses
    return action_utilities(m.spec.behaviour.actions, m.hostility[rows], m.pain[rows],
                            m.readiness[rows], day.war_gain[rows], imp.hostility[rows],
                            m.in_talks, day.removal[rows], m.legal[rows], day.demand[rows],
                            m.relations_open, imp.provocation[rows], day.onset[rows],
                            m.audience[rows] * m.commitment[rows], imp.defection[rows],
                            survival_threat(day.removal[::-1][rows], imp.provocation[rows]),
                            day.shown_threat[rows])


class GovernmentAgent(mesa.Agent):
    """A government (the US or Venezuela) deciding for every replicate of its model.

    Its state is row :attr:`index` of the model's arrays (``model.hostility[index]``, ...);
    each method below is one of its rules, evaluated on that row for every replicate.

    Args:
        model: The model; its state arrays hold this agent's row ``index``.
        actor_id: ``us`` or ``venezuela``.
        index: 0 for the US, 1 for Venezuela.
        params: The government's parameters from the scenario.
    """

    scripted = False

    def __init__(self, model: DiplomacyModel, actor_id: str, index: int, params: Actor):
        super().__init__(model)
        self.actor_id = actor_id
        self.index = index
        self.params = params
        self.name = params.name
        #: What each of its actions does (see the module docstring).
        self.effects = action_effects(index)

    @property
    def other(self) -> GovernmentAgent:
        """The other government."""
        return self.model.governments[1 - self.index]

    def readiness_target(self, pain: NDArray, surplus: NDArray, hostility: NDArray,
                         commitment: NDArray, signal: NDArray, mediation: NDArray) -> NDArray:
        """The readiness this government moves toward, given its row of the state (§3.5)."""
        return readiness_target(self.params.readiness_bias, self.params.audience_cost,
                                self.model.spec.behaviour.readiness, pain, surplus, hostility,
                                commitment, signal, mediation)

    def next_readiness(self, day: Day) -> NDArray:
        """Today's readiness: yesterday's, moved toward today's target (§3.5)."""
        m, i = self.model, self.index
        target = self.readiness_target(m.pain[i], m.surplus, m.hostility[i], m.commitment[i],
                                       m.signal[i], day.mediation)
        return move_toward(m.readiness[i], target, m.spec.behaviour.readiness_response)

    def aspiration(self, day: Day) -> NDArray:
        """What it asks for today at the table, in its own utility (§3.6).

        Its reservation value plus the share of its room it still asks for on its
        concession curve (``1 - (t/T)^e`` after ``t`` days at the table), less what it has
        conceded.
        """
        m, i = self.model, self.index
        left = concession_left(m.talks_days, m.spec.talks.deadline_days,
                               self.params.concession_exponent)
        return aspiration(m.reservation[i], day.room[i], m.conceded[i], left)

    def action_utilities(self, day: Day) -> NDArray:
        """Its utilities of the nine actions today, relative to holding, shape ``(9, n)`` (§3.7)."""
        return utilities_of(self.model, day, self.index)

    def choose_action(self, day: Day) -> NDArray:
        """Today's action per replicate, by logit choice over its utilities (§3.7)."""
        return logit_choice(day.utilities[:, self.index], float(self.params.temperature),
                            day.choice_uniforms[self.index])


class ScriptedGovernment(GovernmentAgent):
    """A government that plays a fixed script of actions, the same in every replicate.

    Used to test the other government's rules as a scripted exchange (as Axelrod's
    ``versus_test`` does). After the script ends it holds.

    Args:
        script: The action of each day, as :class:`Action` or names like ``escalate``.
    """

    scripted = True

    def __init__(self, model: DiplomacyModel, actor_id: str, index: int, params: Actor,
                 script: Sequence[Action | str]):
        super().__init__(model, actor_id, index, params)
        self.script = [a if isinstance(a, Action) else Action[a.upper().replace("-", "_")
                                                                .replace(" ", "_")]
                       for a in script]

    def choose_action(self, day: Day) -> NDArray:
        """The scripted action of the day, in every replicate."""
        action = self.script[day.t] if day.t < len(self.script) else Action.HOLD
        return np.full(self.model.n, int(action))


class BothGovernments:
    """The rules of both governments evaluated together, over their rows of the model's arrays.

    The same rules as :meth:`GovernmentAgent.next_readiness`,
    :meth:`GovernmentAgent.aspiration`, :meth:`GovernmentAgent.action_utilities` and
    :meth:`GovernmentAgent.choose_action`,
    applied to the ``(2, n)`` state with each government's parameters as a ``(2, 1)``
    column: row ``i`` of each result is government ``i``'s own, bit for bit (every step is
    elementwise), for half the numpy calls of a loop over the two agents. A rule that a
    government overrides (a script, a team's choice) is asked of each agent in turn. The
    governments are those of ``model.governments`` on the day (a page may replace them).

    Args:
        model: The model whose two governments (the US first) these are.
    """

    def __init__(self, model: DiplomacyModel):
        self.model = model
        self._governments: tuple[GovernmentAgent, ...] = ()

    def _current(self) -> tuple[GovernmentAgent, ...]:
        """The model's governments; their parameter columns made when they change."""
        governments = tuple(self.model.governments)
        if governments != self._governments:
            self._governments = governments

            def column(get: Callable[[Actor], float]) -> NDArray:
                return np.array([[float(get(gov.params))] for gov in governments])

            self._readiness_bias = column(lambda p: p.readiness_bias)
            self._audience_cost = column(lambda p: p.audience_cost)
            self._temperature = column(lambda p: p.temperature)
            self._concession_exponent = column(lambda p: p.concession_exponent)
            #: Per rule, whether every government follows GovernmentAgent's own.
            self._shared = {rule: all(getattr(type(gov), rule) is getattr(GovernmentAgent, rule)
                                      for gov in governments)
                            for rule in ("next_readiness", "aspiration", "action_utilities",
                                         "choose_action")}
        return governments

    def _each(self, rule: str, day: Day, shape: tuple[int, ...], dtype: type = float
              ) -> NDArray:
        """A rule asked of each government in turn, its rows stacked on axis -2."""
        out = np.empty(shape, dtype)
        for gov in self._governments:
            out[..., gov.index, :] = getattr(gov, rule)(day)
        return out

    def next_readiness(self, day: Day) -> NDArray:
        """Both governments' readiness today, shape ``(2, n)`` (§3.5)."""
        m = self.model
        self._current()
        if not self._shared["next_readiness"]:
            return self._each("next_readiness", day, (2, m.n))
        target = readiness_target(self._readiness_bias, self._audience_cost,
                                  m.spec.behaviour.readiness, m.pain, m.surplus, m.hostility,
                                  m.commitment, m.signal, day.mediation)
        return move_toward(m.readiness, target, m.spec.behaviour.readiness_response)

    def aspiration(self, day: Day) -> NDArray:
        """What both governments ask for today at the table, shape ``(2, n)`` (§3.6)."""
        m = self.model
        self._current()
        if not self._shared["aspiration"]:
            return self._each("aspiration", day, (2, m.n))
        # (Nobody seated, most days: 1 - 0^e is 1 for every replicate and government.)
        left = concession_left(m.talks_days, m.spec.talks.deadline_days,
                               self._concession_exponent) if np.count_nonzero(m.talks_days) \
            else 1.0
        return aspiration(m.reservation, day.room, m.conceded, left)

    def action_utilities(self, day: Day) -> NDArray:
        """Both governments' utilities of the nine actions, shape ``(9, 2, n)`` (§3.7)."""
        m = self.model
        self._current()
        if not self._shared["action_utilities"]:
            return self._each("action_utilities", day, (len(ACTIONS), 2, m.n))
        return utilities_of(m, day, slice(None))

    def choose_action(self, day: Day) -> NDArray:
        """Both governments' actions per replicate, shape ``(2, n)`` (§3.7)."""
        self._current()
        if not self._shared["choose_action"]:
            return self._each("choose_action", day, (2, self.model.n), np.int64)
        return logit_choice(day.utilities, self._temperature, day.choice_uniforms)
