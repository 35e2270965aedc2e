"""Analysis of a parameter sweep: P(outcome) per design point, heatmaps, sensitivity indices.

Everything starts from a sweep results folder (:mod:`sim.experiments.store`): its design table
and the run table of its shards. Chart data is computed by plain functions on DataFrames, apart
from the drawing (:mod:`sim.output.sweep_charts` draws them).

- :func:`point_probabilities`: for each design point, the share of its replicates that ended
  in each outcome with a 95% Wilson (1927) interval; failed runs are counted apart and left
  out of the shares.
- :func:`heatmap_data` (drawn by :func:`~sim.output.sweep_charts.plot_heatmap`): P(outcome)
  over any two parameters, pooling
  the runs of every point in a cell, so the other parameters are averaged over the design.
  Parameters with many distinct values (Monte Carlo, Latin hypercube) are binned.
- :func:`sobol_indices` / :func:`morris_indices`: first-order and total Sobol indices
  (Saltelli et al. 2010, from a ``sobol`` design) and Morris's mu* and sigma (Morris 1991;
  Campolongo et al. 2007, from a ``morris`` design), computed by SALib from the per-point
  probabilities. The replicates' binomial noise adds a little variance of its own, which
  shows up as small spurious indices; more replicates per point shrink it.
- :func:`analyze`: a short markdown report (:mod:`sim.experiments.analysis_report`) and its
  charts, written to ``<results>/analysis/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.store import is_locked, read_manifest, read_runs
from sim.experiments.sweepfile import OUTCOME_LABELS, Sampler, SweepFile
from sim.output.stats import wilson_interval
from sim.scenario.errors import InputError

#: Outcomes whose heatmaps and indices the report shows: escalation and talks, those of
#: the model's outcomes (:data:`sim.experiments.sweepfile.OUTCOME_LABELS`) it has.
KEY_OUTCOMES: tuple[str, ...] = tuple(o for o in ("escalation", "talks")
                                      if o in OUTCOME_LABELS)
#: A parameter with more distinct values than this is binned in heatmaps.
MAX_LEVELS = 12
DEFAULT_BINS = 8


# ----------------------------------------------------------------------------- results


@dataclass
class SweepResults:
    """A sweep results folder, read lazily.

    Attributes:
        folder: The results folder (``results/<sweep>/<hash>/``).
        manifest: Its manifest.
        spec: The resolved sweep file.
    """

    folder: Path
    manifest: dict[str, Any] = field(repr=False)
    spec: SweepFile = field(repr=False)

    @classmethod
    def load(cls, folder: str | Path) -> SweepResults:
        """Open a results folder, or the latest sweep in ``results/<sweep>/``.

        Raises:
            InputError: The folder holds no sweep results.
        """
        folder = find_results(folder)
        manifest = read_manifest(folder)
        from sim.scenario.messages import validate_document  # noqa: PLC0415
        from sim.scenario.yamlfile import read_yaml  # noqa: PLC0415

        spec = validate_document(read_yaml(folder / "sweep.yaml", "sweep file"), SweepFile,
                                 "sweep file")
        res = cls(folder, manifest, spec)
        res.running  # noqa: B018 - taken now, before the shards are read
        return res

    @cached_property
    def design(self) -> pd.DataFrame:
        """The design table: ``point`` and one column per parameter."""
        return pd.read_parquet(self.folder / "design.parquet")

    @cached_property
    def runs(self) -> pd.DataFrame:
        """Every finished run, sorted by point and replicate."""
        return read_runs(self.folder)

    @cached_property
    def points(self) -> pd.DataFrame:
        """P(outcome) per design point with Wilson intervals (see :func:`point_probabilities`)."""
        return point_probabilities(self.runs, self.design)

    @property
    def parameters(self) -> list[str]:
        """The parameters' column names."""
        return self.spec.labels

    @property
    def complete(self) -> bool:
        """Whether every chunk of the sweep had finished when the shards were read."""
        pts = self.points
        return int(pts["runs"].sum() + pts["failed"].sum()) >= int(self.manifest["runs"])

    @cached_property
    def running(self) -> bool:
        """Whether a sweep held this folder's lock when it was opened (it is still running)."""
        return is_locked(self.folder)

    def heatmap(self, x: str | None = None, y: str | None = None,
                outcome: str = "escalation") -> pd.DataFrame:
        """Heatmap data of P(outcome) over two parameters (default: the first two)."""
        x, y = self.pair(x, y)
        return heatmap_data(self.points, x, y, outcome)

    def pair(self, x: str | None, y: str | None) -> tuple[str, str]:
        """Two parameter names for a heatmap, checked (defaults: the first two).

        Raises:
            InputError: A name is not a parameter, or there are not two parameters.
        """
        names = self.parameters
        for opt, v in (("--x", x), ("--y", y)):
            if v is not None and v not in names:
                raise InputError.single(opt, f"unknown parameter {v!r}; expected one of: "
                                        f"{', '.join(names)}")
        rest = [n for n in names if n not in (x, y)]
        x = x or rest.pop(0) if x or rest else None
        y = y or (rest.pop(0) if rest else None)
        if x is None or y is None or x == y:
            raise InputError.single("--x/--y", "a heatmap needs two different parameters; "
                                    f"this sweep has: {', '.join(names)}")
        return x, y

    def sensitivity(self, outcome: str = "escalation") -> pd.DataFrame | None:
        """Sobol or Morris indices of P(outcome), if the sweep's design supports them."""
        return sensitivity(self.points, self.spec, outcome)


def find_results(folder: str | Path) -> Path:
    """The sweep results folder at ``folder``, or the newest one inside it.

    Raises:
        InputError: Neither ``folder`` nor any folder in it has a sweep manifest.
    """
    folder = Path(folder)
    if (folder / "manifest.json").is_file():
        return folder
    if not folder.is_dir():
        raise InputError.single(str(folder), "no such results folder")
    inside = [p.parent for p in folder.glob("*/manifest.json")
              if not p.parent.name.startswith(".")]
    inside = [p for p in inside if (p / "design.parquet").is_file()]
    if not inside:
        raise InputError.single(str(folder), "not a sweep results folder (no manifest.json "
                                "here or in its subfolders); run 'dipsim sweep' first")
    return max(inside, key=lambda p: (p / "manifest.json").stat().st_mtime)


# ------------------------------------------------------------------------ probabilities


def point_probabilities(runs: pd.DataFrame, design: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """P(outcome) per design point with 95% Wilson intervals.

    Args:
        runs: Run table with ``point``, ``outcome`` and (optionally) ``error`` and
            ``talks_day`` columns; a run with no outcome, or with an error, failed.
        design: Design table (``point`` and parameters) to put beside the probabilities;
            points without any run are kept, with no probabilities.

    Returns:
        One row per point: the parameters, ``runs`` (successful), ``failed``, then for each
        outcome ``k_<o>`` (count), ``p_<o>``, ``lo_<o>``, ``hi_<o>``; and the same for
        ``reached_talks`` (talks opened at some time, whatever the end) when the run table
        has ``talks_day``.
    """
    outcome = runs["outcome"].astype("object")
    ok = outcome.notna()
    if "error" in runs:
        ok &= runs["error"].isna()
    cols: dict[str, Any] = {"point": runs["point"].to_numpy(),
                            "ok": ok.to_numpy(dtype=np.int64),
                            "failed": (~ok).to_numpy(dtype=np.int64)}
    metrics = list(OUTCOME_LABELS)
    for o in OUTCOME_LABELS:
        cols[f"k_{o}"] = ((outcome == o) & ok).to_numpy(dtype=np.int64)
    if "talks_day" in runs:
        metrics.append("reached_talks")
        cols["k_reached_talks"] = (runs["talks_day"].notna() & ok).to_numpy(dtype=np.int64)
    g = pd.DataFrame(cols).groupby("point", sort=True).sum()
    g = g.rename(columns={"ok": "runs"})
    table = g.reset_index()
    if design is not None:
        table = design.merge(table, on="point", how="left")
        for c in g.columns:
            table[c] = table[c].fillna(0).astype(np.int64)
    n = table["runs"].to_numpy(dtype=float)
    for m in metrics:
        k = table[f"k_{m}"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
            lo, hi = wilson_interval(k, np.where(n > 0, n, 1))
        table[f"p_{m}"] = p
        table[f"lo_{m}"] = np.where(n > 0, lo, np.nan)
        table[f"hi_{m}"] = np.where(n > 0, hi, np.nan)
    return table


def overall_probabilities(points: pd.DataFrame) -> pd.DataFrame:
    """P(outcome) over the whole design (pooling every run), with the range across points."""
    rows = []
    n = int(points["runs"].sum())
    metrics = [m for m in (*OUTCOME_LABELS, "reached_talks") if f"k_{m}" in points]
    for m in metrics:
        k = int(points[f"k_{m}"].sum())
        lo, hi = wilson_interval(k, max(n, 1))
        p = points[f"p_{m}"]
        rows.append({"outcome": m, "probability": k / n if n else np.nan,
                     "ci_low": float(lo) if n else np.nan, "ci_high": float(hi) if n else np.nan,
                     "lowest_point": float(p.min()), "highest_point": float(p.max())})
    return pd.DataFrame(rows).set_index("outcome")


# ------------------------------------------------------------------------------ heatmaps


def _axis_values(col: pd.Series, bins: int) -> tuple[pd.Series, list[Any]]:
    """A parameter column as heatmap levels, and every level of the axis.

    The levels are the column's values, or the midpoints of ``bins`` equal-width bins if
    it has too many; every bin is a level, including bins no design point falls in.
    """
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) \
            and col.nunique() > MAX_LEVELS:
        cut = pd.cut(col.astype(float), bins=bins)
        levels = [round(float(iv.mid), 10) for iv in cut.cat.categories]
        return cut.map(lambda iv: round(float(iv.mid), 10)).astype(float), levels
    return col, sorted(col.dropna().unique().tolist())


def heatmap_data(points: pd.DataFrame, x: str, y: str, outcome: str = "escalation",
                 bins: int = DEFAULT_BINS) -> pd.DataFrame:
    """P(outcome) over two parameters, averaged over every other parameter.

    The runs of all points that share a cell are pooled (so each replicate weighs the
    same), and the cell gets a Wilson interval from the pooled counts. A numeric parameter
    with more than :data:`MAX_LEVELS` distinct values is cut into ``bins`` equal-width bins,
    each labelled by its midpoint. Every cell of the grid is a row: a cell no design point
    falls in has ``points`` 0 (and no P); one whose points have not run yet, ``runs`` 0.

    Returns:
        One row per cell: ``x``, ``y`` (named after the parameters), ``runs``, ``k``, ``p``,
        ``ci_low``, ``ci_high``, ``points``; ``attrs`` holds the names and the outcome.
    """
    key = f"k_{outcome}"
    if key not in points:
        raise InputError.single("outcome", f"unknown outcome {outcome!r}; expected one of: "
                                f"{', '.join(c[2:] for c in points if c.startswith('k_'))}")
    for name in (x, y):
        if name not in points:
            raise InputError.single("parameter", f"unknown parameter {name!r}")
    (xs, x_levels), (ys, y_levels) = _axis_values(points[x], bins), _axis_values(points[y], bins)
    frame = pd.DataFrame({x: xs, y: ys, "runs": points["runs"], "k": points[key],
                          "points": 1})
    cells = frame.groupby([x, y], sort=True, observed=True).sum()
    grid = pd.MultiIndex.from_product([x_levels, y_levels], names=[x, y])
    cells = cells.reindex(grid, fill_value=0).reset_index()
    n = cells["runs"].to_numpy(dtype=float)
    k = cells["k"].to_numpy(dtype=float)
    safe = np.where(n > 0, n, 1)
    lo, hi = wilson_interval(k, safe)
    cells["p"] = np.where(n > 0, k / safe, np.nan)
    cells["ci_low"] = np.where(n > 0, lo, np.nan)
    cells["ci_high"] = np.where(n > 0, hi, np.nan)
    cells.attrs.update({"x": x, "y": y, "outcome": outcome})
    return cells


# --------------------------------------------------------------------------- sensitivity


def _bootstrap_seed(spec: SweepFile) -> int:
    return int((spec.seed or 0) % (2**31 - 2)) + 1  # SALib ignores a seed of 0


def sobol_indices(spec: SweepFile, y: Sequence[float] | np.ndarray) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of an output over a Sobol design.

    Args:
        spec: The sweep (its sampler must be ``sobol``); its parameters name the rows.
        y: The output at each design point, in point order (``samples x (D + 2)`` values).

    Returns:
        One row per parameter: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (95% bootstrap
        half-widths), sorted by ``ST``, largest first.

    Raises:
        ValueError: The sweep is not a Sobol design, or ``y`` has the wrong length or
            missing values (failed points).
    """
    from SALib.analyze import sobol  # noqa: PLC0415

    from sim.experiments.design import salib_problem  # noqa: PLC0415

    if spec.sampler is not Sampler.SOBOL:
        raise ValueError(f"Sobol indices need a sweep with 'sampler: sobol'; this one is "
                         f"{spec.sampler}")
    y = _check_output(y, spec.n_points())
    res = sobol.analyze(salib_problem(spec), y, calc_second_order=False,
                        seed=_bootstrap_seed(spec))
    table = pd.DataFrame({"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                          "ST_conf": res["ST_conf"]}, index=pd.Index(spec.labels,
                                                                      name="parameter"))
    return table.sort_values("ST", ascending=False)


def morris_indices(spec: SweepFile, x: np.ndarray, y: Sequence[float] | np.ndarray
                   ) -> pd.DataFrame:
    """Morris elementary-effect statistics of an output over a Morris design.

    Args:
        spec: The sweep (its sampler must be ``morris``).
        x: The design matrix, ``(points, parameters)``, in point order.
        y: The output at each design point, in point order.

    Returns:
        One row per parameter: ``mu``, ``mu_star`` (mean absolute effect: overall
        influence), ``mu_star_conf`` and ``sigma`` (spread: interactions or
        non-linearity), sorted by ``mu_star``, largest first.

    Raises:
        ValueError: The sweep is not a Morris design, or ``y`` has missing values.
    """
    from SALib.analyze import morris  # noqa: PLC0415

    from sim.experiments.design import salib_problem  # noqa: PLC0415

    if spec.sampler is not Sampler.MORRIS:
        raise ValueError(f"Morris indices need a sweep with 'sampler: morris'; this one is "
                         f"{spec.sampler}")
    y = _check_output(y, spec.n_points())
    res = morris.analyze(salib_problem(spec), np.asarray(x, dtype=float), y,
                         num_levels=spec.morris_levels, seed=_bootstrap_seed(spec))
    table = pd.DataFrame({"mu": res["mu"], "mu_star": res["mu_star"],
                          "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]},
                         index=pd.Index(spec.labels, name="parameter"))
    return table.sort_values("mu_star", ascending=False)


def _check_output(y: Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if y.shape != (n,):
        raise ValueError(f"expected one output per design point ({n}); got {y.shape}")
    missing = int(np.isnan(y).sum())
    if missing:
        raise ValueError(f"{missing} design point(s) have no result (failed or not yet run); "
                         "sensitivity indices need every point")
    return y


def sensitivity(points: pd.DataFrame, spec: SweepFile, outcome: str = "escalation"
                ) -> pd.DataFrame | None:
    """Sobol (``sobol`` design) or Morris (``morris`` design) indices of P(outcome).

    Returns:
        The index table, or None for designs that support neither.
    """
    if spec.sampler not in (Sampler.SOBOL, Sampler.MORRIS):
        return None
    ordered = points.sort_values("point")
    y = ordered[f"p_{outcome}"].to_numpy(dtype=float)
    if spec.sampler is Sampler.SOBOL:
        return sobol_indices(spec, y)
    return morris_indices(spec, ordered[spec.labels].to_numpy(dtype=float), y)
