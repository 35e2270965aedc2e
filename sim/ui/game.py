"""The team game: a class plays the two governments, the model plays everything else.

As NetLogo's HubNet lets a class play a model (Wilensky and Stroup 1999), ``dipsim class``
lets two teams of students play the governments of the United States and Venezuela. The
game goes in rounds of a week of model time. In each round each team picks one action from
the model's own action set (:class:`~sim.model.agents.Action`: hold, escalate, de-escalate,
signal openness, concede on its demands, retaliate, use force, break relations, walk out
of talks), as far as the state allows it (no signal of openness at the table, no walking
out of talks that are not under way, no breaking relations already broken). Its government
takes that action on the round's first day and holds on the others; conceding is how a
team moves its offers. The model plays the rest exactly as in any run: the scenario's
pressures, incidents at sea, third parties, readiness, talks, the bargain at the table,
deals and their breaking.

A team's government is a :class:`TeamGovernment`: a scripted government (as in the tests'
scripted exchanges) whose script grows by one action a round, so a round played by the
teams is the same as the model run with that script. The instructor can apply pressures,
pause the game, run a round before both teams have chosen (a team that has not chosen
holds), and end the game; at the end the class's path is drawn against the fan of the same
scenario played by the model (:func:`sim.ui.classroom.run_ensemble_like`), whose run 0
draws the same chances as the class's run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.agents import Action, ScriptedGovernment
from sim.model.outcomes import Outcome
from sim.output.choices import RETALIATION
from sim.scenario.errors import InputError
from sim.scenario.schema import GOVERNMENTS
from sim.ui.classroom import ClassroomModel, Ensemble, Injection, run_ensemble_like, short_date
from sim.ui.feed import FeedItem

if TYPE_CHECKING:
    from sim.model.day import Day
    from sim.scenario.schema import Scenario

#: Days of model time in one round.
ROUND_DAYS = 7
#: Runs of the model's own play drawn against the class's path at the end.
FAN_RUNS = 500
TEAM_NAMES = {"us": "US team", "venezuela": "Venezuelan team"}


def action_words(action: Action, gov: str) -> str:
    """What an action means for a team, in a few words."""
    i = GOVERNMENTS.index(gov)
    return {
        Action.HOLD: "hold: do nothing new this round",
        Action.ESCALATE: ("threaten military force" if gov == "us" else "mobilise forces")
        + ": the other side's hostility rises, and your public commitment",
        Action.DE_ESCALATE: "de-escalate: calm the other side (and yourselves) a little",
        Action.SIGNAL_OPENNESS: "signal openness to talks: the other side's readiness rises",
        Action.CONCEDE: "concede: give up 5% more of what you ask at the table",
        Action.RETALIATE: f"retaliate ({RETALIATION[i]}): pain and hostility for the other side",
        Action.USE_FORCE: ("strike on land: escalation now; it may remove a leader whose "
                           "exit you demand" if gov == "us" else
                           "use force against US forces: escalation now"),
        Action.RUPTURE: "break diplomatic relations: escalation now, for good",
        Action.WALK_OUT: "walk out of the talks: they end today",
    }[action]


class TeamGovernment(ScriptedGovernment):
    """A government played by a team: its script grows by one round at a time.

    An action the state does not allow on its day (its utility is ``-inf``: walking out of
    talks that just ended, say) is replaced by holding, and noted in :attr:`refused`.
    """

    def __init__(self, model: Any, actor_id: str, index: int, params: Any):
        super().__init__(model, actor_id, index, params, [])
        #: Days on which the team's action was not allowed and the government held.
        self.refused: list[tuple[int, Action]] = []

    def choose_action(self, day: Day) -> Any:
        """The team's action of the day, or holding where the state does not allow it."""
        action = self.script[day.t] if day.t < len(self.script) else Action.HOLD
        if not np.isfinite(day.utilities[int(action), self.index, 0]):
            self.refused.append((day.t, action))
            action = Action.HOLD
        return np.full(self.model.n, int(action))


class TeamModel(ClassroomModel):
    """The game's model: the page's model with both governments played by teams."""

    def __init__(self, scenario: Scenario, *, seed: Any = None):
        super().__init__(scenario, seed=seed)
        for i, gov in enumerate(GOVERNMENTS):
            old = self.governments[i]
            self.governments[i] = TeamGovernment(self, gov, i, old.params)
            old.remove()


@dataclass
class Round:
    """A round played: its number, first day, what each team chose, what happened."""

    number: int
    first: int
    last: int
    choices: dict[str, str]
    refused: dict[str, str] = field(default_factory=dict)


class TeamGame:
    """A game of two teams on one scenario, safe to use from many request threads.

    Args:
        scenario: The scenario played.
        seed: Its seed (default: the scenario's).
        round_days: Days of model time in a round.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None,
                 round_days: int = ROUND_DAYS):
        self.scenario = scenario
        self.model = TeamModel(scenario, seed=seed)
        self.round_days = round_days
        self.lock = threading.RLock()
        self.round = 1
        self.choices: dict[str, Action | None] = dict.fromkeys(GOVERNMENTS)
        self.joined: dict[str, int] = dict.fromkeys(GOVERNMENTS, 0)
        self.rounds: list[Round] = []
        self.paused = False
        self.ended = False
        self.said = ""
        #: Grows with every change; clients poll it to know when to redraw.
        self.version = 0
        self._fans: dict[tuple[int, int], Ensemble] = {}

    # ------------------------------------------------------------------ what a team may do

    @property
    def over(self) -> bool:
        """Whether the game is over (ended by the instructor, or the run is)."""
        m = self.model
        return self.ended or m.finished or not m.running

    def available(self, gov: str) -> list[Action]:
        """The actions a team may pick now (the model's masks, read from today's state)."""
        m = self.model
        talking, relations = bool(m.in_talks[0]), bool(m.relations_open[0])
        out = []
        for a in Action:
            if (a is Action.SIGNAL_OPENNESS and talking) or (
                    a is Action.WALK_OUT and not talking) or (
                    a is Action.RUPTURE and not relations):
                continue
            out.append(a)
        return out

    def choose(self, gov: str, action: str | Action, round_number: int) -> None:
        """A team's pick for the round; when both have picked (and not paused), it plays.

        Raises:
            InputError: Unknown team or action, the wrong round, an action not available
                now, or the game is over.
        """
        with self.lock:
            if gov not in GOVERNMENTS:
                raise InputError.single("team", f"no team {gov!r}")
            if self.over:
                raise InputError.single("choose", "the game is over")
            if round_number != self.round:
                raise InputError.single("round", f"this is round {self.round}, not "
                                                  f"{round_number}")
            try:
                pick = action if isinstance(action, Action) else Action[
                    str(action).upper().replace("-", "_").replace(" ", "_")]
            except KeyError:
                raise InputError.single("action", f"no action {action!r}") from None
            if pick not in self.available(gov):
                raise InputError.single("action", f"{pick.label} is not possible now")
            self.choices[gov] = pick
            self.version += 1
            if all(c is not None for c in self.choices.values()) and not self.paused:
                self.play_round()

    # ------------------------------------------------------------------ the instructor

    def play_round(self) -> Round:
        """Play the round: the picks on its first day, holding after; the model the rest."""
        with self.lock:
            if self.over:
                raise InputError.single("round", "the game is over")
            m = self.model
            first = m.day
            picks = {g: self.choices[g] or Action.HOLD for g in GOVERNMENTS}
            for i, gov in enumerate(GOVERNMENTS):
                team = m.governments[i]
                team.script.extend([Action.HOLD] * (first + self.round_days - len(team.script)))
                team.script[first] = picks[gov]
            seen = {g: len(m.governments[i].refused) for i, g in enumerate(GOVERNMENTS)}
            for _ in range(self.round_days):
                if not m.running or m.finished:
                    break
                m.step()
            refused = {g: ", ".join(a.label for _, a in m.governments[i].refused[seen[g]:])
                       for i, g in enumerate(GOVERNMENTS) if m.governments[i].refused[seen[g]:]}
            done = Round(self.round, first, m.day - 1, {g: a.label for g, a in picks.items()},
                         refused)
            self.rounds.append(done)
            self.round += 1
            self.choices = dict.fromkeys(GOVERNMENTS)
            self.said = f"Round {done.number} played: {short_date(m.spec.date_of(first))}"\
                f" to {short_date(m.spec.date_of(done.last))}."
            self.version += 1
            return done

    def set_paused(self, paused: bool) -> None:
        """Pause (rounds wait for the instructor) or resume (they play when both chose)."""
        with self.lock:
            self.paused = paused
            self.version += 1
            if not paused and not self.over and all(
                    c is not None for c in self.choices.values()):
                self.play_round()

    def inject(self, button: Injection) -> str:
        """The instructor applies a pressure; it acts on the next day played."""
        with self.lock:
            if self.over:
                raise InputError.single("inject", "the game is over")
            self.model.inject(button.kind, sender=button.sender, target=button.target,
                              duration_days=button.duration_days)
            self.said = f"{button.label}: applied from {short_date(self.model.date)}."
            self.version += 1
            return self.said

    def end(self) -> None:
        """End the game: the class's path is then drawn against the model's fan."""
        with self.lock:
            self.ended = True
            self.version += 1

    def fan(self, runs: int = FAN_RUNS) -> Ensemble:
        """The model's own play of the same scenario, seed and instructor's pressures.

        Computed outside the game's lock (a second of work), so the teams' requests go on.
        """
        with self.lock:
            key = (runs, len(self.model.injected))
            if key in self._fans:
                return self._fans[key]
        ens = run_ensemble_like(self.model, runs=runs, injected=key[1])
        with self.lock:
            self._fans[key] = ens
        return ens

    # ------------------------------------------------------------------ what clients see

    def team_view(self, gov: str) -> dict[str, Any]:
        """What a team's government sees, and the actions it may pick.

        Its own hostility, readiness and pain, the other side's hostility, the table and
        relations, deaths, the outcome so far, and whether the other team has chosen (not
        what).
        """
        with self.lock:
            m = self.model
            i = GOVERNMENTS.index(gov)
            other = 1 - i
            scn = m.spec
            return {
                "team": gov, "name": TEAM_NAMES[gov], "title": scn.title, "round": self.round,
                "date": short_date(m.spec.date_of(max(m.day - 1, 0))), "day": m.day,
                "days_left": m.horizon - m.day, "round_days": self.round_days,
                "hostility": round(float(m.hostility[i, 0]), 3),
                "other_hostility": round(float(m.hostility[other, 0]), 3),
                "readiness": round(float(m.readiness[i, 0]), 3),
                "pain": round(float(m.pain[i, 0]), 3),
                "threshold": float(scn.escalation.threshold),
                "talks_bar": float(scn.talks.threshold),
                "in_talks": bool(m.in_talks[0]),
                "relations_open": bool(m.relations_open[0]),
                "deaths": round(float(m.casualties[0])),
                "outcome": Outcome(int(m.outcome[0])).label,
                "chosen": None if self.choices[gov] is None else self.choices[gov].label,
                "other_chosen": self.choices[GOVERNMENTS[other]] is not None,
                "actions": [{"action": a.name.lower(), "label": a.label,
                             "words": action_words(a, gov)} for a in self.available(gov)],
                "paused": self.paused, "over": self.over, "version": self.version,
                "last_round": None if not self.rounds else self.rounds[-1].__dict__,
            }

    def moves(self) -> list[FeedItem]:
        """The teams' moves as feed lines (what each team chose, on the round's first day)."""
        out = []
        for r in self.rounds:
            for gov in GOVERNMENTS:
                refused = r.refused.get(gov)
                why = f"It was not possible on its day ({refused}): the government held." \
                    if refused else f"Round {r.number}, chosen by the team."
                out.append(FeedItem(r.first, r.first, "team move",
                                    f"The {TEAM_NAMES[gov]}: {r.choices[gov]}.", why))
        return out

    def status(self) -> dict[str, Any]:
        """The instructor's view of the teams: joined, chosen (not what), the round."""
        with self.lock:
            return {"round": self.round, "paused": self.paused, "over": self.over,
                    "version": self.version, "said": self.said,
                    "teams": {g: {"name": TEAM_NAMES[g], "joined": self.joined[g],
                                  "chosen": self.choices[g] is not None}
                              for g in GOVERNMENTS},
                    "rounds": [r.__dict__ for r in self.rounds]}
