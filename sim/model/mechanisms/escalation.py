"""Escalation: Richardson hostility, incidents, the contest of force and the value of no deal.

Small pure functions with closed forms; :class:`~sim.model.model.DiplomacyModel` calls each
of them in its step, and the tests call the same functions.

- Richardson (1960) arms-race model of mutual hostility, stepped daily (Euler, dt = 1 day):
  ``H_i <- max(H_i + k_i H_j - a_i H_i + g_i + shocks_i, 0)``. Its deterministic equilibrium
  is ``x* = (b g + k h) / (a b - k l)``, ``y* = (a h + l g) / (a b - k l)``, stable iff
  ``a b > k l`` (Richardson 1960; Intriligator 1964). The daily Euler map has the same
  fixed point.
- Incidents: forces in proximity raise the daily hazard of an unplanned clash, Schelling's
  (1960) "threat that leaves something to chance"; an incident's size is exponential.
- Win probability of a contest (KTAB's ``vProb``, after Tullock 1980 and Hirshleifer 1989):
  ``p = c1^n / (c1^n + c2^n)``; a 2:1 capability ratio gives 2/3, 4/5, 16/17, 256/257 for
  ``n = 1, 2, 4, 8``.
- War and disagreement values (Fearon 1995): war is worth ``p - cost``; with no deal a
  government expects war with the probability that the other side means to fight, otherwise
  the status quo less accumulated sanction pain, and it may choose war itself.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def richardson_step(h_self: ArrayLike, h_other: ArrayLike, reaction: ArrayLike,
                    restraint: ArrayLike, grievance: ArrayLike, *shocks: ArrayLike,
                    ceiling: float = np.inf) -> NDArray[np.float64]:
    """One day of Richardson hostility, ``min(max(H + k H_other - a H + g + shocks..., 0), C)``.

    Works on one side's row or on both sides' stacked ``(2, n)`` state at once (then
    ``h_other`` is the same array reversed and the coefficients have shape ``(2, 1)``).

    Args:
        h_self: Hostility (any shape).
        h_other: The other side's hostility.
        reaction: k, the reaction to the other's hostility per day.
        restraint: a, the share of its own hostility that fades per day.
        grievance: g, baseline grievance added per day.
        *shocks: Hostility added today, added in the order given (pressures, pending
            action effects, an incident, noise); negative for goodwill.
        ceiling: C, the most hostility there can be (an unstable arms race, ``k l > a b``,
            would otherwise grow without bound once escalation no longer ends the run).

    Returns:
        Tomorrow's hostility, floored at 0 and capped at ``ceiling``.
    """
    h = np.asarray(h_self, dtype=float)
    out = h + reaction * np.asarray(h_other) - restraint * h + grievance
    for shock in shocks:
        out = out + shock
    return np.minimum(np.maximum(out, 0.0), ceiling)


def richardson_equilibrium(a: float, b: float, k: float, l: float, g: float, h: float
                           ) -> tuple[float, float]:
    """Equilibrium of ``dx = k y - a x + g``, ``dy = l x - b y + h``.

    Returns:
        ``(x*, y*)``; meaningful (and stable) only when :func:`richardson_stable` holds.

    Raises:
        ValueError: ``a b = k l``: the lines are parallel and there is no equilibrium.
    """
    det = a * b - k * l
    if det == 0:
        raise ValueError("a*b == k*l: no equilibrium (the reaction lines are parallel)")
    return (b * g + k * h) / det, (a * h + l * g) / det


def richardson_stable(a: float, b: float, k: float, l: float) -> bool:
    """Whether the Richardson equilibrium is stable: restraint outweighs reaction, ``ab > kl``."""
    return a * b > k * l


def incidents(u: NDArray, hazard: ArrayLike, size: float) -> tuple[NDArray, NDArray]:
    """Which replicates have an incident today, and the hostility jump it brings.

    One uniform decides both: an incident happens when ``u < hazard``, and then
    ``u / hazard`` is itself uniform on (0, 1), so ``-size * log(1 - u / hazard)`` is
    exponential with mean ``size``.

    Args:
        u: Today's incident uniform per replicate.
        hazard: The daily hazard (scalar or per replicate).
        size: Mean hostility jump of an incident.

    Returns:
        ``(incident, jump)``: booleans, and the jump (0 where nothing happened).
    """
    incident = u < hazard
    jump = np.zeros(u.shape)
    hit = np.flatnonzero(incident)  # incidents are rare: size only those
    if hit.size:
        # (A hazard of one value, as most days have, divides without being gathered.)
        hazard = np.asarray(hazard)
        jump[hit] = -size * np.log1p(-u[hit] / (hazard if hazard.size == 1 else
                                                 np.broadcast_to(hazard, incident.shape)[hit]))
    return incident, jump


def win_probability(c_self: ArrayLike, c_other: ArrayLike, n: float = 1.0) -> NDArray:
    """Probability of prevailing in a contest of capabilities, ``c1^n / (c1^n + c2^n)``.

    Computed as ``1 / (1 + (c2/c1)^n)``; where that power overflows the result is its
    limit, 0.
    """
    ratio = np.asarray(c_other, dtype=float) / np.asarray(c_self, dtype=float)
    with np.errstate(over="ignore"):  # ratio**n = inf gives the correct limit 0
        return 1.0 / (1.0 + ratio**n)


def war_value(p: ArrayLike, cost: ArrayLike) -> NDArray:
    """Expected value of war on a unit pie: the win probability less the cost of fighting."""
    return np.asarray(p, dtype=float) - np.asarray(cost, dtype=float)


def fallback_value(war: ArrayLike, status_quo: ArrayLike, pain: ArrayLike, resolve: ArrayLike
                   ) -> NDArray:
    """Value of no deal: ``max(war, resolve * war + (1 - resolve) * (status_quo - pain))``.

    Args:
        war: This side's value of war.
        status_quo: This side's utility of the status quo.
        pain: Accumulated sanction pain, which erodes the status quo.
        resolve: This side's belief that the other side will fight if there is no deal.
    """
    war = np.asarray(war, dtype=float)
    resolve = np.asarray(resolve, dtype=float)
    drift = resolve * war + (1.0 - resolve) * (np.asarray(status_quo) - np.asarray(pain))
    return np.maximum(war, drift)
