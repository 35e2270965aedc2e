"""One run on one page: how it ends, the key moments, and what happened with repeats grouped.

``dipsim explain`` prints this by default (``--full`` prints every day in detail,
:func:`sim.output.narrative.narrative_markdown`), and ``narrative.md`` and the report start
with it. It is written for a reader who has not read ``docs/model.md``: no event codes, no
scores or choice probabilities, and a run of similar events (32 boat strikes over four
months) is one line, ``32 boat strikes, 110 killed, 2 Sep – 31 Dec 2025``.

- **Key moments**: the turning points (a government ready to talk, and why; talks opening,
  breaking off or walked out of; deals closed or broken; the first escalation; a leader
  removed), the first clash of forces, and pressures that are rupture steps or demand that
  a leader go;
- **What happened**: every pressure, choice and turning point, in date order, with events of
  one kind less than :data:`GROUP_GAP_DAYS` apart grouped into one line;
- **Where things stood at the end**: hostility, readiness, pain, deaths, deals in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sim.model.agents import Action
from sim.model.narration import TurningPoint
from sim.model.pressures import CATALOGUE, PressureKind, PressureType
from sim.output.choices import action_past
from sim.output.narrative import (
    narrative_markdown,
    outcome_text,
    state_numbers,
    towards,
    turning_entry,
)
from sim.output.story import Story
from sim.output.wording import NAMES, cap, day_month, who
from sim.scenario.schema import GOVERNMENTS

#: Events of one kind closer than this (days) are told as one line.
GROUP_GAP_DAYS = 21

#: What several events of a type are called.
PLURALS: dict[PressureType, str] = {
    PressureType.BOAT_STRIKE: "boat strikes",
    PressureType.COVERT_LAND_STRIKE: "covert strikes on land",
    PressureType.OVERT_LAND_STRIKE: "overt military strikes on land",
    PressureType.TANKER_SEIZURE: "seizures of oil tankers",
    PressureType.TERRORIST_DESIGNATION: "terrorist designations",
    PressureType.BOUNTY: "bounties or indictments of the leadership",
    PressureType.PRISONER_SWAP: "prisoner releases or swaps",
    PressureType.DEPORTATION_FLIGHTS_RESUMED: "resumptions of deportation flights",
    PressureType.DIALOGUE_OFFER: "public offers of dialogue",
    PressureType.RELIEF_OFFER: "offers of relief for a concession",
    PressureType.UNILATERAL_STEP: "steps taken alone on questions under negotiation",
    PressureType.EXIT_DEMAND: "demands that the leader leave power",
}

#: Turning points that are key moments (a government becoming ready only the first time).
KEY_KINDS = ("ready", "talks_open", "talks_break", "walk_out", "agreement", "narrow_deal",
             "deal_broken", "escalation", "leader_removed")


def date_range(first: dt.date, last: dt.date) -> str:
    """Two dates as a short span: ``1–20 Oct 2025``, ``2 Sep – 31 Dec 2025``."""
    if first == last:
        return f"{first.day} {first:%b %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


@dataclass
class Line:
    """One line of the one-page account: when (a day or a span) and what."""

    first: int
    last: int
    text: str

    def render(self, story: Story) -> str:
        """The line as a markdown list item."""
        return f"- **{date_range(story.date(self.first), story.date(self.last))}**: {self.text}"


def _groups(days: list[int]) -> list[list[int]]:
    """Indices of ``days`` (sorted) split where two are :data:`GROUP_GAP_DAYS` apart or more."""
    out: list[list[int]] = []
    for k, d in enumerate(days):
        if out and d - days[out[-1][-1]] < GROUP_GAP_DAYS:
            out[-1].append(k)
        else:
            out.append([k])
    return out


def _killed(deaths: float) -> str:
    if not deaths:
        return ""
    about = "" if float(deaths).is_integer() else "about "
    return f", {about}{deaths:.0f} killed"


def pressure_lines(story: Story) -> list[Line]:
    """The pressures that acted, events of one kind grouped (see :data:`GROUP_GAP_DAYS`)."""
    scn = story.scenario
    kinds: dict[tuple, list] = {}
    for f in story.firings:
        kinds.setdefault((f.type, f.sender, f.target, f.started), []).append(f)
    lines = []
    for (ptype, sender, _, started), firings in kinds.items():
        fx = CATALOGUE[ptype]
        by = who(sender, scn)
        for group in _groups([f.day for f in firings]):
            fs = [firings[k] for k in group]
            count = sum(f.count for f in fs)
            deaths = sum(f.deaths for f in fs)
            injected = any("-injected-" in f.pressure for f in fs)
            tail = " (applied from the classroom page)" if injected else ""
            toward = towards(fs[0], scn)
            if started or fx.kind is PressureKind.STATE:
                text = f"{cap(by)}: {fx.description} begins {toward}"
            elif count <= 1:
                text = f"{cap(by)}: {fx.description} {toward}"
            else:
                noun = PLURALS.get(ptype, f"{fx.description} ({count:g} times)")
                text = f"{count:g} {noun} by {by} {toward}"
            lines.append(Line(fs[0].day, fs[-1].day, f"{text}{_killed(deaths)}{tail}."))
    return lines


def action_lines(story: Story) -> list[Line]:
    """Each government's visible choices, the same choice repeated grouped into one line."""
    seen: dict[tuple[str, Action], list[int]] = {}
    if story.decisions:
        for d in story.decisions:
            if Action(d.action) is not Action.HOLD:
                seen.setdefault((d.actor, Action(d.action)), []).append(d.day)
    elif len(story.trace):
        from sim.output.wording import V  # noqa: PLC0415

        for gov in GOVERNMENTS:
            acts = story.trace[:, V[f"action_{gov}"]]
            for day in np.flatnonzero(acts > 0):
                seen.setdefault((gov, Action(int(acts[day]))), []).append(int(day))
    lines = []
    for (gov, action), days in seen.items():
        i = GOVERNMENTS.index(gov)
        for group in _groups(days):
            n = len(group)
            times = "" if n == 1 else (" twice" if n == 2 else f" {n} times")
            lines.append(Line(days[group[0]], days[group[-1]],
                              f"{cap(NAMES[gov])} {action_past(action, gov, i)}{times}."))
    return lines


def _turning_lines(story: Story) -> list[Line]:
    """Turning points in the order they happened.

    A government crossing the readiness bar back and forth is one line, where it first
    crossed.
    """
    lines = []
    flips: dict[str, list[TurningPoint]] = {}
    for tp in story.turning_points:
        if tp.kind in ("ready", "not_ready"):
            flips.setdefault(tp.actor or "", []).append(tp)
    for tp in story.turning_points:
        if tp.kind == "incident":
            continue
        tps = flips.get(tp.actor or "", []) if tp.kind in ("ready", "not_ready") else []
        if len(tps) <= 2:
            lines.append(Line(tp.day, tp.day, turning_entry(tp, story).text))
        elif tp is tps[0]:
            ups = sum(t.kind == "ready" for t in tps)
            lines.append(Line(tps[0].day, tps[-1].day,
                              f"{cap(NAMES.get(tp.actor or '', tp.actor or ''))} was ready to "
                              f"talk on and off (it reached the bar {ups} times)."))
    incidents = [tp for tp in story.turning_points if tp.kind == "incident"]
    for group in _groups([tp.day for tp in incidents]):
        n = len(group)
        text = ("A clash between the two sides' forces." if n == 1 else
                f"{n} clashes between the two sides' forces.")
        lines.append(Line(incidents[group[0]].day, incidents[group[-1]].day, text))
    return lines


def key_moments(story: Story) -> list[Line]:
    """The moments a reader should know first, each with its reason, in date order."""
    out = []
    ready_told: set[str] = set()
    for tp in story.turning_points:
        if tp.kind not in KEY_KINDS:
            continue
        if tp.kind == "ready":
            if tp.actor in ready_told:
                continue
            ready_told.add(tp.actor or "")
        if tp.kind == "escalation" and any(e.kind == "escalation" for e in
                                           story.turning_points[:story.turning_points.index(tp)]):
            continue
        entry = turning_entry(tp, story)
        out.append(Line(tp.day, tp.day, f"{entry.text} {entry.plain_why}".strip()))
    incidents = [tp for tp in story.turning_points if tp.kind == "incident"]
    if incidents:
        more = f" ({len(incidents)} in all)" if len(incidents) > 1 else ""
        out.append(Line(incidents[0].day, incidents[0].day,
                        f"First clash between the two sides' forces{more}: it raises "
                        "hostility on both sides."))
    told: set[PressureType] = set()
    escalated = {tp.day for tp in story.turning_points if tp.kind == "escalation"}
    for f in story.firings:
        fx = CATALOGUE[f.type]
        if f.day in escalated and fx.escalates:
            continue  # told as the escalation it caused
        if (fx.escalates or fx.exit_demand > 0) and f.type not in told:
            told.add(f.type)
            out.append(Line(f.day, f.day, f"{cap(who(f.sender, story.scenario))}: "
                            f"{fx.description} against {who(f.target, story.scenario)}."))
    return sorted(out, key=lambda line: line.first)


def in_force_at_start(story: Story) -> str:
    """The measures already in force when the run starts (oil sanctions since 2019, ...)."""
    scn = story.scenario
    held = []
    for pid, p in zip(scn.pressure_ids(), scn.pressures, strict=True):
        since = p.since
        if since is not None and (p.until is None or p.until >= scn.start):
            held.append(f"{pid.replace('_', ' ')} since {day_month(since)}")
    return "; ".join(held)


def end_state(story: Story) -> str:
    """Where things stood on the last day told, in one paragraph."""
    if not len(story.trace):
        return ""
    last = len(story.trace) - 1
    if story.outcome_day >= 0 and story.outcome.absorbing:
        last = min(last, story.outcome_day)
    return f"On {day_month(story.date(last))}: {state_numbers(story, last)}"


def brief_markdown(story: Story) -> str:
    """The run on one page, as markdown (``dipsim explain``; the top of ``narrative.md``)."""
    scn = story.scenario
    lines = [f"# {scn.title}", "",
             f"One run of this scenario (run {story.replicate}, seed {story.seed}), told on one "
             "page. Other runs of the same scenario differ: the report and summary.json say "
             "how often each outcome happened. `dipsim explain --full` tells every day in "
             "detail.", "",
             "## How it ends", "", outcome_text(story), ""]
    moments = key_moments(story)
    lines += ["## Key moments", ""]
    lines += [m.render(story) for m in moments] or ["- Nothing out of the ordinary."]
    lines += ["", "## What happened", ""]
    held = in_force_at_start(story)
    if held:
        lines += [f"In force from the start: {held}.", ""]
    # Sorted by first day only (a stable sort): on one day, pressures, then choices, then
    # turning points in the order they happened.
    chronology = sorted(pressure_lines(story) + action_lines(story) + _turning_lines(story),
                        key=lambda line: line.first)
    if not chronology:
        lines.append("(No account was recorded for this run.)")
    lines += [c.render(story) for c in chronology]
    ending = end_state(story)
    if ending:
        lines += ["", "## Where things stood at the end", "", ending]
    return "\n".join(lines) + "\n"


def narrative_file_markdown(story: Story) -> str:
    """``narrative.md``: the run on one page, then every day in full detail."""
    full = narrative_markdown(story).split("\n", 1)[1].lstrip("\n")  # without its title
    return f"{brief_markdown(story)}\n## Every day in detail\n\n{full}"
