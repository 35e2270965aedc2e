"""Run a small scenario and keep what each day's phases computed, for scripted tests of v2.

The model's observers see the finished :class:`~sim.model.day.Day` of every step (what each
phase computed: the impulses, the exit demand and its onset, the actions, the tracks
closed); :func:`run_days` keeps those, and copies of any model arrays a test names, so a
test can compare them day by day with values worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.model.day import Day
from sim.model.model import DiplomacyModel
from sim.scenario.schema import Scenario

#: No hostility on day 0 and no grievance to make any: with no pressure a side's hostility
#: stays exactly 0, so the costs at home of a deal (c_H H, and hardliners, whose target is
#: their start at H = 0 and no pain) are 0 and deals' break hazards are their base rates.
CALM = ("actors.us.hostility.initial=0", "actors.us.hostility.grievance=0",
        "actors.venezuela.hostility.initial=0", "actors.venezuela.hostility.grievance=0")

#: Both readinesses at exactly 1/4 every day: the readiness target is logistic(bias) =
#: 1 / (1 + 3) when the bias is -ln 3, the bargaining range has no weight and, with CALM,
#: hostility, pain, commitment, signals and mediation are all 0. Against the bar of 0.5
#: the engagement of the two sides (docs/model.md §3.11) is then 0.25 / 0.5 = 1/2.
QUARTER_READY = ("actors.us.readiness_bias=-1.0986122886681098",
                 "actors.venezuela.readiness_bias=-1.0986122886681098",
                 "behaviour.readiness.surplus=0", "talks.threshold=0.5")


def run_days(scn: Scenario, n: int = 1, keep: Callable[[DiplomacyModel], Any] | None = None,
             **kwargs: Any) -> tuple[DiplomacyModel, list[Day], list[Any]]:
    """Run ``scn`` to its horizon; return the model, each day's Day, and what ``keep`` took.

    Args:
        scn: The scenario.
        n: Replicates.
        keep: Called with the model after each day (copy what it returns: the model's
            arrays change in place).
        **kwargs: Passed to :class:`DiplomacyModel`.
    """
    m = DiplomacyModel(scn, n_replicates=n, **kwargs)
    days: list[Day] = []
    kept: list[Any] = []

    def observe(model: DiplomacyModel, day: Day) -> None:
        days.append(day)
        if keep is not None:
            kept.append(keep(model))

    m.observers.append(observe)
    m.run()
    return m, days, kept
