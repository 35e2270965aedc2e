"""Analysis of a parameter sweep: P(outcome) per design point, heatmaps, sensitivity indices.

Everything starts from a sweep results folder (:mod:`sim.experiments.store`): its design table
and the run table of its shards. Chart data is computed by plain functions on DataFrames, apart
from the drawing; every drawing function takes ``ax=None`` and returns the figure.

- :func:`point_probabilities`: for each design point, the share of its replicates that ended
  in each outcome with a 95% Wilson (1927) interval; failed runs are counted apart and left
  out of the shares.
- :func:`heatmap_data` / :func:`plot_heatmap`: P(outcome) over any two parameters, pooling
  the runs of every point in a cell, so the other parameters are averaged over the design.
  Parameters with many distinct values (Monte Carlo, Latin hypercube) are binned.
- :func:`sobol_indices` / :func:`morris_indices`: first-order and total Sobol indices
  (Saltelli et al. 2010, from a ``sobol`` design) and Morris's mu* and sigma (Morris 1991;
  Campolongo et al. 2007, from a ``morris`` design), computed by SALib from the per-point
  probabilities. The replicates' binomial noise adds a little variance of its own, which
  shows up as small spurious indices; more replicates per point shrink it.
- :func:`report_markdown` / :func:`analyze`: a short markdown report and its charts, written
  to ``<results>/analysis/``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments.store import read_manifest, read_runs
from sim.experiments.sweepfile import OUTCOME_LABELS, Sampler, SweepFile
from sim.output.stats import wilson_interval
from sim.output.storage import write_folder
from sim.scenario.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Outcomes whose heatmaps and indices the report shows.
KEY_OUTCOMES: tuple[str, ...] = ("escalation", "talks")
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
        return cls(folder, manifest, spec)

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
        """Whether every chunk of the sweep has finished."""
        return bool(self.manifest.get("complete"))

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


def _axis_values(col: pd.Series, bins: int) -> pd.Series:
    """A parameter column as heatmap levels: its values, or bin midpoints if too many."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) \
            and col.nunique() > MAX_LEVELS:
        cut = pd.cut(col.astype(float), bins=bins)
        return cut.map(lambda iv: round(float(iv.mid), 10)).astype(float)
    return col


def heatmap_data(points: pd.DataFrame, x: str, y: str, outcome: str = "escalation",
                 bins: int = DEFAULT_BINS) -> pd.DataFrame:
    """P(outcome) over two parameters, averaged over every other parameter.

    The runs of all points that share a cell are pooled (so each replicate weighs the
    same), and the cell gets a Wilson interval from the pooled counts. A numeric parameter
    with more than :data:`MAX_LEVELS` distinct values is cut into ``bins`` equal-width bins,
    each labelled by its midpoint.

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
    frame = pd.DataFrame({x: _axis_values(points[x], bins), y: _axis_values(points[y], bins),
                          "runs": points["runs"], "k": points[key], "points": 1})
    cells = frame.groupby([x, y], sort=True, observed=True).sum().reset_index()
    n = cells["runs"].to_numpy(dtype=float)
    k = cells["k"].to_numpy(dtype=float)
    safe = np.where(n > 0, n, 1)
    lo, hi = wilson_interval(k, safe)
    cells["p"] = np.where(n > 0, k / safe, np.nan)
    cells["ci_low"] = np.where(n > 0, lo, np.nan)
    cells["ci_high"] = np.where(n > 0, hi, np.nan)
    cells.attrs.update({"x": x, "y": y, "outcome": outcome})
    return cells


def _new_figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    from matplotlib.figure import Figure  # noqa: PLC0415 - no pyplot: no global figure list

    fig = Figure(figsize=size, layout="constrained", dpi=110)
    return fig, fig.add_subplot()


def _tick(v: Any) -> str:
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
    ax.set_xticks(range(len(grid.columns)), [_tick(v) for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [_tick(v) for v in grid.index])
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


def plot_indices(table: pd.DataFrame, ax: Axes | None = None, title: str | None = None
                 ) -> Figure:
    """Bar chart of Sobol (S1 and ST) or Morris (mu* and sigma) indices, with error bars."""
    fig, ax = _new_figure(ax, (6.4, 0.5 * len(table) + 1.6))
    pos = np.arange(len(table))
    if "ST" in table:
        bars = [("ST", "ST_conf", "total (ST)", "#9ecae1"),
                ("S1", "S1_conf", "first order (S1)", "#3182bd")]
        xlabel = "Sobol index (share of variance)"
    else:
        bars = [("mu_star", "mu_star_conf", "mu* (influence)", "#3182bd"),
                ("sigma", None, "sigma (interactions)", "#fdae6b")]
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


# -------------------------------------------------------------------------------- report


def percent(p: float) -> str:
    """A probability as a percentage with one decimal (``-`` when missing)."""
    return "-" if p is None or not np.isfinite(p) else f"{p:.1%}"


def _describe(spec: SweepFile, label: str) -> str:
    p = next(q for q in spec.parameters if q.label == label)
    if p.range is not None:
        what = f"{p.range[0]:g} to {p.range[1]:g}"
        if p.levels:
            what += f" ({p.levels} levels)"
    else:
        shown = ", ".join(json.dumps(v) for v in (p.values or [])[:8])
        what = f"{shown}{', ...' if len(p.values or []) > 8 else ''}"
    return what


def failures(runs: pd.DataFrame) -> pd.DataFrame:
    """The distinct errors of failed runs, with how many runs and which points they hit."""
    if "error" not in runs or runs["error"].isna().all():
        return pd.DataFrame(columns=["error", "runs", "points"])
    bad = runs[runs["error"].notna()]
    g = bad.groupby("error", sort=False).agg(runs=("point", "size"),
                                             points=("point", lambda s: sorted(set(s))))
    return g.reset_index().sort_values("runs", ascending=False)


def report_markdown(res: SweepResults, charts: dict[str, str] | None = None,
                    x: str | None = None, y: str | None = None) -> str:
    """A short markdown report: the design, outcomes, where they change, and what matters.

    Args:
        res: The sweep results.
        charts: Chart file names by key (``heatmap_<outcome>``, ``indices_<outcome>``) to
            embed.
        x: Heatmap x parameter.
        y: Heatmap y parameter.
    """
    spec, m, pts = res.spec, res.manifest, res.points
    charts = charts or {}
    lines = [f"# Sweep {spec.name}" + (f": {spec.title}" if spec.title else ""), ""]
    if spec.description:
        lines += [spec.description.strip(), ""]
    done = int(pts["runs"].sum() + pts["failed"].sum())
    lines += [
        f"{m['points']:,} design points ({spec.sampler}) x {spec.replicates:,} replicates = "
        f"{m['runs']:,} runs of scenario `{m.get('scenario')}`, root seed {spec.seed}. "
        f"Results: `{res.folder}`.", ""]
    if done < m["runs"]:
        lines += [f"**Incomplete:** {done:,} of {m['runs']:,} runs are finished; rerun "
                  "`dipsim sweep` with the same file to finish it. Figures below use the "
                  "finished runs.", ""]
    failed = int(pts["failed"].sum())
    if failed:
        lines += [f"**{failed:,} runs failed** (see Failed runs below); they are left out of "
                  "every probability.", ""]
    lines += ["## Parameters", "", "| parameter | sets | values |", "| --- | --- | --- |"]
    for p in spec.parameters:
        lines.append(f"| {p.label} | `{p.path}` | {_describe(spec, p.label)} |")
    overall = overall_probabilities(pts)
    lines += ["", "## Outcomes", "",
              "Pooled over every run of the design, with the lowest and highest share at a "
              "single design point:", "",
              "| outcome | probability | 95% interval | lowest point | highest point |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for o, r in overall.iterrows():
        name = "reached talks (at any time)" if o == "reached_talks" else o
        lines.append(f"| {name} | {percent(r.probability)} | {percent(r.ci_low)} to "
                     f"{percent(r.ci_high)} | {percent(r.lowest_point)} | "
                     f"{percent(r.highest_point)} |")
    params = spec.labels
    for o in KEY_OUTCOMES:
        col = f"p_{o}"
        ranked = pts.dropna(subset=[col]).sort_values(col)
        if ranked.empty:
            continue
        lo, hi = ranked.iloc[0], ranked.iloc[-1]

        def where(row: pd.Series) -> str:
            return ", ".join(f"{p} = {_tick(row[p])}" for p in params[:6])

        lines += ["", f"## P({o})", "",
                  f"P({o}) ranges from {percent(lo[col])} (point {int(lo.point)}: "
                  f"{where(lo)}) to {percent(hi[col])} (point {int(hi.point)}: {where(hi)})."]
        if f"heatmap_{o}" in charts:
            lines += ["", f"![P({o}) by {x} and {y}]({charts[f'heatmap_{o}']})", "",
                      f"Each cell pools the runs of every design point with those values of "
                      f"{x} and {y}, averaging over the other parameters."]
        table, text = sensitivity_summary(res, o)
        if text is not None:
            lines += ["", text]
        if table is not None:
            lines += ["", *_index_table(table)]
            if f"indices_{o}" in charts:
                lines += ["", f"![Sensitivity of P({o})]({charts[f'indices_{o}']})"]
    if spec.sampler in (Sampler.SOBOL, Sampler.MORRIS) and not _sensitivity_ok(pts, spec):
        lines += ["", "## Sensitivity", "", "Not computed: the indices need a result at "
                  "every design point, and some points have failed or are not yet run."]
    fails = failures(res.runs)
    if len(fails):
        lines += ["", "## Failed runs", "", "| error | runs | points |", "| --- | ---: | --- |"]
        for _, r in fails.head(10).iterrows():
            pts_text = ", ".join(map(str, r.points[:10])) + (", ..." if len(r.points) > 10
                                                             else "")
            err = str(r.error).replace("|", "\\|").replace("\n", " ")[:300]
            lines.append(f"| {err} | {r.runs:,} | {pts_text} |")
    return "\n".join(lines) + "\n"


def _sensitivity_ok(points: pd.DataFrame, spec: SweepFile) -> bool:
    return (len(points) == spec.n_points() and bool((points["runs"] > 0).all()))


def sensitivity_summary(res: SweepResults, outcome: str
                        ) -> tuple[pd.DataFrame | None, str | None]:
    """The index table of P(outcome) and a sentence about it.

    Both are None for a design without indices (grid, list, Monte Carlo, LHS) or one not yet
    complete; the table is None when P(outcome) is the same at every point.
    """
    pts, spec = res.points, res.spec
    if spec.sampler not in (Sampler.SOBOL, Sampler.MORRIS) or not _sensitivity_ok(pts, spec):
        return None, None
    p = pts[f"p_{outcome}"].to_numpy(dtype=float)
    if np.ptp(p) == 0:
        return None, (f"P({outcome}) is {percent(p[0])} at every design point, so no "
                      "parameter changes it over these ranges.")
    table = res.sensitivity(outcome)
    return table, None if table is None else _sensitivity_text(table, outcome)


def _sensitivity_text(table: pd.DataFrame, outcome: str) -> str:
    top = table.index[0]
    if "ST" in table:
        r = table.iloc[0]
        rest = table.index[1:3].tolist()
        return (f"**{top}** matters most for P({outcome}): alone it explains "
                f"{r.S1:.0%} of its variance across the design (first-order Sobol index), "
                f"and {r.ST:.0%} with its interactions (total index)"
                + (f"; next come {', '.join(rest)}." if rest else ".")
                + " The *_conf columns are 95% bootstrap half-widths; an index within "
                  "its half-width of 0 (or a negative one) is sampling noise.")
    r = table.iloc[0]
    return (f"**{top}** has the largest influence on P({outcome}) (Morris mu* = "
            f"{r.mu_star:.3f}, sigma = {r.sigma:.3f}; a sigma close to mu* means its effect "
            "depends on the other parameters or is not linear).")


def _index_table(table: pd.DataFrame) -> list[str]:
    cols = list(table.columns)
    out = ["| parameter | " + " | ".join(cols) + " |",
           "| --- | " + " | ".join("---:" for _ in cols) + " |"]
    for name, r in table.iterrows():
        out.append(f"| {name} | " + " | ".join(f"{r[c]:.3f}" for c in cols) + " |")
    return out


def analyze(folder: str | Path, x: str | None = None, y: str | None = None) -> Path:
    """Write ``analysis/`` in a sweep results folder: tables, charts and ``report.md``.

    Files: ``points.csv`` (P(outcome) per point), ``heatmap_<outcome>.png`` (two or more
    parameters), ``sobol_<outcome>.csv`` or ``morris_<outcome>.csv`` and
    ``indices_<outcome>.png`` (Sobol or Morris designs), ``report.md``. The folder is
    written whole (:func:`sim.output.storage.write_folder`), then takes the place of any
    earlier analysis.

    Returns:
        The analysis folder.
    """
    res = SweepResults.load(folder)
    if res.runs.empty:
        raise InputError.single(str(res.folder), "no finished runs yet; run 'dipsim sweep' "
                                "(again) to make some")
    have_pair = len(res.parameters) >= 2
    if have_pair:
        x, y = res.pair(x, y)

    def write(tmp: Path) -> None:
        charts: dict[str, str] = {}
        res.points.to_csv(tmp / "points.csv", index=False)
        for o in KEY_OUTCOMES:
            if have_pair:
                fig = plot_heatmap(res.heatmap(x, y, o))
                fig.savefig(tmp / f"heatmap_{o}.png")
                charts[f"heatmap_{o}"] = f"heatmap_{o}.png"
            table, _ = sensitivity_summary(res, o)
            if table is not None:
                kind = "sobol" if res.spec.sampler is Sampler.SOBOL else "morris"
                table.to_csv(tmp / f"{kind}_{o}.csv")
                fig = plot_indices(table, title=f"Sensitivity of P({o})")
                fig.savefig(tmp / f"indices_{o}.png")
                charts[f"indices_{o}"] = f"indices_{o}.png"
        (tmp / "report.md").write_text(report_markdown(res, charts, x, y), encoding="utf-8")

    return write_folder(res.folder, write, name="analysis", replace=True)
