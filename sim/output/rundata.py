"""The raw arrays of a run, collected from one or more models.

:class:`RunData` is what the engine collects from each model that has run (one chunk or
one share of a chunk) and joins; :class:`~sim.output.results.Results` turns it into tables,
charts and the results folder, and :class:`~sim.output.narrative.Story` into words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents import Action
from sim.model.issues import ISSUES, TRACKS
from sim.model.narration import Decision, TurningPoint
from sim.model.outcomes import EscalationCause, Outcome
from sim.model.timeline import Firing
from sim.scenario.schema import GOVERNMENTS

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel

#: Labels of the ``escalation_cause`` codes (:class:`~sim.model.outcomes.EscalationCause`).
ESCALATION_CAUSES: tuple[str, ...] = tuple(c.label for c in EscalationCause)

#: Run-table columns renamed when the names were made to say what they hold (end-of-run
#: values ``final_...``, counts ``n_...``): old name -> new name. Readers that meet an old
#: name (a sweep file's ``outputs``) can point to the new one.
RENAMED_RUN_COLUMNS: dict[str, str] = {
    "day": "outcome_day", "date": "outcome_date", "breakdowns": "n_breakdowns",
    "incidents": "n_incidents", "casualties": "final_casualties",
    "goldstein_total": "total_goldstein", "events": "n_events", "cc_index": "final_cc_index",
    **{f"{v}_{g}": f"final_{v}_{g}" for v in ("hostility", "readiness", "pain")
       for g in GOVERNMENTS},
    **{f"{a.name.lower()}_{g}": f"n_{a.name.lower()}_{g}" for a in Action
       if a is not Action.HOLD for g in GOVERNMENTS},
}


@dataclass
class RunData:
    """The raw arrays of a run, as collected from one or more models.

    Attributes:
        runs: Per-replicate columns.
        trace: Every variable per day for the traced replicates, ``(days, variables, n)``.
        band_trace: Band variables per day for the band replicates.
        firings: Pressures that acted in replicate 0 (when narrated).
        turning_points: Turning points of replicate 0 (when narrated).
        decisions: Each government's daily choice in replicate 0 (when narrated).
        runs_file: Where the whole run table was written, chunk by chunk, when the run was
            streamed to disk (``runs`` then holds only its key columns; see
            :mod:`sim.output.runtable`); None when ``runs`` holds every column.
        head: A streamed run's first rows with every column (the story of replicate 0
            reads them); None otherwise.
    """

    runs: dict[str, np.ndarray]
    trace: np.ndarray
    band_trace: np.ndarray
    firings: list[Firing] = field(default_factory=list)
    turning_points: list[TurningPoint] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    runs_file: Path | None = None
    head: dict[str, np.ndarray] | None = None

    @classmethod
    def from_model(cls, m: DiplomacyModel) -> RunData:
        """Collect the per-replicate results of a model that has run."""
        outcome = m.outcome.astype(np.int64)
        runs: dict[str, np.ndarray] = {
            "replicate": m.first_replicate + np.arange(m.n),
            "outcome": outcome,
            "outcome_day": np.where(outcome == Outcome.STALEMATE, -1, m.outcome_day),
            "talks_day": m.talks_day.copy(),
            "deal_day": m.deal_day.copy(),
            "escalation_day": m.escalation_day.copy(),
            "n_breakdowns": m.breakdowns.copy(),
            "n_incidents": m.incidents.copy(),
            "escalation_cause": m.escalation_cause.astype(np.int64),
            "mediated": m.mediated.copy(),
        }
        for j, track in enumerate(TRACKS):
            runs[f"{track.value}_deal_day"] = m.deals.day[j].copy()
        for k, issue in enumerate(ISSUES):
            runs[f"deal_{issue}"] = m.deal[k].copy()
        for k, issue in enumerate(ISSUES):
            runs[f"nash_{issue}"] = m.nash_terms[k].copy()
        runs.update({
            "final_casualties": m.casualties.copy(),
            "total_goldstein": m.goldstein_total.copy(),
            "n_events": m.event_total.copy(),
            "final_cc_index": m.end_values("cc_index"),
        })
        for name in ("hostility", "readiness", "pain"):
            end = m.end_values(name)
            for i, gov in enumerate(GOVERNMENTS):
                runs[f"final_{name}_{gov}"] = end[i].copy()
        counts = m.action_counts  # counted from the whole log: once, not per column
        for i, gov in enumerate(GOVERNMENTS):
            for a in Action:
                if a is not Action.HOLD:
                    runs[f"n_{a.name.lower()}_{gov}"] = counts[i, a].astype(np.int64)
        return cls(runs, m.trace, m.band_trace, list(m.firings), list(m.turning_points),
                   list(m.decisions))

    @classmethod
    def concat(cls, parts: list[RunData]) -> RunData:
        """Join the data of consecutive chunks of replicates."""
        if len(parts) == 1:
            return parts[0]
        runs = {k: np.concatenate([p.runs[k] for p in parts]) for k in parts[0].runs}
        return cls(runs, _joined([p.trace for p in parts]),
                   _joined([p.band_trace for p in parts]), parts[0].firings,
                   parts[0].turning_points, parts[0].decisions)


def _joined(traces: list[np.ndarray]) -> np.ndarray:
    """Traces of consecutive chunks joined along the replicate axis (the last).

    Usually only the first chunk keeps any (the first replicates are traced): its trace is
    then the whole, taken as it is rather than copied (tens of MB).
    """
    kept = [t for t in traces if t.shape[2]]
    if not kept:
        return traces[0]
    return kept[0] if len(kept) == 1 else np.concatenate(kept, axis=2)
