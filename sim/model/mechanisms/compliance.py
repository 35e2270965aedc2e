"""Compliance, defection and snapback: how a deal in force breaks (``docs/model.md`` §3.12).

A deal is implemented over time; either side may fall short (an electoral condition unmet,
flights suspended) and the other may reimpose what it gave (relief withdrawn months later).
Downs, Rocke and Barsoom (1996) on compliance; Drezner (1999) on the sanctions paradox. The
daily hazard that a deal on track ``k`` in force breaks rises with hostility:

    lambda_k = b_k * exp(f * (H_US + H_VE))

Deals that are carried out at once (a prisoner exchange) cannot break (``b = 0``). The
hazard is a probability, so it is capped at 1 (the exponent at 50, which any hazard above 1
has passed).

Specific reciprocity (Keohane 1986; Axelrod 1984 on tit for tat; Downs and Rocke 1995 on
punishment inside agreements): what a government withdraws of what it gave the other
(relief it lets lapse or revokes, deportation flights it stops taking) is answered by the
other withdrawing from the deals between them. A withdrawal adds to a grievance that fades
day by day, and the grievance adds to the hazard of every deal that can break:

    G(t) = (1 - delta) G(t-1) + W(t),    lambda_k += rho G(t)   (where b_k > 0)

with W the day's withdrawals, summed over both governments (either side can walk away).

A shortfall is answered too: a step taken alone on a question under negotiation
(``unilateral_step``, ``docs/validation.md`` A9), where a deal in force is linked to its
track, is a side falling short of what that deal asked, and it adds to W as a withdrawal
does (Keohane 1986; Downs and Rocke 1995):

    W += sigma * sum_k s_k * linked_k,
    linked_k = held_k or (package and k on the table and any track on the table held)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def break_hazards(base: ArrayLike, hostility: NDArray, factor: float,
                  grievance: ArrayLike = 0.0, reciprocity: float = 0.0) -> NDArray:
    """Daily hazard of each track's deal breaking, shape ``(K, n)``.

    Args:
        base: Each track's hazard with no hostility, shape ``(K,)``.
        hostility: Both sides' hostility, shape ``(2, n)``.
        factor: ``f``, how fast the hazard rises with hostility.
        grievance: ``G``, withdrawals not yet answered, shape ``(n,)`` (see
            :func:`grievance`).
        reciprocity: ``rho``, the hazard a unit of grievance adds to a deal that can break.
    """
    base = np.asarray(base, dtype=float)[:, None]
    rise = np.exp(np.minimum(factor * hostility.sum(axis=0), 50.0))
    hazard = base * rise
    if reciprocity:
        hazard = hazard + np.where(base > 0, grievance_hazard(grievance, reciprocity), 0.0)
    return np.minimum(hazard, 1.0)


def grievance_hazard(grievance: ArrayLike, reciprocity: float) -> NDArray:
    """``rho * G``: the daily hazard a grievance adds to a deal that can break.

    Args:
        grievance: ``G``, withdrawals not yet answered (see :func:`grievance`).
        reciprocity: ``rho``, the hazard a unit of grievance adds.
    """
    return reciprocity * np.asarray(grievance)


def withdrawn(before: NDArray, today: NDArray) -> NDArray:
    """``W``: how much of what it was given a government lost today, ``max(before - today, 0)``.

    Args:
        before: Yesterday's levels of what each side received (relief for Caracas,
            flights taken for Washington), any shape.
        today: Today's levels, the same shape.
    """
    return np.maximum(before - today, 0.0)


def grievance(previous: NDArray, withdrawals: ArrayLike, decay: float) -> NDArray:
    """Today's grievance ``G(t) = (1 - delta) G(t-1) + W(t)``.

    Args:
        previous: ``G(t-1)``.
        withdrawals: ``W(t)``, today's withdrawals by both sides.
        decay: ``delta``, the share of a grievance that fades each day.
    """
    return (1.0 - decay) * previous + withdrawals


def shortfalls(steps: NDArray, held: NDArray, on_table: NDArray, package: bool) -> NDArray:
    """``sum_k s_k linked_k``: the steps of the day on tracks linked to a deal in force.

    A track is linked to the deals of a replicate when a deal holds on it, or, under
    package linkage, when it is on the table and a deal holds on a track on the table (the
    tracks of a package stand or fall together).

    Args:
        steps: ``s``, the intensity of today's steps on each track, shape ``(K, n)`` or
            ``(K, 1)``.
        held: Whether a deal holds (in force or inherited) on each track, shape ``(K, n)``.
        on_table: Whether each track is on the table (``talks.tracks``, or else the
            agenda's issues: :func:`sim.model.issues.tracks_on_table`), shape ``(K,)``.
        package: Whether ``talks.linkage`` is ``package``.

    Returns:
        Shape ``(n,)``.
    """
    linked = held
    if package:
        linked = held | (on_table[:, None] & held[on_table].any(axis=0))
    return (steps * linked).sum(axis=0)
