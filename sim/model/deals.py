"""The deals of a model: narrow deals on tracks, and how deals in force hold or break.

:class:`TrackDeals` holds, per replicate, the state of each track (no deal, a deal in force,
a deal carried out, a deal broken), the payments offered on the tracks, and the day each
deal closed; the model's step calls :meth:`TrackDeals.settle` (``docs/model.md`` §3.11) and
:meth:`TrackDeals.keep_or_break` (§3.12). The rules are the functions of
:mod:`sim.model.mechanisms.tracks` and :mod:`sim.model.mechanisms.compliance`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.model.issues import ISSUES, TRACK_ISSUES, TRACKS, Track, tracks_on_table
from sim.model.mechanisms.compliance import break_hazards, grievance, shortfalls, withdrawn
from sim.model.mechanisms.survival import discounted
from sim.model.mechanisms.tracks import (
    deal_costs,
    engagement,
    feasible,
    net_values,
    one_event,
    package_feasible,
)
from sim.model.outcomes import Outcome

if TYPE_CHECKING:
    from sim.model.day import Day
    from sim.model.model import DiplomacyModel

K = len(TRACKS)
#: Where a deal on a track moves its issue's status quo (docs/model.md §3.15): returns
#: accepted on migration, cooperation on drugs, relief on oil (toward Caracas).
DEAL_TERMS = {Track.MIGRATION: 0.6, Track.DRUGS: 0.5, Track.OIL: 0.2}
#: Relief (negative exposure) that a deal on the oil track brings while it holds.
OIL_DEAL_RELIEF = 0.10
#: Goodwill of a deal: each side's hostility falls this much (pending, the next day).
DEAL_GOODWILL = -0.05
#: Hostility a broken deal adds to both sides.
BREAK_HOSTILITY = 0.05


class TrackState(IntEnum):
    """Where a track stands in one replicate."""

    NONE = 0
    IN_FORCE = 1  # a deal reached during the run, and holding
    INHERITED = 2  # a deal already in force on day 0 (initial.deals)
    DONE = 3  # a deal carried out at once (a prisoner exchange)
    BROKEN = 4


class TrackDeals:
    """The tracks of a model's replicates (``docs/model.md`` §3.11–§3.12).

    Args:
        model: The model (its scenario says which tracks are on the table).
        n: Replicates.
    """

    def __init__(self, model: DiplomacyModel, n: int):
        scn = model.spec
        b = scn.behaviour
        self.on_table = np.array([t in tracks_on_table(scn) for t in TRACKS])
        # Only the tracks on the table can close: their rows, and the drugs track's among them.
        self._table_rows = np.flatnonzero(self.on_table)
        drugs = TRACKS.index(Track.DRUGS)
        self._table_drugs = (int(np.searchsorted(self._table_rows, drugs))
                             if self.on_table[drugs] else None)
        #: The tracks the bargain at the table settles (``agenda_tracks``, §3.6).
        self.agenda = model.agenda_tracks
        self._agenda_rows = np.flatnonzero(self.agenda)
        self.package = scn.talks.linkage.value == "package"
        self.values = np.array([[b.tracks.values[t].us for t in TRACKS],
                                [b.tracks.values[t].venezuela for t in TRACKS]])
        self.break_rates = np.array([b.compliance.break_rates.get(t, 0.0) for t in TRACKS])
        self.state = np.zeros((K, n), np.int8)
        for t in scn.initial.deals:
            self.state[TRACKS.index(t)] = TrackState.INHERITED
        #: Day each track's deal closed (-1: none).
        self.day = np.full((K, n), -1, np.int64)
        #: Payments offered to each government on each track, shape (2, K, n).
        self.payments = np.zeros((2, K, n))
        #: Whether every payment is still exactly +0.0 (none offered yet).
        self._unpaid = True
        self._migration = TRACKS.index(Track.MIGRATION)
        # Per issue (drugs, oil, migration): the track of its axis, and the terms of a deal
        # on it (the same every day).
        track_of = {issue: track for track, issue in TRACK_ISSUES.items()}
        self._issue_tracks = [TRACKS.index(track_of[issue]) for issue in ISSUES]
        self._issue_terms = np.repeat([[DEAL_TERMS[track_of[issue]]] for issue in ISSUES], n,
                                      axis=1).astype(float)
        #: Withdrawals not yet answered (§3.12), per replicate.
        self.grievance = np.zeros(n)
        #: What each side received yesterday (None before the first day).
        self.received: NDArray | None = None
        self._changed()

    @property
    def in_force(self) -> NDArray:
        """Tracks with a deal holding, shape ``(K, n)`` (kept until the state changes)."""
        if self._in_force is None:
            self._in_force = (self.state == TrackState.IN_FORCE) | (
                self.state == TrackState.INHERITED)
        return self._in_force

    def _changed(self) -> None:
        """Forget what was derived from :attr:`state`: call after every change to it."""
        self._in_force = None
        self._open_agenda = None

    def issue_deals(self) -> tuple[NDArray, NDArray]:
        """Per issue (drugs, oil, migration): a deal in force, and its terms, shape (3, n)."""
        return self.in_force[self._issue_tracks], self._issue_terms

    def oil_relief(self) -> NDArray:
        """Relief a deal on the oil track brings Venezuela while it holds, shape ``(n,)``."""
        return OIL_DEAL_RELIEF * self.in_force[TRACKS.index(Track.OIL)]

    def settle(self, m: DiplomacyModel, day: Day, u: NDArray) -> None:
        """§3.11: deals close on the tracks on the table where both sides gain.

        A track closes alone where both gain from it; with package linkage the open tracks
        can also close together where both gain from the whole.

        Args:
            m: The model (today's state).
            day: Today's phases so far; sets ``day.closed`` and, on days a deal can
                close, ``day.engagement``.
            u: Today's uniform of the track column, per replicate.
        """
        b = m.spec.behaviour
        imp = day.impulses
        offers = imp.offers.reshape(2, K, -1)
        keep = 1.0 - b.tracks.offer_decay
        # Until something is offered the payments stay +0.0 (0 x keep and 0 + value x 0
        # are +0.0 for a finite value and keep >= 0): their update is then left out.
        if not (self._unpaid and not np.count_nonzero(offers) and 0.0 <= keep < np.inf
                and np.isfinite(b.tracks.offer_value)):
            self._unpaid = False
            self.payments *= keep
            self.payments += b.tracks.offer_value * offers
        # Values, costs and events only on the tracks on the table (rows ``table``): the
        # others never close, and their events have no hazard.
        table = self._table_rows
        # The demander values what a leader told to go would concede at a discount (§3.10),
        # taken at the width of the day's demands (one column unless a per-replicate
        # pressure set them), then spread over the replicates.
        values = np.empty((2, table.size, m.n))
        for i in (0, 1):
            values[i] = discounted(self.values[i][table, None], imp.exit_demand[1 - i],
                                   b.survival.track_discount)
        # A producer cooperating at the source makes a drugs deal worth less to the US.
        if self._table_drugs is not None:
            values[0, self._table_drugs] *= 1.0 - m.producer_cooperation / 2.0
        costs = deal_costs(m.hostility, m.hardliners, m.h0, m.audience, m.commitment,
                           b.tracks.hostility_cost, b.tracks.hardliner_cost,
                           b.tracks.commitment_cost)
        # (No payment offered yet: none to add.)
        net = net_values(values, None if self._unpaid else self.payments[:, table], costs)
        open_tracks = (self.state[table] == TrackState.NONE) & day.live
        # Events: each track closing alone, then (with package linkage) all open tracks
        # closing together; at most one a day.
        possible = feasible(net, open_tracks)
        if self.package:
            possible = np.vstack([possible, package_feasible(net, open_tracks)[None, :]])
        if np.count_nonzero(possible):
            # (The sides' engagement sets only the closing rate: worked out when needed.)
            day.engagement = engagement(m.readiness, m.in_talks, day.bar)
            rate = b.tracks.closing_rate * day.engagement
            drawn = one_event(u, np.where(possible, rate, 0.0))
        else:  # no deal can close today (without a hazard one_event draws nothing)
            drawn = np.zeros(possible.shape, bool)
        closed = np.zeros((K, m.n), bool)
        closed[table] = drawn[:table.size]
        if self.package:
            closed[table] |= open_tracks & drawn[table.size][None, :]
        # A deal's first act given as an input is that deal, reached today, where its track
        # has none (docs/validation.md E4: a move of a lower-precedence outcome before the
        # recorded one is an input): deportation flights resumed or agreed are a migration
        # deal, which may then break (§3.12).
        resumed = imp.flights_resumed > 0
        if np.count_nonzero(resumed):
            closed[self._migration] |= resumed & day.live & (
                self.state[self._migration] == TrackState.NONE)
        day.closed = closed
        if not np.count_nonzero(closed):
            return
        t = day.t
        done = np.array([tr is Track.PRISONERS for tr in TRACKS])[:, None]
        self.state[closed] = np.where(done, TrackState.DONE, TrackState.IN_FORCE)[
            np.nonzero(closed)[0], 0]
        self._changed()
        self.day[closed] = t
        self.payments[:, closed] = 0.0
        count = closed.sum(axis=0)
        # A deal on the political question (elections, a transition) is a broad agreement
        # however narrow (docs/validation.md E3).
        broad = (count >= 2) | closed[TRACKS.index(Track.POLITICAL)]
        m.reach(Outcome.NARROW_DEAL, (count == 1) & ~broad, t)
        m.reach(Outcome.BROAD_AGREEMENT, broad, t)
        m.deal_day = np.where((count > 0) & (m.deal_day < 0), t, m.deal_day)
        m.pending_hostility += DEAL_GOODWILL * (count > 0)

    @property
    def open_agenda(self) -> NDArray:
        """Where a track of the agenda has no deal yet, shape ``(n,)``.

        Kept until the state changes.
        """
        if self._open_agenda is None:
            self._open_agenda = (self.state[self._agenda_rows] == TrackState.NONE).any(axis=0)
        return self._open_agenda

    def settle_agenda(self, m: DiplomacyModel, agreeing: NDArray, t: int) -> None:
        """§3.6: the bargain at the table closed where ``agreeing``.

        It settles the agenda's tracks that had no deal yet (a broad agreement on two or
        more, else a narrow deal), and the talks end.
        """
        settled = self.agenda[:, None] & agreeing & (self.state == TrackState.NONE)
        self.state[settled] = TrackState.IN_FORCE
        self._changed()
        self.day[settled] = t
        broad = settled.sum(axis=0) > 1
        m.reach(Outcome.BROAD_AGREEMENT, agreeing & broad, t)
        m.reach(Outcome.NARROW_DEAL, agreeing & ~broad, t)
        m.deal_day = np.where(agreeing & (m.deal_day < 0), t, m.deal_day)
        m.pending_hostility += DEAL_GOODWILL * agreeing
        m.broad_done |= agreeing
        m.in_talks &= ~agreeing

    def keep_or_break(self, m: DiplomacyModel, day: Day, u: NDArray) -> None:
        """§3.12: a deal in force breaks with a hazard that rises with hostility and grievance.

        A deal broken that was reached during the run makes the outcome ``deal_broken``;
        one inherited from before the run ends with no outcome of its own.
        """
        c = m.spec.behaviour.compliance
        imp = day.impulses
        # What each side receives of the other: Washington the flights Caracas takes (less
        # any pause) and any relief; Caracas the relief in force. Withdrawals count from
        # the second day on: what ended before the run is old news.
        flights = imp.relief[0] - imp.flights_paused
        received = np.empty((2, max(flights.shape[-1], imp.relief.shape[-1])))
        received[0], received[1] = flights, imp.relief[1]
        taken = 0.0 if self.received is None else withdrawn(self.received, received).sum(
            axis=0)
        self.received = received
        # A step taken alone on a track linked to a deal in force is a shortfall, answered
        # as a withdrawal (A9's second reading); a step of day 0 counts.
        if c.shortfall and np.count_nonzero(imp.shortfalls):
            day.shortfall = c.shortfall * shortfalls(imp.shortfalls, self.in_force,
                                                     self.on_table, self.package)
            taken = taken + day.shortfall
        self.grievance = grievance(self.grievance, taken, c.grievance_decay)
        # A deal can break from the day after it closed.
        # (Worked out only on the tracks with a deal in force somewhere: on the others
        # nothing can break, and every row below is False there.)
        held = np.flatnonzero(self.in_force.any(axis=1))
        can_break = self.in_force[held] & day.live & (self.day[held] < day.t)
        # Hazards only on the tracks where some deal can break (elsewhere they are 0).
        rows = held[can_break.any(axis=1)]
        broken = np.zeros(self.state.shape, bool)
        if rows.size:
            # (The draw over these rows alone is the draw over all: the others have no
            # hazard, and one_event leaves such rows out.)
            hazard = np.where(can_break[np.searchsorted(held, rows)], break_hazards(
                self.break_rates[rows], m.hostility, c.hostility_factor, self.grievance,
                c.reciprocity), 0.0)
            broken[rows] = one_event(u, hazard)
        day.broken = broken
        if not rows.size or not np.count_nonzero(broken[rows]):
            return
        hit = broken[rows]
        reached = (hit & (self.state[rows] == TrackState.IN_FORCE)).any(axis=0)
        self.state[broken] = TrackState.BROKEN
        self._changed()
        m.reach(Outcome.DEAL_BROKEN, reached, day.t)
        m.pending_hostility += BREAK_HOSTILITY * hit.any(axis=0)
