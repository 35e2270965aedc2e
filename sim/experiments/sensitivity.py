"""Sensitivity at a glance: one parameter at a time, and a tornado chart.

Each main parameter is set to the low and the high end of its range (the others stay at
the scenario's values) and the scenario is rerun on the same seed. None of the ranges adds
or removes a Poisson window (a tempo of 0 keeps the window, empty), so every run of every
setting shares its random numbers with the baseline: the bars show what the parameter
changes, not noise. The chart sorts parameters by how far P(escalation) (or another
outcome) swings between the two ends. For interactions and global indices, use a sweep
(``dipsim sweep`` with a Sobol or Morris design).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.ensemble import run_ensemble
from sim.model.model import Outcome
from sim.scenario.levers import LEVERS, apply_levers
from sim.scenario.load import with_overrides
from sim.scenario.overrides import field_value
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Range:
    """A parameter and the range it is varied over (a scenario field path or a lever)."""

    name: str
    label: str
    low: float
    high: float


#: The main parameters and their ranges (see docs/model.md for each parameter).
RANGES: tuple[Range, ...] = (
    Range("actors.us.cost_tolerance", "US tolerance of conflict costs", 0.1, 0.7),
    Range("actors.venezuela.cost_tolerance", "Venezuelan tolerance of conflict costs", 0.2,
          0.8),
    Range("actors.us.readiness_bias", "US disposition to talk", -1.9, 0.1),
    Range("actors.venezuela.readiness_bias", "Venezuelan disposition to talk", -3.2, -1.2),
    Range("actors.us.audience_cost", "US audience cost", 0.0, 2.0),
    Range("actors.us.win_set", "US domestic win-set", 0.4, 0.8),
    Range("actors.venezuela.win_set", "Venezuelan domestic win-set", 0.5, 0.9),
    Range("actors.venezuela.salience.oil", "Venezuelan salience of oil", 0.35, 0.75),
    Range("actors.venezuela.hostility.reaction", "Venezuelan reaction to hostility", 0.03,
          0.09),
    Range("escalation.threshold", "Hostility that is escalation", 0.8, 1.2),
    Range("talks.threshold", "Readiness needed for talks", 0.4, 0.6),
    Range("behaviour.incident_size", "Size of incidents at sea", 0.1, 0.3),
    Range("boat_strike_tempo", "Boat-strike tempo (x)", 0.5, 2.0),
    Range("sanctions_intensity", "Sanctions intensity (x)", 0.5, 1.5),
)


def _with(scenario: Scenario, r: Range, value: float) -> Scenario:
    if r.name in LEVERS:
        return apply_levers(scenario, {r.name: value})
    return with_overrides(scenario, [f"{r.name}={value}"])


def one_at_a_time(scenario: Scenario, runs: int, seed: int,
                  ranges: tuple[Range, ...] = RANGES,
                  progress: Callable[[int, int, str], None] | None = None) -> pd.DataFrame:
    """P(outcome) at the baseline and at each end of each range, on common random numbers.

    ``progress(done, total, label)`` is called after each setting is run (the command
    line's progress bar).

    Returns:
        One row per parameter: its range, the baseline value, and for each outcome its
        probability at the low end, at the high end and at the baseline.
    """

    def profile(scn: Scenario) -> np.ndarray:
        res = run_ensemble(scn, runs, seed, trace_replicates=0, band_replicates=0)
        return np.bincount(res.data.runs["outcome"], minlength=len(Outcome)) / runs

    total = 1 + 2 * len(ranges)
    base = profile(scenario)
    if progress:
        progress(1, total, "baseline")
    rows = []
    for k, r in enumerate(ranges):
        low = profile(_with(scenario, r, r.low))
        if progress:
            progress(2 + 2 * k, total, r.label)
        high = profile(_with(scenario, r, r.high))
        if progress:
            progress(3 + 2 * k, total, r.label)
        lever = LEVERS.get(r.name)
        current = lever.current(scenario) if lever else float(field_value(scenario, r.name))
        row = {"parameter": r.name, "label": r.label, "low": r.low, "high": r.high,
               "baseline_value": current}
        for o in Outcome:
            row[f"{o.label}_low"] = low[o]
            row[f"{o.label}_high"] = high[o]
            row[f"{o.label}_baseline"] = base[o]
        rows.append(row)
    return pd.DataFrame(rows).set_index("parameter")


def tornado_chart(table: pd.DataFrame, outcome: str = "escalation", ax=None,
                  title: str | None = None) -> Figure:
    """Bars from P(outcome) at the low end to the high end of each range, widest on top."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    from sim.output.palette import BLUE, GREY, ORANGE  # noqa: PLC0415

    if ax is None:
        fig = Figure(figsize=(10, 0.45 * len(table) + 1.8), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    lo, hi = table[f"{outcome}_low"], table[f"{outcome}_high"]
    order = (hi - lo).abs().sort_values().index
    base = float(table[f"{outcome}_baseline"].iloc[0])
    for k, name in enumerate(order):
        row = table.loc[name]
        left, right = row[f"{outcome}_low"], row[f"{outcome}_high"]
        ax.barh(k, right - base, left=base, color=ORANGE, height=0.6,
                label="high end" if k == 0 else None)
        ax.barh(k, left - base, left=base, color=BLUE, height=0.6,
                label="low end" if k == 0 else None)
        if max(abs(left - base), abs(right - base)) < 0.005:
            ax.annotate("no visible effect", (base, k), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7, color=GREY)
            continue
        for value, end, sign in ((left, row.low, -1), (right, row.high, 1)):
            outward = (value >= base) if sign > 0 else (value < base)
            ax.annotate(f"{end:g}", (value, k), xytext=(3 * sign if outward else -3 * sign, 0),
                        textcoords="offset points", va="center", fontsize=7,
                        ha=("left" if value >= base else "right"))
    ax.axvline(base, color="black", lw=1)
    ax.set_yticks(range(len(order)), [table.loc[n, "label"] for n in order])
    ax.set_xlabel(f"P({outcome}); baseline {base:.0%}")
    ax.set_title(title or f"What moves P({outcome}): one parameter at a time")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def save(table: pd.DataFrame, scenario: Scenario, root: str | Path, runs: int, seed: int,
         outcome: str = "escalation", charts: bool = True) -> Path:
    """Write ``root/tornado/<timestamp>/``: the table (CSV), a summary and the chart."""
    import json  # noqa: PLC0415

    from sim.output.storage import write_folder  # noqa: PLC0415

    def write(folder: Path) -> None:
        table.to_csv(folder / "sensitivity.csv")
        (folder / "summary.json").write_text(json.dumps(
            {"scenario": scenario.name, "runs": runs, "seed": seed, "outcome": outcome},
            indent=2) + "\n", encoding="utf-8")
        if charts:
            tornado_chart(table, outcome, title=f"{scenario.title}\nWhat moves P({outcome}),"
                          f" one parameter at a time ({runs:,} runs each)").savefig(
                folder / f"tornado-{outcome}.png", dpi=110, pil_kwargs={"compress_level": 1})

    return write_folder(Path(root) / "tornado", write)
