"""Bargaining over the three issues: utilities, the Pareto frontier, concession and Nash.

Each government values a deal ``x`` (a position on each issue axis) by the
salience-weighted closeness to its ideal point, ``U_i(x) = sum_k s_ik (1 - |x_k - ideal_ik|)``.
Between the two ideal points both utilities are linear in ``x``, so the efficient deals
(the Pareto frontier) give each issue wholly to one side except at most one split issue, in
the order of the US's relative salience ``s_US,k / s_VE,k``: this is logrolling (Raiffa
1982). The frontier is piecewise linear; it does not depend on the replicate, only on the
parameters, so it is computed once per model and evaluated with ``numpy.interp``.

Concession follows the time-based aspiration curve of Faratin, Sierra and Jennings (1998),
as in NegMAS: ``a(t) = r + (1 - conceded) room (1 - (t/T)^e)``, with Boulware ``e = 4``,
linear ``e = 1`` and conceder ``e = 0.25``. Each side starts from the most it can ask without
pushing the other below its reservation value, so with equal styles the aspirations meet at
the point of equal proportional gains (Kalai and Smorodinsky 1975), which is the Nash
bargaining solution (Nash 1950) on a linear frontier; the unit-pie solution is
``x1 = d1 + (1 - d1 - d2) / 2``. The deal struck when offers cross is the Nash solution
restricted to the terms both sides accept that day.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def concession_left(days: ArrayLike, deadline: float, exponent: ArrayLike) -> NDArray:
    """Share of its room a side still asks for after ``days`` at the table: ``1 - min(t/T, 1)^e``.

    The time-dependent tactic of Faratin, Sierra and Jennings (1998), as in NegMAS:
    Boulware ``e = 4`` holds out and concedes late, linear ``e = 1``, conceder ``e = 0.25``
    gives ground early. It is 1 on the day talks open (``t = 0``) and 0 at the deadline.

    Args:
        days: Days at the table, any shape S (the step passes one value per replicate).
        deadline: T, the days by which the side asks only its reservation value.
        exponent: e; a scalar, or ``(2, 1)`` for both governments at once.

    Returns:
        Shape ``broadcast(exponent, S)``.
    """
    days = np.asarray(days)
    exponent = np.asarray(exponent, dtype=float)
    if days.ndim != 1:
        return 1.0 - np.minimum(days / deadline, 1.0) ** exponent
    # One value per replicate: compute the power only where the side is seated (t > 0);
    # elsewhere it is 1 (0^e = 0), as the formula gives.
    left = np.ones(np.broadcast(exponent, days).shape)
    seated = np.flatnonzero(days)
    if seated.size:
        phase = np.minimum(days[seated] / deadline, 1.0)
        left[..., seated] = 1.0 - phase ** exponent
    return left


def aspiration(reservation: ArrayLike, room: ArrayLike, conceded: ArrayLike,
               left: ArrayLike) -> NDArray:
    """What a side asks for today: ``r + (1 - conceded) room left``.

    The aspiration starts at the most the side can get without pushing the other below its
    reservation value (``r + room``), falls along its concession curve (``left``, from
    :func:`concession_left`) to ``r`` at the deadline, and is scaled down for good by the
    share of its room it has given up through concessions (``conceded``).

    Args:
        reservation: r, the least utility the side will accept.
        room: How far above r its best achievable deal lies (at least 0).
        conceded: Share of its room given up through concede actions, in [0, 1].
        left: Share of its room it still asks for on its concession curve.
    """
    asked, conceded = np.asarray(room), np.asarray(conceded)
    # (Where nothing was conceded (1 - 0) room is room, and where left is the number 1.0
    # (nobody seated) x * 1.0 is x: those products are left out, the same values.)
    if np.count_nonzero(conceded) or conceded.shape != asked.shape:
        asked = (1.0 - conceded) * asked
    if not (isinstance(left, float) and left == 1.0):
        asked = asked * left
    return np.asarray(reservation) + asked


def nash_split(d1: float, d2: float) -> float:
    """Nash bargaining share of side 1 on a unit pie with disagreement values d1, d2."""
    return d1 + (1.0 - d1 - d2) / 2.0


def utility(position: ArrayLike, ideal: ArrayLike, salience: ArrayLike) -> NDArray:
    """``sum_k s_k (1 - |x_k - ideal_k|)`` over the last axis of ``position``."""
    x = np.asarray(position, dtype=float)
    return np.sum(np.asarray(salience) * (1.0 - np.abs(x - np.asarray(ideal))), axis=-1)


class Frontier:
    """The Pareto frontier of deals on the agenda issues, issues off the agenda held fixed.

    Args:
        salience_us: US saliences per issue (ISSUES order).
        salience_ve: Venezuelan saliences per issue.
        ideal_us: US ideal points (the top of each axis segment bargained over).
        ideal_ve: Venezuelan ideal points (the bottom), each below the US ideal.
        status_quo: Positions of issues left off the agenda.
        agenda: For each issue, whether it is on the table.

    Attributes:
        order: Agenda issue indices in the order the US takes them along the frontier.
        us_points: US utility at each vertex (non-decreasing).
        ve_points: Venezuelan utility at each vertex (non-increasing).
    """

    def __init__(self, salience_us: Sequence[float], salience_ve: Sequence[float],
                 ideal_us: Sequence[float], ideal_ve: Sequence[float],
                 status_quo: Sequence[float], agenda: Sequence[bool]):
        # Saliences below 1e-12 count as zero: dividing by them means nothing.
        s_u, s_v = np.asarray(salience_us, float), np.asarray(salience_ve, float)
        s_u, s_v = np.where(s_u < 1e-12, 0.0, s_u), np.where(s_v < 1e-12, 0.0, s_v)
        hi, lo = np.asarray(ideal_us, float), np.asarray(ideal_ve, float)
        sq = np.asarray(status_quo, float)
        on = np.asarray(agenda, bool)
        self.agenda = on
        self.low, self.width = lo, hi - lo
        self.status_quo = sq
        self.alpha = s_u * self.width  # US utility per unit of an issue conceded to the US
        self.beta = s_v * self.width   # Venezuelan utility lost per unit
        fixed_u = np.sum(np.where(on, 0.0, s_u * (1 - np.abs(sq - hi))))
        fixed_v = np.sum(np.where(on, 0.0, s_v * (1 - np.abs(sq - lo))))
        self.base_us = float(fixed_u + np.sum(np.where(on, s_u * (1 - self.width), 0.0)))
        self.base_ve = float(fixed_v + np.sum(np.where(on, s_v, 0.0)))
        ratio = [(self.alpha[k] / self.beta[k]) if self.beta[k] > 0 else np.inf
                 for k in range(len(on))]
        # The US takes issues in descending relative value; issues it does not value at all
        # would only cost Venezuela, so they are never part of an efficient deal.
        self.order = [k for k in sorted(np.flatnonzero(on), key=lambda k: -ratio[k])
                      if self.alpha[k] > 0]
        u, v = [self.base_us], [self.base_ve]
        for k in self.order:
            u.append(u[-1] + self.alpha[k])
            v.append(v[-1] - self.beta[k])
        self.us_points, self.ve_points = np.array(u), np.array(v)
        # For the inverse map keep, on any flat run of Venezuelan utility, its best US point.
        keep = [j for j in range(len(v)) if j == len(v) - 1 or v[j + 1] < v[j]]
        self._inv_v = self.ve_points[keep][::-1]
        self._inv_u = self.us_points[keep][::-1]

    @property
    def us_max(self) -> float:
        """The most the US can get."""
        return float(self.us_points[-1])

    @property
    def ve_max(self) -> float:
        """The most Venezuela can get."""
        return float(self.ve_points[0])

    def ve_given_us(self, u: ArrayLike) -> NDArray:
        """Venezuela's utility at the efficient deal giving the US ``u`` (-inf if unreachable)."""
        u = np.asarray(u, dtype=float)
        v = np.asarray(np.interp(u, self.us_points, self.ve_points))
        np.copyto(v, -np.inf, where=u > self.us_points[-1] + 1e-12)
        return v

    def us_given_ve(self, v: ArrayLike) -> NDArray:
        """The US utility at the efficient deal giving Venezuela ``v`` (-inf if unreachable)."""
        v = np.asarray(v, dtype=float)
        u = np.asarray(np.interp(v, self._inv_v, self._inv_u))
        np.copyto(u, -np.inf, where=v > self.ve_points[0] + 1e-12)
        return u

    def terms(self, u: ArrayLike) -> NDArray:
        """Issue positions of the efficient deal giving the US utility ``u``.

        Args:
            u: US utility, any shape S; values outside the frontier are clipped onto it.

        Returns:
            Positions, shape ``(3, *S)``: on agenda issues the frontier allocation, off the
            agenda the status quo.
        """
        u = np.asarray(u, dtype=float)
        remaining = np.clip(u, self.us_points[0], self.us_points[-1]) - self.base_us
        share = np.zeros((len(self.alpha), *u.shape))
        for k in self.order:
            share[k] = np.clip(remaining / self.alpha[k], 0.0, 1.0)
            remaining = remaining - share[k] * self.alpha[k]
        flat = share.reshape(len(self.alpha), -1)
        pos = self.low[:, None] + self.width[:, None] * flat
        if not self.agenda.all():  # (every issue on the agenda: nothing to put back)
            pos = np.where(self.agenda[:, None], pos, self.status_quo[:, None])
        return pos.reshape(share.shape)

    def nash(self, r_us: ArrayLike, r_ve: ArrayLike) -> NDArray:
        """US utility at the Nash bargaining solution over reservation values (r_us, r_ve).

        Maximises ``(U_US - r_us)(U_VE - r_ve)`` along the frontier where both gains are
        non-negative. Returns NaN where no deal beats both reservation values.
        """
        r_u = np.asarray(r_us, dtype=float)
        r_v = np.asarray(r_ve, dtype=float)
        lo, hi = r_u, self.us_given_ve(r_v)
        best_u = np.full(np.broadcast(r_u, r_v).shape, np.nan)
        best_p = np.full_like(best_u, -np.inf)
        for j in range(len(self.us_points) - 1):
            x0, dx = self.us_points[j], self.us_points[j + 1] - self.us_points[j]
            y0, dy = self.ve_points[j], self.ve_points[j + 1] - self.ve_points[j]
            if dx <= 0:
                continue
            t_lo = np.clip((lo - x0) / dx, 0.0, 1.0)
            t_hi = np.clip((hi - x0) / dx, 0.0, 1.0)
            if dy < 0:
                t = -(dx * (y0 - r_v) + dy * (x0 - r_u)) / (2.0 * dx * dy)
            else:  # flat for Venezuela: the US takes the whole segment
                t = np.ones_like(best_u)
            t = np.clip(t, t_lo, t_hi)
            u = x0 + t * dx
            p = (u - r_u) * (y0 + t * dy - r_v)
            ok = (hi >= lo) & (u >= lo - 1e-12) & (u <= hi + 1e-12) & (p > best_p)
            best_u = np.where(ok, u, best_u)
            best_p = np.where(ok, p, best_p)
        return best_u
