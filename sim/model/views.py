"""What can be read from a model: its variables, traces, offers, story and counts.

:class:`ModelViews` is a part of :class:`~sim.model.model.DiplomacyModel` (a mixin): the
queries of a model's state that the engine, the output modules, trigger conditions and the
classroom page use. They read the state; none of them changes it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.engine.counts import count_true
from sim.model.agents import ACTIONS, Action
from sim.model.mechanisms.escalation import fallback_value
from sim.model.mechanisms.factions import winset_floor
from sim.model.mechanisms.pain import recorded_adaptation
from sim.model.narration import Decision, TurningPoint
from sim.model.outcomes import DECIDED
from sim.model.timeline import Firing
from sim.scenario.schema import GOVERNMENTS, Condition

if TYPE_CHECKING:
    from sim.model.deals import TrackDeals
    from sim.model.mechanisms.bargaining import Frontier
    from sim.model.narration import Narrator
    from sim.model.recording import Recorder
    from sim.scenario.schema import Scenario


#: The surplus recorded when no deal reaches Venezuela's reservation value.
SURPLUS_FLOOR = -1.0


class ModelViews:
    """The read-only queries of a :class:`~sim.model.model.DiplomacyModel`."""

    spec: Scenario
    n: int
    day: int
    horizon: int
    frontier: Frontier
    recorder: Recorder
    narrator: Narrator
    final: dict[str, NDArray]
    offer_values: NDArray
    outcome: NDArray
    _action_log: NDArray
    war: NDArray
    status_quo_value: NDArray
    win_set: NDArray
    hardliners: NDArray
    h0: NDArray
    legal: NDArray
    relations_open: NDArray
    deals: TrackDeals
    #: Today's recorded adaptation once worked out (None until asked for), and its inputs
    #: (set by the model's pain phase).
    _adaptation: NDArray | None
    _adaptation_inputs: tuple[NDArray, NDArray]

    @property
    def adaptation(self) -> NDArray:
        """Today's recorded adaptation to sanctions, shape ``(2, n)`` (§3.2)."""
        if self._adaptation is None:
            self._adaptation = recorded_adaptation(*self._adaptation_inputs)
        return self._adaptation

    @adaptation.setter
    def adaptation(self, value: NDArray) -> None:
        self._adaptation = value

    def _adaptation_of(self, i: int, m: int) -> NDArray:
        """Row ``i`` of :attr:`adaptation` for the first ``m`` replicates.

        Elementwise, so the same values as the full array's, without working out the rest.
        """
        if self._adaptation is not None:
            return self._adaptation[i, :m]
        exposure, level = self._adaptation_inputs
        return recorded_adaptation(exposure[i, :m], level[i, :m])

    def variable(self, condition: Condition) -> NDArray:
        """The model variable a trigger condition tests, per replicate."""
        if condition.actor is None:
            return {"cc_index": self.cc_index, "casualties": self.casualties,
                    "in_talks": self.in_talks.astype(float)}[condition.variable]
        i = GOVERNMENTS.index(condition.actor)
        return {"hostility": self.hostility, "readiness": self.readiness, "pain": self.pain,
                "adaptation": self.adaptation, "resolve": self.resolve,
                "commitment": self.commitment}[condition.variable][i]

    def end_values(self, name: str) -> NDArray:
        """A variable's value at the end of each replicate's run.

        That is its value on the day the replicate's leader was removed (the one outcome
        that ends a run), otherwise today's.
        """
        return np.where(self.outcome >= DECIDED, self.final[name], getattr(self, name))

    def current_values(self, upto: int | None = None) -> list[NDArray]:
        """Today's value of every variable in :data:`VARIABLES`, in order, per replicate.

        Args:
            upto: Only the first ``upto`` replicates (default all).
        """
        m = self.n if upto is None else upto
        return self._values(m, list(self.offer_positions(m).reshape(6, m)))

    def _values(self, m: int, offers: list[NDArray] | None) -> list[NDArray | None]:
        """:meth:`current_values` for ``m`` replicates, with ``offers`` in the offer slots."""
        if offers is None:
            offers = [None] * 6
        h, r, p = self.hostility[:, :m], self.readiness[:, :m], self.pain[:, :m]
        res, c = self.resolve[:, :m], self.commitment[:, :m]
        return [self.cc_index[:m], self.goldstein_today[:m], h[0], h[1], r[0], r[1], p[0], p[1],
                self._adaptation_of(1, m), res[0], res[1], c[0], c[1], self.reservation[0, :m],
                self.reservation[1, :m], self.surplus[:m], *offers, self.casualties[:m],
                self.events_today[:m], self.in_talks[:m], self.outcome[:m],
                self.actions[0, :m], self.actions[1, :m], self.hardliners[0, :m],
                self.hardliners[1, :m], self.legal[0, :m],
                count_true(self.deals.in_force[:, :m]).astype(np.int64),
                self.relations_open[:m]]

    def offer_positions(self, upto: int | None = None) -> NDArray:
        """Each government's public offer as issue positions, shape ``(2, 3, m)``.

        Offers are kept as the US utility of each side's offer and turned into positions on
        the three issues only when asked (traces, charts), for the first ``upto``
        replicates (default all). Before the first day both offers are the status quo.
        """
        return self._positions(self.offer_values[:, :upto])

    def _positions(self, values: NDArray) -> NDArray:
        """Offers given as US utilities, shape ``(..., 2, m)``, as positions ``(..., 2, 3, m)``.

        NaN (no offer made yet) stands for the status quo.
        """
        if not np.count_nonzero(np.isnan(values)):
            # No offer missing (every day after the first): nan_to_num would only turn
            # infinities into the largest floats, which terms() clips to the same ends.
            return np.moveaxis(self.frontier.terms(values), 0, -2)
        positions = self.frontier.terms(np.nan_to_num(values))
        sq = np.array(self.spec.status_quo.as_tuple()).reshape(3, *[1] * values.ndim)
        return np.moveaxis(np.where(np.isnan(values)[None], sq, positions), 0, -2)

    @property
    def offers(self) -> NDArray:
        """Public offers as positions, shape ``(2, 3, n)`` (see :meth:`offer_positions`)."""
        return self.offer_positions()

    @property
    def trace(self) -> NDArray:
        """Every variable of :data:`VARIABLES` per day for the first ``trace_n`` replicates.

        Shape ``(horizon, variables, trace_n)``, float32; NaN for days not yet stepped.
        """
        return self.recorder.trace

    @property
    def band_trace(self) -> NDArray:
        """The :data:`BAND_VARIABLES` per day for the first ``band_n`` replicates."""
        return self.recorder.band_trace

    @property
    def firings(self) -> list[Firing]:
        """Pressures that acted in replicate 0, day by day (when narrated)."""
        return self.narrator.firings

    @property
    def turning_points(self) -> list[TurningPoint]:
        """Turning points of replicate 0 (when narrated)."""
        return self.narrator.turning_points

    @property
    def decisions(self) -> list[Decision]:
        """Each government's daily choice in replicate 0, with what decided it (narrated)."""
        return self.narrator.decisions

    @property
    def action_counts(self) -> NDArray:
        """How often each government took each action so far, shape ``(2, 6, n)``.

        Counted from the day-by-day log of actions, in which decided replicates hold; the
        count of holding is left at 0.
        """
        log = self._action_log[: self.day]
        counts = np.zeros((2, len(Action), self.n), np.int32)
        for a in ACTIONS[1:]:
            counts[:, a] = count_true(log == a)
        return counts

    @property
    def date(self) -> dt.date:
        """Calendar date of the next day to simulate."""
        return self.spec.date_of(self.day)

    @property
    def finished(self) -> bool:
        """Whether the horizon has been reached."""
        return self.day >= self.horizon

    def bargaining_range(self, pain: NDArray, resolve: NDArray
                         ) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """Reservation values and the bargaining range, given pain and resolve estimates.

        Each government's fallback is ``max(W, rho W + (1 - rho)(Q - pain))`` (war value W,
        status-quo utility Q, its belief rho that the other side will fight), floored by
        its domestic win-set at ``1 - win_set``, narrowed by hardliners (§3.14).

        Returns:
            ``(reservation (2, n), most the US can get, most Venezuela can get, surplus)``;
            the surplus is the US utility room above its reservation value (negative:
            no bargaining range), floored at -1.
        """
        fallback = fallback_value(self.war, self.status_quo_value, pain, resolve)
        floor = winset_floor(self.win_set, self.hardliners, self.h0,
                             self.spec.behaviour.factions.winset_narrowing)
        reservation = np.maximum(fallback, floor)
        most_us = self.frontier.us_given_ve(reservation[1])
        most_ve = self.frontier.ve_given_us(reservation[0])
        return reservation, most_us, most_ve, np.maximum(most_us - reservation[0],
                                                         SURPLUS_FLOOR)
