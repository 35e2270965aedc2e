"""Each government's choices other than holding still, told with why (the account's actions).

For a recorded :class:`~sim.model.narration.Decision`: the inputs that drove the choice,
the action's score against holding still (its utility) and the chance the logit choice
gave it that day (``docs/model.md`` §3.7).
"""

from __future__ import annotations

import numpy as np

from sim.model.agents import ACTION_EVENTS, RETALIATION, Action
from sim.model.narration import Decision
from sim.output.story import Story
from sim.output.wording import NAMES, NOTICEABLE, Entry, V, cap, tag
from sim.scenario.schema import GOVERNMENTS, Scenario


def _action_what(action: Action, gov: str, i: int) -> str:
    match action:
        case Action.ESCALATE:
            return "threatens military force" if gov == "us" else "mobilises its forces"
        case Action.DE_ESCALATE:
            return "de-escalates"
        case Action.SIGNAL_OPENNESS:
            return "signals it is open to talks"
        case Action.CONCEDE:
            return "softens its demands"
        case Action.RETALIATE:
            return f"retaliates: {RETALIATION[i]}"
        case Action.USE_FORCE:
            return ("strikes on land" if gov == "us"
                    else "uses force against US forces")
        case Action.RUPTURE:
            return "breaks diplomatic relations"
        case Action.WALK_OUT:
            return "walks out of the talks"
        case _:
            raise ValueError(f"no text for action {action}")


#: Each government's retaliation, in the past tense.
_RETALIATED = ("imposed new administrative sanctions", "paused deportation flights")


def action_past(action: Action, gov: str, i: int, times: str = "") -> str:
    """What a government did, in the past tense: ``threatened military force twice``, ..."""
    match action:
        case Action.ESCALATE:
            verb = "threatened military force" if gov == "us" else "mobilised its forces"
        case Action.DE_ESCALATE:
            verb = "de-escalated"
        case Action.SIGNAL_OPENNESS:
            verb = "signalled it was open to talks"
        case Action.CONCEDE:
            verb = "softened its demands"
        case Action.RETALIATE:
            return f"retaliated{times} ({_RETALIATED[i]})"
        case Action.USE_FORCE:
            verb = "struck on land" if gov == "us" else "used force against US forces"
        case Action.RUPTURE:
            verb = "broke diplomatic relations"
        case Action.WALK_OUT:
            verb = "walked out of the talks"
        case _:
            raise ValueError(f"no text for action {action}")
    return verb + times


def _action_reason(d: Decision, scenario: Scenario) -> str:
    """The inputs that made an action attractive, in words."""
    x = d.inputs
    h, r, p = x.get("hostility", 0.0), x.get("readiness", 0.0), x.get("pain", 0.0)
    match d.action:
        case Action.ESCALATE:
            gain = x.get("war_gain", 0.0)
            if abs(gain) < NOTICEABLE:
                fight = "fighting looks about as good to it as the other side's offer"
            elif gain > 0:
                fight = f"fighting looks better to it than the other side's offer (by {gain:.2f})"
            else:
                fight = (f"fighting looks worse than the other side's offer (by {-gain:.2f}), "
                         "but not bad enough to rule out")
            return (f"its hostility is {h:.2f} (escalation comes at "
                    f"{scenario.escalation.threshold:g}) and {fight}")
        case Action.DE_ESCALATE:
            return (f"sanction pain of {p:.2f} and a readiness to talk of {r:.2f} weigh more "
                    f"than its hostility of {h:.2f}")
        case Action.SIGNAL_OPENNESS:
            ready = (f"its readiness to talk is {r:.2f} (talks open when both sides reach "
                     f"{scenario.talks.threshold:g})")
            if x.get("threat", 0.0) < NOTICEABLE:
                return ready
            measures = x.get("provocations", 0.0)
            what = ("the coercive measure it received today brings" if measures == 1 else
                    f"the {measures:.0f} coercive measures it received today bring")
            return (f"{ready}, and {what} home a {x.get('removal_by_other', 0.0):.0%} chance "
                    "that the other side's force would remove its leader, whose exit that side "
                    "demands")
        case Action.CONCEDE:
            where = "at the table" if x.get("in_talks", 0.0) else "before talks"
            return (f"{where}, with a readiness to talk of {r:.2f}, it gives up 5% more of "
                    "what it asked for")
        case Action.RETALIATE:
            return (f"it answers today's pressure, which raised its hostility by "
                    f"{x.get('provocation', 0.0):.2f}")
        case Action.USE_FORCE:
            return (f"force could remove a leader whose exit it demands (a chance of "
                    f"{x.get('removal', 0.0):.0%}), it has staked {x.get('staked', 0.0):.1f} "
                    f"in public, and the legal cost it already bears is "
                    f"{x.get('legal', 0.0):.2f}")
        case Action.RUPTURE:
            return (f"it faces a demand that its leader go ({x.get('demand', 0.0):.1f}, "
                    f"{x.get('onset', 0.0):.1f} of it made today) and "
                    f"{x.get('provocations', 0.0):.0f} coercive measures today")
        case Action.WALK_OUT:
            return (f"it received {x.get('defections', 0.0):.0f} coercive measures today on "
                    f"the issues at the table, with hostility {h:.2f} and readiness {r:.2f}")
        case _:
            raise ValueError(f"no reason for action {d.action}")


def _percent(p: float) -> str:
    if p in (0.0, 1.0):
        return f"{p:.0%}"
    if p < 0.01:
        return "under 1%"
    if p > 0.99:
        return "over 99%"
    return f"{p:.0%}"


def _chance(p: float) -> str:
    return "a chance of " + _percent(p)


def _action_name(label: str) -> str:
    return "holding still" if label == Action.HOLD.label else label


def decision_entry(d: Decision, story: Story) -> Entry:
    """A recorded decision as an entry: the action, why, its score and its chance."""
    i = GOVERNMENTS.index(d.actor)
    action = Action(d.action)
    code = ACTION_EVENTS[action][i]
    text = f"{cap(NAMES[d.actor])} {_action_what(action, d.actor, i)}."
    chance = d.probabilities.get(action.label, float("nan"))
    hold = d.probabilities.get(Action.HOLD.label, float("nan"))
    score = d.utilities.get(action.label, float("nan"))
    likeliest = max(d.probabilities, key=d.probabilities.get) if d.probabilities else ""
    odds = (f"its score for this was {score:+.1f} against 0 for holding still, "
            f"{_chance(chance)} today")
    if likeliest and likeliest != action.label:
        odds += (f"; {_action_name(likeliest)} was likelier "
                 f"({_percent(d.probabilities[likeliest])})")
    elif not np.isnan(hold):
        odds += f" (holding still {_percent(hold)})"
    why = f"Why: {_action_reason(d, story.scenario)}; {odds}."
    return Entry(d.day, "action", text, why, tag(code.code, code.goldstein))


def trace_action_entries(story: Story) -> list[Entry]:
    """Actions read from the trace, for stories recorded without decisions."""
    out = []
    for i, gov in enumerate(GOVERNMENTS):
        acts = story.trace[:, V[f"action_{gov}"]]
        for day in np.flatnonzero(acts > 0):
            action = Action(int(acts[day]))
            code = ACTION_EVENTS[action][i]
            out.append(Entry(int(day), "action",
                             f"{cap(NAMES[gov])} {_action_what(action, gov, i)}.", "",
                             tag(code.code, code.goldstein)))
    return out
