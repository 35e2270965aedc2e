"""Charts of a run, drawn with matplotlib (Agg) for files, reports and classrooms.

Data for each chart is computed apart from the drawing, and every drawing function takes
``ax=None`` (or ``axes=None``) and returns the figure, so charts can be composed in
notebooks. Figures are made with :class:`matplotlib.figure.Figure` directly, not pyplot:
no global state, no GUI backend, and a faster start. Colours come from the one palette
(:mod:`sim.output.palette`): an outcome has the same colour in every chart. The four charts:

- **path** (:mod:`sim.output.path_chart`): the conflict-cooperation index over calendar
  dates, as a fan of quantile bands across the runs still going on with a few sample paths
  coloured by outcome, and the scenario's pressures in a strip below;
- **offers**: each government's offer on drugs, oil and migration over time, with when
  talks opened and what to know about an issue off the agenda;
- **hostility**: each government's hostility in its own panel, against the escalation line;
- **outcomes**: outcome probabilities with 95% intervals, when things happened, and what
  each outcome means.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.model.issues import ISSUES
from sim.model.outcomes import Outcome
from sim.model.recording import VARIABLES
from sim.output import path_chart as path_module
from sim.output.palette import GOVERNMENT_COLOURS, OUTCOME_COLOURS
from sim.output.path_chart import Results, date_axis
from sim.scenario.schema import GOVERNMENTS

#: Outcomes whose sample paths end with a mark (kept here for older imports).
DEAL_OUTCOMES = path_module.DEAL_OUTCOMES
RUPTURE_OUTCOMES = path_module.RUPTURE_OUTCOMES
GOVERNMENT_NAMES = {"us": "United States", "venezuela": "Venezuela"}
DPI = 110
#: Colour of the lines that mark a level (a threshold, the status quo, a date).
GUIDE = "#333333"


def _figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots()


_date_axis = date_axis  # the name other modules imported first

# ---------------------------------------------------------------------------- drawing

path_chart = path_module.path_chart
pressure_markers = path_module.pressure_markers
sample_paths = path_module.sample_paths
Marker = path_module.Marker


def _talks_opened(results: Results) -> tuple[float, dt.date | None]:
    """The share of runs that reached talks, and the median date talks opened in them."""
    days = results.key_runs["talks_day"].dropna()
    if days.empty:
        return 0.0, None
    return len(days) / len(results.key_runs), results.scenario.date_of(
        round(float(np.median(days.astype(float)))))


def offers_note(results: Results, issue: str) -> str:
    """What to know when reading one issue's panel of the offers chart ("" if nothing)."""
    scn = results.scenario
    if issue not in [str(i) for i in scn.talks.agenda]:
        return "Not on the agenda of talks:\nit stays at the status quo."
    medians = [results.band(f"offer_{gov}_{issue}")["q50"].dropna() for gov in GOVERNMENTS]
    if all(len(m) for m in medians):
        both = np.concatenate([m.to_numpy() for m in medians])
        if float(np.ptp(both)) < 0.01:
            return (f"Both sides ask {both[0]:.2f} throughout: every efficient\ndeal settles "
                    "this issue the same way, traded\nagainst the issues each side cares "
                    "more about.")
    return ""


#: How to read the offers chart (the title of its legend).
OFFERS_EXPLAINED = ("Before talks open, each line is that side's opening demand: it moves as "
                    "sanctions, hostility and the status quo change what each side can expect "
                    "without a deal.\nAt the table, each side gives ground.")


def offers_chart(results: Results, axes: list[Axes] | None = None) -> Figure:
    """Each government's offer on each issue over time (median and middle 50% of runs).

    Before talks open an offer is that side's opening demand, which moves as sanctions,
    hostility and the status quo change what each can expect without a deal; at the table
    each side concedes. A dotted line marks the median date talks opened (in the runs that
    reached them); a panel says when its issue is off the agenda or when both sides' offers
    agree throughout.
    """
    if axes is None:
        fig = Figure(figsize=(13, 5.4), layout="constrained")
        axes = fig.subplots(1, 3, sharey=True)

    else:
        fig = axes[0].figure
    share, opened = _talks_opened(results)
    for ax, issue in zip(axes, ISSUES, strict=True):
        for gov in GOVERNMENTS:
            b = results.band(f"offer_{gov}_{issue}")
            colour = GOVERNMENT_COLOURS[gov]
            ax.fill_between(b.index, b["q25"], b["q75"], color=colour, alpha=0.25, lw=0)
            ax.plot(b.index, b["q50"], color=colour, lw=2.5 if gov == "us" else 2,
                    ls="-" if gov == "us" else "--", label=f"{GOVERNMENT_NAMES[gov]} offer")
        sq = getattr(results.scenario.status_quo, str(issue))
        ax.axhline(sq, color=GUIDE, ls=":", lw=1, label="status quo at the start")
        if opened is not None:
            ax.axvline(opened, color=GUIDE, lw=1, ls="-.",
                       label=f"talks opened (median date; {share:.0%} of runs)")
        note = offers_note(results, str(issue))
        if note:
            ax.text(0.03, 0.86, note, transform=ax.transAxes, fontsize=8, va="top",
                    color=GUIDE, bbox={"facecolor": "white", "alpha": 0.85, "lw": 0})
        ax.set_title(str(issue).capitalize())
        ax.set_ylim(-0.03, 1.03)
        date_axis(ax)
    axes[0].set_ylabel("Position on the issue\n0 = Caracas's ideal, 1 = Washington's")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", fontsize=8, ncol=len(labels),
               frameon=False, title_fontsize=8, title=OFFERS_EXPLAINED)
    fig.suptitle("What each government asks on drugs, oil and migration "
                 "(median and middle 50% of runs)")
    return fig


def hostility_chart(results: Results, axes: list[Axes] | None = None) -> Figure:
    """Each government's hostility in a panel of its own, against the escalation line.

    One panel per government, so the two sets of bands never blend; each shows the median
    and the middle 50% and 90% of the runs still going on. Crossing the escalation line
    counts as escalation, and the run goes on; above the other line talks break off.
    """
    if axes is None:
        fig = Figure(figsize=(11, 6), layout="constrained")
        axes = fig.subplots(2, 1, sharex=True, sharey=True)
    else:
        fig = axes[0].figure
    scn = results.scenario
    top = scn.escalation.threshold * 1.15
    for ax, gov in zip(axes, GOVERNMENTS, strict=True):
        b = results.band(f"hostility_{gov}")
        colour = GOVERNMENT_COLOURS[gov]
        ax.fill_between(b.index, b["q05"], b["q95"], color=colour, alpha=0.18, lw=0,
                        label="90% of runs")
        ax.fill_between(b.index, b["q25"], b["q75"], color=colour, alpha=0.4, lw=0,
                        label="middle 50%")
        ax.plot(b.index, b["q50"], color=colour, lw=2, label="median")
        ax.axhline(scn.escalation.threshold, color=OUTCOME_COLOURS["escalation"], lw=2,
                   ls="--", label=f"escalation line ({scn.escalation.threshold:g}): crossing "
                                  "it is escalation; the run goes on")
        ax.axhline(scn.talks.breakdown_hostility, color=GUIDE, lw=1, ls=":",
                   label=f"talks break off ({scn.talks.breakdown_hostility:g})")
        top = max(top, float(b["q95"].max()) * 1.05)
        ax.set_title(f"{GOVERNMENT_NAMES[gov]}", loc="left", fontsize=10)
        ax.set_ylabel("Hostility\n(0 = calm)")
        ax.legend(fontsize=7, loc="upper left", ncol=5, framealpha=0.9)
        date_axis(ax)
    axes[0].set_ylim(0, top * 1.25)  # room for the legend above the bands
    fig.suptitle("How hostile each government is (median, middle 50% and 90% of runs)")
    return fig


#: How the cumulative curves of the outcomes chart are named, and their colours.
TIMING_CURVES = (("talks", "had reached talks", "talks"),
                 ("deal", "had reached a deal", "narrow_deal"),
                 ("escalation", "had escalated", "escalation"),
                 ("leader_removed", "leader removed", "leader_removed"))


def outcomes_chart(results: Results, axes: list[Axes] | None = None) -> Figure:
    """Outcome probabilities with 95% intervals, when things happened, and what each means.

    Left: one bar per outcome (each run counted once, by its outcome), labelled with its
    probability and interval, the median date beside the name. Right: the share of runs
    that had reached talks, a deal, escalation or a removal by each date, whatever came
    after, which is why "had reached talks" can exceed the talks bar. Below: the eight
    outcomes in one line each.
    """
    from sim.output.dictionary import OUTCOME_MEANINGS, PRECEDENCE  # noqa: PLC0415

    if axes is None:
        fig = Figure(figsize=(13, 8), layout="constrained")
        grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.25], height_ratios=[1, 0.42])
        axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]),
                fig.add_subplot(grid[1, :])]
    else:
        fig = axes[0].figure
    p = results.probabilities()
    ax = axes[0]
    labels = list(p.index)
    y = np.arange(len(labels))[::-1]
    err = np.array([p["probability"] - p["ci_low"], p["ci_high"] - p["probability"]])
    bars = ax.barh(y, p["probability"], color=[OUTCOME_COLOURS[o] for o in labels],
                   xerr=err, capsize=3, height=0.7)
    for bar, o in zip(bars, labels, strict=True):
        bar.set_gid(f"outcome:{o}")
    for k, (_, row) in enumerate(p.iterrows()):
        ax.annotate(f"{row.probability:.0%} ({row.ci_low:.0%}–{row.ci_high:.0%})",
                    (row.ci_high, y[k]), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
    names = [o.replace("_", " ") + (
        f"\nmedian {dt.date.fromisoformat(row.median_date):%d %b %Y}"
        if isinstance(row.median_date, str) else "") for o, row in p.iterrows()]
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlim(0, 1.3)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("Probability, with its 95% interval")
    ax.set_title(f"How the runs ended by {results.scenario.end:%d %b %Y}")
    ax = axes[1]
    t = results.timing().set_index("date")
    for col, label, outcome in TIMING_CURVES:
        ax.plot(t.index, t[col], color=OUTCOME_COLOURS[outcome], lw=2, label=label,
                gid=f"outcome:{outcome}")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("Share of runs, cumulative")
    ax.set_title("When things happened (whatever came after)")
    date_axis(ax)
    ax.legend(fontsize=8, loc="upper left")
    if len(axes) > 2:
        ax = axes[2]
        ax.axis("off")
        reached = float(t["talks"].iloc[-1]) if len(t) else 0.0
        ax.text(0, 1, "What the outcomes mean", va="top", fontsize=9, fontweight="bold",
                transform=ax.transAxes)
        lines = [f"{o.replace('_', ' ')}: {m}" for o, m in OUTCOME_MEANINGS.items()]
        note = (f"{PRECEDENCE} {reached:.0%} of runs reached talks at some point (the "
                "curve); the bars count a run as talks only if nothing more serious followed.")
        lines += textwrap.wrap(note, 150)
        ax.text(0, 0.86, "\n".join(lines), va="top", fontsize=8, transform=ax.transAxes,
                linespacing=1.45, in_layout=False)
    return fig


CHARTS: dict[str, Callable[[Results], Figure]] = {
    "path": path_chart,
    "offers": offers_chart,
    "hostility": hostility_chart,
    "outcomes": outcomes_chart,
}


def png_bytes(fig: Figure) -> bytes:
    """A figure as PNG bytes, drawn as the chart files are."""
    import io  # noqa: PLC0415

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None},
                pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


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
    "GOVERNMENT_COLOURS",
    "OUTCOME_COLOURS",
    "VARIABLES",
    "Outcome",
    "Results",
    "date_axis",
    "hostility_chart",
    "offers_chart",
    "outcomes_chart",
    "path_chart",
    "png_bytes",
    "pressure_markers",
    "sample_paths",
    "save_all",
]
