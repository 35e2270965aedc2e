"""How a model is driven from outside: run it to its horizon, inject a pressure mid-run.

:class:`ModelControls` is a part of :class:`~sim.model.model.DiplomacyModel` (a mixin, as
:class:`~sim.model.views.ModelViews` is for reading it): what the engine, notebooks and the
classroom page call to move a model on. The day's step itself is
:meth:`DiplomacyModel.step <sim.model.model.DiplomacyModel.step>`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.model.pressures import PressureType
from sim.scenario.errors import InputError
from sim.scenario.load import pressure_from_fields
from sim.scenario.schema import Pressure, Scenario

if TYPE_CHECKING:
    from sim.model.model import DiplomacyModel
    from sim.model.recording import Recorder
    from sim.model.timeline import Timeline


class ModelControls:
    """Running a :class:`~sim.model.model.DiplomacyModel` and adding pressures to it."""

    spec: Scenario
    day: int
    horizon: int
    running: bool
    recorder: Recorder
    timeline: Timeline
    injected: list[Pressure]
    step: Callable[[], None]
    finished: bool
    date: dt.date

    def run(self, on_day: Callable[[int], None] | None = None) -> DiplomacyModel:
        """Step to the horizon, stopping early once every replicate is decided.

        Args:
            on_day: Called with the number of days stepped after each day.
        """
        while self.day < self.horizon and self.running:
            self.step()
            if on_day is not None:
                on_day(self.day)
        self.recorder.fill_remaining(self.day)
        return self  # (a part of the model: run() returns the model it ran)

    def fill_remaining(self) -> None:
        """After an early stop, record the frozen state for the days not stepped."""
        self.recorder.fill_remaining(self.day)

    def inject(self, kind: PressureType | str, sender: str = "us", target: str = "venezuela",
               intensity: float = 1.0, duration_days: int | None = None,
               deaths: float | None = None) -> Pressure:
        """Add a pressure that acts on the next day stepped, in every replicate.

        This is how the classroom page's buttons (strike a dock, seize a tanker, offer talks,
        grant a licence, pause deportation flights) act on a running model.

        Args:
            kind: A pressure type, e.g. ``tanker_seizure``.
            sender: Who applies it.
            target: Which government it acts on.
            intensity: Scales its effects.
            duration_days: For states, how long it holds (default: to the end).
            deaths: For events, deaths it causes (default from the catalogue).

        Returns:
            The validated pressure, as added.

        Raises:
            InputError: The pressure is not valid (unknown type or actor, run finished).
        """
        if self.finished:
            raise InputError.single("inject", "the run has reached its horizon")
        fields: dict[str, Any] = {"type": str(kind), "sender": sender, "target": target,
                                  "at": self.date.isoformat(), "intensity": intensity,
                                  "duration_days": duration_days, "deaths": deaths}
        pressure = pressure_from_fields(self.spec, fields, "inject")
        pid = f"{pressure.type.value}-injected-{len(self.injected) + 1}"
        self.timeline.add(pid, pressure)
        self.injected.append(pressure)
        return pressure
