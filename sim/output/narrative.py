"""A plain-language, dated account of one run, and why each thing happened.

The account tells one replicate (replicate 0 of a run, :meth:`Results.story
<sim.output.results.Results.story>`, or the live model of the classroom page) the way a
student reads a chronology:

- **pressures**, each with what it does to the government it targets (hostility, sanction
  pain, the credibility of the sender's threats, openness to talk) and where that government
  stands afterwards;
- each government's **choices** other than holding still, with why: the inputs that drove
  the choice (hostility, readiness to talk, pain, how fighting compares with the other side's
  offer, today's provocation), the action's score against holding still (its utility) and the
  chance the logit choice gave it that day;
- the **turning points**: readiness crossing the bar for talks, talks opening or breaking
  off, incidents at sea, an offer accepted, the escalation threshold crossed;
- a monthly **state of play** (hostility, readiness and pain against their thresholds), so a
  quiet month is explained too;
- the **outcome**, with the deal terms in words on each issue.

:func:`narrative_markdown` writes the account as markdown (``narrative.md`` in every results
folder, and ``dipsim explain``); :func:`entries` gives the dated entries the page's event feed
shows. Both read a :class:`Story`, built from results or from a running model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents import Action
from sim.model.issues import ISSUES
from sim.model.narration import TurningPoint
from sim.model.outcomes import Outcome
from sim.model.pressures import CATALOGUE, PressureKind, PressureType
from sim.model.timeline import Firing
from sim.output.choices import decision_entry, trace_action_entries
from sim.output.story import Story
from sim.output.wording import (
    ADJECTIVES,
    CAPITALS,
    ISSUE_ENDS,
    NAMES,
    NOTICEABLE,
    Entry,
    cap,
    day_month,
    readiness_reason,
    tag,
    who,
)
from sim.scenario.schema import GOVERNMENTS, Scenario

if TYPE_CHECKING:
    pass

# ---------------------------------------------------------------------------- pressures


def _intensities(scenario: Scenario) -> dict[str, float]:
    return {pid: float(p.intensity)
            for pid, p in zip(scenario.pressure_ids(), scenario.pressures, strict=True)}


def _pressure_effects(f: Firing, intensity: float, scenario: Scenario) -> str:
    """What one pressure does, from the catalogue, in words about its target."""
    fx = CATALOGUE[f.type]
    target = who(f.target, scenario)
    whose = _possessive(target)
    sender_capital = CAPITALS.get(f.sender, who(f.sender, scenario))
    target_capital = CAPITALS.get(f.target, target)
    said = []
    if fx.escalates:
        said.append("a rupture step: it counts as escalation (the run goes on)")
    if fx.exit_demand > 0:
        said.append(f"{target_capital}'s leader now bargains for his survival: the range of "
                    f"deals narrows, and {sender_capital} counts his concessions and openness "
                    "for less while the demand stands")
    hostility = intensity * fx.hostility + fx.hostility_per_death * f.deaths
    if hostility > NOTICEABLE:
        said.append(f"it raises {whose} hostility by about {hostility:.2f}")
    elif hostility < -NOTICEABLE:
        said.append(f"it calms {whose} hostility by about {-hostility:.2f}")
    pain = intensity * fx.pain
    if fx.kind is PressureKind.STATE and pain > 0:
        said.append(f"while it holds, {whose} sanction pain is pushed toward {pain:.2f} "
                    "more (dulled as it adapts)")
    elif fx.kind is PressureKind.STATE and pain < 0:
        said.append(f"while it holds, {whose} sanction pain eases by up to {-pain:.2f}")
    elif pain > 0:
        said.append(f"a one-off economic shock of {pain:.2f} to {whose} sanction pain")
    if fx.resolve > 0:
        said.append(f"{target_capital} takes {sender_capital}'s threats more seriously")
    if fx.sender_commitment >= 0.5:
        said.append(f"{sender_capital} is committed in public, so backing down would cost "
                    "it more")
    if fx.target_commitment > 0:
        said.append(f"{target_capital}'s leaders find it harder to step back")
    if fx.signal > 0:
        said.append(f"a signal of openness that raises {whose} readiness to talk")
    if fx.mediation > 0:
        said.append("a mediator lowers the bar for opening talks")
    if fx.presence > 0:
        said.append("forces in close proximity raise the daily risk of an incident")
    if fx.offer > 0:
        tracks = {pid: p.track for pid, p in zip(scenario.pressure_ids(), scenario.pressures,
                                                 strict=True)}
        track = f" on {tracks[f.pressure].value}" if tracks.get(f.pressure) else ""
        said.append(f"relief offered in exchange for a concession{track}: a payment that "
                    "can close a narrow deal")
    if fx.relief > 0:
        said.append("the oil status quo moves toward Caracas while it holds")
    if fx.flights_paused > 0:
        said.append("the migration status quo moves toward Caracas while flights are paused")
    if fx.seizure:
        said.append("oil buyers outside the sanctions back off a little")
    return "; ".join(said)


def _standing(story: Story, day: int, actor: str) -> str:
    """Where a government stands at the end of a day: hostility and pain, with changes."""
    if actor not in GOVERNMENTS:
        return ""
    changed, steady = [], []
    for var, label in (("hostility", "hostility"), ("pain", "sanction pain")):
        now = story.value(day, f"{var}_{actor}")
        then = story.before(day, f"{var}_{actor}")
        if np.isnan(now):
            continue
        if not np.isnan(then) and abs(now - then) >= NOTICEABLE:
            changed.append(f"{label} {then:.2f} → {now:.2f}")
        elif var == "hostility":
            steady.append(f"{label} is {now:.2f}")
    if changed:
        return f"{ADJECTIVES[actor]} {' and '.join(changed)} by the end of the day."
    if steady:
        return f"{ADJECTIVES[actor]} {steady[0]} at the end of the day."
    return ""


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def towards(f: Firing, scenario: Scenario) -> str:
    """``against Venezuela`` for coercion, ``for``/``to`` for what is offered."""
    target = who(f.target, scenario)
    if f.type is PressureType.MEDIATION:
        return "between Washington and Caracas"
    if CATALOGUE[f.type].event.goldstein < 0:
        return f"against {target}"
    return f"to {target}" if f.type is PressureType.DIALOGUE_OFFER else f"for {target}"


def _pressure_entries(story: Story) -> list[Entry]:
    scn = story.scenario
    intensity = _intensities(scn)
    explained: set[tuple[str, bool]] = set()
    out = []
    for f in story.firings:
        fx = CATALOGUE[f.type]
        what = fx.description + (" begins" if f.started else "")
        extra = ""
        if f.count > 1:
            extra += f" ({f.count:g} in one day)"
        if f.deaths:
            about = "" if float(f.deaths).is_integer() else "about "
            extra += f", {about}{f.deaths:.0f} killed"
        injected = "-injected-" in f.pressure
        text = (f"{cap(who(f.sender, scn))}: {what} {towards(f, scn)}{extra}"
                f"{' (applied from the classroom page)' if injected else ''}.")
        key = (f.type.value, f.started)
        why = ""
        if key not in explained:
            explained.add(key)
            effects = _pressure_effects(f, intensity.get(f.pressure, 1.0), scn)
            why = f"What it does: {effects}." if effects else ""
        standing = _standing(story, f.day, f.target)
        why = f"{why} {standing}".strip()
        out.append(Entry(f.day, "pressure", text, why, tag(fx.event.code, fx.event.goldstein)))
    return out


# ---------------------------------------------------------------------------- turning points


def _since(story: Story, d: dict) -> str:
    return day_month(story.date(d["since"])) if "since" in d else "the start"


#: A grievance from which a deal's break is told as an answer to it (§3.12): a hazard of 5%
#: a day at the default reciprocity.
ANSWERED_GRIEVANCE = 0.05


def _break_reason(story: Story, d: dict) -> str:
    """Why a deal broke: an answer to a step taken alone or a withdrawal, or hostility."""
    grievance = d.get("grievance", 0.0)
    if grievance < ANSWERED_GRIEVANCE:
        return ("One side falls short and the other takes back what it gave; the likelier, "
                "the higher hostility runs.")
    if d.get("step_share", 0.0) >= 0.5:  # most of the grievance is the step's
        questions = " and ".join(d["step_tracks"])
        return (f"It answers the step taken alone on the {questions} question on "
                f"{day_month(story.date(d['step_day']))}: a condition of the deal unmet, "
                f"answered by taking back what was given ({_grievance_text(d)}).")
    return ("It answers relief or flights withdrawn: what one side took back, the other "
            f"answers in kind ({_grievance_text(d)}).")


def _grievance_text(d: dict) -> str:
    added = d.get("added_hazard", 0.0)
    if added >= 1.0:
        return "the grievance left made a break certain that day"
    return f"the grievance left adds {added:.0%} to the day's chance of a break"


def turning_entry(tp: TurningPoint, story: Story) -> Entry:
    """A turning point as an entry of the account: what happened and why."""
    d, scn, day = tp.detail, story.scenario, tp.day
    name = cap(NAMES.get(tp.actor or "", "someone"))
    match tp.kind:
        case "ready":
            return Entry(day, "turning point", f"{name} is now ready to talk.",
                         f"Its readiness to talk, {d['readiness']:.2f}, reached the bar of "
                         f"{d['bar']:.2f}. {readiness_reason(d, True, _since(story, d))}"
                         .strip())
        case "not_ready":
            going_on = (" The talks go on: only hostility high enough or a walk-out ends "
                        "them." if story.value(day, "in_talks") == 1 else "")
            return Entry(day, "turning point", f"{name} is no longer ready to talk.",
                         f"Its readiness to talk, {d['readiness']:.2f}, fell below "
                         f"{d['bar']:.2f}. {readiness_reason(d, False, _since(story, d))}"
                         f"{going_on}".strip())
        case "talks_open":
            return Entry(day, "turning point", "Talks open: both governments sit down.",
                         f"Both are ready: readiness US "
                         f"{story.value(day, 'readiness_us'):.2f}, Venezuela "
                         f"{story.value(day, 'readiness_venezuela'):.2f} (the bar is "
                         f"{scn.talks.threshold:g}, lower with a mediator). From now on each "
                         "side concedes along its aspiration curve.",
                         tag("046", 7.0),
                         brief="Both governments were ready to talk on the same day; from "
                               "now on each gives ground a little at a time.")
        case "talks_break":
            return Entry(day, "turning point", "Talks break off.",
                         f"Hostility reached {d['hostility']:.2f}; talks cannot survive "
                         f"hostility of {scn.talks.breakdown_hostility:g}.", tag("160", -4.0))
        case "incident":
            return Entry(day, "turning point",
                         "An incident between the two sides' forces (a clash at sea or in "
                         "the air).",
                         f"It raises hostility on both sides by {d['jump']:.2f}: forces "
                         "operating close together make accidents likelier.",
                         tag("190", -10.0))
        case "agreement":
            terms = _terms_text(tuple(d["terms"].values()))
            nash = ", ".join(f"{k} {v:.2f}" for k, v in d["nash"].items())
            return Entry(day, "turning point",
                         "Agreement: an offer is accepted.",
                         f"The offers crossed: what Washington offered now gives Caracas at "
                         f"least what it still asks. Terms: {terms}. (The Nash bargaining "
                         f"solution, the split that maximises both sides' gains over walking "
                         f"away, would be {nash}.)", tag("057", 8.0),
                         brief=f"The offers met. Terms: {terms}.")
        case "narrow_deal":
            tracks = " and ".join(d["tracks"])
            return Entry(day, "turning point", f"A narrow deal on {tracks}.",
                         "Both governments gain from it more than it costs them at home, "
                         "so it closes while the wider conflict goes on.", tag("057", 8.0))
        case "deal_broken":
            tracks = " and ".join(d["tracks"])
            return Entry(day, "turning point", f"The deal on {tracks} breaks down.",
                         _break_reason(story, d), tag("163", -8.0))
        case "walk_out":
            return Entry(day, "turning point", f"{name} walks out of the talks.",
                         "Provoked, hostile or no longer ready: the talks end.",
                         tag("164", -7.0))
        case "held_under_threat":
            n = d["defections"]
            what = ("a coercive measure" if n == 1 else f"{n:.0f} coercive measures")
            return Entry(day, "turning point",
                         f"{name} stays at the table despite {what} on the issues there.",
                         f"The other side has already used force on its soil: if it struck "
                         f"again, it could remove {name}'s leader (a {d['threat']:.0%} chance, "
                         "fading with the days since), and no one demands that he go, so "
                         "complying can still save him. Walking out is the riskier answer.",
                         brief="Force already shown on its soil makes walking out the "
                               "riskier answer.")
        case "leader_removed":
            return Entry(day, "turning point", "Venezuela's leader is removed by force.",
                         "A strike on land against a leader whose exit Washington demands "
                         "succeeds: the run ends here.", tag("190", -10.0))
        case "escalation":
            cause = ESCALATION_WORDS.get(d["cause"], "hostility reached the threshold")
            return Entry(day, "turning point", "Escalation.",
                         f"A rupture step: {cause} (hostility {d['hostility']:.2f}, threshold "
                         f"{scn.escalation.threshold:g}). The run goes on: talks, deals and a "
                         "removal can still follow.",
                         tag("190", -10.0))
        case _:
            raise ValueError(f"no text for turning point {tp.kind}")


def _terms_text(terms: tuple[float, ...]) -> str:
    """Deal terms per issue in words: what the number means and whom it favours."""
    parts = []
    for issue, v in zip(ISSUES, terms, strict=True):
        low, high = ISSUE_ENDS[issue]
        if v <= 0.05:
            words = f"{low} (Caracas's ideal)"
        elif v >= 0.95:
            words = f"{high} (Washington's ideal)"
        else:
            lean = ("closer to Caracas" if v < 0.4 else "closer to Washington" if v > 0.6
                    else "about halfway")
            words = f"{lean}, between {low} (0) and {high} (1)"
        parts.append(f"{issue} {v:.2f}, {words}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------- state of play


def _offers_text(story: Story, day: int) -> str:
    """What each side asks on each issue at the table (0 Caracas's ideal, 1 Washington's)."""
    asks = []
    for gov in GOVERNMENTS:
        terms = ", ".join(f"{i} {story.value(day, f'offer_{gov}_{i}'):.2f}" for i in ISSUES)
        asks.append(f"{'Washington' if gov == 'us' else 'Caracas'} proposes {terms}")
    return ("Offers (0 = Caracas's ideal, 1 = Washington's): " + "; ".join(asks) + ". Each "
            "side concedes a little as the talks go on; a deal comes when the offers cross.")


def state_numbers(story: Story, day: int, deaths_suffix: str = "") -> str:
    """The state on ``day`` in words: hostility, readiness, pain, deaths, deals, relations."""
    scn = story.scenario
    h = [story.value(day, f"hostility_{g}") for g in GOVERNMENTS]
    r = [story.value(day, f"readiness_{g}") for g in GOVERNMENTS]
    text = (f"hostility US {h[0]:.2f}, Venezuela {h[1]:.2f} (escalation at "
            f"{scn.escalation.threshold:g}); readiness to talk US {r[0]:.2f}, Venezuela "
            f"{r[1]:.2f} (talks need {scn.talks.threshold:g} on both sides); sanction pain "
            f"on Venezuela {story.value(day, 'pain_venezuela'):.2f}; "
            f"{story.value(day, 'casualties'):.0f} killed{deaths_suffix}.")
    deals = story.value(day, "deals_in_force")
    if deals > 0:
        text += f" Deals in force: {deals:.0f}."
    if story.value(day, "relations_open") == 0:
        text += " Diplomatic relations are broken."
    return text


def _state_entries(story: Story) -> list[Entry]:
    """On the first day and the first of each month: where both sides stand."""
    out = []
    last = len(story.trace) - 1
    if story.outcome is Outcome.LEADER_REMOVED and story.outcome_day >= 0:
        last = min(last, story.outcome_day)  # a run whose leader was removed has ended
    for day in range(last + 1):
        date = story.date(day)
        if day and date.day != 1:
            continue
        talks = bool(story.value(day, "in_talks"))
        text = "State of play: " + ("the governments are at the table." if talks
                                    else "no talks.")
        why = cap(state_numbers(story, day, " so far"))
        if talks:
            why += " " + _offers_text(story, day)
        out.append(Entry(day, "state of play", text, why))
    return out


# ---------------------------------------------------------------------------- the account

_ORDER = {"state of play": 0, "pressure": 1, "action": 2, "turning point": 3}


def entries(story: Story) -> list[Entry]:
    """The account as dated entries, in order: state of play, pressures, choices, turning points."""
    out = _pressure_entries(story)
    if story.decisions:
        out += [decision_entry(d, story) for d in story.decisions
                if Action(d.action) is not Action.HOLD]
    elif len(story.trace):
        out += trace_action_entries(story)
    out += [turning_entry(tp, story) for tp in story.turning_points]
    out += _state_entries(story)
    return sorted(out, key=lambda e: (e.day, _ORDER[e.kind]))


#: Each outcome in a few words, for headlines.
HEADLINES = {Outcome.TALKS: "Talks", Outcome.NARROW_DEAL: "A narrow deal",
             Outcome.BROAD_AGREEMENT: "A broad agreement",
             Outcome.TALKS_COLLAPSED: "Talks collapsed", Outcome.DEAL_BROKEN: "A deal broken",
             Outcome.ESCALATION: "Escalation", Outcome.LEADER_REMOVED: "Leader removed by force"}


def outcome_headline(story: Story) -> str:
    """The outcome in a few words, e.g. ``Escalation on 4 January 2026``."""
    scn = story.scenario
    if story.outcome is Outcome.STALEMATE:
        return f"Stalemate on {day_month(scn.end)}" if story.finished else "No outcome yet"
    when = day_month(story.date(story.outcome_day))
    if story.outcome is Outcome.TALKS:
        return f"Talks since {when}"
    return f"{HEADLINES[story.outcome]} on {when}"


#: What made a run escalate, as the end of a sentence (``escalation_cause`` labels).
ESCALATION_WORDS = {
    "relations broken": "a government broke diplomatic relations",
    "blockade": "a naval blockade",
    "covert strike on land": "a covert strike on land",
    "overt strike on land": "an overt military strike on land",
    "force chosen": "a government chose to use force on the other's territory or forces",
}


def escalation_words(story: Story) -> str:
    """Why the run escalated, in words: ``hostility reached the threshold of 1``, ..."""
    cause = story.escalation_cause or "hostility"
    if cause == "hostility":
        return f"hostility reached the threshold of {story.scenario.escalation.threshold:g}"
    return ESCALATION_WORDS[cause]


def outcome_text(story: Story) -> str:
    """A paragraph on how the run ended (or stands), with the deal terms in words.

    The outcome is the most serious thing that happened (``docs/model.md`` §1): a run that
    reached a deal and then escalated ends in escalation.
    """
    scn = story.scenario
    end = day_month(scn.end)
    when = day_month(story.date(story.outcome_day)) if story.outcome_day >= 0 else end
    match story.outcome:
        case Outcome.STALEMATE:
            r = [story.peak(f"readiness_{g}") for g in GOVERNMENTS]
            h = [story.peak(f"hostility_{g}") for g in GOVERNMENTS]
            if np.isnan(r + h).any():
                return ("Neither talks, nor a deal, nor escalation: stalemate."
                        if story.finished else "Nothing has happened yet.")
            return (f"{'By ' + end if story.finished else 'So far'} there were neither talks, "
                    f"nor a deal, nor escalation: stalemate. Talks need both governments ready "
                    f"at once (readiness {scn.talks.threshold:g}); the highest readiness was "
                    f"US {r[0]:.2f}, Venezuela {r[1]:.2f}. Escalation comes when hostility "
                    f"reaches {scn.escalation.threshold:g}; the highest was US {h[0]:.2f}, "
                    f"Venezuela {h[1]:.2f}.")
        case Outcome.TALKS:
            tail = (f"no deal was reached by {end}." if story.finished else "no deal yet.")
            return f"Talks opened on {day_month(story.date(story.talks_day))}; {tail}"
        case Outcome.NARROW_DEAL | Outcome.BROAD_AGREEMENT:
            what = ("A narrow deal, on one track," if story.outcome is Outcome.NARROW_DEAL
                    else "A broad agreement, on two tracks or more,")
            text = f"{what} on {when}."
            if story.deal is not None:
                text += f" The terms of the bargain at the table: {_terms_text(story.deal)}."
            if story.nash is not None:
                nash = ", ".join(f"{i} {v:.2f}" for i, v in zip(ISSUES, story.nash,
                                                               strict=True))
                text += f" The Nash bargaining solution would have been {nash}."
            return text
        case Outcome.TALKS_COLLAPSED:
            return (f"Talks collapsed on {when}: a side walked out, or hostility broke them "
                    "off, before any deal.")
        case Outcome.DEAL_BROKEN:
            return (f"A deal was reached and then broke down on {when}: one side fell short "
                    "and the other took back what it gave.")
        case Outcome.ESCALATION:
            return f"Escalation on {when}: {escalation_words(story)}."
        case Outcome.LEADER_REMOVED:
            return (f"Venezuela's leader was removed by force on {when}: a strike on land "
                    "against a leader whose exit Washington demanded succeeded.")
        case _:
            raise ValueError(f"no text for outcome {story.outcome}")


def narrative_markdown(story: Story) -> str:
    """The account of one replicate as a markdown document (``narrative.md``)."""
    scn = story.scenario
    lines = [f"# {scn.title}", "",
             f"One run (replicate {story.replicate}, seed {story.seed}) told day by day. Other "
             "runs of the same scenario differ: summary.json says how often each outcome "
             "happened.", "",
             f"**How it ends:** {outcome_text(story)}", "",
             "How to read it: hostility runs from 0 upward, and either side reaching the "
             f"escalation threshold ({scn.escalation.threshold:g}) is escalation. Readiness to "
             "talk runs from 0 to 1; talks open when both sides reach the bar "
             f"({scn.talks.threshold:g}). Each government picks one visible action a day by a "
             "weighted lottery over scores (a logit choice): holding still scores 0, an "
             "action's score rises with what favours it, and an unlikely action is sometimes "
             "drawn, as governments do not always take their likeliest option. Offers and "
             "terms are on a line from 0 (Caracas's ideal) to 1 (Washington's). The bracket "
             "after an event gives its CAMEO code and Goldstein weight (−10 war to +10 "
             "cooperation).", ""]
    if not story.firings and not story.turning_points and not story.decisions:
        lines += ["(No account was recorded for this run.)", ""]
    current = None
    for e in entries(story):
        date = story.date(e.day)
        if date != current:
            lines += ["", f"**{date:%A %d %B %Y}** (day {e.day})", ""]
            current = date
        lines.append(f"- {e.line}")
    lines += ["", "## Outcome", "", outcome_text(story), ""]
    return "\n".join(lines)
