"""Readiness to talk, and when talks open and break off.

Each government moves its readiness ``R`` in [0, 1] toward a logistic target. The target
rises with pain (the "hurting stalemate") and with the bargaining range (the "way out"),
which together are Zartman's (1989, 2000) ripeness; it rises with openness signals and
mediation (Bercovitch 1997; Beardsley 2011), and it falls with hostility and with the
audience cost of backing down from public commitments (Fearon 1994; Putnam 1988):

    z = bias + w_p pain + w_s surplus - w_h hostility - w_c audience_cost commitment
        + w_o signal + w_m mediation
    R' = R + gamma (logistic(z) - R)

Talks open on a day both sides' readiness reaches the bar (lowered by mediation), and
break off when either side's hostility reaches the breakdown level.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray


class ReadinessWeighting(Protocol):
    """The weights of the readiness score (``behaviour.readiness`` in a scenario)."""

    pain: float
    surplus: float
    hostility: float
    commitment: float
    signal: float
    mediation: float


def readiness_target(bias: ArrayLike, audience_cost: ArrayLike, w: ReadinessWeighting,
                     pain: NDArray, surplus: NDArray, hostility: NDArray, commitment: NDArray,
                     signal: NDArray, mediation: NDArray) -> NDArray:
    """The readiness a government moves toward today (a probability-like score).

    ``logistic(bias + w_p pain + w_s surplus - w_h hostility - w_c audience_cost commitment
    + w_o signal + w_m mediation)``, on one government's row (scalar parameters) or on
    both governments' ``(2, n)`` state at once (parameters of shape ``(2, 1)``).
    """
    # z is summed in the order of the formula into one array.
    z = np.empty(np.broadcast(bias, audience_cost, pain, surplus, hostility, commitment,
                              signal, mediation).shape)
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


def move_toward(current: NDArray, target: NDArray, rate: float) -> NDArray:
    """Partial adjustment ``current + rate (target - current)``."""
    return current + rate * (target - current)


def talks_bar(threshold: float, mediation_bonus: float, mediation: ArrayLike) -> NDArray:
    """The readiness both sides need to sit down: lowered by mediation in force."""
    return threshold - mediation_bonus * np.asarray(mediation)


def talks_transition(live: NDArray, in_talks: NDArray, readiness: NDArray, bar: ArrayLike,
                     hottest: NDArray, breakdown_hostility: float
                     ) -> tuple[NDArray, NDArray, NDArray]:
    """Which replicates open talks today, which break them off, and who is at the table.

    Args:
        live: Replicates still in play today.
        in_talks: At the table yesterday.
        readiness: Today's readiness, shape ``(2, n)`` (US, Venezuela).
        bar: The readiness both need (see :func:`talks_bar`).
        hottest: Today's higher hostility of the two sides.
        breakdown_hostility: Hostility of either side that breaks off talks.

    Returns:
        ``(opening, breaking, in_talks_today)``. Talks that opened today cannot break off
        today, and talks that broke off may reopen later.
    """
    if isinstance(in_talks, np.ndarray) and not np.count_nonzero(in_talks):
        # Nobody at the table (most days): talks open wherever both are ready, none break
        # off, and the table today is where they open (the same values, fewer passes).
        opening = live & (readiness[0] >= bar) & (readiness[1] >= bar)
        if opening.shape == in_talks.shape == np.shape(hottest):
            return opening, np.zeros(opening.shape, bool), opening.copy()
    opening = live & ~in_talks & (readiness[0] >= bar) & (readiness[1] >= bar)
    breaking = live & in_talks & (hottest >= breakdown_hostility)
    return opening, breaking, (in_talks | opening) & ~breaking
