"""The late-2025 record, the signals a run is held to, and the fit that set the defaults.

The **record** lists what public reporting says happened, with sources; the default
scenario (``scenarios/caribbean-2025.yaml``) takes the dated pressures from it as inputs.
The **signals** are what a run of that scenario must reproduce to be credible: things the
model produces rather than is given (Venezuela's offer of talks at the turn of the year, no
talks and no war before it) and inputs it turns into counts (strikes and deaths by the end
of December). :func:`fit` is the grid search that chose three behavioural parameters; run
it with ``python -m sim.experiments.calibration`` (see ``docs/validation.md``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.ensemble import run_ensemble
from sim.model.agents import Action
from sim.model.model import VARIABLES, Outcome
from sim.model.outcomes import EscalationCause
from sim.model.pressures import CATALOGUE, PressureType
from sim.scenario.load import load_scenario, with_overrides

if TYPE_CHECKING:
    from sim.output.results import Results
    from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Observation:
    """One dated fact from public reporting."""

    date: dt.date
    what: str
    source: str
    role: str  # "input" (a pressure of the scenario) or "signal" (the model must produce it)


RECORD: tuple[Observation, ...] = (
    Observation(dt.date(2025, 8, 7), "Reward for Maduro's arrest doubled to US$50 million",
                "US Attorney General's announcement, 7 August 2025", "input"),
    Observation(dt.date(2025, 8, 15), "US naval build-up in the southern Caribbean",
                "Reuters, 14 and 18 August 2025", "input"),
    Observation(dt.date(2025, 9, 2), "First strike on a boat: 11 killed",
                "President Trump's announcement, 2 September 2025", "input"),
    Observation(dt.date(2025, 9, 6), "Maduro writes to Trump proposing a 'direct and frank' "
                "conversation through Grenell (published 21 September)",
                "Anadolu Agency, 22 September 2025 (docs/validation.md B6)", "signal"),
    Observation(dt.date(2025, 11, 11), "USS Gerald R. Ford carrier group in the Caribbean",
                "US Navy, 11 November 2025", "input"),
    Observation(dt.date(2025, 11, 24), "Cartel de los Soles designated a Foreign Terrorist "
                "Organization", "US State Department, effective 24 November 2025", "input"),
    Observation(dt.date(2025, 12, 10), "First oil tanker seized off Venezuela",
                "widely reported, 10 December 2025", "input"),
    Observation(dt.date(2025, 12, 16), "Blockade of sanctioned oil tankers announced",
                "widely reported, 16 December 2025", "input"),
    Observation(dt.date(2025, 12, 20), "Second tanker seized", "widely reported, "
                "20 December 2025", "input"),
    Observation(dt.date(2025, 12, 26), "Covert strike on a dock (reported in the last week "
                "of December; exact date not public)", "press reports, late December 2025",
                "input"),
    Observation(dt.date(2025, 12, 31), "More than 30 strikes on boats and more than 110 "
                "deaths since 2 September", "tallies by AP, Reuters and CNN from Pentagon "
                "announcements", "signal"),
    Observation(dt.date(2025, 12, 31), "No talks between the governments, and no open war, "
                "by the end of December", "the record to 31 December 2025", "signal"),
    Observation(dt.date(2026, 1, 1), "Caracas offers talks on drugs, oil and migration "
                "'wherever and whenever'", "Maduro, interview broadcast at the turn of the "
                "year", "signal"),
)

#: "More than 30 strikes and more than 110 deaths" by the end of December, as point values.
RECORDED_STRIKES = 31
RECORDED_DEATHS = 110

#: Venezuela's offer of talks at the turn of the year counts as reproduced if it offers
#: within three weeks either side of 1 January 2026.
OFFER_WINDOW = (dt.date(2025, 12, 11), dt.date(2026, 1, 22))
#: Its offer after the first strike: within three weeks either side of the letter of
#: 6 September 2025 (docs/validation.md B6).
FIRST_OFFER_WINDOW = (dt.date(2025, 8, 16), dt.date(2025, 9, 27))
END_OF_RECORD = dt.date(2025, 12, 31)


@dataclass(frozen=True)
class Signals:
    """The observed signals as reproduced by a run (shares of replicates, medians)."""

    offer_in_window: float
    offer_after_first_strike: float
    median_offer_date: dt.date | None
    no_talks_by_end_of_record: float
    no_escalation_by_end_of_record: float
    deaths_by_end_of_record: tuple[float, float, float]
    strikes_by_end_of_record: tuple[float, float, float]

    def held(self) -> dict[str, bool]:
        """Each signal against the record: reproduced in most replicates?"""
        return {
            "Venezuela offers talks within three weeks of 6 September 2025":
                self.offer_after_first_strike > 0.5,
            "Venezuela offers talks within three weeks of 1 January 2026":
                self.offer_in_window > 0.5,
            "No talks by 31 December 2025": self.no_talks_by_end_of_record > 0.5,
            "No escalation by 31 December 2025": self.no_escalation_by_end_of_record > 0.5,
            "110 deaths by 31 December 2025 within the central 90% of runs":
                self.deaths_by_end_of_record[0] <= RECORDED_DEATHS
                <= self.deaths_by_end_of_record[2],
            "31 strikes by 31 December 2025 within the central 90% of runs":
                self.strikes_by_end_of_record[0] <= RECORDED_STRIKES
                <= self.strikes_by_end_of_record[2],
        }


@dataclass(frozen=True)
class StrikeTally:
    """How a scenario's boat strikes turn deaths into a number of strikes.

    The model counts deaths, not strikes; a run's strikes by a date are recovered from its
    deaths with the figures of the scenario's own boat-strike pressures:
    ``strikes = dated_strikes + (deaths - dated_deaths) / deaths_per_strike``.

    Attributes:
        dated_strikes: Boat strikes on a fixed date (``at``) from the start to the date.
        dated_deaths: Their deaths.
        deaths_per_strike: Deaths per strike of the boat-strike windows (Poisson, ``from``/
            ``until`` with ``per_week``) that begin by the date; if their figures differ,
            their mean weighted by the strikes each window expects up to the date.
    """

    dated_strikes: int
    dated_deaths: float
    deaths_per_strike: float

    @classmethod
    def of(cls, scenario: Scenario, until: dt.date = END_OF_RECORD) -> StrikeTally:
        """Read the tally from a scenario's boat-strike pressures up to ``until``.

        Triggered boat strikes are not counted (when they act is not fixed by the file).

        Raises:
            ValueError: The scenario has no boat-strike window before ``until``.
        """
        dated: list[float] = []
        windows: list[tuple[float, float]] = []  # (expected strikes, deaths per strike)
        for p in scenario.pressures:
            if p.type is not PressureType.BOAT_STRIKE:
                continue
            deaths = CATALOGUE[p.type].deaths if p.deaths is None else float(p.deaths)
            if p.at is not None and scenario.start <= p.at <= until:
                dated.append(deaths)
            elif p.per_week is not None and p.start is not None and p.until is not None:
                days = (min(p.until, until) - max(p.start, scenario.start)).days + 1
                if days > 0:
                    windows.append((float(p.per_week) * days / 7.0, deaths))
        if not windows:
            raise ValueError(f"scenario {scenario.name!r} has no boat-strike window by "
                             f"{until}: its strikes cannot be counted from its deaths")
        figures = {d for _, d in windows}
        expected = sum(w for w, _ in windows)
        per_strike = figures.pop() if len(figures) == 1 or expected == 0 else \
            sum(w * d for w, d in windows) / expected
        return cls(len(dated), float(sum(dated)), per_strike)

    def strikes(self, deaths: np.ndarray) -> np.ndarray:
        """The strikes that account for ``deaths`` (per replicate)."""
        return self.dated_strikes + (deaths - self.dated_deaths) / self.deaths_per_strike


def signals(results: Results) -> Signals:
    """Measure the record's signals in a run of the default scenario.

    Needs every replicate traced (``trace_replicates`` at least the number of runs).
    Venezuela offers talks when it signals openness (CAMEO 036); a run reproduces an offer
    of the record if it offers at least once in that offer's window (``docs/validation.md``
    B6), and ``median_offer_date`` is the median of each run's first offer. Strikes are
    counted from deaths with the run's own scenario (:class:`StrikeTally`), so a scenario
    file with other figures for its strikes is measured by its own figures.
    """
    scn = results.scenario
    trace = results.data.trace
    n = trace.shape[2]
    if n < results.n_runs:
        raise ValueError("signals need every replicate traced (trace_replicates >= runs)")
    v = list(VARIABLES)
    offered = trace[:, v.index("action_venezuela")] == Action.SIGNAL_OPENNESS
    first = np.where(offered.any(axis=0), offered.argmax(axis=0), -1)
    def offered_within(window: tuple[dt.date, dt.date]) -> float:
        lo, hi = (min(max(scn.day_of(d), 0), len(offered)) for d in window)
        return float(offered[lo:hi + 1].any(axis=0).mean())

    end = scn.day_of(END_OF_RECORD)
    runs = results.data.runs
    talks = runs["talks_day"]
    # "Open war": an escalation the model made itself (hostility past the threshold, force
    # chosen, relations broken), not one the record gives as an input (the blockade, the
    # covert strike on a dock).
    own = np.isin(runs["escalation_cause"], [EscalationCause.HOSTILITY, EscalationCause.FORCE,
                                             EscalationCause.RUPTURE])
    escalated = own & (runs["escalation_day"] >= 0) & (runs["escalation_day"] <= end)
    undecided = ~((runs["outcome"] == Outcome.LEADER_REMOVED) & (runs["outcome_day"] <= end))
    deaths = trace[end, v.index("casualties")].astype(float)[undecided]
    strikes = StrikeTally.of(scn).strikes(deaths)
    made = first[first >= 0]
    return Signals(
        offer_in_window=offered_within(OFFER_WINDOW),
        offer_after_first_strike=offered_within(FIRST_OFFER_WINDOW),
        median_offer_date=scn.date_of(int(np.median(made))) if made.size else None,
        no_talks_by_end_of_record=float(np.mean((talks < 0) | (talks > end))),
        no_escalation_by_end_of_record=float(np.mean(~escalated)),
        deaths_by_end_of_record=_quantiles(deaths),
        strikes_by_end_of_record=_quantiles(strikes),
    )


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
    """The 5%, 50% and 95% quantiles; NaN when no run is left to count (all settled)."""
    if not values.size:
        return (float("nan"),) * 3
    return tuple(np.quantile(values, [0.05, 0.5, 0.95]).tolist())


#: The grid :func:`fit` searched, and the values it chose (now the defaults).
GRID = {
    "actors.venezuela.readiness_bias": (-2.6, -2.2, -1.8),
    "behaviour.actions.signal_bias": (-6.0, -5.0, -4.5),
    "behaviour.actions.signal_readiness": (6.0, 9.0, 12.0),
}


def fit(runs: int = 600, seed: int = 11) -> list[tuple[float, dict[str, float], Signals]]:
    """Grid search for the parameters that best reproduce Venezuela's offer.

    Each point of :data:`GRID` runs the default scenario; points where talks open or war
    breaks out by 31 December in most replicates (against the record) are discarded; the
    rest are ranked by the share of replicates whose offer falls in the window.

    Returns:
        ``(score, parameters, signals)`` per admissible point, best first.
    """
    base = load_scenario()
    out = []
    names = list(GRID)
    for values in itertools.product(*GRID.values()):
        overrides = [f"{k}={v}" for k, v in zip(names, values, strict=True)]
        res = run_ensemble(with_overrides(base, overrides), runs, seed,
                           trace_replicates=runs, band_replicates=0, overrides=overrides)
        sig = signals(res)
        if sig.no_talks_by_end_of_record > 0.5 and sig.no_escalation_by_end_of_record > 0.5:
            out.append((sig.offer_in_window, dict(zip(names, values, strict=True)), sig))
    return sorted(out, key=lambda row: -row[0])


#: The weights :func:`fit_threat` tries for ``behaviour.actions.signal_survival``.
THREAT_GRID = tuple(float(w) for w in range(0, 22, 2))


def fit_threat(runs: int = 600, seed: int = 11, grid: Sequence[float] = THREAT_GRID
               ) -> tuple[float | None, list[tuple[float, Signals]]]:
    """The weight of the threat to a leader in his offers, fitted to the record's two offers.

    Runs the default scenario at each weight of ``grid`` (in order) and picks the smallest
    at which every signal of the record holds in most runs: both offers of talks (6 September
    2025 and the turn of the year, ``docs/validation.md`` B6), no talks and no escalation of
    the model's own by 31 December, the deaths and strikes (``docs/model.md`` §3.10 (6),
    §4.7).

    Returns:
        ``(chosen weight or None, [(weight, signals), ...])`` over the grid.
    """
    base = load_scenario()
    rows: list[tuple[float, Signals]] = []
    chosen = None
    for w in grid:
        overrides = [f"behaviour.actions.signal_survival={w}"]
        res = run_ensemble(with_overrides(base, overrides), runs, seed,
                           trace_replicates=runs, band_replicates=0, overrides=overrides)
        sig = signals(res)
        rows.append((float(w), sig))
        if chosen is None and all(sig.held().values()):
            chosen = float(w)
    return chosen, rows


def record_chart_data(results: Results) -> dict[str, object]:
    """What the validation chart draws: deaths and readiness fans, offer dates, the record."""
    scn = results.scenario
    trace = results.data.trace
    v = list(VARIABLES)
    days = np.arange(trace.shape[0])
    dates = np.array([scn.date_of(int(d)) for d in days])
    deaths = trace[:, v.index("casualties")].astype(float)
    readiness = trace[:, v.index("readiness_venezuela")].astype(float)
    offered = trace[:, v.index("action_venezuela")] == Action.SIGNAL_OPENNESS
    return {
        "dates": dates,
        "deaths": np.quantile(deaths, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1),
        "readiness": np.quantile(readiness, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1),
        # Every offer of every run, by its date (a run offers on many days).
        "offer_dates": [scn.date_of(int(d)) for d in np.nonzero(offered)[0]],
        "threshold": scn.talks.threshold,
        "record": [o for o in RECORD if scn.start <= o.date <= scn.end],
    }


def record_chart(results: Results, axes=None):
    """Simulated paths of the default scenario against the dated record (two panels)."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    data = record_chart_data(results)
    if axes is None:
        fig = Figure(figsize=(12, 7.5), layout="constrained")
        axes = fig.subplots(2, 1, sharex=True)
    else:
        fig = axes[0].figure
    dates = data["dates"]
    ax = axes[0]
    q = data["deaths"]
    ax.fill_between(dates, q[0], q[4], color="#fcbba1", alpha=0.6, lw=0, label="90% of runs")
    ax.fill_between(dates, q[1], q[3], color="#fb6a4a", alpha=0.5, lw=0, label="middle 50%")
    ax.plot(dates, q[2], color="#a50f15", lw=2, label="median run")
    ax.plot([dt.date(2025, 9, 2), END_OF_RECORD], [11, RECORDED_DEATHS], "ko", ms=7,
            label="record: 11 on 2 Sep; 110+ by 31 Dec")
    ax.set_ylabel("Deaths in strikes (cumulative)")
    ax.set_title("Simulated against the record: deaths in the strike campaign")
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1]
    q = data["readiness"]
    ax.fill_between(dates, q[0], q[4], color="#c6dbef", alpha=0.7, lw=0, label="90% of runs")
    ax.fill_between(dates, q[1], q[3], color="#6baed6", alpha=0.6, lw=0, label="middle 50%")
    ax.plot(dates, q[2], color="#08306b", lw=2, label="median run")
    ax.axhline(data["threshold"], color="#555555", ls="--", lw=1,
               label=f"readiness needed for talks ({data['threshold']:g})")
    ax.axvspan(OFFER_WINDOW[0], OFFER_WINDOW[1], color="#ffd92f", alpha=0.35,
               label="three weeks either side of Caracas's offers")
    ax.axvspan(FIRST_OFFER_WINDOW[0], FIRST_OFFER_WINDOW[1], color="#ffd92f", alpha=0.35)
    twin = ax.twinx()
    offers = data["offer_dates"]
    if offers:
        twin.hist(offers, bins=40, color="#e6550d", alpha=0.45)
    twin.set_ylabel("Venezuelan offers of talks (all runs)", color="#e6550d")
    for day, what in ((dt.date(2025, 9, 6), "Maduro's letter\n(6 Sep)"),
                      (dt.date(2026, 1, 1), "Caracas offers talks\n(turn of the year)")):
        ax.axvline(day, color="black", lw=1.5)
        ax.annotate(what, (day, 0.95), xycoords=("data", "axes fraction"), xytext=(4, -4),
                    textcoords="offset points", fontsize=8, va="top")
    for o in data["record"]:
        if o.role == "input":
            for a in axes:
                a.axvline(o.date, color="#999999", lw=0.6, ls=":")
    ax.set_ylim(0, 1)
    ax.set_ylabel("Venezuela's readiness to talk")
    ax.set_title("Venezuela's readiness and its offers of talks "
                 "(dotted lines: dated pressures of the record)")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def main(argv: list[str] | None = None) -> None:
    """``python -m sim.experiments.calibration [fit | fit-threat | chart PATH [RUNS]]``."""
    import sys  # noqa: PLC0415

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["chart"]:
        runs = int(args[2]) if len(args) > 2 else 2000
        res = run_ensemble(load_scenario(), runs, 2026, trace_replicates=runs)
        record_chart(res).savefig(args[1], dpi=110)
        sig = signals(res)
        print(sig)
        for what, ok in sig.held().items():
            print(f"{'held' if ok else 'MISSED'}: {what}")
        return
    if args[:1] == ["fit-threat"]:
        chosen, rows = fit_threat()
        for w, sig in rows:
            print(f"signal_survival={w:g}: offer after the first strike "
                  f"{sig.offer_after_first_strike:.3f}, at the turn of the year "
                  f"{sig.offer_in_window:.3f}, no talks {sig.no_talks_by_end_of_record:.3f}, "
                  f"no escalation {sig.no_escalation_by_end_of_record:.3f}"
                  + ("  <- every signal held" if all(sig.held().values()) else ""))
        print(f"chosen: {chosen}")
        return
    for score, params, sig in fit():
        print(f"{score:.2f} in window ({sig.offer_after_first_strike:.2f} after the first "
              "strike)  "
              + "  ".join(f"{k.split('.')[-1]}={v}" for k, v in params.items()))


if __name__ == "__main__":
    main()
