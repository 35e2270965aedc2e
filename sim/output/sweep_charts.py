"""Charts of a parameter sweep: heatmaps of P(outcome) and sensitivity indices.

The data come from :mod:`sim.experiments.analysis` (:func:`heatmap_data
<sim.experiments.analysis.heatmap_data>`, :func:`sensitivity
<sim.experiments.analysis.sensitivity>`); every function takes ``ax=None`` and returns the
figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from sim.output.palette import BLUE, ORANGE, SKY_BLUE

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _new_figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    from matplotlib.figure import Figure  # noqa: PLC0415 - no pyplot: no global figure list

    fig = Figure(figsize=size, layout="constrained", dpi=110)
    return fig, fig.add_subplot()


def tick_label(v: Any) -> str:
    """A parameter value as a short label (3 significant digits for reals)."""
    if isinstance(v, float | np.floating):
        return f"{v:.3g}"
    return str(v)


#: A cell whose 95% interval is wider than this is hatched: its P is not to be read closely.
WIDE_INTERVAL = 0.2
#: Cells up to which each cell is labelled with its P, interval and runs.
LABELLED_CELLS = 120


def plot_heatmap(data: pd.DataFrame, ax: Axes | None = None, title: str | None = None,
                 wide: float = WIDE_INTERVAL) -> Figure:
    """Draw heatmap data (from :func:`heatmap_data`): cells coloured by P, with their evidence.

    Each cell is labelled with P in %, its 95% interval and its number of runs (up to
    :data:`LABELLED_CELLS` cells); a cell whose interval is wider than ``wide`` is hatched,
    at any size. A cell no design point falls in (binned designs) is grey and says "no
    points"; one whose points have not run yet, "no runs yet".
    """
    x, y, outcome = data.attrs["x"], data.attrs["y"], data.attrs.get("outcome", "")
    fig, ax = _new_figure(ax, (7.2, 5.4))
    p = data.pivot(index=y, columns=x, values="p")
    shape = p.shape
    grid = {c: data.pivot(index=y, columns=x, values=c).to_numpy(dtype=float)
            for c in ("p", "ci_low", "ci_high", "runs", "points")}
    values = grid["p"]
    cmap = "Reds" if outcome == "escalation" else "Blues"
    empty = ~np.isfinite(values)
    ax.imshow(np.where(empty, 1.0, np.nan), origin="lower", aspect="auto", cmap="Greys",
              vmin=0.0, vmax=6.0)  # empty cells light grey underneath
    im = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, vmin=0.0, vmax=1.0)
    ax.set_xticks(range(shape[1]), [tick_label(v) for v in p.columns])
    ax.set_yticks(range(shape[0]), [tick_label(v) for v in p.index])
    if shape[1] > 10:
        ax.tick_params(axis="x", labelrotation=45)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    width = grid["ci_high"] - grid["ci_low"]
    label = shape[0] * shape[1] <= LABELLED_CELLS
    size = 7 if shape[0] * shape[1] <= 40 else 5.5
    hatched = 0
    for i in range(shape[0]):
        for j in range(shape[1]):
            if empty[i, j]:
                text = "no points" if grid["points"][i, j] == 0 else "no runs yet"
                ax.text(j, i, text, ha="center", va="center", fontsize=size, color="#555555")
                continue
            if width[i, j] > wide:
                hatched += 1
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                       edgecolor="#777777", lw=0))
            if label:
                v = values[i, j]
                ax.text(j, i, f"{v:.0%}\n{grid['ci_low'][i, j]:.0%}-"
                        f"{grid['ci_high'][i, j]:.0%}\nn={int(grid['runs'][i, j]):,}",
                        ha="center", va="center", fontsize=size, linespacing=1.1,
                        color="white" if v > 0.6 else "black")
    fig.colorbar(im, ax=ax, label=f"P({outcome})")
    ax.set_title(title or f"P({outcome}) by {x} and {y}")
    note = ("each cell: P, its 95% interval and the runs pooled" if label else
            "cells are too many to label; see points.csv")
    if hatched:
        note += f"; hatched: interval wider than {wide:.0%}"
    ax.text(0.0, -0.16 if shape[1] <= 10 else -0.24, note, transform=ax.transAxes,
            fontsize=7, color="#444444")
    return fig


def plot_profile(points: pd.DataFrame, x: str, outcome: str, ax: Axes | None = None,
                 title: str | None = None) -> Figure:
    """P(outcome) along one parameter: each design point with its 95% interval.

    For sweeps of one parameter (an adaptive sweep's refined points show where the
    change is); ``points`` is :func:`~sim.experiments.analysis.point_probabilities`.
    """
    fig, ax = _new_figure(ax, (6.4, 4.0))
    pts = points.dropna(subset=[f"p_{outcome}"]).sort_values(x)
    xs = pts[x].to_numpy(dtype=float)
    p = pts[f"p_{outcome}"].to_numpy(dtype=float)
    lo, hi = pts[f"lo_{outcome}"].to_numpy(dtype=float), pts[f"hi_{outcome}"].to_numpy(dtype=float)
    ax.fill_between(xs, lo, hi, color="#9ecae1", alpha=0.5, lw=0, label="95% interval")
    ax.plot(xs, p, "o-", color="#08519c", ms=4, label=f"P({outcome}) at a design point")
    if "round" in pts and pts["round"].max() > 0:
        later = pts["round"] > 0
        ax.plot(xs[later], p[later], "o", color="#e6550d", ms=5, label="added by refinement")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(x)
    ax.set_ylabel(f"P({outcome})")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title or f"P({outcome}) along {x}")
    return fig


def plot_indices(table: pd.DataFrame, ax: Axes | None = None, title: str | None = None
                 ) -> Figure:
    """Bar chart of Sobol (S1 and ST) or Morris (mu* and sigma) indices, with error bars."""
    fig, ax = _new_figure(ax, (6.4, 0.5 * len(table) + 1.6))
    pos = np.arange(len(table))
    if "ST" in table:
        bars = [("ST", "ST_conf", "total (ST)", SKY_BLUE),
                ("S1", "S1_conf", "first order (S1)", BLUE)]
        xlabel = "Sobol index (share of variance)"
    else:
        bars = [("mu_star", "mu_star_conf", "mu* (influence)", BLUE),
                ("sigma", None, "sigma (interactions)", ORANGE)]
        xlabel = "Morris elementary effect"
    h = 0.38
    for i, (col, conf, label, colour) in enumerate(bars):
        err = table[conf].to_numpy(dtype=float) if conf else None
        ax.barh(pos + (i - 0.5) * h, table[col].to_numpy(dtype=float), height=h, xerr=err,
                label=label, color=colour, capsize=2)
    ax.set_yticks(pos, list(table.index))
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or "Sensitivity")
    return fig
