"""The analysis of a sweep written out: ``<results>/analysis/`` with ``report.md`` and charts.

:func:`analyze` reads a sweep results folder (:class:`~sim.experiments.analysis.SweepResults`),
draws the heatmaps and the sensitivity indices (:mod:`sim.output.sweep_charts`) and writes a
short markdown report: the design, the outcomes, where they change, and what matters.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.analysis import (
    KEY_OUTCOMES,
    SweepResults,
    overall_probabilities,
)
from sim.experiments.sweepfile import Sampler, SweepFile
from sim.output.storage import write_folder
from sim.output.sweep_charts import plot_heatmap, plot_indices, tick_label
from sim.scenario.errors import InputError


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
            return ", ".join(f"{p} = {tick_label(row[p])}" for p in params[:6])

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
