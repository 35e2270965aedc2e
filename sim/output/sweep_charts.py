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


def plot_heatmap(data: pd.DataFrame, ax: Axes | None = None, title: str | None = None
                 ) -> Figure:
    """Draw heatmap data (from :func:`heatmap_data`): cells coloured by P, labelled in %."""
    x, y, outcome = data.attrs["x"], data.attrs["y"], data.attrs.get("outcome", "")
    fig, ax = _new_figure(ax, (6.4, 4.8))
    grid = data.pivot(index=y, columns=x, values="p")
    cmap = "Reds" if outcome == "escalation" else "Blues"
    im = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap=cmap,
                   vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(grid.columns)), [tick_label(v) for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [tick_label(v) for v in grid.index])
    if len(grid.columns) > 10:
        ax.tick_params(axis="x", labelrotation=45)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if grid.shape[0] * grid.shape[1] <= 225:
        values = grid.to_numpy(dtype=float)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if np.isfinite(values[i, j]):
                    ax.text(j, i, f"{values[i, j]:.0%}", ha="center", va="center", fontsize=8,
                            color="white" if values[i, j] > 0.6 else "black")
    fig.colorbar(im, ax=ax, label=f"P({outcome})")
    ax.set_title(title or f"P({outcome}) by {x} and {y}")
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
