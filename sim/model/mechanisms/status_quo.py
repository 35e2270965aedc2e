"""A status quo that moves with events (``docs/model.md`` §3.15).

Events move the status quo on their issue: relief in force moves oil toward Caracas's ideal
(0); deportation flights paused move migration toward 0, and back when the pause ends or
flights resume (a ``deportation_flights_resumed`` event lifts the pauses then in force); a
deal on a track moves its issue to the deal's terms. On each issue axis, with relief and
pauses counted from what was already in force on day 0 (which ``sq0`` reflects; relief
revoked during the run moves oil back toward Washington's ideal):

    sq_oil       = sq0_oil - relief_rate * (relief - relief_0)
    sq_migration = sq0_migration - flights_rate * (paused - paused_0)

then replaced by a deal's terms where a deal on that issue is in force. Each government's
status-quo utility ``Q_i = U_i(sq)`` follows (``docs/model.md`` §2.2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def moved(status_quo: ArrayLike, relief: NDArray, paused: NDArray, relief_rate: float,
          flights_rate: float, deals: NDArray, terms: NDArray) -> NDArray:
    """The status quo today, shape ``(3, n)`` (drugs, oil, migration).

    Args:
        status_quo: Where each issue stood at the start, shape ``(3,)``.
        relief: Relief in force for Venezuela beyond day 0's (intensity), shape ``(n,)`` or
            scalar; negative where relief in force on day 0 has ended.
        paused: Deportation flights paused beyond day 0's (intensity), shape ``(n,)`` or
            scalar.
        relief_rate: Oil moved toward 0 per unit of relief.
        flights_rate: Migration moved toward 0 per unit of flights paused.
        deals: Whether a deal on each issue is in force, shape ``(3, n)``.
        terms: The terms of those deals, shape ``(3, n)``.
    """
    sq = np.asarray(status_quo, dtype=float)
    n = deals.shape[-1]
    out = np.empty((3, n))
    out[0] = sq[0]
    out[1] = sq[1] - relief_rate * np.asarray(relief)
    out[2] = sq[2] - flights_rate * np.asarray(paused)
    np.clip(out, 0.0, 1.0, out=out)
    return np.where(deals, terms, out)


def utilities(status_quo: NDArray, ideals: NDArray, saliences: NDArray) -> NDArray:
    """Each government's utility of the status quo per replicate, shape ``(2, n)``.

    ``U_i = sum_k s_ik (1 - |sq_k - ideal_ik|)`` with ideals and saliences of shape ``(2, 3)``.
    """
    # (In place in one array: the same operations as s * (1 - |sq - ideal|).)
    weighted = np.subtract(status_quo[None, :, :], ideals[:, :, None])
    np.abs(weighted, out=weighted)
    np.subtract(1.0, weighted, out=weighted)
    np.multiply(saliences[:, :, None], weighted, out=weighted)
    # Summed issue by issue in a fixed order, so a replicate's value does not depend on how
    # many run beside it (np.einsum picks its summation order by the shape: 1 ulp apart).
    return weighted[:, 0] + weighted[:, 1] + weighted[:, 2]
