"""Scenario files: what they may contain, how they are read, checked and overridden.

A scenario is a YAML file with metadata (name, title, description, start date, horizon,
default runs and seed), the two governments and their parameters, optional third parties,
and a timeline of pressures. Every field is validated by pydantic with unknown keys
forbidden, so a misspelled ``oill:`` is an error that names the file, the line, the field
and what was expected. Actor parameters that a file leaves out take the documented defaults
of that government (:data:`ACTOR_DEFAULTS`); see ``docs/model.md`` for every parameter's
meaning, range and source.

Example:
    >>> from sim.scenario.schema import load_scenario
    >>> scn = load_scenario("scenarios/caribbean-2025.yaml", ["actors.us.salience.oil=0.5"])
    >>> scn.actors.us.salience.oil
    0.5
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import math
import re
import types
import typing
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.scenario.errors import InputError, Problem
from sim.model.issues import ISSUES, Issue
from sim.model.pressures import CATALOGUE, PressureKind, PressureType
from sim.scenario.yamlfile import YamlDocument, parse_yaml, read_yaml

# Bounded numeric types, defined once. Strict: "0.5" (text) and true/false are not numbers.
Number = Annotated[StrictFloat | StrictInt, Field(allow_inf_nan=False)]
Stance = Annotated[StrictFloat | StrictInt, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Fraction = Stance
NonNegative = Annotated[StrictFloat | StrictInt, Field(ge=0.0, le=1e6, allow_inf_nan=False)]
Positive = Annotated[StrictFloat | StrictInt, Field(gt=0.0, le=1e6, allow_inf_nan=False)]
Days = Annotated[StrictInt, Field(ge=1, le=3650)]

#: Government actors every scenario has, in the model's fixed order (index 0, index 1).
GOVERNMENTS: tuple[str, str] = ("us", "venezuela")

MAX_RUNS = 10_000_000
MAX_SEED = 2**63 - 1


#: Characters no text in a scenario may hold: control characters other than newline and tab
#: (an escape sequence would drive the terminal a title is printed on) and the bidi
#: overrides that make text display differently from what it says.
_FORBIDDEN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def check_text(value: Any) -> Any:
    """Reject text holding control characters (see :data:`_FORBIDDEN_TEXT`)."""
    if isinstance(value, str):
        bad = _FORBIDDEN_TEXT.search(value)
        if bad:
            raise ValueError(f"contains the control character U+{ord(bad.group()):04X} at "
                             f"position {bad.start()}; write plain text")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, v: Any) -> Any:
        return check_text(v)


class IssueValues(_Section):
    """A value on each of the three issue axes (0 Caracas's ideal, 1 Washington's)."""

    drugs: Stance
    oil: Stance
    migration: Stance

    def as_tuple(self) -> tuple[float, float, float]:
        """The values in :data:`sim.model.issues.ISSUES` order."""
        return (float(self.drugs), float(self.oil), float(self.migration))


class Salience(IssueValues):
    """How much each issue matters to a government; the three saliences sum to 1."""

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


class Hostility(_Section):
    """Richardson (1960) arms-race parameters of one government.

    ``dH/dt = reaction * H_other - restraint * H + grievance``.
    """

    reaction: NonNegative = Field(description="k: reaction to the other side's hostility")
    restraint: Annotated[Positive, Field(le=1.0)] = Field(
        description="a: restraint, the daily rate at which hostility fades")
    grievance: NonNegative = Field(description="g: baseline grievance added each day")
    initial: NonNegative = Field(description="hostility on the first day")


class Actor(_Section):
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
    hostility: Hostility
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


class Actors(_Section):
    """The two governments. Each takes its defaults for any field the file leaves out."""

    us: Actor
    venezuela: Actor

    @model_validator(mode="before")
    @classmethod
    def _with_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for gov in GOVERNMENTS:
            if gov not in out or isinstance(out[gov], dict):
                out[gov] = _merge(ACTOR_DEFAULTS[gov], out.get(gov) or {})
        return out

    def __getitem__(self, key: str) -> Actor:
        return getattr(self, key)


class ThirdPartyRole(StrEnum):
    """What a third party does in the model."""

    MEDIATOR = "mediator"
    OIL_BUYER = "oil_buyer"
    PRODUCER = "producer"


Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


THIRD_PARTY_DEFAULTS: dict[ThirdPartyRole, tuple[str, float]] = {
    ThirdPartyRole.MEDIATOR: ("leverage", 0.3),
    ThirdPartyRole.OIL_BUYER: ("share", 0.3),
    ThirdPartyRole.PRODUCER: ("cooperation", 0.5),
}


class ThirdParty(_Section):
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
    name: str = Field(min_length=1, max_length=80)
    role: ThirdPartyRole
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
    def strength(self) -> float:
        """The role's parameter: leverage, share or cooperation (default if not given)."""
        name, default = THIRD_PARTY_DEFAULTS[self.role]
        value = getattr(self, name)
        return float(default if value is None else value)


def _role_of(field_name: str) -> str:
    return next(r.value for r, (n, _) in THIRD_PARTY_DEFAULTS.items() if n == field_name)


#: Model variables a trigger condition may test: per government, and for the whole run.
ACTOR_VARIABLES = ("hostility", "readiness", "pain", "adaptation", "resolve", "commitment")
RUN_VARIABLES = ("cc_index", "casualties", "in_talks")
_CONDITION = re.compile(r"^\s*([a-z_]+)(?:\.([a-z_]+))?\s*(<=|>=|<|>)\s*"
                        r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


class Condition(BaseModel):
    """A parsed trigger condition such as ``venezuela.readiness < 0.4``."""

    model_config = ConfigDict(frozen=True)
    actor: str | None
    variable: str
    op: Literal["<", "<=", ">", ">="]
    value: float

    @property
    def name(self) -> str:
        """The variable as written, e.g. ``venezuela.readiness``."""
        return f"{self.actor}.{self.variable}" if self.actor else self.variable


def parse_condition(text: str) -> Condition:
    """Parse ``actor.variable OP number`` or ``variable OP number``.

    Raises:
        ValueError: With a message listing what is allowed.
    """
    m = _CONDITION.match(text)
    allowed = (f"'<government>.<variable> <op> <number>' with government one of "
               f"{', '.join(GOVERNMENTS)} and variable one of {', '.join(ACTOR_VARIABLES)}; "
               f"or '<variable> <op> <number>' with variable one of "
               f"{', '.join(RUN_VARIABLES)}; op one of <, <=, >, >=")
    if not m:
        raise ValueError(f"cannot read the condition {text!r}; expected {allowed}")
    first, second, op, value = m.groups()
    if second is None:
        if first not in RUN_VARIABLES:
            raise ValueError(f"unknown variable {first!r} in condition; expected {allowed}")
        return Condition(actor=None, variable=first, op=op, value=float(value))
    if first not in GOVERNMENTS:
        raise ValueError(f"unknown government {first!r} in condition; expected {allowed}")
    if second not in ACTOR_VARIABLES:
        raise ValueError(f"unknown variable {second!r} in condition; expected {allowed}")
    return Condition(actor=first, variable=second, op=op, value=float(value))


class Trigger(_Section):
    """Start a pressure when a condition on the model state holds.

    The condition is checked each day from ``from`` to ``until`` (default: the whole run);
    the pressure starts, once, on the day the condition has held for ``for_days``
    consecutive days. This expresses coercive-diplomacy policies: an ultimatum (checked on
    the deadline only), turning the screw, carrot and stick.
    """

    when: str = Field(description="Condition, e.g. 'venezuela.readiness < 0.4'")
    start: dt.date | None = Field(None, alias="from", description="First day checked")
    until: dt.date | None = Field(None, description="Last day checked")
    for_days: Annotated[StrictInt, Field(ge=1, le=3650)] = Field(
        1, description="Days in a row the condition must hold")

    @field_validator("when")
    @classmethod
    def _condition_parses(cls, v: str) -> str:
        parse_condition(v)
        return v

    @property
    def condition(self) -> Condition:
        """The parsed condition."""
        return parse_condition(self.when)


class Pressure(_Section):
    """One pressure on the timeline: what, who on whom, and when.

    Timing is exactly one of: ``at`` (a date), ``from``/``until`` (a window; events in a
    window need ``per_week``), or ``trigger`` (a condition). A state started by ``at`` or
    by a trigger holds for ``duration_days`` (default: to the end of the run).
    """

    id: Slug | None = Field(None, description="Name used by --set and sweeps, e.g. "
                                              "boat_strikes; defaults to the type")
    type: PressureType
    sender: str
    target: str
    at: dt.date | None = None
    start: dt.date | None = Field(None, alias="from")
    since: dt.date | None = Field(
        None, description="For a state already in force before the run: the date it began "
                          "(with 'until'); pain and adaptation start as if it had held since")
    until: dt.date | None = None
    per_week: Annotated[NonNegative, Field(le=100)] | None = Field(
        None, description="Mean events per week in a window (Poisson)")
    trigger: Trigger | None = None
    duration_days: Days | None = None
    intensity: Annotated[NonNegative, Field(le=10)] = Field(
        1.0, description="Scales every effect of the pressure")
    deaths: Annotated[NonNegative, Field(le=1e4)] | None = Field(
        None, description="Deaths per event (default from the catalogue)")
    note: str | None = Field(None, max_length=2000, description="Free text, e.g. a source")

    @model_validator(mode="after")
    def _one_timing(self) -> Pressure:
        kind = CATALOGUE[self.type].kind
        timings = [name for name, given in (("at", self.at is not None),
                                            ("from/until", self.start or self.until),
                                            ("since", self.since is not None),
                                            ("trigger", self.trigger is not None)) if given]
        if self.since is not None and self.start is None and "from/until" in timings:
            timings.remove("from/until")
        if len(timings) != 1:
            got = " and ".join(timings) if timings else "none"
            raise ValueError(f"give exactly one timing: 'at' (a date), 'from' and 'until' "
                             f"(a window), 'since' and 'until' (a state already in force) "
                             f"or 'trigger' (a condition); got {got}")
        if self.since is not None:
            if kind is not PressureKind.STATE:
                raise ValueError("'since' is for states already in force (sanctions, "
                                 "deployments), not for events")
            if self.until is None:
                raise ValueError("a state given 'since' needs 'until' (its last day)")
        elif (self.start is None) != (self.until is None):
            raise ValueError("a window needs both 'from' and 'until'")
        if self.start and self.until and self.until < self.start:
            raise ValueError(f"'until' ({self.until}) is before 'from' ({self.start})")
        if kind is PressureKind.STATE and self.per_week is not None:
            raise ValueError(f"{self.type.value} is a state that holds over a window; "
                             "'per_week' is only for events")
        if kind is PressureKind.EVENT and self.start is not None and self.per_week is None:
            raise ValueError(f"{self.type.value} is an event; in a window give 'per_week' "
                             "(mean events per week)")
        if kind is PressureKind.EVENT and self.at is not None and self.per_week is not None:
            raise ValueError("'per_week' needs a window ('from' and 'until'), not 'at'")
        if self.duration_days is not None and (
                self.start is not None or (kind is PressureKind.EVENT and self.per_week is None)):
            raise ValueError("'duration_days' is for states started by 'at' or a trigger, "
                             "and for triggered events with 'per_week'")
        if self.deaths is not None and CATALOGUE[self.type].kind is PressureKind.STATE:
            raise ValueError("'deaths' is only for events")
        return self

    @property
    def kind(self) -> PressureKind:
        """Event or state, from the catalogue."""
        return CATALOGUE[self.type].kind


class Talks(_Section):
    """When talks open, how long concessions take, and what is on the table."""

    threshold: Fraction = Field(0.5, description="Readiness both sides need to sit down")
    deadline_days: Days = Field(90, description="T: days for aspirations to fall to the "
                                                "reservation value")
    breakdown_hostility: Positive = Field(0.8, description="Hostility that breaks off talks")
    mediation_bonus: Fraction = Field(0.15, description="Threshold lowered per unit of "
                                                        "mediation")
    agenda: list[Issue] = Field(default_factory=lambda: list(ISSUES),
                                description="Issues on the table")

    @field_validator("agenda")
    @classmethod
    def _agenda(cls, v: list[Issue]) -> list[Issue]:
        if not v:
            raise ValueError("the agenda needs at least one issue")
        if len(set(v)) != len(v):
            raise ValueError("an issue is listed twice on the agenda")
        return [i for i in ISSUES if i in v]


class Escalation(_Section):
    """What counts as escalation and what war is worth (Fearon 1995; KTAB vProb)."""

    threshold: Positive = Field(1.0, description="Hostility of either side that counts as "
                                                 "escalation")
    decisiveness: Annotated[Positive, Field(le=64)] = Field(
        2.0, description="n in p = c1^n / (c1^n + c2^n)")
    conflict_cost: Fraction = Field(0.8, description="Cost of war to a side with zero cost "
                                                     "tolerance")


class ReadinessWeights(_Section):
    """Weights of the readiness-to-talk score (log-odds per unit)."""

    pain: NonNegative = 7.0
    surplus: NonNegative = 2.0
    hostility: NonNegative = 1.0
    commitment: NonNegative = 0.3
    signal: NonNegative = 0.5
    mediation: NonNegative = 1.0


class ActionWeights(_Section):
    """Utilities of the daily actions, relative to holding (utility 0)."""

    escalate_bias: Annotated[Number, Field(ge=-50, le=50)] = -4.0
    escalate_hostility: NonNegative = 3.0
    escalate_war: NonNegative = 4.0
    de_escalate_bias: Annotated[Number, Field(ge=-50, le=50)] = -4.5
    de_escalate_pain: NonNegative = 2.0
    de_escalate_readiness: NonNegative = 2.0
    de_escalate_hostility: NonNegative = 2.0
    signal_bias: Annotated[Number, Field(ge=-50, le=50)] = -6.0
    signal_readiness: NonNegative = 9.0
    concede_bias: Annotated[Number, Field(ge=-50, le=50)] = -5.5
    concede_readiness: NonNegative = 3.0
    retaliate_bias: Annotated[Number, Field(ge=-50, le=50)] = -4.5
    retaliate_shock: NonNegative = 20.0


class Behaviour(_Section):
    """Rates, noise and decision weights shared by both governments."""

    hostility_noise: Annotated[NonNegative, Field(le=1)] = Field(
        0.02, description="Standard deviation of the daily hostility shock")
    incident_rate: Annotated[NonNegative, Field(le=1)] = Field(
        0.001, description="Daily hazard of an incident with no forces in proximity")
    incident_presence: Annotated[NonNegative, Field(le=1)] = Field(
        0.01, description="Added daily hazard per unit of military presence")
    incident_size: Annotated[NonNegative, Field(le=10)] = Field(
        0.2, description="Mean hostility jump of an incident, to both sides (exponential)")
    pain_response: Fraction = Field(0.05, description="Daily rate pain moves to exposure")
    readiness_response: Fraction = Field(0.1, description="Daily rate readiness moves to "
                                                          "its target")
    resolve_decay: Fraction = Field(0.02, description="Daily decay of resolve estimates")
    commitment_decay: Fraction = Field(0.01, description="Daily decay of public commitment")
    signal_decay: Fraction = Field(0.05, description="Daily decay of openness signals")
    index_halflife_days: Annotated[Positive, Field(le=365)] = Field(
        14.0, description="Half-life of the conflict-cooperation index")
    readiness: ReadinessWeights = Field(default_factory=ReadinessWeights)
    actions: ActionWeights = Field(default_factory=ActionWeights)


class Scenario(_Section):
    """A whole scenario file."""

    name: Slug = Field(description="Short name, used for the results folder")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    start: dt.date = Field(description="First day of the run")
    horizon_days: Days = Field(description="Days simulated")
    runs: Annotated[StrictInt, Field(ge=1, le=MAX_RUNS)] = Field(
        1000, description="Default number of Monte Carlo replicates")
    seed: Annotated[StrictInt, Field(ge=0, le=MAX_SEED)] = Field(
        20250902, description="Default root seed")
    status_quo: IssueValues = Field(description="Where each issue stands with no deal")
    actors: Actors = Field(default_factory=lambda: Actors.model_validate({}))
    third_parties: list[ThirdParty] = Field(default_factory=list)
    pressures: list[Pressure] = Field(default_factory=list)
    talks: Talks = Field(default_factory=Talks)
    escalation: Escalation = Field(default_factory=Escalation)
    behaviour: Behaviour = Field(default_factory=Behaviour)

    @property
    def end(self) -> dt.date:
        """The last simulated day."""
        return self.start + dt.timedelta(days=self.horizon_days - 1)

    def day_of(self, date: dt.date) -> int:
        """Day index (0 = start) of a date."""
        return (date - self.start).days

    def date_of(self, day: int) -> dt.date:
        """Calendar date of a day index."""
        return self.start + dt.timedelta(days=int(day))

    @property
    def actor_ids(self) -> tuple[str, ...]:
        """Every actor a pressure may name: the governments, then third parties."""
        return GOVERNMENTS + tuple(t.id for t in self.third_parties)

    def pressure_ids(self) -> list[str]:
        """The id of each pressure: its ``id``, else its type, numbered if repeated."""
        counts: dict[str, int] = {}
        for p in self.pressures:
            counts[p.type.value] = counts.get(p.type.value, 0) + 1
        seen: dict[str, int] = {}
        ids = []
        for p in self.pressures:
            if p.id:
                ids.append(p.id)
                continue
            base = p.type.value
            seen[base] = seen.get(base, 0) + 1
            ids.append(base if counts[base] == 1 else f"{base}-{seen[base]}")
        return ids


# --------------------------------------------------------------------------- checking


def semantic_problems(scn: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-field checks pydantic cannot express field by field, as (location, message)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if (dt.date.max - scn.start).days < scn.horizon_days - 1:
        # Every later check (and the model) needs the last day to be a real date.
        return [(("horizon_days",), f"the run would end after {dt.date.max}; start "
                 f"{scn.start} allows at most {(dt.date.max - scn.start).days + 1} days")]
    actors = scn.actor_ids
    for k, issue in enumerate(ISSUES):
        us, ve = scn.actors.us.ideal.as_tuple()[k], scn.actors.venezuela.ideal.as_tuple()[k]
        if not ve < us:
            problems.append((
                ("actors", "venezuela", "ideal", issue.value),
                f"Venezuela's ideal ({ve:g}) must be below the US ideal ({us:g}): on every "
                "axis 0 is Caracas's side and 1 Washington's"))
    ids = [t.id for t in scn.third_parties]
    for i, tid in enumerate(ids):
        if tid in GOVERNMENTS or ids.index(tid) != i:
            problems.append((("third_parties", i, "id"),
                                    f"id {tid!r} is already used; ids must be unique"))
    seen_ids: dict[str, int] = {}
    for i, p in enumerate(scn.pressures):
        where = ("pressures", i)
        for role in ("sender", "target"):
            who = getattr(p, role)
            if who not in actors:
                near = difflib.get_close_matches(who, actors, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                problems.append(((*where, role), f"unknown actor {who!r}{hint}; "
                                        f"expected one of: {', '.join(actors)}"))
        if p.sender == p.target:
            problems.append(((*where, "target"), "sender and target are the same actor"))
        if p.target in actors and p.target not in GOVERNMENTS:
            problems.append(((*where, "target"), f"the target must be a government "
                             f"({' or '.join(GOVERNMENTS)}); third parties can only send"))
        if p.since is not None and p.since > scn.start:
            problems.append(((*where, "since"), f"{p.since} is after the start of the run "
                             f"({scn.start}); use 'from' for a state that begins during it"))
        for field, date in (("at", p.at), ("from", p.start), ("until", p.until)):
            if date is not None and not scn.start <= date <= scn.end:
                problems.append((
                    (*where, field), f"{date} is outside the run ({scn.start} to "
                    f"{scn.end}, horizon_days {scn.horizon_days})"))
        if p.trigger is not None:
            for field, date in (("from", p.trigger.start), ("until", p.trigger.until)):
                if date is not None and not scn.start <= date <= scn.end:
                    problems.append((
                        (*where, "trigger", field), f"{date} is outside the run "
                        f"({scn.start} to {scn.end})"))
            if p.trigger.start and p.trigger.until and p.trigger.until < p.trigger.start:
                problems.append(((*where, "trigger", "until"),
                                        "'until' is before 'from'"))
        if p.id is not None:
            if p.id in seen_ids:
                problems.append(((*where, "id"), f"id {p.id!r} is already used by "
                                        f"pressures[{seen_ids[p.id]}]"))
            seen_ids[p.id] = i
    return problems


_EXPECT = {
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "date_type": "expected a date like 2025-09-02",
    "date_parsing": "expected a date like 2025-09-02",
    "date_from_datetime_parsing": "expected a date like 2025-09-02",
    "date_from_datetime_inexact": "expected a date without a time of day",
    "string_type": "expected text",
    "missing": "required field is missing",
    "finite_number": "expected a finite number (not .nan or .inf)",
    "model_type": "expected a mapping (indented 'key: value' lines)",
    "model_attributes_type": "expected a mapping (indented 'key: value' lines)",
    "dict_type": "expected a mapping (indented 'key: value' lines)",
    "list_type": "expected a list (lines starting with '- ')",
}


def _message(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    given = err.get("input")
    if isinstance(given, float) and not math.isfinite(given):
        return f"expected a finite number, not {given!r} (.nan and .inf are not allowed)"
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        op = {"less_than_equal": "at most", "greater_than_equal": "at least",
              "less_than": "below", "greater_than": "above"}[kind]
        limit = next(iter(ctx.values()))
        msg = f"expected a number {op} {limit:g}" if isinstance(limit, int | float) else err["msg"]
    elif kind == "enum":
        msg = f"expected one of: {ctx.get('expected', '').replace(chr(39), '')}"
    elif kind == "string_pattern_mismatch":
        msg = ("expected a short lowercase name (letters, digits, '-' or '_', "
               "starting with a letter, at most 40 characters)")
    elif kind in ("string_too_long", "too_long"):
        msg = f"too long: {err['msg'].lower()}"
    elif kind == "too_short" and "min_length" in ctx:
        n = ctx["min_length"]
        msg = f"expected at least {n} item{'s' * (n != 1)}; got {ctx.get('actual_length', 0)}"
    elif kind == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
    else:
        msg = _EXPECT.get(kind, err["msg"])
    if kind not in ("missing", "value_error", "extra_forbidden") and not isinstance(
            err.get("input"), dict | list):
        value = err.get("input")
        given = str(value) if isinstance(value, dt.date) else repr(value)
        msg += f"; got {given if len(given) <= 60 else given[:57] + '...'}"
    return msg


def _kind_of(value: Any) -> str:
    """What a YAML value is, in the words of a file's author."""
    if value is None:
        return "nothing (an empty value or ~)"
    if isinstance(value, bool):
        return f"a yes/no value ({value})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return "a line of text"
    if isinstance(value, list):
        return "a list (lines starting with '- ')"
    return type(value).__name__


def _unwrap(tp: Any) -> list[Any]:
    """The model classes an annotation can hold (through Annotated, Optional, list)."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType, list):
        return [m for a in typing.get_args(tp) for m in _unwrap(a)]
    return [tp] if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed in the mapping at ``loc`` of ``model``."""
    current: list[type[BaseModel]] = [model]
    for key in loc:
        if isinstance(key, int):
            continue
        nxt: list[type[BaseModel]] = []
        for m in current:
            for name, info in m.model_fields.items():
                if key in (name, info.alias):
                    nxt.extend(_unwrap(info.annotation))
        current = nxt
    return [info.alias or name for m in current for name, info in m.model_fields.items()]


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _is_branch_label(key: Any) -> bool:
    """Whether a location element is pydantic's name for a branch of a union type."""
    return isinstance(key, str) and (
        key in ("float", "int", "str", "bool", "constrained-float", "constrained-int",
                "function-after")
        or key.startswith(("function-", "constrained-", "lax-", "strict-"))
        or "[" in key)


def _field_loc(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """A pydantic error location as a path through the file's data.

    Pydantic puts the names of union branches ('float', 'function-after[...]') between field
    names. An element is kept if the data has it at that point (a user's key may look like
    a branch label: ``foo[1]:``), dropped if it is a branch label, and otherwise kept (a
    missing field).
    """
    out: list[Any] = []
    node: Any = data
    for key in loc:
        in_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if in_list or (isinstance(node, dict) and key in node):
            node = node[key]
        elif _is_branch_label(key):
            continue
        else:
            node = None
        out.append(key)
    return tuple(out)


def _problems(exc: ValidationError, model: type[BaseModel], data: Any = None
              ) -> list[tuple[tuple, str]]:
    out = []
    for err in exc.errors(include_url=False):
        loc = _field_loc(tuple(err["loc"]), data)
        if not loc:
            out.append(((), _message(err)))
            continue
        if err["type"] == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1])
            near = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            msg = f"unknown field{hint}; expected one of: {', '.join(allowed)}"
        else:
            msg = _message(err)
        out.append((loc, msg))
    # A union reports each failed branch; keep one message per field.
    unique: dict[tuple, str] = {}
    for loc, msg in out:
        unique.setdefault(loc, msg)
    return list(unique.items())


def validate_document(doc: YamlDocument, model: type[BaseModel], what: str) -> Any:
    """Validate a parsed document against a pydantic model, raising InputError.

    Problems name the field and, where YAML gives it, the line.
    """
    if not isinstance(doc.data, dict):
        raise InputError.single(doc.source, f"a {what} must be a mapping of 'key: value' "
                                f"lines at the top level; got {_kind_of(doc.data)}",
                                line=doc.line_of(()) or 1)
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(doc.source, [Problem(_path(loc), msg, doc.line_of(loc))
                                      for loc, msg in _problems(exc, model, doc.data)]
                         ) from None
    except RecursionError:
        raise InputError.single(doc.source, "nested too deeply to check") from None


# ------------------------------------------------------------------------- overrides


_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]+\])*)")


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``path=value`` and read the value as YAML (so 0.5 is a number, [a, b] a list).

    Raises:
        InputError: The text is not of the form ``path=value``.
    """
    if "=" not in text:
        raise InputError.single("--set", f"expected path=value, e.g. "
                                f"actors.us.salience.oil=0.5; got {text!r}")
    path, raw = text.split("=", 1)
    path = path.strip()
    try:
        # The same bounded, safe reader as files: no alias bombs, no Python tags, and a
        # value YAML cannot build (2025-02-30) stays text for validation to reject.
        value = parse_yaml(raw, "--set", "value").data if raw.strip() else ""
    except InputError:
        value = raw
    return path, value


def _tokens(path: str) -> list[str | int | tuple[str, str]]:
    """``pressures[boat_strikes].per_week`` -> ['pressures', ('select', 'boat_strikes'), ...]."""
    tokens: list[str | int | tuple[str, str]] = []
    for part in path.split("."):
        m = _SEGMENT.fullmatch(part)
        if not m:
            raise InputError.single("--set", f"cannot read the path {path!r}; expected "
                                    "dotted names like actors.us.salience.oil or "
                                    "pressures[boat_strikes].per_week", field=path)
        tokens.append(m.group(1))
        for sel in re.findall(r"\[([^\]]+)\]", m.group(2)):
            tokens.append(int(sel) if re.fullmatch(r"-?[0-9]{1,18}", sel) else ("select", sel))
    return tokens


def _select(items: list[Any], sel: str, path: str) -> int:
    ids = [it.get("id") if isinstance(it, dict) else None for it in items]
    if sel in ids:
        return ids.index(sel)
    by_type = [i for i, it in enumerate(items) if isinstance(it, dict) and it.get("type") == sel]
    if len(by_type) == 1:
        return by_type[0]
    known = [i for i in ids if i] + [it.get("type") for it in items if isinstance(it, dict)]
    why = "several items have that type; give them ids" if by_type else "no item has that id"
    raise InputError.single("--set", f"{why}: {sel!r}; known: {', '.join(map(str, known))}",
                            field=path)


def apply_override(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the field at ``path`` in scenario data (in place).

    Lists are indexed by number (``pressures[0]``), id or, when unique, type
    (``pressures[boat_strikes]``). Setting one salience rescales the government's other two
    saliences so the three still sum to 1.

    Raises:
        InputError: The path does not lead to a field.
    """
    tokens = _tokens(path)
    node: Any = data
    if tokens and tokens[0] == "actors" and isinstance(data.get("actors", {}), dict):
        actors = data.setdefault("actors", {})
        if len(tokens) > 1 and tokens[1] in GOVERNMENTS and isinstance(
                actors.get(tokens[1], {}), dict):
            actors[tokens[1]] = _merge(ACTOR_DEFAULTS[tokens[1]], actors.get(tokens[1]) or {})
    for i, tok in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if isinstance(tok, tuple | int):
            if not isinstance(node, list):
                raise InputError.single("--set", "this part of the path is not a list",
                                        field=path)
            idx = _select(node, tok[1], path) if isinstance(tok, tuple) else tok
            if not -len(node) <= idx < len(node):
                raise InputError.single("--set", f"index {idx} is out of range (the list "
                                        f"has {len(node)} items)", field=path)
            node = node[idx]
            continue
        if not isinstance(node, dict):
            raise InputError.single("--set", f"{tok!r} is not inside a mapping", field=path)
        if tok not in node:
            node[tok] = [] if isinstance(nxt, int | tuple) else {}
        node = node[tok]
    last = tokens[-1]
    if isinstance(last, int | tuple):
        if not isinstance(node, list):
            raise InputError.single("--set", "this part of the path is not a list", field=path)
        idx = _select(node, last[1], path) if isinstance(last, tuple) else last
        if not -len(node) <= idx < len(node):
            raise InputError.single("--set", f"index {idx} is out of range (the list has "
                                    f"{len(node)} items)", field=path)
        node[idx] = value
        return
    if not isinstance(node, dict):
        raise InputError.single("--set", f"{last!r} is not inside a mapping", field=path)
    node[last] = value
    if (len(tokens) == 4 and tokens[0] == "actors" and tokens[2] == "salience"
            and last in [i.value for i in ISSUES] and isinstance(value, int | float)
            and not isinstance(value, bool) and 0 <= value <= 1):
        others = [i.value for i in ISSUES if i.value != last]
        rest = sum(float(node.get(o, 0) or 0) for o in others)
        for o in others:
            share = float(node.get(o, 0) or 0) / rest if rest > 0 else 1 / len(others)
            node[o] = (1.0 - value) * share


# --------------------------------------------------------------------------- loading


def _library_dirs() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    return [package / "scenarios", package.parent / "scenarios"]


def scenario_dir() -> Path:
    """The folder of the scenario library shipped with dipsim."""
    for d in _library_dirs():
        if d.is_dir():
            return d
    return _library_dirs()[-1]


DEFAULT_SCENARIO = "caribbean-2025"


def resolve_scenario_path(name_or_path: str | Path | None) -> Path:
    """A path to a scenario file from a path, a library name, or None (the default)."""
    if name_or_path is None:
        name_or_path = DEFAULT_SCENARIO
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or len(p.parts) > 1 or _exists(p):
        return p
    candidate = scenario_dir() / f"{name_or_path}.yaml"
    return candidate if _exists(candidate) else p


def _exists(p: Path) -> bool:
    """Whether ``p`` exists; False for a name the OS refuses (too long), which reading reports."""
    try:
        return p.exists()
    except OSError:
        return False


def list_scenarios() -> list[Path]:
    """The scenario files of the library, sorted by name."""
    d = scenario_dir()
    return sorted(d.glob("*.yaml")) if d.is_dir() else []


def scenario_from_document(doc: YamlDocument, overrides: list[str] | None = None) -> Scenario:
    """Validate a parsed document (after applying ``path=value`` overrides)."""
    if overrides:
        if not isinstance(doc.data, dict):
            validate_document(doc, Scenario, "scenario file")
        data = copy.deepcopy(doc.data)
        for text in overrides:
            path, value = parse_assignment(text)
            apply_override(data, path, value)
        doc = YamlDocument(doc.source, data, doc._root)
    scn = validate_document(doc, Scenario, "scenario file")
    problems = semantic_problems(scn)
    if problems:
        raise InputError(doc.source, [Problem(_path(loc), msg, doc.line_of(loc))
                                      for loc, msg in problems])
    return scn


def field_value(scenario: Scenario, path: str) -> Any:
    """The value at a dotted field path of a validated scenario, e.g. ``talks.threshold``."""
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


def with_overrides(scenario: Scenario, assignments: list[str] | tuple[str, ...],
                   source: str = "--set") -> Scenario:
    """A copy of a validated scenario with ``path=value`` assignments applied and checked.

    Raises:
        InputError: An assignment is malformed or makes the scenario invalid.
    """
    if not assignments:
        return scenario
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return scenario_from_document(YamlDocument(source, data, None), list(assignments))


def load_scenario(path: str | Path | None = None, overrides: list[str] | None = None
                  ) -> Scenario:
    """Read, validate and return a scenario.

    Args:
        path: A scenario file, a library name such as ``caribbean-2025``, or None for the
            default scenario.
        overrides: ``path=value`` assignments applied before validation, as with
            ``dipsim run --set``.

    Raises:
        InputError: The file or an override is invalid; the message names file, field,
            line and what was expected.
    """
    p = resolve_scenario_path(path)
    doc = read_yaml(p, "scenario file")
    return scenario_from_document(doc, overrides)


def json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files, for editors (actor fields are optional there)."""
    schema = Scenario.model_json_schema(by_alias=True)
    actor = schema.get("$defs", {}).get("Actor")
    if actor is not None:
        actor.pop("required", None)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dipsim scenario"
    return schema
