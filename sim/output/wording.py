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
        brief: A shorter reason without the model's terms, for the one-page account (when
            ``why`` has some).
    """

    day: int
    kind: str
    text: str
    why: str = ""
    tag: str = ""
    brief: str = ""

    @property
    def plain_why(self) -> str:
        """The reason in plain words for the one-page account (``brief``, else ``why``)."""
        return self.brief or self.why

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


# ---------------------------------------------------------------------------- readiness

#: Each input of the readiness score (``sim.model.narration.READINESS_DRIVERS``), in words:
#: (its name, what its rise does in a sentence, what its fall does).
_DRIVER_WORDS = {
    "pain": ("sanction pain", "sanction pain rose", "sanction pain eased"),
    "surplus": ("room for a deal", "the room for a deal grew", "the room for a deal shrank"),
    "hostility": ("hostility", "its hostility rose", "its hostility eased"),
    "commitment": ("its public commitments", "it committed itself further in public",
                   "its public commitments faded"),
    "signal": ("signals of openness from the other side", "the other side signalled openness",
               "the other side's signals of openness faded"),
    "mediation": ("a mediator", "a mediator stepped in", "the mediation ended"),
}
#: A change of the readiness score smaller than this (log-odds) is not worth a word.
_WORTH_SAYING = 0.1


def readiness_reason(detail: dict, rising: bool, since: str) -> str:
    """Why a government's readiness to talk crossed the bar, in plain words.

    Args:
        detail: A ``ready`` or ``not_ready`` turning point's detail: for each input of the
            readiness score its value then and now and how much its change moved the score
            (``drivers``).
        rising: Whether readiness rose to the bar (``ready``) or fell below it.
        since: The date the change is told from, in words.

    Returns:
        One or two sentences: the inputs whose change moved readiness that way most, with
        their values then and now; or, if nothing changed much, the inputs that hold
        readiness where it is (readiness moves slowly toward the level they set). Inputs
        that did not change and do not matter (the US's sanction pain) are not named.
    """
    drivers = detail.get("drivers") or {}
    if not drivers:
        return ""
    sign = 1 if rising else -1
    moved = sorted(((sign * d["effect"], name) for name, d in drivers.items()
                    if sign * d["effect"] >= _WORTH_SAYING), reverse=True) \
        if detail.get("since") != detail.get("day") else []
    if moved:
        parts = []
        for _, name in moved[:2]:
            d = drivers[name]
            words = _DRIVER_WORDS[name][1 if d["now"] > d["then"] else 2]
            parts.append(f"{words} ({d['then']:.2f} → {d['now']:.2f})")
        return f"What moved it since {since}: {' and '.join(parts)}."
    from sim.model.narration import READINESS_DRIVERS  # noqa: PLC0415

    levels = {name: d["now"] * READINESS_DRIVERS[name] for name, d in drivers.items()}
    up = [n for n in ("pain", "surplus", "signal", "mediation") if levels[n] > 0.01]
    down = [n for n in ("hostility", "commitment") if abs(levels[n]) > 0.01]

    def named(names: list[str]) -> str:
        return " and ".join(f"{_DRIVER_WORDS[n][0]} ({drivers[n]['now']:.2f})" for n in names)

    toward, against = (up, down) if rising else (down, up)
    if detail.get("since") == detail.get("day"):
        def verb(names: list[str], word: str) -> str:
            return word if len(names) > 1 else word + "es" if word == "push" else word + "s"

        text = f"It starts the run {'ready' if rising else 'not ready'}"
        if toward:
            text += (f": {named(toward)} {verb(toward, 'push' if rising else 'pull')} "
                     f"{'it up' if rising else 'it down'}")
        if against:
            text += (f", while {named(against)} {verb(against, 'hold')} "
                     f"{'it back' if rising else 'it up'}")
        return text + "."
    text = (f"Nothing changed much since {since}: readiness moves slowly toward the level "
            "its circumstances set")
    if toward:
        text += f", and {named(toward)} {'pushed it up' if rising else 'pulled it down'}"
    if against:
        text += f", while {named(against)} {'held it back' if rising else 'held it up'}"
    return text + "."
