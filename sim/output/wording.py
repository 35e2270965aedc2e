"""The words the account of a run is written in: names, dates, event tags, dated entries.

Shared by :mod:`sim.output.narrative` (the account) and :mod:`sim.output.choices` (each
government's choices, told).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sim.model.recording import VARIABLES
from sim.scenario.schema import Scenario

NAMES = {"us": "the United States", "venezuela": "Venezuela"}
ADJECTIVES = {"us": "US", "venezuela": "Venezuelan"}
CAPITALS = {"us": "Washington", "venezuela": "Caracas"}
#: What each end of an issue axis means (0 = Caracas's ideal, 1 = Washington's).
ISSUE_ENDS = {
    "drugs": ("no counter-narcotics cooperation",
              "full cooperation: joint interdiction and extraditions"),
    "oil": ("sanctions relief with no conditions", "oil only on US terms"),
    "migration": ("no deportees accepted", "full cooperation on deportation flights"),
}
#: Column of each traced variable.
V = {name: i for i, name in enumerate(VARIABLES)}
#: Changes smaller than this are not worth a word.
NOTICEABLE = 0.005


@dataclass(frozen=True)
class Entry:
    """One dated line of the account.

    Attributes:
        day: Day index (0 = the scenario's start).
        kind: ``pressure``, ``turning point``, ``action`` or ``state of play``.
        text: What happened, as a sentence.
        why: Why it happened or what it did, in plain words (may be empty).
        tag: The CAMEO event code and Goldstein weight, when it has one.
    """

    day: int
    kind: str
    text: str
    why: str = ""
    tag: str = ""

    @property
    def line(self) -> str:
        """The entry as one line: what, why, then the event code in brackets."""
        parts = [self.text]
        if self.why:
            parts.append(self.why)
        if self.tag:
            parts.append(f"[{self.tag}]")
        return " ".join(parts)


def cap(s: str) -> str:
    """The text with its first letter capitalised."""
    return s[:1].upper() + s[1:]


def who(actor: str | None, scenario: Scenario) -> str:
    """An actor's name in a sentence: ``the United States``, ``Norway``, ..."""
    if actor is None:
        return "someone"
    if actor in NAMES:
        return NAMES[actor]
    for t in scenario.third_parties:
        if t.id == actor:
            return t.name
    return actor


def tag(code: str, goldstein: float) -> str:
    """An event's tag: ``CAMEO 046, Goldstein +7.0``."""
    return f"CAMEO {code}, Goldstein {goldstein:+.1f}"


def day_month(d: dt.date) -> str:
    """A date as ``4 January 2026`` (no zero padding, on every platform)."""
    return f"{d.day} {d:%B %Y}"
