"""The analysis of a sweep written out: ``<results>/analysis/`` with ``report.md`` and charts.

:func:`analyze` reads a sweep results folder (:class:`~sim.experiments.analysis.SweepResults`),
draws the heatmaps and the sensitivity indices (:mod:`sim.output.sweep_charts`) and writes a
short markdown report: the design, the outcomes, where they change, and what matters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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
from sim.output.sweep_charts import plot_heatmap, plot_indices, plot_profile, tick_label
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
                    x: str | None = None, y: str | None = None,
                    sections: Sequence[str] = ()) -> str:
    """A short markdown report: the design, outcomes, where they change, and what matters.

    Args:
        res: The sweep results.
        charts: Chart file names by key (``heatmap_<outcome>``, ``indices_<outcome>``) to
            embed.
        x: Heatmap x parameter.
        y: Heatmap y parameter.
        sections: Further markdown sections to append (scenario discovery, say).
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
        still = (" A sweep was still writing this folder when it was read: every figure "
                 "here is from the runs finished then, read once." if res.running else "")
        lines += [f"**Incomplete:** {done:,} of {m['runs']:,} runs are finished; rerun "
                  "`dipsim sweep` with the same file to finish it. Figures below use the "
                  f"finished runs.{still}", ""]
    failed = int(pts["failed"].sum())
    if failed:
        lines += [f"**{failed:,} runs failed** (see Failed runs below); they are left out of "
                  "every probability.", ""]
    if spec.refine is not None:
        followed = spec.refine.outcome
        lines += [f"Adaptive design: a first grid, then {m.get('rounds', 0)} of "
                  f"{spec.refine.rounds} rounds of refinement, each adding up to "
                  f"{spec.refine.points} points where P({followed}) jumps most between "
                  "neighbouring points" + (f" ({m['refined']})" if m.get("refined") else "")
                  + ".", ""]
        if f"profile_{followed}" in charts and followed not in KEY_OUTCOMES:
            lines += [f"![P({followed}) along {spec.labels[0]}]"
                      f"({charts[f'profile_{followed}']})", ""]
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
        if f"profile_{o}" in charts:
            lines += ["", f"![P({o}) along {params[0]}]({charts[f'profile_{o}']})"]
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
    for section in sections:
        lines += ["", section]
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
    return table, None if table is None else _sensitivity_text(table, outcome,
                                                                res.spec.samples)


#: A 95% half-width above this is too wide for an index to be read; the report suggests
#: the N that would bring it to :data:`TARGET_HALF_WIDTH`.
WIDE_HALF_WIDTH = 0.1
TARGET_HALF_WIDTH = 0.05


def distinguishable(value: float, half_width: float) -> bool:
    """Whether an index is distinguishable from 0: its 95% interval lies above 0."""
    return bool(np.isfinite(value) and np.isfinite(half_width) and value - half_width > 0)


def share(value: float, half_width: float) -> str:
    """A Sobol share with its 95% interval, or "not distinguishable from 0" (with the numbers).

    A negative index, or one within its half-width of 0, is sampling noise (the
    estimators are unbiased, so they go below 0 when the true index is about 0).
    """
    lo, hi = max(value - half_width, 0.0), min(value + half_width, 1.0)
    if not distinguishable(value, half_width):
        return (f"not distinguishable from 0 (estimate {value:.0%}, 95% interval "
                f"{value - half_width:.0%} to {value + half_width:.0%})")
    return f"{value:.0%} (95% interval {lo:.0%} to {hi:.0%})"


def suggested_n(n: int, half_width: float, target: float = TARGET_HALF_WIDTH) -> int:
    """The Sobol N (a power of two) that would shrink a half-width to ``target``.

    Bootstrap half-widths shrink as 1/sqrt(N) (Saltelli et al. 2010), so N grows with the
    square of the ratio.
    """
    need = n * (half_width / target) ** 2
    return 1 << max(int(np.ceil(np.log2(max(need, 2)))), int(n).bit_length() - 1)


def _sobol_precision(table: pd.DataFrame, n: int) -> str | None:
    """A warning when the intervals are too wide to tell the parameters apart, with the N."""
    widest = float(np.nanmax(table[["S1_conf", "ST_conf"]].to_numpy(dtype=float)))
    overlap = False
    if len(table) > 1:
        a, b = table.iloc[0], table.iloc[1]
        overlap = a.ST - a.ST_conf < b.ST + b.ST_conf
    if widest <= WIDE_HALF_WIDTH and not overlap:
        return None
    target = TARGET_HALF_WIDTH
    if overlap:
        gap = float(table.iloc[0].ST - table.iloc[1].ST)
        target = min(target, max(gap / 2, 0.01))
    why = (f"the 95% intervals are up to ±{widest:.0%} wide" if widest > WIDE_HALF_WIDTH
           else "the two largest total indices have overlapping intervals")
    return (f"**Warning: N = {n:,} is too small to tell the parameters apart** ({why}). "
            f"About N = {suggested_n(n, widest, target):,} (samples in the sweep file) "
            f"would bring the half-widths to ±{target:.0%}; more replicates per point "
            "lower the noise floor of the binomial estimates.")


def _sensitivity_text(table: pd.DataFrame, outcome: str, n: int | None = None) -> str:
    top = table.index[0]
    if "ST" in table:
        r = table.iloc[0]
        rest = table.index[1:3].tolist()
        alone = (f"Alone it explains {share(r.S1, r.S1_conf)} of its variance across the "
                 "design (first-order Sobol index)" if distinguishable(r.S1, r.S1_conf) else
                 "Alone, its share of the variance across the design (first-order Sobol "
                 f"index) is {share(r.S1, r.S1_conf)}")
        text = (f"**{top}** matters most for P({outcome}). {alone}; with its interactions, "
                f"{share(r.ST, r.ST_conf)} (total index)"
                + (f"; next come {', '.join(rest)}." if rest else ".")
                + " Every share carries its 95% bootstrap interval; one whose interval "
                  "reaches 0 is not distinguishable from 0.")
        noise = [str(name) for name, q in table.iterrows()
                 if not distinguishable(q.ST, q.ST_conf)]
        if noise:
            text += (f" Not distinguishable from 0, even with interactions: "
                     f"{', '.join(noise)}.")
        warning = _sobol_precision(table, n) if n else None
        return text + (f"\n\n{warning}" if warning else "")
    r = table.iloc[0]
    text = (f"**{top}** has the largest influence on P({outcome}) (Morris mu* = "
            f"{r.mu_star:.3f}, 95% interval {max(r.mu_star - r.mu_star_conf, 0):.3f} to "
            f"{r.mu_star + r.mu_star_conf:.3f}; sigma = {r.sigma:.3f}; a sigma close to mu* "
            "means its effect depends on the other parameters or is not linear).")
    if not distinguishable(r.mu_star, r.mu_star_conf):
        text += " Its influence is not distinguishable from 0."
    noise = [str(name) for name, q in table.iterrows()
             if not distinguishable(q.mu_star, q.mu_star_conf)]
    if noise and distinguishable(r.mu_star, r.mu_star_conf):
        text += f" Not distinguishable from 0: {', '.join(noise)}."
    if n and r.mu_star_conf > 0.5 * abs(r.mu_star):
        more = int(np.ceil(n * (r.mu_star_conf / (0.25 * max(abs(r.mu_star), 1e-9))) ** 2))
        text += (f"\n\n**Warning: {n} trajectories are too few to rank the parameters** "
                 f"(the leading mu*'s interval is ±{r.mu_star_conf:.3f}); about {more:,} "
                 "would halve it twice.")
    return text


def _index_table(table: pd.DataFrame) -> list[str]:
    if "ST" in table:
        out = ["| parameter | S1 (alone) | ST (with interactions) |", "| --- | ---: | ---: |"]
        for name, r in table.iterrows():
            cells = []
            for col in ("S1", "ST"):
                v, h = r[col], r[f"{col}_conf"]
                cells.append(f"{v:.3f} ± {h:.3f}" + ("" if distinguishable(v, h)
                                                     else " (≈ 0)"))
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        return [*out, "", "± is the 95% bootstrap half-width; (≈ 0): not distinguishable "
                "from 0."]
    out = ["| parameter | mu* | mu | sigma |", "| --- | ---: | ---: | ---: |"]
    for name, r in table.iterrows():
        mark = "" if distinguishable(r.mu_star, r.mu_star_conf) else " (≈ 0)"
        out.append(f"| {name} | {r.mu_star:.3f} ± {r.mu_star_conf:.3f}{mark} | {r.mu:.3f} | "
                   f"{r.sigma:.3f} |")
    return [*out, "", "± is the 95% bootstrap half-width of mu*; (≈ 0): not "
            "distinguishable from 0."]


def analyze(folder: str | Path | SweepResults, x: str | None = None, y: str | None = None,
            sections: Sequence[str] = ()) -> Path:
    """Write ``analysis/`` in a sweep results folder: tables, charts and ``report.md``.

    Files: ``points.csv`` (P(outcome) per point), ``heatmap_<outcome>.png`` (two or more
    parameters), ``sobol_<outcome>.csv`` or ``morris_<outcome>.csv`` and
    ``indices_<outcome>.png`` (Sobol or Morris designs), ``report.md``. The folder is
    written whole (:func:`sim.output.storage.write_folder`), then takes the place of any
    earlier analysis.

    Args:
        folder: A results folder, or one already opened: pass the
            :class:`~sim.experiments.analysis.SweepResults` whose figures you print, so
            the report and what you print come from the same reading of the shards (a
            sweep still running adds shards between two readings).
        x: Heatmap x parameter.
        y: Heatmap y parameter.
        sections: Further markdown sections for the report (``dipsim analyze --prim``).

    Returns:
        The analysis folder.
    """
    res = folder if isinstance(folder, SweepResults) else SweepResults.load(folder)
    if res.runs.empty:
        raise InputError.single(str(res.folder), "no finished runs yet; run 'dipsim sweep' "
                                "(again) to make some")
    have_pair = len(res.parameters) >= 2
    if have_pair:
        x, y = res.pair(x, y)

    def write(tmp: Path) -> None:
        charts: dict[str, str] = {}
        res.points.to_csv(tmp / "points.csv", index=False)
        if len(res.parameters) == 1:
            followed = res.spec.refine.outcome if res.spec.refine else None
            for o in dict.fromkeys([*([followed] if followed else []), *KEY_OUTCOMES]):
                fig = plot_profile(res.points, res.parameters[0], o)
                fig.savefig(tmp / f"profile_{o}.png")
                charts[f"profile_{o}"] = f"profile_{o}.png"
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
        (tmp / "report.md").write_text(report_markdown(res, charts, x, y, sections),
                                       encoding="utf-8")

    return write_folder(res.folder, write, name="analysis", replace=True)
