"""A demand that the leader leave: what it does to bargaining (``docs/model.md`` §3.10).

A demand that threatens the survival of the other side's leader or regime (an exit demand,
a transition without him, the recognition of a rival government) changes the bargain. The
leader facing it values survival above any issue, so the bargaining range over drugs, oil
and migration shrinks; and what he would concede is worth little to the demander while the
demand stands, so narrow deals and his offers of talks count for less (Bueno de Mesquita et
al. 2003, *The Logic of Political Survival*; Sechser 2011 on compellent threats; Goemans
2000 on leaders' fates):

    S_E = S - delta_E * sum_i min(E_i, 1)   (the range while demands E_i stand on either side)
    v'  = v * (1 - omega * E)        (the demander's value of a concession or a signal)

``E`` is the level of exit demands in force against the leader (0 or 1, times intensity),
capped at 1: a second demand on top of a first (an ultimatum on top of the recognition of a
rival) threatens no more than the first.

A leader whose survival is threatened answers each turn of the screw with an offer of talks
on everything short of his exit: the target of coercive diplomacy tries to meet the coercer
part of the way and to forestall its next step (George 1991, *Forceful Persuasion*), and a
leader's first aim is to keep office (Bueno de Mesquita et al. 2003). Each coercive measure
he receives today brings home the chance that the other side's force would remove him, and
it adds to the utility of signalling openness:

    T_i = p_removal_j * chi_i,     u_signal += w_T * T_i

Force already shown on a leader's soil holds a threat over him without a word: a
demonstrated capability makes the next compellent threat credible (Schelling 1966, *Arms
and Influence*, ch. 2; Sechser 2011). Where the striker does not demand his exit, he can
still save himself by complying, so he does not walk out of talks with it; where it does,
complying would not save him, and the demand's own terms (above) apply:

    D_i = 2^(-a_i / H)      (force last shown against i a_i days ago; 0 if never)
    Q_i = clip(D_i p_j (1 - F_i), 0, 1) (1 - min(E_i, 1)),    u_walk_out -= w_S * Q_i
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.model.mechanisms.force import removal_probability


def range_under_demand(surplus: ArrayLike, demand: ArrayLike, penalty: float) -> NDArray:
    """The bargaining range left while exit demands stand: ``S - penalty * sum_i min(E_i, 1)``.

    Args:
        surplus: The range ``S`` without demands.
        demand: The exit demand each government faces, shape ``(2, ...)``.
        penalty: ``delta_E``.
    """
    return np.asarray(surplus) - penalty * np.minimum(np.asarray(demand), 1.0).sum(axis=0)


def discounted(value: ArrayLike, demand: ArrayLike, share: float) -> NDArray:
    """A value the demander discounts while its exit demand stands: ``v (1 - share E)``."""
    return np.asarray(value) * (1.0 - share * np.minimum(np.asarray(demand), 1.0))


def survival_threat(removal: ArrayLike, measures: ArrayLike) -> NDArray:
    """The threat to a leader's survival brought home today: ``T = p_removal chi``.

    Args:
        removal: The chance that the other side's force would remove him (§3.13), which is
            0 unless it demands his exit.
        measures: ``chi``, the coercive measures he received today from the other side
            (§3.1).
    """
    return np.asarray(removal) * np.asarray(measures)


def force_shown(days_since: ArrayLike, half_life: float) -> NDArray:
    """The weight of force last shown on a leader's soil: ``D = 2^(-a / H)``.

    Args:
        days_since: ``a``, days since the other side last used force on his soil (0 on the
            day, ``inf`` if it never did: then ``D`` is 0).
        half_life: ``H``, days over which the threat falls by half.
    """
    return np.exp2(-np.asarray(days_since, float) / half_life)


def shown_force_threat(shown: ArrayLike, win_prob: ArrayLike, hardliners: ArrayLike,
                       demand: ArrayLike) -> NDArray:
    """The threat force already shown holds over a leader whose exit is not demanded.

    ``Q = clip(D p (1 - F), 0, 1) (1 - min(E, 1))``: the chance that the other side's force
    would remove him if it struck again (:func:`removal_probability` with the force shown
    ``D``, at most 1, in place of the demand), counted only as far as nobody demands his
    exit, since then complying can save him.

    Args:
        shown: ``D``, the weight of force shown on his soil (:func:`force_shown`).
        win_prob: ``p``, the other side's win probability (§3.4).
        hardliners: ``F``, the support of his own hardliners (§3.14).
        demand: ``E``, the exit demand he faces (§3.10).
    """
    return removal_probability(shown, win_prob, hardliners) * (
        1.0 - np.minimum(np.asarray(demand), 1.0))


class ForceShown:
    """When force was last shown on each government's soil, and the threat it still holds.

    ``day[i]`` is the day (of the run; before the start it is negative) the other
    government last used force on ``i``'s soil, ``-inf`` where it never did, per
    replicate: from ``initial.force_shown``, an overt strike on land (§3.3) or force
    chosen (§3.7).

    Args:
        n: Replicates.
        before: ``(i, days)`` pairs: force shown on government ``i``'s soil ``days`` days
            before the start.
        half_life: ``H``, days.
        win_prob: Row ``i``: the win probability of ``i``'s other side (§3.4), ``p_j``.
    """

    def __init__(self, n: int, before: list[tuple[int, int]], half_life: float,
                 win_prob: ArrayLike) -> None:
        self.day = np.full((2, n), -np.inf)
        for i, days in before:
            self.day[i] = -days
        self.half_life = half_life
        self.win_prob = win_prob
        #: Whether force was ever shown: until then no threat is worked out.
        self.ever = bool(before)

    def shown(self, on: NDArray, t: int) -> None:
        """Force shown today on the governments and replicates where ``on`` (``(2, n)``)."""
        self.day = np.where(on, t, self.day)
        self.ever = True

    def shown_on(self, i: int, on: NDArray, t: int) -> None:
        """Force shown today on government ``i``'s soil, in the replicates where ``on``."""
        self.day[i] = np.where(on, t, self.day[i])
        self.ever = True

    def threat(self, t: int, hardliners: NDArray, demand: ArrayLike, at_table: NDArray
               ) -> NDArray:
        """``Q`` of each government's leader today (:func:`shown_force_threat`), ``(2, n)``.

        Zeros of shape ``(2, 1)`` when force was never shown or nobody is at the table,
        where it weighs on nothing.
        """
        if not (self.ever and np.count_nonzero(at_table)):
            return np.zeros((2, 1))
        return shown_force_threat(force_shown(t - self.day, self.half_life), self.win_prob,
                                  hardliners, demand)
