"""Where a replicate ends up, and why an escalation happened."""

from __future__ import annotations

from enum import IntEnum


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
