"""The actors of a scenario: the two governments and the third parties around them.

A government has an ideal point and a salience on each issue, a capability, a concession
style, Richardson hostility coefficients and domestic constraints (``docs/model.md`` §4.2).
Fields a scenario leaves out take that government's documented defaults
(:data:`ACTOR_DEFAULTS`). A third party (a mediator, an oil buyer, a producer) takes the one
parameter of its role (§4.1).
"""

from __future__ import annotations

import copy
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from sim.scenario.fields import Fraction, NonNegative, Number, Positive, Section, Slug, Stance

#: Government actors every scenario has, in the model's fixed order (index 0, index 1).
GOVERNMENTS: tuple[str, str] = ("us", "venezuela")


class IssueValues(Section):
    """A value on each of the three issue axes (0 Caracas's ideal, 1 Washington's)."""

    drugs: Stance = Field(description="Drugs: 0 no counter-narcotics cooperation, 1 full "
                                      "cooperation (joint interdiction, extraditions)")
    oil: Stance = Field(description="Oil: 0 unconditional sanctions relief, 1 oil only on "
                                    "US terms")
    migration: Stance = Field(description="Migration: 0 no returns accepted, 1 full "
                                          "cooperation on deportation flights and departures")

    def as_tuple(self) -> tuple[float, float, float]:
        """The values in :data:`sim.model.issues.ISSUES` order."""
        return (float(self.drugs), float(self.oil), float(self.migration))


class Salience(IssueValues):
    """How much each issue matters to a government; the three saliences sum to 1."""

    drugs: Stance = Field(description="Weight of the drugs issue")
    oil: Stance = Field(description="Weight of the oil issue")
    migration: Stance = Field(description="Weight of the migration issue")

    @model_validator(mode="after")
    def _sums_to_one(self) -> Salience:
        total = self.drugs + self.oil + self.migration
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"saliences must sum to 1, these sum to {total:g} (drugs {self.drugs:g} + "
                f"oil {self.oil:g} + migration {self.migration:g})")
        return self


class ConcessionStyle(StrEnum):
    """Named concession styles of the time-based aspiration curve (as in NegMAS).

    A Boulware negotiator holds out and concedes late; a conceder gives ground early; a
    linear negotiator concedes at a constant rate.
    """

    BOULWARE = "boulware"
    LINEAR = "linear"
    CONCEDER = "conceder"


CONCESSION_EXPONENTS = {ConcessionStyle.BOULWARE: 4.0, ConcessionStyle.LINEAR: 1.0,
                        ConcessionStyle.CONCEDER: 0.25}


class Hostility(Section):
    """Richardson (1960) arms-race parameters of one government.

    ``dH/dt = reaction * H_other - restraint * H + grievance``.
    """

    reaction: NonNegative = Field(description="k: reaction to the other side's hostility")
    restraint: Annotated[Positive, Field(le=1.0)] = Field(
        description="a: restraint, the daily rate at which hostility fades")
    grievance: NonNegative = Field(description="g: baseline grievance added each day")
    initial: NonNegative = Field(description="hostility on the first day")


class Actor(Section):
    """A government: its stances on the issues and how it reacts to pressure.

    Fields a scenario leaves out take that government's defaults (:data:`ACTOR_DEFAULTS`).
    """

    name: str = Field(min_length=1, max_length=80, description="Display name")
    ideal: IssueValues = Field(description="Ideal point on each issue axis")
    salience: Salience = Field(description="Weight of each issue; the three sum to 1")
    capability: Positive = Field(description="Relative military and economic capability")
    cost_tolerance: Fraction = Field(
        description="Tolerance of the costs of conflict: 0 none, 1 indifferent to them")
    concession: ConcessionStyle | Positive = Field(
        description="Concession style (boulware, linear, conceder) or the exponent e of "
                    "the aspiration curve")
    hostility: Hostility = Field(description="Richardson hostility coefficients and the "
                                             "starting hostility")
    win_set: Fraction = Field(
        description="Width of the domestic win-set (Putnam): the deal utility below 1 "
                    "that can still be ratified at home")
    audience_cost: NonNegative = Field(
        description="Cost at home of backing down per unit of public commitment (Fearon)")
    adaptation_rate: Fraction = Field(description="Daily rate of adapting to sanctions")
    max_adaptation: Fraction = Field(description="Largest share of sanction pain adaptation "
                                                 "can remove")
    readiness_bias: Annotated[Number, Field(ge=-20, le=20)] = Field(
        description="Baseline disposition to talk (log-odds)")
    resolve_baseline: Fraction = Field(
        description="Baseline belief that the other side will fight if no deal is made")
    temperature: Annotated[NonNegative, Field(le=100)] = Field(
        description="Logit temperature of action choice; 0 always picks the best action")
    hardliners: Fraction = Field(
        description="Support of hardliners in its coalition at the start, 0 to 1 (the "
                    "two-level game, docs/model.md §3.14)")

    @property
    def concession_exponent(self) -> float:
        """The exponent e of the aspiration curve."""
        if isinstance(self.concession, ConcessionStyle):
            return CONCESSION_EXPONENTS[self.concession]
        return float(self.concession)


ACTOR_DEFAULTS: dict[str, dict[str, Any]] = {
    "us": {
        "name": "United States",
        "ideal": {"drugs": 1.0, "oil": 1.0, "migration": 1.0},
        "salience": {"drugs": 0.45, "oil": 0.25, "migration": 0.30},
        "capability": 1.0,
        "cost_tolerance": 0.4,
        "concession": "boulware",
        "hostility": {"reaction": 0.04, "restraint": 0.10, "grievance": 0.010, "initial": 0.10},
        "win_set": 0.6,
        "audience_cost": 1.0,
        "adaptation_rate": 0.02,
        "max_adaptation": 0.5,
        "readiness_bias": -0.9,
        "resolve_baseline": 0.1,
        "temperature": 0.5,
        "hardliners": 0.5,
    },
    "venezuela": {
        "name": "Venezuela",
        "ideal": {"drugs": 0.0, "oil": 0.0, "migration": 0.0},
        "salience": {"drugs": 0.20, "oil": 0.55, "migration": 0.25},
        "capability": 0.25,
        "cost_tolerance": 0.5,
        "concession": "linear",
        "hostility": {"reaction": 0.06, "restraint": 0.10, "grievance": 0.015, "initial": 0.15},
        "win_set": 0.7,
        "audience_cost": 1.0,
        "adaptation_rate": 0.01,
        "max_adaptation": 0.6,
        "readiness_bias": -2.2,
        "resolve_baseline": 0.2,
        "temperature": 0.5,
        "hardliners": 0.5,
    },
}


def _merge(base: Any, over: Any) -> Any:
    """Deep-merge ``over`` onto ``base`` (mappings merge, everything else replaces)."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def actor_with_defaults(government: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """A government's fields from a file, with its defaults filled in (a new, deep copy).

    Args:
        government: One of :data:`GOVERNMENTS`.
        data: The fields the file gives (None or empty for none).
    """
    return _merge(ACTOR_DEFAULTS[government], data or {})


class Actors(Section):
    """The two governments. Each takes its defaults for any field the file leaves out."""

    us: Actor = Field(description="The United States government")
    venezuela: Actor = Field(description="The Venezuelan government")

    @model_validator(mode="before")
    @classmethod
    def _with_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for gov in GOVERNMENTS:
            if gov not in out or isinstance(out[gov], dict):
                out[gov] = actor_with_defaults(gov, out.get(gov))
        return out

    def __getitem__(self, key: str) -> Actor:
        return getattr(self, key)


class ThirdPartyRole(StrEnum):
    """What a third party does in the model."""

    MEDIATOR = "mediator"
    OIL_BUYER = "oil_buyer"
    PRODUCER = "producer"


THIRD_PARTY_DEFAULTS: dict[ThirdPartyRole, tuple[str, float]] = {
    ThirdPartyRole.MEDIATOR: ("leverage", 0.3),
    ThirdPartyRole.OIL_BUYER: ("share", 0.3),
    ThirdPartyRole.PRODUCER: ("cooperation", 0.5),
}


class ThirdParty(Section):
    """An actor beyond the two governments (a mediator, an oil buyer, a producer).

    - A **mediator** (e.g. Norway, Qatar) sends ``mediation`` pressures; while mediation
      holds, it proposes the Nash split at the table, and its ``leverage`` (0 to 1) is the
      share of each side's remaining demand above its reservation value that the sides
      waive to accept the proposal.
    - An **oil buyer** (e.g. China) keeps buying Venezuelan oil: it removes a ``share`` of
      the pain of oil sanctions and secondary tariffs (not of a blockade or seizures).
    - A **producer** (Colombia, the main cocaine producer) whose ``cooperation`` at the
      source (0 to 1) lowers what Venezuelan cooperation on drugs is worth to the US: the
      US salience of drugs is scaled by ``1 - cooperation / 2`` (then renormalised).
    """

    id: Slug = Field(description="Short id used as sender/target, e.g. norway")
    name: str = Field(min_length=1, max_length=80, description="Display name")
    role: ThirdPartyRole = Field(description="What it does: mediator, oil_buyer or producer")
    leverage: Fraction | None = Field(None, description="Mediator: leverage (default 0.3)")
    share: Fraction | None = Field(None, description="Oil buyer: share of oil-sanction pain "
                                                     "removed (default 0.3)")
    cooperation: Fraction | None = Field(None, description="Producer: cooperation at the "
                                                           "source (default 0.5)")

    @model_validator(mode="after")
    def _fields_match_role(self) -> ThirdParty:
        own, _ = THIRD_PARTY_DEFAULTS[self.role]
        for name, _default in THIRD_PARTY_DEFAULTS.values():
            if name != own and getattr(self, name) is not None:
                raise ValueError(f"'{name}' is for a {_role_of(name)}, not a "
                                 f"{self.role.value}; a {self.role.value} takes '{own}'")
        return self

    @property
    def role_value(self) -> float:
        """Its role's one parameter: leverage, share or cooperation (default if not given)."""
        name, default = THIRD_PARTY_DEFAULTS[self.role]
        value = getattr(self, name)
        return float(default if value is None else value)


def _role_of(field_name: str) -> str:
    return next(r.value for r, (n, _) in THIRD_PARTY_DEFAULTS.items() if n == field_name)

