"""The corner plot of a calibration: each fitted parameter's posterior, alone and in pairs.

On the diagonal, each parameter's weighted histogram over its prior range (a flat prior
would fill the panel evenly); below it, every pair of parameters as weighted particles
(darker: more weight). The posterior median is a blue line, the value in today's default
scenario a dashed black line. :func:`corner_data` computes what is drawn;
:func:`corner_chart` draws it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.output.palette import BLACK, BLUE, SKY_BLUE

#: Bins of each marginal histogram.
BINS = 12


def corner_data(particles: pd.DataFrame, paths: Sequence[str],
                ranges: Mapping[str, tuple[float, float]]) -> dict[str, object]:
    """Histograms and weighted points of a posterior population.

    Args:
        particles: One row per particle: a column per path and ``weight``.
        paths: The parameters, in the order of the panels.
        ranges: Each parameter's prior ``(low, high)``.

    Returns:
        ``weights`` (normalised), ``marginals`` (per path: bin edges and the weight in each
        bin, as a density over the prior range), ``medians`` (weighted).
    """
    w = particles["weight"].to_numpy(dtype=float)
    w = w / w.sum()
    marginals, medians = {}, {}
    for path in paths:
        x = particles[path].to_numpy(dtype=float)
        lo, hi = ranges[path]
        edges = np.linspace(lo, hi, BINS + 1)
        mass, _ = np.histogram(x, bins=edges, weights=w)
        marginals[path] = (edges, mass / (edges[1] - edges[0]))
        order = np.argsort(x, kind="stable")
        cumulative = (np.cumsum(w[order]) - 0.5 * w[order])
        medians[path] = float(np.interp(0.5, cumulative, x[order]))
    return {"weights": w, "marginals": marginals, "medians": medians}


def _short(path: str) -> str:
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else path


def corner_chart(particles: pd.DataFrame, paths: Sequence[str],
                 ranges: Mapping[str, tuple[float, float]],
                 defaults: Mapping[str, float | None] | None = None,
                 title: str = "") -> Figure:
    """Draw the corner plot (see the module docstring) and return the figure."""
    data = corner_data(particles, paths, ranges)
    w = data["weights"]
    n = len(paths)
    side = max(6.0, min(2.2 * n, 18.0)) + 0.6  # inches: panels of 2 to 3 inches
    fig = Figure(figsize=(side, side), layout="constrained")
    axes = np.atleast_2d(fig.subplots(n, n, squeeze=False))
    alpha = 0.15 + 0.85 * (w / w.max()) if len(w) else w
    for i, yp in enumerate(paths):
        for j, xp in enumerate(paths):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            lo, hi = ranges[xp]
            ax.set_xlim(lo, hi)
            if i == j:
                edges, density = data["marginals"][xp]
                ax.stairs(density, edges, fill=True, color=SKY_BLUE, alpha=0.8)
                ax.axhline(1.0 / (hi - lo), color="#777777", lw=0.8, ls=":")
                ax.set_yticks([])
            else:
                colours = np.zeros((len(w), 4))
                colours[:, :3] = (0.0, 0.447, 0.698)
                colours[:, 3] = alpha
                ax.scatter(particles[xp], particles[yp], s=10, c=colours, lw=0)
                ax.set_ylim(*ranges[yp])
                ax.axhline(data["medians"][yp], color=BLUE, lw=0.8)
                default_y = (defaults or {}).get(yp)
                if default_y is not None:
                    ax.axhline(default_y, color=BLACK, lw=0.8, ls="--")
            ax.axvline(data["medians"][xp], color=BLUE, lw=1.2)
            default_x = (defaults or {}).get(xp)
            if default_x is not None:
                ax.axvline(default_x, color=BLACK, lw=0.8, ls="--")
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(_short(xp), fontsize=7)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(_short(yp), fontsize=7)
            elif j > 0 and i != j:
                ax.set_yticklabels([])
    fig.suptitle((title + "\n" if title else "") + "Posterior (last ABC-SMC generation)\n"
                 "blue: weighted median; dashed: today's default; dotted: a flat prior",
                 fontsize=9)
    return fig
