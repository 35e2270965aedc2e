"""Narrow deals on tracks, with relief offered as payment (``docs/model.md`` §3.11).

Negotiation runs on tracks: prisoners, migration, oil, drugs and the political question.
A narrow deal on one track can close while the wider conflict goes on, when both sides gain
from it net of its cost at home (Sebenius 1983 on issue linkage; Putnam 1988 on synergistic
linkage). For government ``i`` and track ``k``:

    n_ik = v_ik' + p_ik - (c_H H_i + c_F max(F_i - F_i0, 0) + c_C AC_i C_i)

with ``v_ik'`` the value of the deal (the demander's value discounted while its exit demand
stands, §3.10), ``p_ik`` the payments offered to ``i`` on the track (relief offered *for* a
concession: specific reciprocity, Keohane 1986; Axelrod 1984), and the cost at home of a
deal with an adversary: hostility ``H``, hardliners' support ``F``, audience cost times
public commitment ``AC C`` (Fearon 1994). The values are those of ordinary politics at
home; hardliners cost only as their support rises above its start ``F_0``. A track on the
table is **feasible** when both ``n`` are positive. With ``package`` linkage the tracks can
also close together, when both sides' sums over the open tracks are positive: a side that
loses on one track is paid on another (logrolling; Sebenius 1983 on how adding issues can
create agreement). A feasible deal closes with daily hazard
``kappa * engagement`` (``engagement`` = 1 at the table, else the lower readiness over the
bar for talks), one track at most a day, drawn from one uniform.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def deal_costs(hostility: NDArray, hardliners: NDArray, start: ArrayLike, audience: ArrayLike,
               commitment: NDArray, w_hostility: float, w_hardliners: float,
               w_commitment: float) -> NDArray:
    """Each side's cost at home of a deal with the adversary, shape like ``hostility``.

    ``c_H H + c_F max(F - F_0, 0) + c_C AC C``, with ``start`` the hardliners' support ``F_0``.
    """
    rallied = np.maximum(hardliners - np.asarray(start), 0.0)
    return (w_hostility * hostility + w_hardliners * rallied
            + w_commitment * np.asarray(audience) * commitment)


def net_values(values: NDArray, payments: NDArray | None, costs: NDArray) -> NDArray:
    """``v + p - cost`` per side and track, shape ``(2, K, n)``.

    Args:
        values: Each side's value of each track, shape ``(2, K)`` or ``(2, K, n)``.
        payments: Payments on the table, shape ``(2, K, n)``; None while none was ever
            offered, when ``v - cost`` is worked out (``v + 0.0 - cost`` but for the sign of
            a zero result, and net values are only compared with 0, where the two zeros
            are alike: :func:`feasible`, :func:`package_feasible`).
        costs: Each side's cost at home, shape ``(2, n)``.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim == 2:
        v = v[:, :, None]
    if payments is None:
        return v - costs[:, None, :]
    return v + payments - costs[:, None, :]


def feasible(net: NDArray, open_tracks: NDArray) -> NDArray:
    """The tracks that could close alone today (both sides gain), shape ``(K, n)``.

    Args:
        net: Net values, shape ``(2, K, n)``.
        open_tracks: Tracks on the table with no deal yet, shape ``(K, n)`` (bool).
    """
    return open_tracks & (net[0] > 0) & (net[1] > 0)


def package_feasible(net: NDArray, open_tracks: NDArray) -> NDArray:
    """Where all open tracks could close together (both sides' sums positive), shape ``(n,)``.

    Only with two open tracks or more: a package of one track is a track alone.
    """
    on = open_tracks.astype(float)
    return ((on.sum(axis=0) >= 2) & ((net[0] * on).sum(axis=0) > 0)
            & ((net[1] * on).sum(axis=0) > 0))


def engagement(readiness: NDArray, in_talks: NDArray, bar: ArrayLike) -> NDArray:
    """How engaged the two sides are, 0 to 1: 1 at the table, else ``min(R) / bar``."""
    reach = np.minimum(readiness[0], readiness[1]) / np.maximum(np.asarray(bar), 1e-9)
    apart = np.minimum(np.maximum(reach, 0.0), 1.0)
    talking = np.asarray(in_talks)
    if not np.count_nonzero(talking) and talking.shape == apart.shape:  # (nobody at the table)
        return apart
    return np.where(talking, 1.0, apart)


def one_event(u: NDArray, hazards: NDArray) -> NDArray:
    """At most one of K events a day, drawn with one uniform per replicate.

    Event ``j`` happens when ``u`` falls in ``[h_1 + ... + h_{j-1}, h_1 + ... + h_j)``, so
    its daily probability is ``h_j`` (while the hazards sum to at most 1; beyond that they
    are scaled to sum to 1). Returns a boolean ``(K, n)`` with at most one True per column.
    """
    # Events with no hazard anywhere are left out of the sums (adding 0.0 changes no
    # float, so the draw is the same bit for bit): most days, most tracks have none.
    rows = np.flatnonzero(hazards.any(axis=1))
    out = np.zeros(hazards.shape, dtype=bool)
    if rows.size == 0:
        return out
    h = hazards[rows]
    total = h.sum(axis=0)
    over = total > 1.0
    # (Where no replicate's hazards sum past 1 the scale is 1 everywhere, and h * 1.0 is h.)
    scaled = h * np.where(over, 1.0 / np.where(total > 0, total, 1.0), 1.0) \
        if np.count_nonzero(over) else h
    # The running sum down the rows, row by row: the same additions in the same order as
    # np.cumsum(scaled, axis=0), which is several times slower along the first axis.
    upper = scaled.copy()
    for j in range(1, len(upper)):
        upper[j] += upper[j - 1]
    lower = upper - scaled
    out[rows] = (u >= lower) & (u < upper) & (h > 0)
    return out
