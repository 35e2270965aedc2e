"""Charts of a hindcast: the model's forecasts of each episode against the record.

- **episodes**: one row per episode, the simulated probability of each outcome as a
  stacked bar, the recorded outcome outlined, and a mark where the modal outcome matches;
- **reliability**: forecast probabilities binned against how often the outcome happened
  (a perfectly calibrated model lies on the diagonal);
- **timing**: the recorded lag of each episode's outcome against the median simulated day
  of that outcome.

The functions take the hindcast table (:attr:`sim.experiments.hindcast.Hindcast.table`)
or, for reliability, its bins, and return a matplotlib Figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from sim.model.outcomes import RECORD_OUTCOMES
from sim.output.palette import OUTCOME_COLOURS

LABELS = [o.value for o in RECORD_OUTCOMES]


def _main(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["reading"] == "main"].reset_index(drop=True)


def episodes_chart(table: pd.DataFrame) -> Figure:
    """P(outcome) per episode as stacked bars, the recorded outcome outlined in black."""
    main = _main(table)
    n = len(main)
    fig = Figure(figsize=(10, 1.2 + 0.32 * n), layout="constrained")
    ax = fig.subplots()
    for i, row in main.iterrows():
        y = n - 1 - i
        left = 0.0
        for lab in LABELS:
            p = float(row[f"p_{lab}"])
            ax.barh(y, p, left=left, color=OUTCOME_COLOURS[lab], height=0.7)
            if lab == row["recorded"]:
                ax.add_patch(Rectangle((left, y - 0.35), max(p, 0.004), 0.7, fill=False,
                                       lw=2.0, edgecolor="black", zorder=3))
            left += p
        mark = "✓" if row["modal_match"] else "✗"
        ax.text(1.01, y, f"{mark} {row['recorded'].replace('_', ' ')}", va="center",
                fontsize=8)
    ax.set_yticks(range(n))
    ax.set_yticklabels(list(main["episode"])[::-1], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of simulated runs")
    ax.set_title("Each episode: the simulated outcomes, with the recorded one outlined\n"
                 "(right: recorded outcome; ✓ when it is the most frequent simulated one)",
                 fontsize=10)
    handles = [Patch(color=OUTCOME_COLOURS[lab], label=lab.replace("_", " ")) for lab in LABELS]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    return fig


def reliability_chart(data: pd.DataFrame) -> Figure:
    """Forecast probability against observed frequency, each bin sized by its forecasts.

    Args:
        data: The bins (:func:`sim.experiments.scoring.reliability`): ``mean_forecast``,
            ``observed`` and ``forecasts`` per bin.
    """
    fig = Figure(figsize=(5, 5), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfectly calibrated")
    if not data.empty:
        ax.scatter(data["mean_forecast"], data["observed"], s=20 + 4 * data["forecasts"],
                   color=OUTCOME_COLOURS["broad_agreement"], zorder=3,
                   label="bins (size: number of forecasts)")
        for _, r in data.iterrows():
            ax.annotate(f"{int(r['forecasts'])}", (r["mean_forecast"], r["observed"]),
                        textcoords="offset points", xytext=(6, -10), fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Simulated probability of an outcome")
    ax.set_ylabel("Share of those outcomes that happened")
    ax.set_title("Reliability of the forecasts", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig


def timing_chart(table: pd.DataFrame) -> Figure:
    """Recorded lag against the median simulated day of the recorded outcome."""
    main = _main(table)
    known = main.dropna(subset=["recorded_lag"])
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.subplots()
    top = 180
    ax.plot([0, top], [0, top], ls="--", color="grey", lw=1)
    shown = known.dropna(subset=["simulated_day"])
    for lab in LABELS:
        sel = shown[shown["recorded"] == lab]
        if len(sel):
            ax.scatter(sel["recorded_lag"], sel["simulated_day"], color=OUTCOME_COLOURS[lab],
                       label=lab.replace("_", " "), s=30, zorder=3)
    missing = known[known["simulated_day"].isna()]
    if len(missing):
        ax.scatter(missing["recorded_lag"], np.full(len(missing), top * 1.02), marker="v",
                   color="black", s=25, label="outcome in < 5% of runs")
    ax.set_xlim(-5, top + 5)
    ax.set_ylim(-5, top * 1.06)
    ax.set_xlabel("Recorded days from the episode's start to its outcome")
    ax.set_ylabel("Median simulated day of that outcome")
    ax.set_title("Timing: when the recorded outcome came, and when the model has it",
                 fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    return fig


def all_charts(table: pd.DataFrame, reliability: pd.DataFrame) -> dict[str, Figure]:
    """Every hindcast chart by file name (without ``.png``)."""
    return {"episodes": episodes_chart(table), "reliability": reliability_chart(reliability),
            "timing": timing_chart(table)}
