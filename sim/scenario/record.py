"""What the record says happened in an episode, and how the episode file was encoded.

An episode of the library (``scenarios/episodes/``) is an ordinary scenario plus a
``record:`` block: the outcome the record names, the day it happened, how confident the
reading is, the sources, the encoding conventions used (``docs/validation.md`` Part A), the
plausible alternative readings and any change made after results were seen. The hindcast
(:mod:`sim.experiments.hindcast`) scores the model against it; the model never reads it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StrictInt, model_validator

from sim.model.issues import Track
from sim.model.outcomes import Direction, RecordOutcome
from sim.scenario.fields import (
    CONVENTION_PATTERN,
    DOSSIER_PATTERN,
    URL_PATTERN,
    Section,
    Slug,
)


class Confidence(StrEnum):
    """How sure the reading of the record is (``docs/validation.md`` E14)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Source(Section):
    """A public source for the recorded outcome."""

    url: str = Field(pattern=URL_PATTERN, max_length=2000,
                     description="Where it was published")
    publisher: str | None = Field(None, max_length=200, description="e.g. Reuters, OFAC")
    title: str | None = Field(None, max_length=500, description="Its title")
    date: dt.date | None = Field(None, description="Its publication date")


class Alternative(Section):
    """Another plausible reading of the record, as changes to the file (E14)."""

    id: Slug = Field(description="Short name of the reading, e.g. later-start")
    note: str = Field(min_length=1, max_length=2000, description="What the reading is")
    set: list[str] = Field(min_length=1, description="Assignments, as dipsim run --set "
                           "(scenario fields and record fields), that make the file this "
                           "reading")


class Change(Section):
    """A change made to the file after it was first encoded (E15)."""

    date: dt.date = Field(description="When the change was made")
    what: str = Field(min_length=1, max_length=2000, description="What changed")
    rule: str = Field(pattern=CONVENTION_PATTERN, description="The convention that requires it")
    results_seen: bool = Field(description="Whether any hindcast result for this episode "
                               "had been seen before the change")


class Record(Section):
    """The recorded outcome of an episode (``docs/validation.md`` E16)."""

    outcome: RecordOutcome = Field(description="The outcome the record names at the "
                                   "horizon (E3)")
    track: Track | None = Field(None, description="For a narrow deal: its track")
    lag_days: Annotated[StrictInt, Field(ge=0, le=3649)] | None = Field(
        None, description="Days from day 0 to the first day of the outcome; none for a "
        "stalemate")
    confidence: Confidence = Field(description="How sure the reading is")
    dossier: str = Field(pattern=DOSSIER_PATTERN,
                         description="The dossier of the public record")
    conventions: list[Annotated[str, Field(pattern=CONVENTION_PATTERN)]] = Field(
        min_length=1, description="The encoding conventions used (docs/validation.md)")
    sources: list[Source] = Field(min_length=1, description="Sources for the outcome")
    notes: str = Field("", max_length=10_000, description="Anything a reader should know")
    alternatives: list[Alternative] = Field(default_factory=list,
                                            description="Other plausible readings (E14)")
    changes: list[Change] = Field(default_factory=list,
                                  description="Changes made after first encoding (E15)")

    @model_validator(mode="after")
    def _consistent(self) -> Record:
        stalemate = self.outcome is RecordOutcome.STALEMATE
        if stalemate and self.lag_days is not None:
            raise ValueError("a stalemate has no lag_days: nothing happened")
        if not stalemate and self.lag_days is None:
            raise ValueError(f"lag_days is required for {self.outcome.value}: the days from "
                             "day 0 to the first day of the outcome")
        narrow = self.outcome is RecordOutcome.NARROW_DEAL
        if narrow and self.track is None:
            raise ValueError("a narrow_deal needs its track (prisoners, migration, oil, "
                             "drugs or political)")
        if not narrow and self.track is not None:
            raise ValueError(f"track is only for a narrow_deal, not {self.outcome.value}")
        ids = [a.id for a in self.alternatives]
        if len(set(ids)) != len(ids):
            raise ValueError("alternative ids must be unique")
        return self

    @property
    def direction(self) -> Direction:
        """Settlement, rupture or neither."""
        return self.outcome.direction
