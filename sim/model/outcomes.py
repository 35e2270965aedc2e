"""Where a replicate ends up, why an escalation happened, and which way an outcome points.

The eight outcomes are the record's vocabulary (``docs/validation.md`` E3), coded in order
of precedence: when several happen inside a run, the run's outcome is the one with the
highest code, and its day is the first day that outcome happened. Only the removal of a
leader ends a run; a run that escalates, reaches a deal or sees talks collapse goes on.

This module imports nothing from dipsim: the scenario layer reads the record's outcome
vocabulary (:class:`RecordOutcome`) from here.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Direction(StrEnum):
    """Where an outcome leaves the two governments: toward a settlement or a rupture."""

    SETTLEMENT = "settlement"
    RUPTURE = "rupture"
    NEITHER = "neither"


class Outcome(IntEnum):
    """Where a replicate ended up, coded so that a higher code takes precedence.

    ``stalemate`` nothing happened; ``talks`` the sides sat down; ``narrow_deal`` a deal
    on one track; ``broad_agreement`` a deal on two or more tracks (or the political one);
    ``talks_collapsed`` talks opened and a side walked out before any deal;
    ``deal_broken`` a deal reached in the run was reneged or snapped back; ``escalation``
    force on land, a blockade, relations broken, or hostility past the threshold;
    ``leader_removed`` the leader was removed by force (this one ends the run).
    """

    STALEMATE = 0
    TALKS = 1
    NARROW_DEAL = 2
    BROAD_AGREEMENT = 3
    TALKS_COLLAPSED = 4
    DEAL_BROKEN = 5
    ESCALATION = 6
    LEADER_REMOVED = 7

    @property
    def label(self) -> str:
        """Lower-case name as used in tables and files: ``narrow_deal``, ..."""
        return self.name.lower()

    @property
    def absorbing(self) -> bool:
        """Whether a replicate that reaches this outcome is frozen from the next day on."""
        return self is Outcome.LEADER_REMOVED

    @property
    def direction(self) -> Direction:
        """Settlement, rupture or neither (``docs/validation.md`` E3)."""
        if self is Outcome.STALEMATE:
            return Direction.NEITHER
        if self in (Outcome.TALKS, Outcome.NARROW_DEAL, Outcome.BROAD_AGREEMENT):
            return Direction.SETTLEMENT
        return Direction.RUPTURE


OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
#: The absorbing outcome: ``outcome >= DECIDED`` marks replicates whose run has ended.
DECIDED = Outcome.LEADER_REMOVED


class RecordOutcome(StrEnum):
    """An outcome the record can name (``docs/validation.md`` E3): the model's labels."""

    STALEMATE = "stalemate"
    TALKS = "talks"
    NARROW_DEAL = "narrow_deal"
    BROAD_AGREEMENT = "broad_agreement"
    TALKS_COLLAPSED = "talks_collapsed"
    DEAL_BROKEN = "deal_broken"
    ESCALATION = "escalation"
    LEADER_REMOVED = "leader_removed"

    @property
    def direction(self) -> Direction:
        """Settlement, rupture or neither."""
        return Outcome[self.name].direction


#: The record's outcomes in the order of the model's codes (calm to violent).
RECORD_OUTCOMES: tuple[RecordOutcome, ...] = tuple(RecordOutcome)


class EscalationCause(IntEnum):
    """What made a replicate escalate (``escalation_cause`` in the run table).

    The cause of the first day of escalation is kept; when several happen that day, the
    higher code (force outranks a pressure, which outranks hostility).
    """

    NONE = 0
    HOSTILITY = 1
    RUPTURE = 2
    BLOCKADE = 3
    COVERT_STRIKE = 4
    OVERT_STRIKE = 5
    FORCE = 6

    @property
    def label(self) -> str:
        """Plain words, as in tables: ``""``, ``hostility``, ``relations broken``, ..."""
        return ("", "hostility", "relations broken", "blockade", "covert strike on land",
                "overt strike on land", "force chosen")[self]
