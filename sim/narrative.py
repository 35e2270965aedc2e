"""A plain-language, dated account of one run (replicate 0 of a Results).

The account lists each pressure as it acts, each government's visible choice with the state
that drove it (hostility, readiness, pain), the turning points (readiness crossing the bar,
talks opening or breaking off, an incident, an offer accepted, the escalation threshold
crossed) and the outcome with the deal terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.agents import RETALIATION, Action
from sim.cameo import EventCode
from sim.model import VARIABLES
from sim.pressures import CATALOGUE
from sim.scenario import GOVERNMENTS

if TYPE_CHECKING:
    from sim.results import Results

NAMES = {"us": "the United States", "venezuela": "Venezuela"}
_V = list(VARIABLES)


@dataclass(frozen=True)
class Entry:
    """One dated line of the account."""

    day: int
    text: str
    kind: str


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _who(actor: str, results: Results) -> str:
    if actor in NAMES:
        return NAMES[actor]
    for t in results.scenario.third_parties:
        if t.id == actor:
            return t.name
    return actor


def _value(results: Results, day: int, name: str) -> float:
    return float(results.data.trace[day, _V.index(name), 0])


def entries(results: Results) -> list[Entry]:
    """The account of replicate 0 as dated entries, in order."""
    data = results.data
    out: list[Entry] = []
    for f in data.firings:
        fx = CATALOGUE[f.type]
        what = fx.description
        if f.started:
            what = f"{what} begins"
        extra = ""
        if f.count > 1:
            extra += f" ({f.count:g} in one day)"
        if f.deaths:
            about = "" if float(f.deaths).is_integer() else "about "
            extra += f", {about}{f.deaths:.0f} killed"
        out.append(Entry(f.day, f"{_cap(_who(f.sender, results))}: {what} against "
                         f"{_who(f.target, results)}{extra}. [CAMEO {fx.event.code}, "
                         f"Goldstein {fx.event.goldstein:+.1f}]", "pressure"))
    if data.trace.shape[2]:
        threshold = results.scenario.escalation.threshold
        for i, gov in enumerate(GOVERNMENTS):
            acts = data.trace[:, _V.index(f"action_{gov}"), 0]
            for day in np.flatnonzero(acts > 0):
                out.append(Entry(int(day), _action_text(results, int(day), gov, i,
                                                        Action(int(acts[day])), threshold),
                                 "action"))
    for tp in data.turning_points:
        out.append(Entry(tp.day, _turning_text(results, tp), "turning point"))
    order = {"pressure": 0, "turning point": 1, "action": 2}
    return sorted(out, key=lambda e: (e.day, order[e.kind]))


def _action_text(results: Results, day: int, gov: str, i: int, action: Action,
                 threshold: float) -> str:
    who = _cap(NAMES[gov])
    h = _value(results, day, f"hostility_{gov}")
    r = _value(results, day, f"readiness_{gov}")
    p = _value(results, day, f"pain_{gov}")
    from sim.agents import ACTION_EVENTS  # noqa: PLC0415

    code: EventCode = ACTION_EVENTS[action][i]
    tag = f" [CAMEO {code.code}, Goldstein {code.goldstein:+.1f}]"
    match action:
        case Action.ESCALATE:
            what = ("threatens military force" if gov == "us" else "mobilises its forces")
            why = f"its hostility stands at {h:.2f} (escalation at {threshold:g})"
        case Action.DE_ESCALATE:
            what, why = "de-escalates", f"sanction pain {p:.2f}, readiness to talk {r:.2f}"
        case Action.SIGNAL_OPENNESS:
            what, why = "signals it is open to talks", f"its readiness to talk is {r:.2f}"
        case Action.CONCEDE:
            what, why = "softens its demands", f"its readiness to talk is {r:.2f}"
        case Action.RETALIATE:
            what, why = RETALIATION[i], "answering today's pressure"
        case _:
            raise ValueError(f"no text for action {action}")
    return f"{who} {what}: {why}.{tag}"


def _turning_text(results: Results, tp) -> str:
    d = tp.detail
    match tp.kind:
        case "ready":
            return (f"{_cap(NAMES[tp.actor])} is now ready to talk: readiness {d['readiness']:.2f}"
                    f" reached the bar of {d['bar']:.2f}.")
        case "not_ready":
            return (f"{_cap(NAMES[tp.actor])} is no longer ready to talk: readiness "
                    f"{d['readiness']:.2f} fell below {d['bar']:.2f}.")
        case "talks_open":
            return "Talks open: both governments are ready to sit down. [CAMEO 046, +7.0]"
        case "talks_break":
            return (f"Talks break off: hostility reached {d['hostility']:.2f} "
                    f"(talks break off at {results.scenario.talks.breakdown_hostility:g}).")
        case "incident":
            return (f"An incident between the two sides' forces raises hostility on both "
                    f"sides by {d['jump']:.2f}. [CAMEO 190, −10.0]")
        case "agreement":
            terms = ", ".join(f"{k} {v:.2f}" for k, v in d["terms"].items())
            nash = ", ".join(f"{k} {v:.2f}" for k, v in d["nash"].items())
            return (f"Agreement: the offers have crossed and both accept. Terms (0 = Caracas's "
                    f"ideal, 1 = Washington's): {terms}; the Nash bargaining solution would be "
                    f"{nash}. [CAMEO 057, +8.0]")
        case "escalation":
            return (f"Escalation: {d['cause']}; hostility {d['hostility']:.2f} against a "
                    f"threshold of {results.scenario.escalation.threshold:g}.")
        case _:
            raise ValueError(f"no text for turning point {tp.kind}")


def outcome_text(results: Results) -> str:
    """One paragraph on how replicate 0 ended."""
    row = results.runs.iloc[0]
    scn = results.scenario
    o = row["outcome"]
    if o == "stalemate":
        return (f"By {scn.end:%d %B %Y} there were neither talks, nor a deal, nor escalation: "
                "stalemate.")
    when = scn.date_of(int(row["day"]))
    if o == "talks":
        return (f"Talks opened on {when:%d %B %Y}; no deal was reached by {scn.end:%d %B %Y}.")
    if o == "agreement":
        terms = ", ".join(f"{i} {row[f'deal_{i}']:.2f}" for i in ("drugs", "oil", "migration"))
        return f"Agreement on {when:%d %B %Y}. Deal terms: {terms}."
    return f"Escalation on {when:%d %B %Y} ({row['escalation_cause']})."


def narrative_markdown(results: Results) -> str:
    """The account of replicate 0 as a markdown document."""
    scn = results.scenario
    lines = [f"# {scn.title}", "", f"One run (replicate {int(results.runs.iloc[0]['replicate'])}"
             f", seed {results.seed}) told day by day. Other runs of the same scenario differ: "
             "see summary.json for how often each outcome happened.", ""]
    if not results.data.firings and not results.data.turning_points:
        lines += ["(No account was recorded for this run.)", ""]
    current = None
    for e in entries(results):
        date = scn.date_of(e.day)
        if date != current:
            lines += ["", f"**{date:%A %d %B %Y}** (day {e.day})", ""]
            current = date
        lines.append(f"- {e.text}")
    lines += ["", "## Outcome", "", outcome_text(results), ""]
    return "\n".join(lines)
