"""Mesa's data collection of a model: what its ``DataCollector`` records each day.

With one replicate (the interactive model, ``mesa.batch_run``) the reporters are that
replicate's values; with many they are shares and means across replicates. The model
collects only when asked (``collect=True``), or by default when it has one replicate, so
large batches are not slowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.model.outcomes import OUTCOMES, Outcome

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel

Reporter = Callable[["DiplomacyModel"], Any]


def model_reporters(n_replicates: int) -> dict[str, Reporter]:
    """Mesa model reporters: one replicate's values, or shares and means over many."""
    if n_replicates == 1:
        def one(name: str, i: int | None = None) -> Reporter:
            if i is None:
                return lambda m: float(getattr(m, name)[0])
            return lambda m: float(getattr(m, name)[i, 0])

        return {"Hostility (US)": one("hostility", 0),
                "Hostility (Venezuela)": one("hostility", 1),
                "Readiness (US)": one("readiness", 0),
                "Readiness (Venezuela)": one("readiness", 1),
                "Conflict-cooperation index": one("cc_index"),
                "At the table": lambda m: bool(m.in_talks[0]),
                "Deaths": one("casualties"),
                "Outcome": lambda m: Outcome(int(m.outcome[0])).label}
    reporters: dict[str, Reporter] = {
        "Hostility (US), mean": lambda m: float(m.hostility[0].mean()),
        "Hostility (Venezuela), mean": lambda m: float(m.hostility[1].mean()),
        "Readiness (US), mean": lambda m: float(m.readiness[0].mean()),
        "Readiness (Venezuela), mean": lambda m: float(m.readiness[1].mean()),
        "Conflict-cooperation index, mean": lambda m: float(m.cc_index.mean()),
        "At the table, share": lambda m: float(m.in_talks.mean()),
    }
    for o in OUTCOMES:
        reporters[f"P({o.label})"] = (lambda m, o=o: float((m.outcome == o).mean()))
    return reporters
