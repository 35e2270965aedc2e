"""When each pressure of a scenario acts, replicate by replicate, and what it adds that day.

Scheduled pressures (``at`` or ``from``/``until``) act on the same days in every replicate;
events in a window happen as a Poisson process at ``per_week / 7`` a day, drawn from the
replicate's own stream; triggered pressures start, per replicate, on the day their
condition has held for ``for_days`` days in a row. :meth:`Timeline.fire` returns the day's
:class:`Impulses`: the shocks and levels the model applies in its step.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.engine.counts import count_true
from sim.model.issues import TRACK_ISSUES, TRACKS, tracks_on_table
from sim.model.mechanisms.pain import kept_share
from sim.model.pressures import CATALOGUE, PressureEffect, PressureKind, PressureType
from sim.scenario.schema import GOVERNMENTS, Condition, Pressure, Scenario

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass
class Impulses:
    """What the pressures of one day add, per government (axis 0) and replicate (axis -1).

    ``exposure`` is the sanction level of the states in force and ``effective_exposure``
    the same after the target's adaptation to each measure, for the measures oil buyers
    cannot dull; ``oil_sales_exposure`` is the adapted exposure of those they can (the
    model applies the buyers' share of the day). ``exit_demand`` and ``relief`` are levels
    of states in force; ``offers`` are payments on the tracks, row ``target * 5 + track``;
    ``shortfalls`` the steps taken alone today on each track, by either side (row ``track``).
    The other arrays are one-off shocks of the day; ``provocation`` counts the coercive
    measures (Goldstein at most :data:`PROVOCATION_GOLDSTEIN`) each government received today
    from the other, whatever their intensity (a new measure is a provocation, large or
    small), and ``defection`` those of them whose issue is the axis of a track on the table
    (``docs/model.md`` §3.1). ``escalates`` is the
    :class:`~sim.model.outcomes.EscalationCause` of a pressure that is itself a rupture step
    today (0 if none).
    """

    exposure: NDArray
    effective_exposure: NDArray
    oil_sales_exposure: NDArray
    pain: NDArray
    hostility: NDArray
    resolve: NDArray
    resolve_floor: NDArray
    commitment: NDArray
    signal: NDArray
    exit_demand: NDArray
    relief: NDArray
    offers: NDArray
    mediation: NDArray
    presence: NDArray
    goldstein: NDArray
    casualties: NDArray
    events: NDArray
    seizures: NDArray
    tariffs: NDArray
    flights_paused: NDArray
    flights_resumed: NDArray
    escalates: NDArray
    provocation: NDArray
    defection: NDArray
    shortfalls: NDArray

    @classmethod
    def zeros(cls, n: int) -> Impulses:
        """No pressure at all, for ``n`` replicates."""
        rows = {f.name: 1 for f in fields(cls)}
        rows.update({name: 2 for name in _PER_GOVERNMENT})
        rows["offers"] = 2 * len(TRACKS)
        rows["shortfalls"] = len(TRACKS)
        arrays = {name: (np.zeros((r, n)) if name in _PER_GOVERNMENT or name in _PER_TRACK
                         else np.zeros(n))
                  for name, r in rows.items()}
        arrays["escalates"] = np.zeros(n, np.int8)
        return cls(**arrays)

    def __post_init__(self) -> None:
        self._owned = {f.name for f in fields(self)}
        self._width = self.exposure.shape[-1]

    def column(self, k: int) -> Impulses:
        """Column ``k`` of every field as a width-1 row (views, not copies)."""
        row = object.__new__(Impulses)
        row.__dict__.update({name: getattr(self, name)[..., k:k + 1] for name in self._owned})
        row._owned, row._width = set(self._owned), 1
        return row

    def shared(self, n: int) -> Impulses:
        """A view of a tabulated row for ``n`` replicates.

        Fields are copied (and widened to ``n``) only when :meth:`writable` asks for them.
        """
        view = object.__new__(Impulses)  # a shallow copy (copy.copy costs 40 us here)
        view.__dict__.update(self.__dict__)
        view._owned, view._width = set(), n
        return view

    def writable(self, name: str) -> NDArray:
        """A field this object owns, at full width, ready to be added to in place."""
        value = getattr(self, name)
        if name not in self._owned:
            wide = np.empty((*value.shape[:-1], self._width), value.dtype)
            wide[...] = value  # widens a width-1 row, copies a full one
            value = wide
            setattr(self, name, value)
            self._owned.add(name)
        return value


#: The impulses with one row per government.
_PER_GOVERNMENT = ("exposure", "effective_exposure", "oil_sales_exposure", "pain", "hostility",
                   "resolve", "resolve_floor", "commitment", "signal", "exit_demand",
                   "relief", "provocation", "defection")
#: The impulses with one row per track (and government, for the offers).
_PER_TRACK = ("offers", "shortfalls")
#: A pressure whose CAMEO event weighs this or less on the Goldstein scale is coercive: a
#: provocation to the government it targets (sanctions, a seizure, an indictment, a strike,
#: a demand that its leader go; not a paused flight, -4).
PROVOCATION_GOLDSTEIN = -5.0


@dataclass
class Firing:
    """A pressure that acted in replicate 0 on a day, for the narrative."""

    day: int
    pressure: str
    type: PressureType
    sender: str
    target: str
    count: float
    deaths: float
    started: bool


@dataclass
class _Scheduled:
    id: str
    spec: Pressure
    effect: PressureEffect
    sender: int  # government index, or -1 for a third party
    target: int
    intensity: float
    deaths: float
    first: int  # first and last day the pressure can act (inclusive)
    last: int
    rate: float | None  # events per day in a window
    column: int | None  # random column of its Poisson draws
    thresholds: NDArray | None  # Poisson CDF at 0, 1, 2, ...
    condition: Condition | None = None
    check_first: int = 0
    check_last: int = 0
    for_days: int = 1
    duration: int = 1
    since_days: int | None = None  # states in force before the run: -days in force
    track: int | None = None  # index in TRACKS of a relief offer's or a step's track
    table_issue: bool = False  # its issue is the axis of a track on the table (§3.1)
    fired: NDArray | None = None  # per replicate: day the trigger fired, -1 if not yet
    streak: NDArray | None = None


def poisson_thresholds(rate: float, tail: float = 1e-12) -> NDArray:
    """Cumulative Poisson probabilities ``P(N <= m)`` for m = 0, 1, ... until ``1 - tail``.

    A count is then the number of thresholds a uniform exceeds: inverse-CDF sampling, which
    is elementwise and so the same for a replicate alone or in a batch.
    """
    # scipy's Poisson CDF (pdtr) and its inverse (pdtrik): the functions that
    # scipy.stats.poisson.cdf and .ppf evaluate, bit for bit, without importing
    # scipy.stats, which no run needs otherwise and which alone costs about 0.5 s (over 20%
    # of a `dipsim run`); scipy.special is loaded with mesa already.
    from scipy.special import pdtr, pdtrik  # noqa: PLC0415

    top = min(int(np.ceil(pdtrik(1.0 - tail, rate))), 1001)
    cdf = np.minimum(pdtr(np.arange(top + 1), rate), 1.0)
    return cdf[: int(np.searchsorted(cdf, 1.0 - tail)) + 1]  # up to the (1 - tail) quantile


class Timeline:
    """The pressures of a scenario compiled for ``n`` replicates.

    Args:
        scenario: The validated scenario.
        n: Number of replicates.
        first_column: The first random column free for Poisson draws.
        layout: Ids of Poisson windows in the order of their random columns. By default
            the windows of this scenario in file order; two scenarios compared on common
            random numbers share one layout, so a window keeps its column in both.
        oil_sales_kept: Share of the pain of oil-sales measures (those whose catalogue
            entry has ``buyers_dull``) that Venezuela still feels with oil buyers outside
            the sanctions (see :func:`sim.model.third_parties.oil_sales_kept`).

    Attributes:
        columns: Random columns used: one per window id in the layout (which, shared with
            another scenario, may include windows this one does not have).
        entries: The compiled pressures, in file order.
    """

    def __init__(self, scenario: Scenario, n: int, first_column: int,
                 layout: Sequence[str] | None = None, oil_sales_kept: float = 1.0):
        self.n = n
        self.max_adaptation = [float(scenario.actors[g].max_adaptation) for g in GOVERNMENTS]
        self.adaptation_rate = [float(scenario.actors[g].adaptation_rate) for g in GOVERNMENTS]
        # Oil buyers outside the sanctions keep a share of Venezuela's oil sales going.
        self.buyer_kept = [1.0, oil_sales_kept]
        self.entries: list[_Scheduled] = []
        self._next_column = first_column
        self._first_column = first_column
        ids = scenario.pressure_ids()
        windows = [pid for pid, p in zip(ids, scenario.pressures, strict=True)
                   if p.per_week is not None]
        self.layout = list(windows if layout is None else layout)
        missing = [w for w in windows if w not in self.layout]
        if missing:
            raise ValueError(f"stream layout lacks the Poisson windows {missing}")
        self.horizon = scenario.horizon_days
        self._scenario = scenario
        # The issue axes of the tracks on the table (a coercive measure on one of them is a
        # defection at the table, §3.7).
        self._table_issues = {TRACK_ISSUES[t] for t in tracks_on_table(scenario)
                              if t in TRACK_ISSUES}
        for pid, p in zip(scenario.pressure_ids(), scenario.pressures, strict=True):
            self.entries.append(self._compile(pid, p))
        self.columns = len(self.layout)
        self._tabulate()

    def _tabulate(self) -> None:
        """Precompute, day by day, what the pressures that act alike in every replicate add.

        Pressures on fixed dates or windows without Poisson draws act on the same days in
        every replicate, so their impulses are tabulated once per model as width-1 rows;
        only Poisson windows and triggered pressures are evaluated per replicate each day.
        """
        days = self.horizon
        varying = [e for e in self.entries if e.condition is not None or e.rate is not None]
        self._varying = varying
        fixed = [e for e in self.entries if e not in varying]
        # One column per day: _hold and _apply work on every day at once, as they work on
        # every replicate at once in fire(). Each day gets the same terms, added in the same
        # order, as day by day (a day a pressure is not in force adds zero).
        table = Impulses.zeros(days)
        every_day = np.arange(days)
        self._fixed_firings: list[list[Firing]] = [[] for _ in range(days)]
        for e in fixed:
            first, last = max(e.first, 0), min(e.last, days - 1)
            if first > last:
                continue
            on = ((every_day >= first) & (every_day <= last)).astype(float)
            started = (every_day == e.first).astype(float)
            if e.effect.kind is PressureKind.EVENT:
                self._apply(e, on, table)
            else:
                self._hold(e, on, every_day, table)
                self._apply(e, started, table)
            for day in range(first, last + 1):
                if day == e.first or e.effect.kind is PressureKind.EVENT:
                    self._fixed_firings[day].append(Firing(
                        day, e.id, e.spec.type, e.spec.sender, e.spec.target, 1.0,
                        e.deaths if e.effect.kind is PressureKind.EVENT else 0.0,
                        e.effect.kind is PressureKind.STATE))
        self._rows = [table.column(day) for day in range(days)]

    def _compile(self, pid: str, p: Pressure) -> _Scheduled:
        scenario = self._scenario
        last_day = scenario.horizon_days - 1
        effect = CATALOGUE[p.type]
        sender = GOVERNMENTS.index(p.sender) if p.sender in GOVERNMENTS else -1
        target = GOVERNMENTS.index(p.target) if p.target in GOVERNMENTS else -1
        deaths = effect.deaths if p.deaths is None else float(p.deaths)
        is_event = effect.kind is PressureKind.EVENT
        rate = None if p.per_week is None else float(p.per_week) / 7.0
        entry = _Scheduled(pid, p, effect, sender, target, float(p.intensity), deaths,
                           0, last_day, rate, None, None)
        if p.track is not None:
            entry.track = TRACKS.index(p.track)
        entry.table_issue = effect.issue in self._table_issues
        if rate is not None:
            entry.column = self._first_column + self.layout.index(pid)
            entry.thresholds = poisson_thresholds(rate)
        if p.at is not None:
            entry.first = scenario.day_of(p.at)
            entry.last = entry.first if is_event else min(
                last_day, entry.first + (p.duration_days or scenario.horizon_days) - 1)
        elif p.start is not None and p.until is not None:
            entry.first, entry.last = scenario.day_of(p.start), scenario.day_of(p.until)
        elif p.since is not None and p.until is not None:
            # In force before the run: no start-of-state shock (it is old news).
            entry.first, entry.last = -1, scenario.day_of(p.until)
            entry.since_days = scenario.day_of(p.since)
        else:
            trig = p.trigger
            assert trig is not None
            entry.condition = trig.condition
            entry.check_first = scenario.day_of(trig.start) if trig.start else 0
            entry.check_last = scenario.day_of(trig.until) if trig.until else last_day
            entry.for_days = trig.for_days
            entry.duration = 1 if (is_event and rate is None) else (
                p.duration_days or scenario.horizon_days)
            self._reset_trigger(entry)
        return entry

    def _reset_trigger(self, entry: _Scheduled) -> None:
        """Set a triggered pressure's per-replicate state as before the first day."""
        entry.fired = np.full(self.n, -1, dtype=np.int64)
        entry.streak = np.zeros(self.n, dtype=np.int64)

    def add(self, pid: str, pressure: Pressure) -> None:
        """Add a pressure during a run (a classroom injection); it may not need random draws.

        Raises:
            ValueError: The pressure is a Poisson window, which would need a random column.
        """
        if pressure.per_week is not None:
            raise ValueError("pressures added during a run cannot be Poisson windows")
        self.entries.append(self._compile(pid, pressure))
        self._tabulate()

    def resize(self, n: int) -> None:
        """Hold ``n`` replicates instead, before the first day (for a share of a run)."""
        self.n = n
        for e in self.entries:
            if e.fired is not None:
                self._reset_trigger(e)

    def _kept(self, target: int, age: int | NDArray) -> NDArray:
        """Share of a measure's pain ``target`` still feels at ``age`` days (adaptation)."""
        return kept_share(age, self.adaptation_rate[target], self.max_adaptation[target])

    def exposure_in_force(self) -> NDArray:
        """Effective exposure per government of the states in force before the run."""
        out = np.zeros(2)
        for e in self.entries:
            if e.since_days is not None and e.target >= 0 and e.effect.pain:
                level = e.effect.pain * e.intensity
                if level > 0:
                    level *= self._kept(e.target, -e.since_days)
                    if e.effect.buyers_dull:
                        level *= self.buyer_kept[e.target]
                out[e.target] += level
        return out

    def level_in_force(self, name: str) -> NDArray:
        """A state's level per government from the states in force before the run.

        For ``exit_demand``, ``relief`` or ``flights_paused``: what day 0 already reflects.
        """
        out = np.zeros(2)
        for e in self.entries:
            level = getattr(e.effect, name)
            if e.since_days is not None and level:
                for t in ((0, 1) if name == "flights_paused" else (e.target,)):
                    if t >= 0:
                        out[t] += level * e.intensity
        return out

    def _triggered(self, e: _Scheduled, day: int, model: DiplomacyModel
                   ) -> tuple[NDArray, NDArray]:
        """Per replicate: is the pressure in force today, and did it start today."""
        assert e.fired is not None and e.streak is not None and e.condition is not None
        if e.check_first <= day <= e.check_last:
            waiting = e.fired < 0
            holds = _OPS[e.condition.op](model.variable(e.condition), e.condition.value)
            e.streak = np.where(holds & waiting, e.streak + 1, 0)
            e.fired = np.where(waiting & (e.streak >= e.for_days), day, e.fired)
        started = e.fired == day
        on = (e.fired >= 0) & (day >= e.fired) & (day < e.fired + e.duration)
        return on, started

    def fire(self, day: int, uniforms: NDArray, model: DiplomacyModel,
             log: list[Firing] | None = None) -> Impulses:
        """The impulses of all pressures acting on ``day``.

        Each field is a width-1 row (broadcasting over replicates) unless a per-replicate
        pressure wrote to it today, then it is full width. Fields must not be modified.

        Args:
            day: Day index.
            uniforms: The day's random columns, shape ``(columns, n)``.
            model: The model, for trigger conditions.
            log: If given, firings in replicate 0 are appended to it.
        """
        imp = self._rows[day].shared(self.n)
        if log is not None:
            log.extend(self._fixed_firings[day])
        for e in self._varying:
            if e.condition is not None:
                on, started = self._triggered(e, day, model)
                if not np.count_nonzero(on):
                    continue
            elif not max(e.first, 0) <= day <= e.last:
                continue
            else:
                on, started = True, day == e.first
            if e.effect.kind is PressureKind.EVENT:
                if e.rate is not None:
                    assert e.column is not None and e.thresholds is not None
                    # The number of thresholds the uniform exceeds, counted in one pass.
                    exceeded = uniforms[e.column] > e.thresholds[:, None]
                    count = count_true(exceeded).astype(float) * on
                else:
                    count = np.asarray(started, dtype=float)
                self._apply(e, count, imp)
            else:
                self._hold(e, np.asarray(on, dtype=float), day, imp)
                self._apply(e, np.asarray(started, dtype=float), imp)
            if log is not None:
                # Replicate 0's count (a value, one column or one per replicate).
                c0 = float(np.ravel(count if e.effect.kind is PressureKind.EVENT
                                    else started)[0])
                if c0 > 0:
                    log.append(Firing(day, e.id, e.spec.type, e.spec.sender, e.spec.target,
                                      c0, c0 * e.deaths if e.effect.kind is
                                      PressureKind.EVENT else 0.0,
                                      e.effect.kind is PressureKind.STATE))
        return imp

    def _hold(self, e: _Scheduled, on: NDArray, day: int | NDArray, imp: Impulses) -> None:
        """Effects that last while a state is in force.

        Sanction exposure is dulled by the target's adaptation to *this* measure, which grows
        from the day it began (:func:`~sim.model.mechanisms.pain.kept_share`). A new
        measure (a blockade aimed at the shadow fleet) bites fully at first even where older
        sanctions have long been adapted to. Relief (negative exposure) is not dulled.
        """
        fx, i = e.effect, e.intensity
        targets = (0, 1) if fx.mediation else ((e.target,) if e.target >= 0 else ())
        for t in targets:
            if fx.pain:
                level = on * (fx.pain * i)
                imp.writable("exposure")[t] += level
                if fx.pain > 0:
                    start = e.fired if e.fired is not None else (
                        e.since_days if e.since_days is not None else e.first)
                    kept = self._kept(t, np.maximum(day - start, 0))
                    # Oil buyers outside the sanctions dull what the model says they do today.
                    part = "oil_sales_exposure" if fx.buyers_dull else "effective_exposure"
                    imp.writable(part)[t] += level * kept
                else:
                    imp.writable("effective_exposure")[t] += level
            if fx.exit_demand:
                imp.writable("exit_demand")[t] += on * (fx.exit_demand * i)
            if fx.relief:
                imp.writable("relief")[t] += on * (fx.relief * i)
            if fx.resolve_floor:
                floor = imp.writable("resolve_floor")
                floor[t] = np.maximum(floor[t], on * (fx.resolve_floor * i))
        if fx.mediation:
            imp.writable("mediation")[:] += on * (fx.mediation * i)
        if fx.presence:
            imp.writable("presence")[:] += on * (fx.presence * i)
        if fx.flights_paused:
            imp.writable("flights_paused")[:] += on * (fx.flights_paused * i)
        if fx.tariff:
            imp.writable("tariffs")[:] += on * (fx.tariff * i)

    @staticmethod
    def _apply(e: _Scheduled, count: NDArray, imp: Impulses) -> None:
        """One-off effects of ``count`` events (or of a state starting)."""
        if not np.count_nonzero(count):
            return
        fx, i = e.effect, e.intensity
        deaths = e.deaths if fx.kind is PressureKind.EVENT else 0.0
        targets = (0, 1) if fx.mediation else ((e.target,) if e.target >= 0 else ())
        for t in targets:
            if fx.kind is PressureKind.EVENT and fx.pain:
                imp.writable("pain")[t] += count * (fx.pain * i)
            shock = fx.hostility * i + fx.hostility_per_death * deaths
            if shock:
                imp.writable("hostility")[t] += count * shock
            if fx.resolve:
                imp.writable("resolve")[t] += count * (fx.resolve * i)
            if fx.target_commitment:
                imp.writable("commitment")[t] += count * (fx.target_commitment * i)
            if fx.signal:
                imp.writable("signal")[t] += count * (fx.signal * i)
            if fx.event.goldstein <= PROVOCATION_GOLDSTEIN and e.sender == 1 - t and i > 0:
                imp.writable("provocation")[t] += count
                if e.table_issue:
                    imp.writable("defection")[t] += count
        if fx.sender_commitment and e.sender >= 0:
            imp.writable("commitment")[e.sender] += count * (fx.sender_commitment * i)
        imp.writable("goldstein")[:] += count * fx.event.goldstein
        imp.writable("events")[:] += count
        if deaths:
            imp.writable("casualties")[:] += count * deaths
        if fx.escalates and i > 0:  # a rupture step at zero intensity did not happen
            esc = imp.writable("escalates")
            np.maximum(esc, np.where(count > 0, int(fx.escalates), 0).astype(np.int8), out=esc)
        if fx.offer and e.track is not None and e.target >= 0:
            imp.writable("offers")[e.target * len(TRACKS) + e.track] += count * (fx.offer * i)
        if fx.shortfall and e.track is not None:
            imp.writable("shortfalls")[e.track] += count * (fx.shortfall * i)
        if fx.seizure:
            imp.writable("seizures")[:] += count
        if fx.flights_resumed:
            imp.writable("flights_resumed")[:] += count * (fx.flights_resumed * i)
