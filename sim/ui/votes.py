"""Class votes: "what happens next?", played out, then shown against the fan of many runs.

The instructor opens a vote in one of two ways: **until a date** (the run plays to the end
of that day) or **until the next turning point** (it plays until talks open, a deal is
reached, talks collapse, a deal breaks, the run escalates or a leader is removed, or the
horizon comes). The class answers on a full-screen prompt (hands counted on the page);
then the run plays, stops by itself, and the reveal says what happened, whether the class
called it, and where this run sits among the runs of the same scenario: how many of them
had the same thing happen by that day, and how its conflict-cooperation index compares.

Everything here is plain Python on a model and an ensemble, so the tests drive it without
a browser.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.model.recording import VARIABLES
from sim.ui.feed import PINNED

if TYPE_CHECKING:
    from sim.model.narration import TurningPoint
    from sim.ui.classroom import ClassroomModel, Ensemble

#: The answers a class can give, in the order shown.
OPTIONS: tuple[str, ...] = ("talks open", "a deal", "talks collapse", "a deal breaks",
                            "escalation", "a leader removed", "nothing")
#: What each answer is counted as among many runs (:meth:`Ensemble.share_by`).
SHARE_OF = {"talks open": "talks", "a deal": "deal", "talks collapse": "talks_collapsed",
            "a deal breaks": "deal_broken", "escalation": "escalation",
            "a leader removed": "leader_removed"}
#: What each answer looks like once it has happened, for the reveal's sentence.
HAPPENED = {"talks open": "talks had opened", "a deal": "a deal had been reached",
            "talks collapse": "talks had collapsed", "a deal breaks": "a deal had broken down",
            "escalation": "the crisis had escalated",
            "a leader removed": "the leader had been removed"}
_CC = list(VARIABLES).index("cc_index")


@dataclass
class Vote:
    """A vote in progress.

    Attributes:
        mode: ``date`` (play until the end of day ``until``) or ``turning point``.
        opened: The model's day count when the vote opened.
        until: Last day index to play (the horizon's last day for a turning-point vote).
        seen: Turning points told before the vote opened.
        tally: Hands counted for each answer.
    """

    mode: str
    opened: int
    until: int
    seen: int
    tally: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OPTIONS, 0))

    @property
    def question(self) -> str:
        """The prompt's question."""
        return "What happens next?"

    def happened(self, model: ClassroomModel) -> list[TurningPoint]:
        """Pinned turning points since the vote opened, in order."""
        return [tp for tp in model.turning_points[self.seen:] if tp.kind in PINNED]

    def should_stop(self, model: ClassroomModel) -> bool:
        """Whether the play must stop after the day just stepped."""
        if model.finished or not model.running:
            return True
        if self.mode == "turning point":
            return bool(self.happened(model))
        return model.day > self.until

    def answer(self, model: ClassroomModel) -> str:
        """What happened: the first pinned turning point's answer, or ``nothing``."""
        tps = self.happened(model)
        return PINNED[tps[0].kind] if tps else "nothing"


def open_vote(model: ClassroomModel, mode: str, until: dt.date | None = None) -> Vote:
    """Open a vote on the model as it stands.

    Args:
        model: The live model.
        mode: ``date`` or ``turning point``.
        until: For ``date``: the last date to play (clamped to the run's days ahead).

    Raises:
        ValueError: An unknown mode, or a date vote without a date.
    """
    last = model.horizon - 1
    match mode:
        case "turning point":
            day = last
        case "date":
            if until is None:
                raise ValueError("a vote until a date needs the date")
            day = min(max(model.spec.day_of(until), model.day), last)
        case _:
            raise ValueError(f"unknown vote {mode!r}: 'date' or 'turning point'")
    return Vote(mode, model.day, day, len(model.turning_points))


@dataclass(frozen=True)
class Reveal:
    """What the class sees after a vote.

    Attributes:
        answer: What happened (one of :data:`OPTIONS`).
        day: The day it happened (or the last day played).
        date: Its date.
        headline: What happened, in a sentence.
        tally: The class's hands.
        called: Whether most hands were on what happened (None if no hands were counted).
        share: Share of the ensemble's runs in which the same happened by that day (None
            for ``nothing``).
        runs: How many runs the ensemble has.
        rank: Share of runs still going whose index was below this run's on that day.
    """

    answer: str
    day: int
    date: dt.date
    headline: str
    tally: dict[str, int]
    called: bool | None
    share: float | None
    runs: int
    rank: float


def reveal(vote: Vote, model: ClassroomModel, ens: Ensemble) -> Reveal:
    """What happened since the vote opened, and where the run sits among ``ens``'s runs."""
    answer = vote.answer(model)
    tps = vote.happened(model)
    day = tps[0].day if tps else max(model.day - 1, 0)
    date = model.spec.date_of(day)
    if tps:
        headline = f"{answer.capitalize()} on {date:%A} {date.day} {date:%B %Y}."
    elif model.finished:
        headline = f"Nothing new before the end of the run ({date.day} {date:%B %Y})."
    else:
        headline = f"Nothing new by {date:%A} {date.day} {date:%B %Y}."
    hands = sum(vote.tally.values())
    called = None
    if hands:
        top = max(vote.tally.values())
        called = vote.tally.get(answer, 0) == top
    share = ens.share_by(SHARE_OF[answer], day) if answer in SHARE_OF else None
    value = float(model.trace[day, _CC, 0])
    return Reveal(answer, day, date, headline, dict(vote.tally), called, share,
                  len(ens.outcome), ens.rank(day, value))


def reveal_words(r: Reveal) -> list[str]:
    """The reveal as sentences for the screen (after its headline)."""
    lines = []
    if r.called is not None:
        votes = ", ".join(f"{k} {v}" for k, v in r.tally.items() if v)
        lines.append(f"The class said: {votes}. "
                     + ("Most of you called it." if r.called else "Most of you did not."))
    if r.share is not None:
        lines.append(f"In {r.share:.0%} of the {r.runs} runs of this scenario, "
                     f"{HAPPENED[r.answer]} by {r.date.day} {r.date:%B}.")
    if r.rank == r.rank:  # not NaN
        lines.append(f"On {r.date.day} {r.date:%b} this run was more cooperative than "
                     f"{r.rank:.0%} of the runs still going (the black line in the fan).")
    return lines
