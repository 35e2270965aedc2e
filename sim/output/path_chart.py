"""The path chart: the conflict-cooperation index over time, and the scenario's pressures.

The main axes hold the fan of the index across the runs still going on (median, middle
50% and 90%) and a few single runs coloured by how they ended; their y-range is the data's.
The pressures sit in a strip of their own below, sharing the time axis: a tick for an
event, a bar for a window or a state, and an arrow at the left edge for a state already in
force before the run starts (oil sanctions since 2019). Labels go into lanes so that none
overlaps another (:func:`strip_lanes`), and the strip's caption is its title, above its
lanes. Where fewer than half the runs are still going on (a leader removed ends a run), a
line marks the date; the fan stops where too few runs are left to draw one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.model.outcomes import Outcome
from sim.model.pressures import CATALOGUE, PressureKind
from sim.output.palette import BLUE, OUTCOME_COLOURS, PRESSURE_COLOURS, SKY_BLUE
from sim.scenario.schema import Scenario


class Results(Protocol):
    """What the charts read from a run (:class:`sim.output.results.Results` has it all)."""

    scenario: Scenario
    n_runs: int
    key_runs: pd.DataFrame  # the run table's key columns (all a streamed run holds)
    steps: pd.DataFrame

    def band(self, variable: str) -> pd.DataFrame:
        """Per-day quantiles of one variable."""

    def probabilities(self) -> pd.DataFrame:
        """P(outcome) with intervals and median days."""

    def timing(self) -> pd.DataFrame:
        """When outcomes happened."""


def date_axis(ax: Axes) -> None:
    """Months on the time axis (``Sep 2025``) and a light grid."""
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.grid(True, alpha=0.3)

#: Outcomes whose sample paths end with a mark: a deal (o) or a rupture (X).
DEAL_OUTCOMES = ("narrow_deal", "broad_agreement")
RUPTURE_OUTCOMES = ("talks_collapsed", "deal_broken", "escalation", "leader_removed")
#: The fan is not drawn on days with fewer runs than this still going on.
MIN_RUNS_FOR_FAN = 20
#: Font size of the strip's labels (points), and an upper bound of a character's width
#: as a share of it (DejaVu Sans, the default font, averages about 0.55).
STRIP_FONT = 7.0
_CHAR_WIDTH = 0.62
FAN_COLOURS = (SKY_BLUE, BLUE)
MEDIAN_COLOUR = "#08306b"


@dataclass
class Marker:
    """A pressure drawn on the time axis: a tick for an event, a span for a window.

    ``before`` marks a state in force before the run starts (its span is clipped to the
    start, and its label says since when).
    """

    label: str
    start: dt.date
    end: dt.date | None
    conflict: bool
    before: bool = False


def pressure_markers(results: Results) -> list[Marker]:
    """The scheduled pressures of the scenario as time-axis markers (triggered ones excluded).

    A state in force before the start (``since``) is a span from the start, labelled with
    the date it began; a window or state is clipped to the run's dates.
    """
    scn = results.scenario
    out = []
    for pid, p in zip(scn.pressure_ids(), scn.pressures, strict=True):
        fx = CATALOGUE[p.type]
        conflict = fx.event.goldstein < 0
        label = pid.replace("_", " ")
        if p.since is not None:
            end = min(p.until or scn.end, scn.end)
            if end >= scn.start:
                out.append(Marker(f"{label} (since {p.since:%b %Y})", scn.start, end,
                                  conflict, before=True))
        elif p.at is not None and fx.kind is PressureKind.EVENT:
            out.append(Marker(label, p.at, None, conflict))
        elif p.start is not None and p.until is not None:
            out.append(Marker(label, max(p.start, scn.start), min(p.until, scn.end), conflict,
                              before=p.start < scn.start))
        elif p.at is not None:
            end = scn.end if p.duration_days is None else min(
                scn.end, p.at + dt.timedelta(days=p.duration_days - 1))
            out.append(Marker(label, p.at, end, conflict))
    return sorted(out, key=lambda m: (m.start, m.end or m.start))


def strip_lanes(markers: list[Marker], days_per_point: float) -> list[int]:
    """A lane for each marker so that no two labels (or bars) in a lane overlap.

    Greedy interval colouring in date order: a marker takes the first lane whose last
    occupant ends (its bar or its label, whichever is longer, plus a gap) before it starts.
    ``days_per_point`` converts a label's width in points into days on the axis.
    """
    ends: list[float] = []
    lanes = []
    for m in markers:
        start = mdates.date2num(m.start)
        label = (len(m.label) + 2) * STRIP_FONT * _CHAR_WIDTH * days_per_point
        end = max(start + label, mdates.date2num(m.end) if m.end else start)
        gap = 4 * days_per_point
        for lane, last in enumerate(ends):
            if last + gap < start:
                ends[lane] = end
                lanes.append(lane)
                break
        else:
            ends.append(end)
            lanes.append(len(ends) - 1)
    return lanes


def sample_paths(results: Results, variable: str, per_outcome: int = 3
                 ) -> list[tuple[str, pd.Series]]:
    """A few traced replicates of each outcome: (outcome, series by date) up to its end day."""
    runs = results.key_runs
    steps = results.steps
    out = []
    traced = set(steps["replicate"].unique())
    for o in reversed([o.label for o in Outcome]):
        reps = [r for r in runs.loc[runs["outcome"] == o, "replicate"] if r in traced]
        for r in reps[:per_outcome]:
            s = steps.loc[steps["replicate"] == r].set_index("date")[variable]
            row = runs.loc[runs["replicate"] == r].iloc[0]
            if o == "leader_removed" and not pd.isna(row["outcome_day"]):
                s = s.iloc[: int(row["outcome_day"]) + 1]  # the run ends with the removal
            out.append((o, s))
    return out


#: Height of the main axes and of one lane of the strip (inches).
MAIN_HEIGHT = 4.2
LANE_HEIGHT = 0.2


def _axes(ax: Axes | None, n_lanes: int) -> tuple[Figure, Axes, Axes]:
    """The main axes and the strip below them (a new figure, or carved out of ``ax``)."""
    strip_height = LANE_HEIGHT * max(n_lanes, 1) + 0.3
    if ax is None:
        fig = Figure(figsize=(11, MAIN_HEIGHT + strip_height + 1.9), layout="constrained")
        main, strip = fig.subplots(2, 1, sharex=True, gridspec_kw={
            "height_ratios": [MAIN_HEIGHT, strip_height]})
        return fig, main, strip
    from mpl_toolkits.axes_grid1 import make_axes_locatable  # noqa: PLC0415

    share = strip_height / (MAIN_HEIGHT + strip_height)
    strip = make_axes_locatable(ax).append_axes("bottom", size=f"{share * 100:.0f}%",
                                                pad=0.3, sharex=ax)
    return ax.figure, ax, strip


def _draw_fan(ax: Axes, results: Results) -> list[float]:
    """The fan over the runs still going on; returns every value drawn (for the y-range)."""
    band = results.band("cc_index")
    if "runs_in_play" in band:
        width = int(band["runs_in_play"].max())
        enough = band["runs_in_play"] >= min(MIN_RUNS_FOR_FAN, width)
        band = band.where(enough)
    else:
        width = 0
    ax.fill_between(band.index, band["q05"], band["q95"], color=FAN_COLOURS[0], alpha=0.35,
                    lw=0, label="90% of runs still going on")
    ax.fill_between(band.index, band["q25"], band["q75"], color=FAN_COLOURS[1], alpha=0.35,
                    lw=0, label="middle 50% of runs")
    ax.plot(band.index, band["q50"], color=MEDIAN_COLOUR, lw=2, label="median run")
    values = [*band["q05"].dropna(), *band["q95"].dropna()]
    if width:
        full = results.band("cc_index")
        half = full.index[full["runs_in_play"] < width / 2]
        if len(half):
            ax.axvline(half[0], color="black", lw=1, ls=(0, (4, 3)))
            ax.annotate("from here, most runs had ended\n(a leader removed)",
                        (mdates.date2num(half[0]), 1), xycoords=("data", "axes fraction"),
                        xytext=(-4, -4), textcoords="offset points", ha="right", va="top",
                        fontsize=8)
    return values


#: Pressures named on the strip; beyond this they are drawn but not named (a scenario
#: with thousands of pressures would be a wall of text).
MAX_NAMED_PRESSURES = 40


def _draw_strip(strip: Axes, markers: list[Marker], lanes: list[int], labelled: bool
                ) -> None:
    """Draw the pressures in their lanes: one collection for the bars, one per event marker.

    A few artists whatever the number of pressures (one artist per pressure took 78 s to
    draw with 5,000 of them); each pressure is named when ``labelled``.
    """
    from matplotlib.collections import LineCollection  # noqa: PLC0415

    n_lanes = max(lanes, default=0) + 1
    colours = [PRESSURE_COLOURS["coercive" if mk.conflict else "conciliatory"]
               for mk in markers]
    ys = [n_lanes - 1 - lane for lane in lanes]
    xs = mdates.date2num([mk.start for mk in markers]) if markers else np.empty(0)
    bars = [k for k, mk in enumerate(markers) if mk.end is not None]
    if bars:
        ends = mdates.date2num([markers[k].end for k in bars])
        strip.add_collection(LineCollection(
            [[(xs[k], ys[k]), (e, ys[k])] for k, e in zip(bars, ends, strict=True)],
            colors=[colours[k] for k in bars], linewidths=3, capstyle="butt"), autolim=False)
    for symbol, chosen in (("v", [k for k, mk in enumerate(markers) if mk.end is None]),
                           ("<", [k for k in bars if markers[k].before])):
        if chosen:
            strip.scatter(xs[chosen], [ys[k] for k in chosen], marker=symbol, s=36,
                          c=[colours[k] for k in chosen], zorder=3)
    if labelled:
        for k, mk in enumerate(markers):
            strip.annotate(mk.label, (xs[k], ys[k]), xytext=(4, 2), textcoords="offset points",
                           fontsize=STRIP_FONT, color=colours[k], va="bottom")
    strip.set_ylim(-0.4, n_lanes - 0.1)
    strip.set_yticks([])
    for side in ("left", "right", "top"):
        strip.spines[side].set_visible(False)
    title = "Pressures of the scenario: red coercive, green conciliatory; ◀ in force before " \
            "the start"
    if len(markers) > MAX_NAMED_PRESSURES:
        title += f"; {len(markers):,} of them, too many to name"
    strip.set_title(title, loc="left", fontsize=8, color="#444444")


def path_chart(results: Results, ax: Axes | None = None) -> Figure:
    """The conflict-cooperation path: fan, sample paths by outcome, and a strip of pressures."""
    scn = results.scenario
    markers = pressure_markers(results)
    span_days = (scn.end - scn.start).days + 1
    new_figure = ax is None
    named = new_figure and len(markers) <= MAX_NAMED_PRESSURES
    if named:
        # Points per day on the strip: about 9.5 inches of axis at 72 points an inch.
        lanes = strip_lanes(markers, span_days / (9.5 * 72))
    else:
        # Drawn into a given axes (a page's panel; the page tells each pressure in its
        # feed), or too many pressures to name: two lanes by kind.
        lanes = [0 if mk.conflict else 1 for mk in markers]
    fig, ax, strip = _axes(ax, max(lanes, default=0) + 1)
    values = _draw_fan(ax, results)
    seen = set()
    for outcome, s in sample_paths(results, "cc_index"):
        colour = OUTCOME_COLOURS[outcome]
        ax.plot(s.index, s.values, color=colour, lw=0.9, alpha=0.8, gid=f"outcome:{outcome}",
                label=None if outcome in seen else "a run ending in " + (
                    "the leader's removal" if outcome == "leader_removed"
                    else outcome.replace("_", " ")))
        if outcome in DEAL_OUTCOMES or outcome in RUPTURE_OUTCOMES:
            ax.plot(s.index[-1], s.values[-1], "X" if outcome in RUPTURE_OUTCOMES else "o",
                    color=colour, ms=7, gid=f"outcome:{outcome}")
        values += list(s.dropna().values)
        seen.add(outcome)
    ax.axhline(0, color="black", lw=0.8)
    if values:
        lo, hi = float(np.min(values)), float(np.max(values))
        pad = 0.05 * (hi - lo or 1.0)
        ax.set_ylim(min(lo, 0.0) - pad, max(hi, 0.0) + pad)
    _draw_strip(strip, markers, lanes, labelled=named)
    date_axis(strip)
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelbottom=False)
    ax.set_ylabel("Conflict (−) / cooperation (+)\nGoldstein points per day, 14-day smoothing")
    ax.set_title(f"{scn.title}\nThe path toward talks or escalation "
                 f"({results.n_runs:,} runs)", fontsize=12)
    if new_figure:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=4,
                   fontsize=8, frameon=False)
    else:
        ax.legend(loc="best", fontsize=7, ncol=2, framealpha=0.9)
    return fig
