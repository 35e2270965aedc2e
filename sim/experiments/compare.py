"""Counterfactuals: two scenarios run on common random numbers, and what changed.

Replicate r of both scenarios draws from the same stream (same seed, same spawn key), and a
Poisson window present in both keeps the same random column (a shared stream layout), so
the two runs differ only by what the scenarios change: the comparison is paired, replicate
by replicate (common random numbers; Law 2015, ch. 11). The difference in each P(outcome)
comes with a paired 95% interval from the per-replicate differences of the outcome
indicators, and the shift in timing is the median per-replicate difference in the day of
the outcome, over replicates that reach it in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.model import OUTCOMES
from sim.output.dictionary import write_parquet
from sim.output.results import Results, scenario_yaml
from sim.output.stats import Z95
from sim.output.storage import json_text, write_folder
from sim.scenario.errors import InputError
from sim.scenario.load import load_scenario, scenario_from_document
from sim.scenario.schema import Scenario
from sim.scenario.yamlfile import YamlDocument

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def without_pressures(scenario: Scenario, ids: list[str]) -> Scenario:
    """A copy of a scenario with the pressures of the given ids removed.

    Raises:
        InputError: An id names no pressure of the scenario.
    """
    if not ids:
        return scenario
    known = scenario.pressure_ids()
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InputError.single("--drop", f"no pressure with id {', '.join(unknown)}; the "
                                f"scenario's pressures are: {', '.join(known)}")
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["pressures"] = [p for pid, p in zip(known, data["pressures"], strict=True)
                         if pid not in ids]
    return scenario_from_document(YamlDocument("--drop", data, None))


def shared_layout(a: Scenario, b: Scenario) -> list[str]:
    """Poisson-window ids of both scenarios, A's first: one random column per id in both."""
    def windows(s: Scenario) -> list[str]:
        return [pid for pid, p in zip(s.pressure_ids(), s.pressures, strict=True)
                if p.per_week is not None]

    layout = windows(a)
    return layout + [w for w in windows(b) if w not in layout]


@dataclass
class Comparison:
    """Two runs on common random numbers: A (the baseline) and B (the counterfactual)."""

    a: Results
    b: Results
    label_a: str
    label_b: str

    def differences(self) -> pd.DataFrame:
        """Per outcome: P in A and in B, and what changed.

        Columns: the paired difference B - A with its 95% interval, the median day of the
        outcome in each, and the median per-replicate shift in that day.
        """
        ra, rb = self.a.data.runs, self.b.data.runs
        n = len(ra["outcome"])
        rows = []
        for o in OUTCOMES:
            ia = (ra["outcome"] == o).astype(float)
            ib = (rb["outcome"] == o).astype(float)
            d = ib - ia
            half = Z95 * d.std(ddof=1) / np.sqrt(n) if n > 1 else float("nan")
            da, db = ra["outcome_day"], rb["outcome_day"]
            both = (ia > 0) & (ib > 0) & (da >= 0) & (db >= 0)
            shift = float(np.median(db[both] - da[both])) if both.any() else float("nan")
            day_a = da[(ia > 0) & (da >= 0)]
            day_b = db[(ib > 0) & (db >= 0)]
            rows.append({
                "outcome": o.label, "p_a": ia.mean(), "p_b": ib.mean(), "difference": d.mean(),
                "ci_low": d.mean() - half, "ci_high": d.mean() + half,
                "median_day_a": float(np.median(day_a)) if day_a.size else float("nan"),
                "median_day_b": float(np.median(day_b)) if day_b.size else float("nan"),
                "median_shift_days": shift, "both": int(both.sum())})
        return pd.DataFrame(rows).set_index("outcome")

    def changed(self) -> float:
        """Share of replicates whose outcome differs between A and B."""
        return float(np.mean(self.a.data.runs["outcome"] != self.b.data.runs["outcome"]))

    def transitions(self) -> pd.DataFrame:
        """Counts of replicates by outcome in A (rows) and in B (columns)."""
        labels = [o.label for o in OUTCOMES]
        a = pd.Categorical.from_codes(self.a.data.runs["outcome"], categories=labels)
        b = pd.Categorical.from_codes(self.b.data.runs["outcome"], categories=labels)
        return pd.crosstab(pd.Series(a, name=f"A: {self.label_a}"),
                           pd.Series(b, name=f"B: {self.label_b}"), dropna=False)

    @property
    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary of the comparison."""
        diff = self.differences()
        return {
            "a": self.label_a, "b": self.label_b, "runs": self.a.n_runs, "seed": self.a.seed,
            "changed_outcome": self.changed(),
            "outcomes": {o: {k: (None if isinstance(v, float) and np.isnan(v) else v)
                             for k, v in row.items()} for o, row in diff.to_dict("index").items()},
            "transitions": self.transitions().to_dict(),
        }

    def chart(self, axes: list | None = None) -> Figure:
        """Both fans of the conflict-cooperation index, and P(outcome) side by side."""
        from matplotlib.figure import Figure  # noqa: PLC0415

        from sim.output.charts import _date_axis  # noqa: PLC0415
        from sim.output.palette import BLUE, GREY, SIGN_COLOURS  # noqa: PLC0415

        if axes is None:
            fig = Figure(figsize=(14, 5.5), layout="constrained")
            axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        else:
            fig = axes[0].figure
        ax = axes[0]
        for res, label, colour in ((self.a, self.label_a, GREY), (self.b, self.label_b, BLUE)):
            band = res.band("cc_index")
            ax.fill_between(band.index, band["q25"], band["q75"], color=colour, alpha=0.25,
                            lw=0)
            ax.plot(band.index, band["q50"], color=colour, lw=2,
                    label=f"{label} (median, middle 50%)")
        ax.axhline(0, color="black", lw=0.8)
        _date_axis(ax)
        ax.set_ylabel("Conflict (−) / cooperation (+)\nGoldstein points per day, smoothed")
        ax.set_title("The two paths, on common random numbers")
        ax.legend(fontsize=8, loc="lower left")
        ax = axes[1]
        diff = self.differences()
        y = np.arange(len(diff))[::-1]
        ax.barh(y + 0.2, diff["p_a"], 0.4, color=GREY, label=f"A: {self.label_a}")
        ax.barh(y - 0.2, diff["p_b"], 0.4, color=BLUE, label=f"B: {self.label_b}")
        for k, (_, row) in enumerate(diff.iterrows()):
            # Coloured by the sign of the change (a fall in escalation is not "red").
            sign = "rise" if row.ci_low > 0 else "fall" if row.ci_high < 0 else "none"
            ax.annotate(f"{row.difference:+.0%} [{row.ci_low:+.0%}, {row.ci_high:+.0%}]",
                        (max(row.p_a, row.p_b), y[k]), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7,
                        color=SIGN_COLOURS[sign])
        ax.set_yticks(y, [o.replace("_", " ") for o in diff.index], fontsize=8)
        ax.set_xlim(0, 1.35)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_xlabel("Probability; B − A with its paired 95% interval\n(blue: a rise, orange: "
                      "a fall, grey: no clear change)")
        ax.set_title(f"Outcomes ({self.changed():.0%} of runs end differently)")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
        return fig

    def save(self, root: str | Path = "results", charts: bool = True) -> Path:
        """Write ``root/compare/<timestamp>/`` atomically: summary, both run tables, chart."""
        return write_folder(Path(root) / "compare", lambda tmp: self.write_files(tmp, charts))

    def write_files(self, folder: Path, charts: bool = True) -> None:
        """Write the comparison's files into an existing, empty folder."""
        (folder / "summary.json").write_text(json_text(self.summary), encoding="utf-8")
        self.differences().to_csv(folder / "differences.csv")
        write_parquet(self.a.runs, folder / "runs_a.parquet", "runs.parquet")
        write_parquet(self.b.runs, folder / "runs_b.parquet", "runs.parquet")
        (folder / "scenario_a.yaml").write_text(scenario_yaml(self.a.scenario), "utf-8")
        (folder / "scenario_b.yaml").write_text(scenario_yaml(self.b.scenario), "utf-8")
        if charts:
            self.chart().savefig(folder / "compare.png", dpi=110,
                                 pil_kwargs={"compress_level": 1})


def compare(a: Scenario | str | Path | None, b: Scenario | str | Path | None = None, *,
            runs: int | None = None, seed: int | None = None, overrides: list[str] | None = None,
            drop: list[str] | None = None) -> Comparison:
    """Run A and B on common random numbers.

    Args:
        a: The baseline scenario (a Scenario, path, library name, or None for the default).
        b: The counterfactual; None means A itself, changed by ``overrides`` and ``drop``.
        runs: Replicates of each (default: A's ``runs``).
        seed: Root seed of both (default: A's ``seed``).
        overrides: ``path=value`` assignments applied to B.
        drop: Ids of pressures removed from B.

    Returns:
        The paired comparison.
    """
    from sim.engine.ensemble import run_ensemble  # noqa: PLC0415
    from sim.scenario.load import with_overrides  # noqa: PLC0415

    scn_a = a if isinstance(a, Scenario) else load_scenario(a)
    scn_b = scn_a if b is None else (b if isinstance(b, Scenario) else load_scenario(b))
    scn_b = without_pressures(with_overrides(scn_b, overrides or []), drop or [])
    if b is None and not overrides and not drop:
        raise InputError.single("compare", "B is the same as A: give a second scenario, "
                                "--set changes or --drop pressures")
    runs = scn_a.runs if runs is None else runs
    seed = scn_a.seed if seed is None else seed
    layout = shared_layout(scn_a, scn_b)
    res_a = run_ensemble(scn_a, runs, seed, stream_layout=layout)
    res_b = run_ensemble(scn_b, runs, seed, stream_layout=layout)
    label_a = scn_a.name
    changes = [*(overrides or []), *(f"without {d}" for d in drop or [])]
    label_b = scn_b.name if b is not None and scn_b.name != scn_a.name else (
        f"{scn_a.name}, " + ", ".join(changes))
    return Comparison(res_a, res_b, label_a, label_b)
