"""Where a replicate ends up, why an escalation happened, and the record's outcomes.

This module imports nothing from dipsim: the scenario layer reads the record's outcome
vocabulary (:class:`RecordOutcome`) from here.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Outcome(IntEnum):
    """Where a replicate ended up. Agreement and escalation are absorbing."""

    STALEMATE = 0
    TALKS = 1
    AGREEMENT = 2
    ESCALATION = 3

    @property
    def label(self) -> str:
        """Lower-case name as used in tables: ``stalemate``, ``talks``, ..."""
        return self.name.lower()

    @property
    def absorbing(self) -> bool:
        """Whether a replicate that reaches this outcome is frozen from the next day on."""
        return self >= Outcome.AGREEMENT


OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
#: The first absorbing outcome: ``outcome >= DECIDED`` marks replicates that are decided.
DECIDED = Outcome.AGREEMENT


class EscalationCause(IntEnum):
    """Why a replicate escalated (``escalation_cause`` in the run table)."""

    NONE = 0
    HOSTILITY = 1
    OVERT_STRIKE = 2

    @property
    def label(self) -> str:
        """Plain words, as in tables: ``""``, ``hostility``, ``overt strike on land``."""
        return ("", "hostility", "overt strike on land")[self]


class Direction(StrEnum):
    """Where an outcome leaves the two governments: toward a settlement or a rupture."""

    SETTLEMENT = "settlement"
    RUPTURE = "rupture"
    NEITHER = "neither"


class RecordOutcome(StrEnum):
    """An outcome the record can name (``docs/validation.md`` E3), in order of precedence.

    When several happened inside an episode's window, the first in this order is recorded.
    """

    LEADER_REMOVED = "leader_removed"
    ESCALATION = "escalation"
    DEAL_BROKEN = "deal_broken"
    TALKS_COLLAPSED = "talks_collapsed"
    BROAD_AGREEMENT = "broad_agreement"
    NARROW_DEAL = "narrow_deal"
    TALKS = "talks"
    STALEMATE = "stalemate"

    @property
    def direction(self) -> Direction:
        """Settlement, rupture or neither (``docs/validation.md`` E3)."""
        if self is RecordOutcome.STALEMATE:
            return Direction.NEITHER
        if self in (RecordOutcome.TALKS, RecordOutcome.NARROW_DEAL,
                    RecordOutcome.BROAD_AGREEMENT):
            return Direction.SETTLEMENT
        return Direction.RUPTURE


#: The record's outcomes in the order tables and scores use (calm to violent).
RECORD_OUTCOMES: tuple[RecordOutcome, ...] = (
    RecordOutcome.STALEMATE, RecordOutcome.TALKS, RecordOutcome.NARROW_DEAL,
    RecordOutcome.BROAD_AGREEMENT, RecordOutcome.TALKS_COLLAPSED, RecordOutcome.ESCALATION,
    RecordOutcome.LEADER_REMOVED, RecordOutcome.DEAL_BROKEN)
