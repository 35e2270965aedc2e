"""One day of a model's step: what each phase computes for the phases after it."""

from __future__ import annotations

from dataclasses import dataclass

from numpy.typing import NDArray

from sim.model.timeline import Impulses


@dataclass
class Day:
    """What the phases of one day compute, for the phases after them and for observers.

    Each phase fills its own fields (see :meth:`DiplomacyModel.step`); arrays have the
    replicate axis last.
    """

    t: int
    active: NDArray
    uniforms: NDArray
    normals: NDArray
    narrating: bool
    choice_uniforms: NDArray
    impulses: Impulses | None = None
    incident: NDArray | None = None
    jump: NDArray | None = None
    hottest: NDArray | None = None
    escalating: NDArray | None = None
    strike: NDArray | None = None
    live: NDArray | None = None
    most_us: NDArray | None = None
    most_ve: NDArray | None = None
    bar: NDArray | None = None
    opening: NDArray | None = None
    breaking: NDArray | None = None
    room: NDArray | None = None
    us_offer_to_ve: NDArray | None = None
    ve_offer_to_us: NDArray | None = None
    agreeing: NDArray | None = None
    mediated: NDArray | None = None
    acting: NDArray | None = None
    war_gain: NDArray | None = None
    utilities: NDArray | None = None
    actions: NDArray | None = None
    effects: NDArray | None = None
