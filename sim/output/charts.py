"""Charts of a run, drawn with matplotlib (Agg) for files and classrooms.

Data for each chart is computed apart from the drawing, and every drawing function takes
``ax=None`` (or ``axes=None``) and returns the figure, so charts can be composed in
notebooks. Figures are made with :class:`matplotlib.figure.Figure` directly, not pyplot:
no global state, no GUI backend, and a faster start. The four charts:

- **path**: the conflict-cooperation index over calendar dates, as a fan of quantile bands
  across replicates with a few sample paths coloured by outcome, and the scenario's
  pressures marked on the time axis;
- **offers**: each government's offer on drugs, oil and migration over time;
- **hostility**: the escalation ladder, both sides' hostility against the escalation
  threshold;
- **outcomes**: outcome probabilities with 95% intervals, and when outcomes happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.model.issues import ISSUES
from sim.model.outcomes import Outcome
from sim.model.pressures import CATALOGUE, PressureKind
from sim.model.recording import VARIABLES
from sim.scenario.schema import Scenario


class Results(Protocol):
    """What the charts read from a run (:class:`sim.output.results.Results` has it all)."""

    scenario: Scenario
    n_runs: int
    key_runs: pd.DataFrame
    steps: pd.DataFrame

    def band(self, variable: str) -> pd.DataFrame:
        """Per-day quantiles of one variable."""

    def probabilities(self) -> pd.DataFrame:
        """P(outcome) with intervals and median days."""

    def timing(self) -> pd.DataFrame:
        """When outcomes happened."""

OUTCOME_COLOURS = {"stalemate": "#7f7f7f", "talks": "#1f77b4", "agreement": "#2ca02c",
                   "escalation": "#d62728"}
GOVERNMENT_COLOURS = {"us": "#1f4e9c", "venezuela": "#e0a100"}
GOVERNMENT_NAMES = {"us": "United States", "venezuela": "Venezuela"}
DPI = 110


def _figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots()


def _date_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.grid(True, alpha=0.3)


# ---------------------------------------------------------------------------- data


@dataclass
class Marker:
    """A pressure drawn on the time axis: a tick for an event, a span for a window."""

    label: str
    start: dt.date
    end: dt.date | None
    conflict: bool


def pressure_markers(results: Results) -> list[Marker]:
    """The scheduled pressures of the scenario as time-axis markers (triggered ones excluded)."""
    scn = results.scenario
    out = []
    for pid, p in zip(scn.pressure_ids(), scn.pressures, strict=True):
        fx = CATALOGUE[p.type]
        conflict = fx.event.goldstein < 0
        label = pid.replace("_", " ")
        if p.at is not None and fx.kind is PressureKind.EVENT:
            out.append(Marker(label, p.at, None, conflict))
        elif p.start is not None and p.until is not None:
            out.append(Marker(label, p.start, p.until, conflict))
        elif p.at is not None:
            out.append(Marker(label, p.at, scn.end, conflict))
    return out


def sample_paths(results: Results, variable: str, per_outcome: int = 3
                 ) -> list[tuple[str, pd.Series]]:
    """A few traced replicates of each outcome: (outcome, series by date) up to its end day."""
    runs = results.key_runs
    steps = results.steps
    out = []
    traced = set(steps["replicate"].unique())
    for o in ("escalation", "agreement", "talks", "stalemate"):
        reps = [r for r in runs.loc[runs["outcome"] == o, "replicate"] if r in traced]
        for r in reps[:per_outcome]:
            s = steps.loc[steps["replicate"] == r].set_index("date")[variable]
            row = runs.loc[runs["replicate"] == r].iloc[0]
            if o in ("escalation", "agreement") and not pd.isna(row["day"]):
                s = s.iloc[: int(row["day"]) + 1]
            out.append((o, s))
    return out


# ---------------------------------------------------------------------------- drawing


def path_chart(results: Results, ax: Axes | None = None) -> Figure:
    """The conflict-cooperation path: fan, sample paths by outcome, pressures on the axis."""
    fig, ax = _figure(ax, (11, 5.5))
    band = results.band("cc_index")
    ax.fill_between(band.index, band["q05"], band["q95"], color="#9ecae1", alpha=0.45,
                    lw=0, label="90% of runs")
    ax.fill_between(band.index, band["q25"], band["q75"], color="#4292c6", alpha=0.45,
                    lw=0, label="middle 50% of runs")
    ax.plot(band.index, band["q50"], color="#08306b", lw=2, label="median")
    seen = set()
    for outcome, s in sample_paths(results, "cc_index"):
        colour = OUTCOME_COLOURS[outcome]
        ax.plot(s.index, s.values, color=colour, lw=0.9, alpha=0.8,
                label=None if outcome in seen else f"a run ending in {outcome}")
        if outcome in ("escalation", "agreement"):
            ax.plot(s.index[-1], s.values[-1], "X" if outcome == "escalation" else "o",
                    color=colour, ms=7)
        seen.add(outcome)
    ax.axhline(0, color="black", lw=0.8)
    lo, hi = ax.get_ylim()
    span = hi - lo
    ax.set_ylim(lo - 0.24 * span, hi)
    markers = sorted(pressure_markers(results), key=lambda m: (m.start, m.end or m.start))
    _pressure_strip(ax, markers, lo - 0.22 * span, 0.038 * span)
    _date_axis(ax)
    ax.set_ylabel("Conflict (−) / cooperation (+)\nGoldstein points per day, 14-day smoothing")
    ax.set_title(f"{results.scenario.title}\nThe path toward talks or escalation "
                 f"({results.n_runs:,} runs)", fontsize=12)
    ax.legend(loc="upper left", fontsize=8, ncol=2, framealpha=0.9)
    return fig


#: Pressures named on the path chart; beyond this they are drawn but not labelled (a
#: scenario with thousands of pressures would be a wall of text).
MAX_NAMED_PRESSURES = 40


def _pressure_strip(ax: Axes, markers: list[Marker], base: float, step: float) -> None:
    """Draw the pressures along the time axis, in five rows.

    One collection for the spans and one for the events, whatever their number (one
    artist per pressure took 78 s to draw with 5,000 pressures); each pressure is named
    when there are at most :data:`MAX_NAMED_PRESSURES`.
    """
    from matplotlib.collections import LineCollection  # noqa: PLC0415

    colours = ["#b2182b" if mk.conflict else "#1a9850" for mk in markers]
    ys = [base + (k % 5) * step for k in range(len(markers))]
    starts = mdates.date2num([mk.start for mk in markers]) if markers else np.empty(0)
    spans = [k for k, mk in enumerate(markers) if mk.end is not None]
    events = [k for k, mk in enumerate(markers) if mk.end is None]
    if spans:
        ends = mdates.date2num([markers[k].end for k in spans])
        ax.add_collection(LineCollection(
            [[(starts[k], ys[k]), (e, ys[k])] for k, e in zip(spans, ends, strict=True)],
            colors=[colours[k] for k in spans], linewidths=3, alpha=0.6, capstyle="butt"),
            autolim=False)
    if events:
        ax.scatter(starts[events], [ys[k] for k in events], marker="v", s=36,
                   c=[colours[k] for k in events], zorder=3)
    named = len(markers) <= MAX_NAMED_PRESSURES
    if named:
        for k, mk in enumerate(markers):
            ax.annotate(mk.label, (starts[k], ys[k]), xytext=(3 if mk.end is None else 2, 2),
                        textcoords="offset points", fontsize=7, color=colours[k])
    note = "pressures (red: coercive, green: conciliatory)"
    if not named:
        note += f"; {len(markers):,} of them, too many to name"
    ax.text(0.005, 0.01, note, transform=ax.transAxes, fontsize=7, color="#444444")


def offers_chart(results: Results, axes: list[Axes] | None = None) -> Figure:
    """Each government's offer on each issue over time (median and middle 50% of runs)."""
    if axes is None:
        fig = Figure(figsize=(13, 4.5), layout="constrained")
        axes = fig.subplots(1, 3, sharey=True)
    else:
        fig = axes[0].figure
    for ax, issue in zip(axes, ISSUES, strict=True):
        for gov in ("us", "venezuela"):
            b = results.band(f"offer_{gov}_{issue}")
            colour = GOVERNMENT_COLOURS[gov]
            ax.fill_between(b.index, b["q25"], b["q75"], color=colour, alpha=0.25, lw=0)
            ax.plot(b.index, b["q50"], color=colour, lw=2.5 if gov == "us" else 2,
                    ls="-" if gov == "us" else "--", label=f"{GOVERNMENT_NAMES[gov]} offer")
        sq = getattr(results.scenario.status_quo, str(issue))
        ax.axhline(sq, color="black", ls=":", lw=1, label="status quo")
        ax.set_title(str(issue).capitalize())
        ax.set_ylim(-0.03, 1.03)
        _date_axis(ax)
    axes[0].set_ylabel("Position on the issue\n0 = Caracas's ideal, 1 = Washington's")
    axes[0].legend(fontsize=8, loc="center left")
    fig.suptitle("Offers on drugs, oil and migration (median and middle 50% of runs)")
    return fig


def hostility_chart(results: Results, ax: Axes | None = None) -> Figure:
    """The escalation ladder: both sides' hostility and the escalation threshold."""
    fig, ax = _figure(ax, (11, 4.5))
    for gov in ("us", "venezuela"):
        b = results.band(f"hostility_{gov}")
        colour = GOVERNMENT_COLOURS[gov]
        ax.fill_between(b.index, b["q05"], b["q95"], color=colour, alpha=0.15, lw=0)
        ax.fill_between(b.index, b["q25"], b["q75"], color=colour, alpha=0.3, lw=0)
        ax.plot(b.index, b["q50"], color=colour, lw=2,
                label=f"{GOVERNMENT_NAMES[gov]} (median, 50% and 90% of runs)")
    scn = results.scenario
    ax.axhline(scn.escalation.threshold, color="#d62728", lw=2, ls="--",
               label=f"escalation threshold ({scn.escalation.threshold:g})")
    ax.axhline(scn.talks.breakdown_hostility, color="#ff7f0e", lw=1, ls=":",
               label=f"talks break off ({scn.talks.breakdown_hostility:g})")
    ax.set_ylim(0, max(scn.escalation.threshold * 1.25, ax.get_ylim()[1]))
    _date_axis(ax)
    ax.set_ylabel("Hostility (Richardson)")
    ax.set_title("The escalation ladder: hostility of both governments")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def outcomes_chart(results: Results, axes: list[Axes] | None = None) -> Figure:
    """Outcome probabilities with 95% intervals, and the share of runs decided by each date."""
    if axes is None:
        fig = Figure(figsize=(12, 4.5), layout="constrained")
        axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    else:
        fig = axes[0].figure
    p = results.probabilities()
    ax = axes[0]
    labels = list(p.index)
    colours = [OUTCOME_COLOURS[o] for o in labels]
    err = np.array([p["probability"] - p["ci_low"], p["ci_high"] - p["probability"]])
    bars = ax.bar(labels, p["probability"], color=colours, yerr=err, capsize=5)
    for rect, (_, row) in zip(bars, p.iterrows(), strict=True):
        when = f"\nmedian {row.median_date}" if isinstance(row.median_date, str) else ""
        ax.annotate(f"{row.probability:.0%}{when}", (rect.get_x() + rect.get_width() / 2,
                    row.ci_high), xytext=(0, 4), textcoords="offset points", ha="center",
                    fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("Probability (95% interval)")
    ax.set_title(f"Outcomes by {results.scenario.end:%d %b %Y}")
    ax = axes[1]
    t = results.timing().set_index("date")
    for col, label in (("talks", "reached talks"), ("agreement", "agreement"),
                       ("escalation", "escalation")):
        colour = OUTCOME_COLOURS["talks" if col == "talks" else col]
        ax.plot(t.index, t[col], color=colour, lw=2, label=label)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Share of runs, cumulative")
    ax.set_title("When it happened")
    _date_axis(ax)
    ax.legend(fontsize=8, loc="upper left")
    return fig


CHARTS: dict[str, Callable[[Results], Figure]] = {
    "path": path_chart,
    "offers": offers_chart,
    "hostility": hostility_chart,
    "outcomes": outcomes_chart,
}


def save_all(results: Results, folder: Path) -> list[Path]:
    """Draw every chart into ``folder`` as PNG; returns the files written."""
    paths = []
    for name, draw in CHARTS.items():
        fig = draw(results)
        path = Path(folder) / f"{name}.png"
        # Fast zlib level: a third quicker to write, files about 10% larger.
        fig.savefig(path, dpi=DPI, metadata={"Software": None},
                    pil_kwargs={"compress_level": 1})
        paths.append(path)
    return paths


__all__ = [
    "CHARTS",
    "VARIABLES",
    "Outcome",
    "hostility_chart",
    "offers_chart",
    "outcomes_chart",
    "path_chart",
    "pressure_markers",
    "sample_paths",
    "save_all",
]
