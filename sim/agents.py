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

Actions and their effects (applied by :class:`sim.model.DiplomacyModel`):

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
from enum import IntEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import NDArray

from sim import cameo
from sim.cameo import EventCode
from sim.scenario import ActionWeights, Actor

if TYPE_CHECKING:
    from sim.model import DiplomacyModel


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


def logistic(z: NDArray) -> NDArray:
    """``1 / (1 + exp(-z))``."""
    return 1.0 / (1.0 + np.exp(-z))


def logit_choice(utilities: NDArray, temperature: float, u: NDArray) -> NDArray:
    """Choose one action per replicate with probability ``softmax(utilities / temperature)``.

    Args:
        utilities: Shape ``(n_actions, n)``; ``-inf`` marks an action not available.
        temperature: Logit temperature; 0 picks the best action (ties: the lowest index).
        u: One uniform per replicate, shape ``(n,)``.

    Returns:
        The chosen action index per replicate.
    """
    if temperature <= 0:
        return np.argmax(utilities, axis=0)
    scaled = (utilities - utilities.max(axis=0)) / temperature
    weights = np.exp(scaled)
    cumulative = np.cumsum(weights, axis=0)
    threshold = u * cumulative[-1]
    return np.sum(threshold >= cumulative[:-1], axis=0)


class GovernmentAgent(mesa.Agent):
    """A government (the US or Venezuela) deciding for every replicate of its model.

    Args:
        model: The model; its state arrays hold this agent's column ``index``.
        actor_id: ``us`` or ``venezuela``.
        index: 0 for the US, 1 for Venezuela.
        params: The government's parameters from the scenario.
    """

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
        """The readiness this government moves toward today (a probability-like score).

        ``logistic(bias + w_p pain + w_s surplus - w_h hostility - w_c audience_cost
        commitment + w_o signal + w_m mediation)``.
        """
        w = self.model.spec.behaviour.readiness
        z = (self.params.readiness_bias + w.pain * pain + w.surplus * surplus
             - w.hostility * hostility - w.commitment * self.params.audience_cost * commitment
             + w.signal * signal + w.mediation * mediation)
        return logistic(z)

    def action_utilities(self, hostility: NDArray, pain: NDArray, readiness: NDArray,
                         war_gain: NDArray, provocation: NDArray, in_talks: NDArray
                         ) -> NDArray:
        """Utilities of the six actions, shape ``(6, n)``, relative to holding (0).

        Args:
            hostility: This government's hostility.
            pain: Its sanction pain.
            readiness: Its readiness to talk.
            war_gain: Value of war less the value of the other side's current offer.
            provocation: Hostility shocks received today from the other side's pressures.
            in_talks: Whether the sides are at the table (openness is then moot).
        """
        w: ActionWeights = self.model.spec.behaviour.actions
        out = np.empty((len(ACTIONS), hostility.shape[0]))
        out[Action.HOLD] = 0.0
        out[Action.ESCALATE] = (w.escalate_bias + w.escalate_hostility * hostility
                                + w.escalate_war * war_gain)
        out[Action.DE_ESCALATE] = (w.de_escalate_bias + w.de_escalate_pain * pain
                                   + w.de_escalate_readiness * readiness
                                   - w.de_escalate_hostility * hostility)
        out[Action.SIGNAL_OPENNESS] = np.where(
            in_talks, -np.inf, w.signal_bias + w.signal_readiness * readiness)
        out[Action.CONCEDE] = w.concede_bias + w.concede_readiness * readiness
        out[Action.RETALIATE] = w.retaliate_bias + w.retaliate_shock * provocation
        return out

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
