"""The government agents and their decision rules.

Each government is a Mesa agent whose state is a column of arrays over the replicate axis,
so one agent decides for every replicate at once. Each day it

1. updates its **readiness to talk**: a logistic score that rises with sanction pain, with
   the size of the bargaining range (Fearon 1995; Zartman's "ripeness", 2000) and with
   openness signals and mediation, and falls with hostility and with the audience cost of
   backing down from its public commitments (Fearon 1994; Putnam 1988);
2. chooses one visible **action** by a logit (softmax) over action utilities with a
   temperature (McFadden 1974; McKelvey and Palfrey's quantal response, 1995): bounded
   rationality, and the source of run-to-run variety. Temperature 0 picks the best action.

Actions and their effects (applied by :class:`sim.model.model.DiplomacyModel`):

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
=================  ==========================================================  ===========
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.model import cameo
from sim.model.cameo import EventCode
from sim.scenario.schema import ActionWeights, Actor, ReadinessWeights

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel


class Action(IntEnum):
    """A government's visible action of the day."""

    HOLD = 0
    ESCALATE = 1
    DE_ESCALATE = 2
    SIGNAL_OPENNESS = 3
    CONCEDE = 4
    RETALIATE = 5

    @property
    def label(self) -> str:
        """Plain-language name, e.g. ``signal openness``."""
        return self.name.lower().replace("_", " ").replace("de escalate", "de-escalate")


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

#: CAMEO codes of each action, per government (US, Venezuela).
ACTION_EVENTS: dict[Action, tuple[EventCode, EventCode]] = {
    Action.ESCALATE: (cameo.THREATEN_MILITARY_FORCE, cameo.MOBILIZE_FORCES),
    Action.DE_ESCALATE: (cameo.DE_ESCALATE, cameo.DE_ESCALATE),
    Action.SIGNAL_OPENNESS: (cameo.EXPRESS_INTENT_TO_NEGOTIATE, cameo.EXPRESS_INTENT_TO_NEGOTIATE),
    Action.CONCEDE: (cameo.YIELD, cameo.YIELD),
    Action.RETALIATE: (cameo.ADMINISTRATIVE_SANCTIONS, cameo.REDUCE_RELATIONS),
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
                                Action.RETALIATE: RETALIATE_HOSTILITY}),
        own_hostility=_table({Action.DE_ESCALATE: DE_ESCALATE_SELF}),
        other_resolve=_table({Action.ESCALATE: ESCALATE_RESOLVE}),
        other_signal=_table({Action.SIGNAL_OPENNESS: SIGNAL_STRENGTH}),
        other_pain=_table({Action.RETALIATE: RETALIATE_PAIN[index]}),
        commitment=_table({Action.ESCALATE: ESCALATE_COMMITMENT,
                           Action.DE_ESCALATE: DE_ESCALATE_COMMITMENT}),
        conceded=_table({Action.CONCEDE: CONCEDE_STEP}),
        goldstein=_table({a: codes[index].goldstein for a, codes in ACTION_EVENTS.items()}),
        is_event=_table({a: 1.0 for a in Action if a is not Action.HOLD}),
    )


#: Rows of :func:`effect_table`, in order.
EFFECT_ROWS = ("other_hostility", "other_resolve", "other_signal", "other_pain",
               "own_hostility", "commitment", "conceded", "goldstein", "is_event")


def effect_table() -> NDArray:
    """Both governments' action effects as one table, shape ``(9, 2 * n_actions)``.

    Row ``EFFECT_ROWS[k]``, column ``index * n_actions + action``: the model gathers a day's
    effects for both governments and every replicate with one ``np.take``.
    """
    tables = [action_effects(i) for i in range(2)]
    return np.array([np.concatenate([getattr(fx, row) for fx in tables])
                     for row in EFFECT_ROWS])


#: Logit temperatures at or below this choose the best action outright.
COLD = 1e-12


def logit_choice(utilities: NDArray, temperature: ArrayLike, u: NDArray) -> NDArray:
    """Choose one action per replicate with probability ``softmax(utilities / temperature)``.

    Args:
        utilities: Shape ``(n_actions, *S)``; ``-inf`` marks an action not available.
        temperature: Logit temperature, a scalar or broadcastable to S (e.g. ``(2, 1)`` for
            both governments); at or below :data:`COLD` (1e-12) the best action is picked
            (ties: the lowest index).
        u: One uniform per replicate, shape S.

    Returns:
        The chosen action index per replicate, shape S.
    """
    # Temperatures too small to divide by (below 1e-12) choose the best action.
    temperature = np.asarray(temperature, dtype=float)
    cold = temperature <= COLD
    if cold.all():
        return np.argmax(utilities, axis=0)
    if cold.any():
        hot = np.broadcast_to(~cold, u.shape)
        safe = np.where(cold, 1.0, temperature)
        return np.where(hot, logit_choice(utilities, safe, u), np.argmax(utilities, axis=0))
    weights = utilities - utilities.max(axis=0)
    weights /= temperature
    np.exp(weights, out=weights)
    # Inverse-CDF sampling with the cumulative sum written out (in place): the same
    # additions, in the same order, for every replicate, whatever the batch size.
    cumulative = weights
    for a in range(1, weights.shape[0]):
        cumulative[a] += cumulative[a - 1]
    threshold = u * cumulative[-1]
    # The action is the number of cumulative weights the threshold reaches (summing the
    # comparisons' bytes: several times faster than adding booleans to integers).
    reached = (threshold >= cumulative[:-1]).view(np.int8)
    return reached.sum(axis=0, dtype=np.int8).astype(np.int64)


def readiness_target(bias: ArrayLike, audience_cost: ArrayLike, w: ReadinessWeights,
                     pain: NDArray, surplus: NDArray, hostility: NDArray, commitment: NDArray,
                     signal: NDArray, mediation: NDArray) -> NDArray:
    """The readiness a government moves toward today (a probability-like score).

    ``logistic(bias + w_p pain + w_s surplus - w_h hostility - w_c audience_cost commitment
    + w_o signal + w_m mediation)``. Works on one government's row or, with parameters of
    shape ``(2, 1)``, on both governments' ``(2, n)`` state at once.
    """
    # z = bias + w_p pain + w_s surplus - w_h hostility - (w_c audience_cost) commitment
    #     + w_o signal + w_m mediation, summed in that order into one array.
    z = np.empty(np.broadcast_shapes(*map(np.shape, (bias, audience_cost, pain, surplus,
                                                     hostility, commitment, signal,
                                                     mediation))))
    np.multiply(pain, w.pain, out=z)
    z += bias
    z += w.surplus * surplus
    z -= w.hostility * hostility
    z -= w.commitment * np.asarray(audience_cost) * commitment
    z += w.signal * signal
    z += w.mediation * mediation
    # logistic(z) = 1 / (1 + exp(-z)), in place; for z below about -709 exp overflows to
    # inf and the result is the correct limit 0.
    with np.errstate(over="ignore"):
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1.0
        return np.divide(1.0, z, out=z)


def action_utilities(w: ActionWeights, hostility: NDArray, pain: NDArray, readiness: NDArray,
                     war_gain: NDArray, provocation: NDArray, in_talks: NDArray) -> NDArray:
    """Utilities of the six actions relative to holding (0), stacked on a new first axis.

    Args:
        w: The action weights.
        hostility: The government's hostility (any shape S, e.g. ``(n,)`` or ``(2, n)``).
        pain: Its sanction pain.
        readiness: Its readiness to talk.
        war_gain: Value of war less the value of the other side's current offer.
        provocation: Hostility shocks received today from the other side's pressures.
        in_talks: Whether the sides are at the table (openness is then moot).

    Returns:
        Shape ``(6, *S)``.
    """
    out = np.empty((len(ACTIONS), *np.shape(hostility)))
    hold, escalate, de_escalate, signal, concede, retaliate = (out[a] for a in ACTIONS)
    # Each row is built in place: the weighted terms added to the bias one by one.
    hold[...] = 0.0
    np.multiply(hostility, w.escalate_hostility, out=escalate)
    escalate += w.escalate_bias
    escalate += w.escalate_war * war_gain
    np.multiply(pain, w.de_escalate_pain, out=de_escalate)
    de_escalate += w.de_escalate_bias
    de_escalate += w.de_escalate_readiness * readiness
    de_escalate -= w.de_escalate_hostility * hostility
    np.multiply(readiness, w.signal_readiness, out=signal)
    signal += w.signal_bias
    np.copyto(signal, -np.inf, where=np.asarray(in_talks, bool))
    np.multiply(readiness, w.concede_readiness, out=concede)
    concede += w.concede_bias
    np.multiply(provocation, w.retaliate_shock, out=retaliate)
    retaliate += w.retaliate_bias
    return out


class GovernmentAgent(mesa.Agent):
    """A government (the US or Venezuela) deciding for every replicate of its model.

    The model evaluates the rules (:func:`readiness_target`, :func:`action_utilities`,
    :func:`logit_choice`) for both governments in one pass over their stacked state; the
    methods here apply them to this government's row alone.

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

    @property
    def other(self) -> int:
        """Index of the other government."""
        return 1 - self.index

    def readiness_target(self, pain: NDArray, surplus: NDArray, hostility: NDArray,
                         commitment: NDArray, signal: NDArray, mediation: NDArray) -> NDArray:
        """This government's readiness target (see :func:`readiness_target`)."""
        return readiness_target(self.params.readiness_bias, self.params.audience_cost,
                                self.model.spec.behaviour.readiness, pain, surplus, hostility,
                                commitment, signal, mediation)

    def action_utilities(self, hostility: NDArray, pain: NDArray, readiness: NDArray,
                         war_gain: NDArray, provocation: NDArray, in_talks: NDArray
                         ) -> NDArray:
        """This government's action utilities, shape ``(6, n)`` (see :func:`action_utilities`)."""
        return action_utilities(self.model.spec.behaviour.actions, hostility, pain, readiness,
                                war_gain, provocation, in_talks)

    def choose(self, utilities: NDArray, u: NDArray, day: int) -> NDArray:
        """Today's action per replicate (logit choice)."""
        return logit_choice(utilities, float(self.params.temperature), u)


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

    def choose(self, utilities: NDArray, u: NDArray, day: int) -> NDArray:
        """The scripted action of the day, in every replicate."""
        action = self.script[day] if day < len(self.script) else Action.HOLD
        return np.full(u.shape[0], int(action))
