"""Levers: named, flat parameters that change a scenario.

The classroom page's sliders and switches, notebook keywords
(``DiplomacyModel(boat_strike_tempo=2)``, ``sim.run(..., sanctions_intensity=1.5)``) and
Mesa's ``SolaraViz`` model parameters all use these names. A lever either sets one scenario
field (``us_salience_oil``), scales a group of pressures (``boat_strike_tempo`` multiplies the
``per_week`` of every boat-strike window) or switches something on (``mediation``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.model.issues import ISSUES
from sim.model.pressures import PressureType
from sim.scenario.actors import GOVERNMENTS
from sim.scenario.errors import InputError
from sim.scenario.load import scenario_from_document
from sim.scenario.overrides import apply_override, field_value
from sim.scenario.schema import Scenario
from sim.scenario.yamlfile import YamlDocument

SANCTIONS = (PressureType.OIL_SANCTIONS, PressureType.FINANCIAL_SANCTIONS,
             PressureType.SECONDARY_TARIFFS, PressureType.BLOCKADE)


@dataclass(frozen=True)
class Lever:
    """A named parameter.

    Attributes:
        name: Keyword name, e.g. ``boat_strike_tempo``.
        label: What a slider or switch says.
        path: For a field lever, the scenario field it sets.
        scales: For a scaling lever, the pressure types it scales ...
        field: ... and the pressure field it multiplies (``intensity`` or ``per_week``).
        minimum: Lowest value a slider offers.
        maximum: Highest value a slider offers.
        step: Slider step.
        switch: A yes/no lever.
    """

    name: str
    label: str
    path: str | None = None
    scales: tuple[PressureType, ...] = ()
    field: str = "intensity"
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 0.05
    switch: bool = False

    def current(self, scenario: Scenario) -> Any:
        """The value this lever has in a scenario (1 for scales, off for switches)."""
        if self.switch:
            return any(p.type is PressureType.MEDIATION for p in scenario.pressures)
        if self.path is None:
            return 1.0
        return float(field_value(scenario, self.path))


_GOV = {"us": "US", "venezuela": "Venezuela"}

LEVERS: dict[str, Lever] = {lever.name: lever for lever in [
    Lever("sanctions_intensity", "Sanctions intensity (x)", scales=SANCTIONS, maximum=3.0,
          step=0.1),
    Lever("boat_strike_tempo", "Boat-strike tempo (x)", scales=(PressureType.BOAT_STRIKE,),
          field="per_week", maximum=4.0, step=0.1),
    Lever("bounty", "Bounty and indictments (x)", scales=(PressureType.BOUNTY,), maximum=3.0,
          step=0.1),
    Lever("mediation", "Third-party mediation", switch=True),
    Lever("horizon_days", "Days simulated (the timeline is cut to fit)", path="horizon_days",
          minimum=1, maximum=3650, step=1),
    Lever("talks_threshold", "Readiness needed for talks", path="talks.threshold"),
    Lever("escalation_threshold", "Hostility that is escalation", path="escalation.threshold",
          minimum=0.2, maximum=3.0),
    *[Lever(f"{g}_cost_tolerance", f"{_GOV[g]} tolerance of conflict costs",
            path=f"actors.{g}.cost_tolerance") for g in GOVERNMENTS],
    *[Lever(f"{g}_temperature", f"{_GOV[g]} unpredictability (logit temperature)",
            path=f"actors.{g}.temperature", maximum=3.0) for g in GOVERNMENTS],
    *[Lever(f"{g}_salience_{i}", f"{_GOV[g]} salience of {i}",
            path=f"actors.{g}.salience.{i}") for g in GOVERNMENTS for i in ISSUES],
]}


def _scale(data: dict[str, Any], lever: Lever, factor: float) -> None:
    wanted = {t.value for t in lever.scales}
    kept = []
    for p in data.get("pressures", []):
        if not isinstance(p, dict) or str(p.get("type")) not in wanted:
            kept.append(p)
            continue
        if lever.field == "per_week" and p.get("per_week") is None:
            if factor > 0:  # single strikes on a date stay; they are the record
                kept.append(p)
            continue
        base = p.get(lever.field, 1.0 if lever.field == "intensity" else 0.0)
        p[lever.field] = float(base) * factor
        if factor > 0 or lever.field == "per_week":
            kept.append(p)
    data["pressures"] = kept


def _mediation(data: dict[str, Any], on: bool) -> None:
    pressures = [p for p in data.get("pressures", []) if not (
        isinstance(p, dict) and str(p.get("type")) == PressureType.MEDIATION.value)]
    if on:
        third = data.setdefault("third_parties", [])
        if not any(t.get("role") == "mediator" for t in third if isinstance(t, dict)):
            third.append({"id": "mediator", "name": "A third-party mediator",
                          "role": "mediator"})
        mediator = next(t["id"] for t in third if isinstance(t, dict)
                        and t.get("role") == "mediator")
        pressures.append({"id": "mediation", "type": "mediation", "sender": mediator,
                          "target": "venezuela", "since": data["start"],
                          "until": data["end"]})
    data["pressures"] = pressures


def _cut_timeline(data: dict[str, Any], days: int) -> None:
    """Shorten the run to ``days``: drop what starts after the new end, clip what ends after.

    Pressures are dropped when their date, window or trigger check begins after the new last
    day; windows and trigger checks running past it are clipped to it.
    """
    import datetime as dt  # noqa: PLC0415

    start = dt.date.fromisoformat(str(data["start"]))
    end = start + dt.timedelta(days=days - 1)
    kept = []
    for p in data.get("pressures", []):
        if not isinstance(p, dict):
            kept.append(p)
            continue
        first = p.get("at") or p.get("from") or (p.get("trigger") or {}).get("from")
        if first is not None and dt.date.fromisoformat(str(first)) > end:
            continue
        for holder in (p, p.get("trigger") or {}):
            if holder.get("until") is not None and dt.date.fromisoformat(
                    str(holder["until"])) > end:
                holder["until"] = end.isoformat()
        kept.append(p)
    data["pressures"] = kept
    data["horizon_days"] = days
    data["end"] = end.isoformat()


def apply_levers(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """A copy of a scenario with lever values applied (None leaves a lever alone).

    Raises:
        TypeError: A name is not a lever.
        InputError: A value makes the scenario invalid.
    """
    unknown = sorted(set(values) - set(LEVERS))
    if unknown:
        raise TypeError(f"unknown parameter(s) {', '.join(unknown)}; levers are "
                        f"{', '.join(LEVERS)}")
    values = {k: v for k, v in values.items() if v is not None}
    if not values:
        return scenario
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["end"] = scenario.end.isoformat()
    for name, value in values.items():
        lever = LEVERS[name]
        if name == "horizon_days":
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3650:
                _cut_timeline(data, value)
            else:  # validation below says what is wrong, as for the field itself
                data["horizon_days"] = value
        elif lever.switch:
            _mediation(data, bool(value))
        elif lever.scales:
            try:
                factor = float(value)
            except (TypeError, ValueError):
                raise InputError.single(name, f"expected a number; got {value!r}") from None
            if not 0 <= factor <= 100:
                raise InputError.single(name, f"expected a factor from 0 to 100; got {factor}")
            _scale(data, lever, factor)
        else:
            assert lever.path is not None
            apply_override(data, lever.path, copy.deepcopy(value))
    del data["end"]
    return scenario_from_document(YamlDocument("levers", data, None))
