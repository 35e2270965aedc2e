"""What a scenario file may contain: the pydantic models of its sections and their checks.

A scenario is a YAML file with metadata (name, title, description, start date, horizon,
default runs and seed), the two governments and their parameters, optional third parties,
and a timeline of pressures. Every field is validated by pydantic with unknown keys
forbidden, so a misspelled ``oill:`` is an error that names the file, the line, the field
and what was expected (:mod:`sim.scenario.messages` words it). Checks that span fields,
such as dates inside the run or senders that exist, are :func:`semantic_problems`. See
``docs/model.md`` §4 for every parameter's meaning, range and source;
:mod:`sim.scenario.load` reads files into a :class:`Scenario`.

The actors' sections live in :mod:`sim.scenario.actors` and the bounded field types in
:mod:`sim.scenario.fields`; the names the model uses (:data:`GOVERNMENTS`, :class:`Actor`,
:class:`ThirdParty`, :class:`ThirdPartyRole`) are importable from here too.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from sim.model.issues import ISSUES, Issue, Track
from sim.model.pressures import CATALOGUE, PressureKind, PressureType
from sim.scenario.actors import GOVERNMENTS, Actor, Actors, IssueValues, ThirdParty, ThirdPartyRole
from sim.scenario.behaviour import ActionWeights, Behaviour, ReadinessWeights
from sim.scenario.fields import (
    Days,
    Fraction,
    Name,
    NonNegative,
    Positive,
    Section,
    Slug,
)
from sim.scenario.record import Record

__all__ = [
    "ACTOR_VARIABLES", "GOVERNMENTS", "MAX_RUNS", "MAX_SEED", "RUN_VARIABLES", "ActionWeights",
    "Actor", "Behaviour", "Condition", "Escalation", "ForceShown", "Initial", "Linkage", "Pressure",
    "ReadinessWeights", "Relations", "Scenario", "Talks", "ThirdParty", "ThirdPartyRole",
    "Trigger", "parse_condition", "semantic_problems",
]

MAX_RUNS = 10_000_000
MAX_SEED = 2**63 - 1


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


class Trigger(Section):
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


class Pressure(Section):
    """One pressure on the timeline: what, who on whom, and when.

    Timing is exactly one of: ``at`` (a date), ``from``/``until`` (a window; events in a
    window need ``per_week``), or ``trigger`` (a condition). A state started by ``at`` or
    by a trigger holds for ``duration_days`` (default: to the end of the run).
    """

    id: Slug | None = Field(None, description="Name used by --set and sweeps, e.g. "
                                              "boat_strikes; defaults to the type")
    type: PressureType = Field(description="A pressure type of the catalogue")
    sender: str = Field(description="Actor applying it: us, venezuela or a third-party id")
    target: str = Field(description="Government it acts on: us or venezuela")
    at: dt.date | None = Field(None, description="Date of an event, or start of a state")
    start: dt.date | None = Field(None, alias="from", description="First day of a window")
    since: dt.date | None = Field(
        None, description="For a state already in force before the run: the date it began "
                          "(with 'until'); pain and adaptation start as if it had held since")
    until: dt.date | None = Field(None, description="Last day of a window, or of a state "
                                                     "given 'since'")
    per_week: Annotated[NonNegative, Field(le=100)] | None = Field(
        None, description="Mean events per week in a window (Poisson)")
    trigger: Trigger | None = Field(None, description="Start when a condition on the model "
                                                      "state holds")
    duration_days: Days | None = Field(
        None, description="How long a state started by 'at' or a trigger (or a triggered "
                          "event window) lasts; default to the end of the run")
    intensity: Annotated[NonNegative, Field(le=10)] = Field(
        1.0, description="Scales every effect of the pressure")
    deaths: Annotated[NonNegative, Field(le=1e4)] | None = Field(
        None, description="Deaths per event (default from the catalogue)")
    track: Track | None = Field(None, description="relief_offer: the track whose concession "
                                "the relief would pay for; unilateral_step: the track of the "
                                "question the step settles alone (a record, not read)")
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


class Linkage(StrEnum):
    """Whether the tracks on the table can be settled one at a time."""

    SEPARATE = "separate"
    PACKAGE = "package"


class Relations(StrEnum):
    """Whether the two governments keep embassies and formal relations."""

    OPEN = "open"
    BROKEN = "broken"


class ForceShown(Section):
    """A government's most recent overt use of force on the other side before day 0.

    ``docs/validation.md`` A8; ``docs/model.md`` §3.10.
    """

    sender: Literal["us", "venezuela"] = Field(description="The government that used force")
    date: dt.date = Field(description="The day it was used: on or before the start")
    note: str | None = Field(None, max_length=2000, description="What it was, with its source")


class Initial(Section):
    """What was already true on day 0 (``docs/validation.md`` E12)."""

    in_talks: bool = Field(False, description="Talks under way on day 0 (or opened that day)")
    relations: Relations = Field(Relations.OPEN, description="Diplomatic relations on day 0")
    deals: list[Track] = Field(default_factory=list, description="Tracks with a deal in "
                               "force on day 0")
    force_shown: list[ForceShown] = Field(
        default_factory=list, description="Each government's most recent overt use of "
        "force on the other's soil, forces or leader before day 0 (docs/validation.md A8); "
        "its threat fades with behaviour.survival.shown_force_half_life")

    @field_validator("force_shown")
    @classmethod
    def _force_shown(cls, v: list[ForceShown]) -> list[ForceShown]:
        senders = [f.sender for f in v]
        if len(set(senders)) != len(senders):
            raise ValueError("one entry per sender: its most recent use of force")
        return v


class Talks(Section):
    """When talks open, how long concessions take, and what is on the table."""

    threshold: Fraction = Field(0.5, description="Readiness both sides need to sit down")
    deadline_days: Days = Field(90, description="T: days for aspirations to fall to the "
                                                "reservation value")
    breakdown_hostility: Positive = Field(0.8, description="Hostility that breaks off talks")
    mediation_bonus: Fraction = Field(0.15, description="Threshold lowered per unit of "
                                                        "mediation")
    agenda: list[Issue] = Field(default_factory=lambda: list(ISSUES),
                                description="Issues on the table")
    tracks: list[Track] = Field(default_factory=list, description="Tracks negotiated or "
                                "demanded (prisoners, migration, oil, drugs, political); "
                                "empty: not declared")
    linkage: Linkage = Field(Linkage.SEPARATE, description="separate: each track is settled "
                             "alone; package: a side insists on settling the tracks together, "
                             "so the open tracks can also close as one package, a loss on one "
                             "paid by a gain on another (docs/model.md §3.11)")

    @field_validator("tracks")
    @classmethod
    def _tracks(cls, v: list[Track]) -> list[Track]:
        if len(set(v)) != len(v):
            raise ValueError("a track is listed twice")
        return v

    @field_validator("agenda")
    @classmethod
    def _agenda(cls, v: list[Issue]) -> list[Issue]:
        if not v:
            raise ValueError("the agenda needs at least one issue")
        if len(set(v)) != len(v):
            raise ValueError("an issue is listed twice on the agenda")
        return [i for i in ISSUES if i in v]


class Escalation(Section):
    """What counts as escalation and what war is worth (Fearon 1995; KTAB vProb)."""

    threshold: Positive = Field(1.0, description="Hostility of either side that counts as "
                                                 "escalation")
    decisiveness: Annotated[Positive, Field(le=64)] = Field(
        2.0, description="n in p = c1^n / (c1^n + c2^n)")
    conflict_cost: Fraction = Field(0.8, description="Cost of war to a side with zero cost "
                                                     "tolerance")


class Scenario(Section):
    """A whole scenario file."""

    name: Name = Field(description="Short name, used for the results folder")
    title: str = Field(min_length=1, max_length=200, description="Title shown on charts and "
                                                                 "pages")
    description: str = Field("", max_length=20_000, description="What the scenario depicts, "
                                                                "with its sources")
    start: dt.date = Field(description="First day of the run")
    horizon_days: Days = Field(description="Days simulated")
    runs: Annotated[StrictInt, Field(ge=1, le=MAX_RUNS)] = Field(
        1000, description="Default number of Monte Carlo replicates")
    seed: Annotated[StrictInt, Field(ge=0, le=MAX_SEED)] = Field(
        20250902, description="Default root seed")
    status_quo: IssueValues = Field(description="Where each issue stands with no deal")
    actors: Actors = Field(default_factory=lambda: Actors.model_validate({}),
                           description="The two governments (defaults for what is left out)")
    third_parties: list[ThirdParty] = Field(default_factory=list, description="Mediators, "
                                            "oil buyers and producers")
    pressures: list[Pressure] = Field(default_factory=list, description="The timeline")
    talks: Talks = Field(default_factory=Talks, description="When talks open and what is on "
                                                            "the table")
    escalation: Escalation = Field(default_factory=Escalation,
                                   description="What counts as escalation; the value of war")
    initial: Initial = Field(default_factory=Initial, description="What was already true on "
                             "day 0 (talks under way, relations, deals in force)")
    record: Record | None = Field(None, description="For an episode of the record: what "
                                  "happened, and how the file was encoded")
    behaviour: Behaviour = Field(default_factory=Behaviour, description="Rates, noise and "
                                 "decision weights shared by both governments")

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
        if p.track is None and p.type is PressureType.UNILATERAL_STEP:
            problems.append(((*where, "track"), "a unilateral_step needs the track of the "
                             "question it settles alone (prisoners, migration, oil, drugs or "
                             "political)"))
        if p.track is not None and p.type not in (PressureType.RELIEF_OFFER,
                                                  PressureType.UNILATERAL_STEP):
            problems.append(((*where, "track"), f"track is only for a relief_offer or a "
                             f"unilateral_step, not "
                             f"{p.type.value}"))
        if p.id is not None:
            if p.id in seen_ids:
                problems.append(((*where, "id"), f"id {p.id!r} is already used by "
                                        f"pressures[{seen_ids[p.id]}]"))
            seen_ids[p.id] = i
    for i, shown in enumerate(scn.initial.force_shown):
        if shown.date > scn.start:
            problems.append((("initial", "force_shown", i, "date"),
                             f"{shown.date} is after the start of the run ({scn.start}); "
                             "force used during the run is a pressure (overt_land_strike)"))
    if scn.record is not None and scn.record.lag_days is not None \
            and scn.record.lag_days >= scn.horizon_days:
        problems.append((("record", "lag_days"), f"{scn.record.lag_days} is not inside the "
                         f"run (horizon_days {scn.horizon_days})"))
    return problems
