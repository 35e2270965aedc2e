"""What a model keeps of each day: the variables of the traced and banded replicates.

Every variable of :data:`VARIABLES` is kept each day for the first ``trace_n`` replicates
(the steps table), and the :data:`BAND_VARIABLES` for the first ``band_n`` (the charts'
quantile bands). A replicate decided on an earlier day keeps the row of its decision day,
with nothing happening (its daily Goldstein total and events are 0).

The offers are kept as each side's offer in US utility (two numbers a day, not six) and
turned into positions on the three issues in one pass when the traces are read.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from sim.model.issues import ISSUES
from sim.model.outcomes import DECIDED
from sim.scenario.schema import GOVERNMENTS

#: Variables recorded each day, per replicate: name -> display name.
VARIABLES: dict[str, str] = {
    "cc_index": "Conflict-cooperation index (Goldstein, smoothed)",
    "goldstein": "Goldstein total of the day",
    "hostility_us": "US hostility",
    "hostility_venezuela": "Venezuelan hostility",
    "readiness_us": "US readiness to talk",
    "readiness_venezuela": "Venezuelan readiness to talk",
    "pain_us": "Sanction pain on the US",
    "pain_venezuela": "Sanction pain on Venezuela",
    "adaptation_venezuela": "Venezuelan adaptation to sanctions",
    "resolve_us": "US estimate of Venezuelan resolve",
    "resolve_venezuela": "Venezuelan estimate of US resolve",
    "commitment_us": "US public commitment",
    "commitment_venezuela": "Venezuelan public commitment",
    "reservation_us": "US reservation value",
    "reservation_venezuela": "Venezuelan reservation value",
    "surplus": "Bargaining range (US utility room)",
    **{f"offer_{gov}_{issue}": f"{'US' if gov == 'us' else 'Venezuelan'} offer on {issue}"
       for gov in GOVERNMENTS for issue in ISSUES},
    "casualties": "Deaths (cumulative)",
    "events": "Events of the day",
    "in_talks": "At the table",
    "outcome": "Outcome so far, by precedence (0 stalemate, 1 talks, 2 narrow deal, 3 broad "
               "agreement, 4 talks collapsed, 5 deal broken, 6 escalation, 7 leader removed)",
    "action_us": "US action",
    "action_venezuela": "Venezuelan action",
    "hardliners_us": "Support of US hardliners",
    "hardliners_venezuela": "Support of Venezuelan hardliners",
    "legal_us": "Legal and evidentiary cost of US force",
    "deals_in_force": "Tracks with a deal in force",
    "relations_open": "Diplomatic relations open",
}

#: Variables whose quantile bands over all recorded replicates are kept.
BAND_VARIABLES: tuple[str, ...] = (
    "cc_index", "hostility_us", "hostility_venezuela", "readiness_us", "readiness_venezuela",
    "pain_venezuela", "surplus", *(f"offer_{g}_{i}" for g in GOVERNMENTS for i in ISSUES))

#: The offer variables: each government's offer on each issue, consecutive in both lists.
OFFERS = [f"offer_{gov}_{issue}" for gov in GOVERNMENTS for issue in ISSUES]
_N_OFFERS = len(OFFERS)
OFFER_SLOTS = range(list(VARIABLES).index(OFFERS[0]), list(VARIABLES).index(OFFERS[0]) + _N_OFFERS)
BAND_OFFER_SLOTS = range(BAND_VARIABLES.index(OFFERS[0]),
                         BAND_VARIABLES.index(OFFERS[0]) + _N_OFFERS)
assert [list(VARIABLES)[v] for v in OFFER_SLOTS] == OFFERS
assert [BAND_VARIABLES[b] for b in BAND_OFFER_SLOTS] == OFFERS
#: Variables that count what happens on a day: 0 on the days after a replicate is decided.
QUIET = ("goldstein", "events")

#: Default number of replicates whose every variable is kept each day (steps table).
TRACE_REPLICATES = 200
#: Default number of replicates whose key variables are kept for quantile bands.
BAND_REPLICATES = 2_000

#: Offers turned into positions per pass of :meth:`Recorder._place_offers` (about as many
#: as keep the pass's arrays in the processor's cache).
POSITION_BLOCK = 16_384

#: No replicate frozen (day 0: none was decided before it).
_NONE_FROZEN = np.zeros(0, np.int64)

#: Offers as US utilities, shape ``(..., 2, m)`` -> positions ``(..., 2, 3, m)``.
Positions = Callable[[NDArray], NDArray]


class Recorder:
    """The traces of one model: all variables of some replicates, band variables of more.

    Every variable of the first ``trace_n`` replicates is kept each day, and the band
    variables of the first ``band_n``.

    Args:
        horizon: Days in the run.
        trace_n: Replicates whose every variable is kept.
        band_n: Replicates whose band variables are kept.
        positions: Turns offers given as US utilities into issue positions (the model's
            frontier).
    """

    def __init__(self, horizon: int, trace_n: int, band_n: int, positions: Positions):
        self.horizon, self.trace_n, self.band_n = horizon, trace_n, band_n
        self._positions = positions
        # Days not yet stepped are NaN when the traces are read (see _unstepped); each day
        # stepped is written whole, so the rows are not filled up front.
        self._trace = np.empty((horizon, len(VARIABLES), trace_n), np.float32)
        self._band = np.empty((horizon, len(BAND_VARIABLES), band_n), np.float32)
        self._blank = 0  # rows from here on neither recorded nor set to NaN
        # (Rows are read only once written, so left uninitialised.)
        self._trace_offers = np.empty((horizon, 2, trace_n))
        self._band_offers = np.empty((horizon, 2, band_n))
        self._recorded = self._positioned = 0
        self._quiet = [list(VARIABLES).index(v) for v in QUIET]
        # What each day writes, per trace: (slot in the trace, index in VARIABLES) of every
        # variable but the offers, and the slots zeroed for frozen replicates.
        variable = list(VARIABLES).index
        self._recordings = (
            (self._trace, self._trace_offers, trace_n,
             [(v, v) for v in range(len(VARIABLES)) if v not in OFFER_SLOTS], self._quiet),
            (self._band, self._band_offers, band_n,
             [(b, variable(name)) for b, name in enumerate(BAND_VARIABLES)
              if variable(name) not in OFFER_SLOTS], []))

    @property
    def width(self) -> int:
        """Replicates that any trace keeps (the first ``width``)."""
        return max(self.trace_n, self.band_n)

    def record(self, t: int, values: list[NDArray | None], offer_values: NDArray,
               outcome: NDArray, outcome_day: NDArray) -> None:
        """Keep day ``t``.

        Args:
            t: The day.
            values: Today's value of each variable in :data:`VARIABLES` for the first
                :attr:`width` replicates (None in the offer slots).
            offer_values: Each side's offer in US utility, shape ``(2, >= width)``.
            outcome: Outcome so far per replicate.
            outcome_day: Day each replicate was decided (-1 if not).
        """
        m = self.width
        if not m:
            return
        # Replicates decided before today keep yesterday's row, with nothing happening.
        # (Their indices, ascending, once for both traces: copying columns by index is
        # faster than by a mask.)
        frozen = np.flatnonzero((outcome[:m] >= DECIDED) & (outcome_day[:m] < t)) if t \
            else _NONE_FROZEN
        for trace, offers, n, pairs, quiet in self._recordings:
            if not n:
                continue
            row, offer_row = trace[t], offers[t]
            for slot, v in pairs:
                row[slot] = values[v][:n]
            offer_row[...] = offer_values[:, :n]
            dead = frozen[:np.searchsorted(frozen, n)]  # those among the first n
            if dead.size:
                row[:, dead] = trace[t - 1][:, dead]
                offer_row[:, dead] = offers[t - 1][:, dead]
                for v in quiet:
                    row[v, dead] = 0.0
        self._recorded = t + 1

    def fill_remaining(self, day: int) -> None:
        """After an early stop on ``day``, repeat the frozen state for the days not stepped."""
        if day == 0 or day >= self.horizon:
            return
        self._place_offers()
        self._trace[day:] = self._trace[day - 1]
        self._trace[day:, self._quiet] = 0.0
        self._band[day:] = self._band[day - 1]
        self._trace_offers[day:] = self._trace_offers[day - 1]
        self._band_offers[day:] = self._band_offers[day - 1]
        self._recorded = self._positioned = self._blank = self.horizon

    @property
    def trace(self) -> NDArray:
        """Every variable of :data:`VARIABLES` per day for the first ``trace_n`` replicates.

        Shape ``(horizon, variables, trace_n)``, float32; NaN for days not yet stepped.
        """
        self._place_offers()
        self._unstepped()
        return self._trace

    @property
    def band_trace(self) -> NDArray:
        """The :data:`BAND_VARIABLES` per day for the first ``band_n`` replicates."""
        self._place_offers()
        self._unstepped()
        return self._band

    def _unstepped(self) -> None:
        """Set the rows of the days not yet stepped to NaN (once; later days overwrite them)."""
        lo = max(self._blank, self._recorded)
        if lo < self.horizon:
            self._trace[lo:] = np.nan
            self._band[lo:] = np.nan
        self._blank = self.horizon

    def _place_offers(self) -> None:
        """Write the offer positions of the days recorded since the traces were last read."""
        lo, hi = self._positioned, self._recorded
        if hi <= lo:
            return
        for trace, slots, offers in ((self._trace, OFFER_SLOTS, self._trace_offers),
                                     (self._band, BAND_OFFER_SLOTS, self._band_offers)):
            # A few days at a time, so that the passes of the conversion stay in cache.
            step = max(1, POSITION_BLOCK // max(1, 2 * trace.shape[2]))
            for a in range(lo, hi, step) if trace.shape[2] else ():
                b = min(a + step, hi)
                trace[a:b, slots.start:slots.stop] = self._positions(offers[a:b]).reshape(
                    b - a, _N_OFFERS, -1)
        self._positioned = hi
