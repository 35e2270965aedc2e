"""One day of a model's step: what each phase computes for the phases after it."""

from __future__ import annotations

from dataclasses import dataclass

from numpy.typing import NDArray

from sim.model.timeline import Impulses


@dataclass
class Day:
    """What the phases of one day compute, for the phases after them and for observers.

    ``mediation``: the mediation each replicate's talks get today, after the mediator's
    acceptance (§3.16); ``demand``: the exit demand each government faces (§3.10),
    ``onset`` the part of it made today; ``removal``: the chance that force by each would
    remove the other's leader (§3.13); ``shown_threat``: the threat force already shown on
    each government's soil holds over its leader (§3.10); ``kept``: the share of oil-sales
    pain Venezuela still feels past the buyers (§3.16); ``closed``/``broken``: tracks whose
    deal closed or broke today (§3.11–§3.12); ``shortfall``: the grievance today's steps
    taken alone add where a deal is linked to them (§3.12; None on a day without);
    ``forced``, ``ruptured``, ``walked_out``, ``removed``, ``collapsing``: today's events;
    ``escalation_cause``: why a replicate escalated today (0 if it did not).

    Each phase fills its own fields (see :meth:`DiplomacyModel.step`); arrays have the
    replicate axis last. ``demand``, ``onset``, ``mediation`` and ``bar`` keep the width the
    timeline gives them: one column, broadcasting over the replicates, unless a
    per-replicate pressure set them that day (as :class:`~sim.model.timeline.Impulses`).
    """

    t: int
    active: NDArray
    uniforms: NDArray
    normals: NDArray
    narrating: bool
    choice_uniforms: NDArray
    impulses: Impulses | None = None
    mediation: NDArray | None = None
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
    demand: NDArray | None = None
    onset: NDArray | None = None
    removal: NDArray | None = None
    shown_threat: NDArray | None = None
    kept: NDArray | None = None
    engagement: NDArray | None = None
    closed: NDArray | None = None
    broken: NDArray | None = None
    shortfall: NDArray | None = None
    forced: NDArray | None = None
    ruptured: NDArray | None = None
    walked_out: NDArray | None = None
    removed: NDArray | None = None
    collapsing: NDArray | None = None
    escalation_cause: NDArray | None = None
