"""The scenario library: what is in it, and the outcome profile of each scenario.

``dipsim list --profiles`` runs every library scenario on the same seed and prints a
markdown table of P(outcome) with the median date of each outcome; ``docs/scenarios.md``
is that table, with the command that made it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sim.engine.ensemble import run_ensemble
from sim.model.model import OUTCOMES
from sim.scenario.library import list_scenarios
from sim.scenario.load import load_scenario


def profiles(runs: int = 1000, seed: int = 20250902,
             progress: Callable[[int, int, str], None] | None = None) -> pd.DataFrame:
    """P(outcome) and median dates of every library scenario, one row per scenario.

    ``progress(done, total, name)`` is called after each scenario (the command line's bar).
    """
    rows = []
    paths = list_scenarios()
    for k, path in enumerate(paths):
        scn = load_scenario(path)
        p = run_ensemble(scn, runs, seed, trace_replicates=0, narrate=False).probabilities()
        row = {"scenario": scn.name, "title": scn.title}
        for o in OUTCOMES:
            row[o.label] = float(p.loc[o.label, "probability"])
            row[f"{o.label}_date"] = p.loc[o.label, "median_date"]
        rows.append(row)
        if progress:
            progress(k + 1, len(paths), scn.name)
    return pd.DataFrame(rows).set_index("scenario")


def profiles_markdown(table: pd.DataFrame) -> str:
    """The profiles as a markdown table (probability, and median date where there is one)."""
    labels = [o.label for o in OUTCOMES]
    lines = ["| scenario | " + " | ".join(labels) + " |",
             "| --- | " + " | ".join("---" for _ in labels) + " |"]
    for name, row in table.iterrows():
        cells = []
        for o in labels:
            when = row[f"{o}_date"]
            share = "<1%" if 0 < row[o] < 0.005 else f"{row[o]:.0%}"
            cells.append(share + (f" ({when})" if isinstance(when, str) else ""))
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
