"""The classroom page's text, as HTML: banner, readouts, feed, end-of-run card, Info tab.

Plain functions of a model or a story that return HTML strings (the page shows them with
``solara.HTML``; the tests read them directly). Sizes are set by the page's style sheet
(:data:`CSS`), which follows the screen: feed text is at least 18 px at 1280 x 800, and the
banner's headline about 40 px on a 1080p projector.

Day numbers follow ``dipsim explain``: day 0 is the scenario's first day, and the banner
names the last day simulated, so "day 32" on the page is "(day 32)" in the account.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from sim.model.issues import ISSUES
from sim.model.outcomes import Outcome
from sim.model.pressures import CATALOGUE
from sim.output.narrative import escalation_words, outcome_headline, outcome_text
from sim.output.palette import BLUE, OUTCOME_COLOURS, VERMILLION
from sim.output.story import Story
from sim.scenario.levers import LEVERS
from sim.scenario.schema import GOVERNMENTS
from sim.ui.classroom import short_date
from sim.ui.feed import FeedItem, feed_items, key_moments

if TYPE_CHECKING:
    from sim.ui.classroom import ClassroomModel

#: The page's style sheet: sizes for a projector, by screen width.
CSS = """
.dipsim-page { font-size: 18px; color: #1a1a1a; }
.dipsim-outcome { border-left: 12px solid #555; padding: 2px 14px; margin: 0; }
.dipsim-dayline { font-size: 20px; color: #333; }
.dipsim-headline { font-size: 40px; font-weight: 800; line-height: 1.1; }
.dipsim-detail { font-size: 20px; color: #222; }
.dipsim-note { font-size: 18px; color: #8a2c00; }
.dipsim-levers { font-size: 18px; color: #333; }
.dipsim-top { display: flex; flex-wrap: wrap; gap: 4px 24px; align-items: center;
              justify-content: space-between; }
.dipsim-top > :first-child { flex: 1 1 640px; }
.dipsim-top > :last-child { flex: 0 1 auto; }
.dipsim-readouts { display: grid; grid-template-columns: auto auto auto; gap: 2px 22px;
                   font-size: 20px; margin: 2px 0; }
.dipsim-readout b { font-size: 24px; }
.dipsim-feed, .dipsim-pinned { font-size: 18px; }
.dipsim-event { margin: 0 0 10px 0; }
.dipsim-when { font-size: 18px; color: #444; }
.dipsim-what { font-size: 20px; font-weight: 600; }
.dipsim-why { font-size: 18px; color: #333; }
.dipsim-pinned { border: 2px solid #333; border-radius: 6px; padding: 6px 10px;
                 margin-bottom: 10px; background: #fafafa; }
.dipsim-pinned-title { font-size: 18px; font-weight: 700; text-transform: uppercase;
                       letter-spacing: .05em; color: #333; }
.dipsim-queued { font-size: 18px; color: #6a2c91; margin-bottom: 8px; }
.dipsim-said { font-size: 18px; color: #6a2c91; }
.dipsim-feed-scroll { max-height: 62vh; overflow-y: auto; padding-right: 6px; }
.dipsim-controls .v-btn { font-size: 18px !important; text-transform: none !important;
                          letter-spacing: 0 !important; }
.dipsim-controls .v-btn:not(.v-btn--round) { min-height: 44px; }
.dipsim-controls .v-label, .dipsim-controls .v-select__selection,
.dipsim-panel .v-label { font-size: 18px !important; }
.dipsim-charts { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 18px; }
.dipsim-live { display: grid; grid-template-columns: minmax(0, 2fr) minmax(300px, 1fr);
               gap: 18px; }
.dipsim-two { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; }
.dipsim-answer { font-size: 24px; margin: 6px 0 10px 0; }
.dipsim-answer b { font-size: 28px; }
.dipsim-card { border: 3px solid #1a1a1a; border-radius: 8px; padding: 12px 18px;
               margin: 6px 0 12px 0; background: #fff; font-size: 20px; }
.dipsim-card h2 { font-size: 30px; margin: 0 0 6px 0; }
.dipsim-card li { margin: 4px 0; }
.dipsim-overlay { position: fixed; inset: 0; z-index: 2000; background: #fff;
                  overflow-y: auto; padding: 3vh 4vw; }
.dipsim-question { font-size: 56px; font-weight: 800; margin: 0 0 8px 0; }
.dipsim-sub { font-size: 26px; color: #333; margin-bottom: 18px; }
.dipsim-overlay .v-btn { font-size: 22px !important; text-transform: none !important;
                         min-height: 52px; }
.dipsim-tally { font-size: 30px; font-weight: 700; min-width: 2ch; display: inline-block;
                text-align: center; }
.dipsim-info { font-size: 20px; max-width: 70em; }
.dipsim-info h2 { font-size: 30px; } .dipsim-info h3 { font-size: 24px; }
.dipsim-info table { border-collapse: collapse; }
.dipsim-info td, .dipsim-info th { border: 1px solid #bbb; padding: 4px 10px;
                                   text-align: left; }
.dipsim-page .v-tab { font-size: 20px !important; text-transform: none !important; }
.v-slider__thumb-label { font-size: 14px !important; }
@media (max-width: 1199px) {
  .dipsim-live, .dipsim-two { grid-template-columns: 1fr; }
  .dipsim-headline { font-size: 34px; }
}
@media (min-width: 1600px) {
  .dipsim-page, .dipsim-feed, .dipsim-pinned, .dipsim-why, .dipsim-when, .dipsim-queued,
  .dipsim-said, .dipsim-levers, .dipsim-note { font-size: 22px; }
  .dipsim-what, .dipsim-dayline, .dipsim-detail, .dipsim-readouts { font-size: 24px; }
  .dipsim-readout b { font-size: 30px; }
  .dipsim-headline { font-size: 48px; }
  .dipsim-controls .v-btn, .dipsim-controls .v-label, .dipsim-page .v-tab {
    font-size: 22px !important; }
  .dipsim-answer { font-size: 28px; } .dipsim-answer b { font-size: 34px; }
  .dipsim-question { font-size: 72px; } .dipsim-sub { font-size: 32px; }
}
"""

UNDECIDED = "Talks, a deal or escalation?"
#: Feed lines that keep their explanation (the newest).
EXPLAINED = 4


def _e(text: Any) -> str:
    return html.escape(str(text))


def _lever_label(name: str) -> str:
    if name in LEVERS:
        return LEVERS[name].label
    gov = name.split(".")[1] if name.startswith("actors.") else name
    return f"{'US' if gov == 'us' else 'Venezuelan'} saliences"


def _lever_value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace(".000000", "").replace("0000", "")


def day_line(model: ClassroomModel) -> str:
    """The date of the last day simulated, its number as ``dipsim explain`` counts, days left."""
    scn = model.spec
    left = model.horizon - model.day
    if model.day == 0:
        d = scn.start
        return f"Starts {d:%A} {d.day} {d:%B %Y} (day 0) · {left} days to go"
    d = scn.date_of(model.day - 1)
    return f"{d:%A} {d.day} {d:%B %Y} (day {model.day - 1}) · {left} days left"


def banner_html(model: ClassroomModel) -> str:
    """The outcome banner: the date, then the outcome so far in letters readable from afar."""
    story = Story.from_model(model)
    outcome = story.outcome
    if outcome is Outcome.STALEMATE and not story.finished:
        headline, colour = UNDECIDED, "#34495e"
    else:
        headline, colour = outcome_headline(story), OUTCOME_COLOURS[outcome.label]
    detail = ""
    match outcome:
        case Outcome.NARROW_DEAL | Outcome.BROAD_AGREEMENT:
            if story.deal is not None:
                detail = "Deal: " + ", ".join(
                    f"{i} {v:.2f}" for i, v in zip(ISSUES, story.deal, strict=True)) + \
                    " (0 = Caracas's ideal, 1 = Washington's). The run goes on."
            else:
                detail = "A deal on one track; the run goes on."
        case Outcome.ESCALATION:
            detail = escalation_words(story).capitalize() + ". The run goes on."
        case Outcome.LEADER_REMOVED:
            detail = ("Force against a leader whose exit Washington demands removed him: the "
                      "run ends.")
        case Outcome.TALKS:
            detail = ("Both governments are at the table." if model.in_talks[0]
                      else "Talks opened, then ended.")
        case Outcome.TALKS_COLLAPSED:
            detail = "A side walked out, or hostility broke the talks off, before any deal."
        case Outcome.DEAL_BROKEN:
            detail = "A deal reached in this run broke down."
        case _:
            detail = "Nothing decided: neither talks, nor a deal, nor escalation." \
                if story.finished else ""
    notes = "".join(f'<div class="dipsim-note">{_e(n)}</div>' for n in model.notes)
    if model.levers_applied:
        changed = "; ".join(f"{_lever_label(k)} {_lever_value(v)}"
                            for k, v in model.levers_applied.items())
        notes += f'<div class="dipsim-levers">Changed for this run: {_e(changed)}</div>'
    return (f'<div class="dipsim-outcome" data-outcome="{outcome.label}" '
            f'data-day="{model.day}" style="border-left-color:{colour}">'
            f'<div class="dipsim-dayline">{_e(model.spec.title)} · {_e(day_line(model))}</div>'
            f'<div class="dipsim-headline" style="color:{colour}">{_e(headline)}</div>'
            f'<div class="dipsim-detail">{_e(detail)}</div>{notes}</div>')


def readouts_html(model: ClassroomModel) -> str:
    """Hostility and readiness of each side, deaths so far and days left, in large figures."""
    scn = model.spec
    parts = []
    for i, gov in enumerate(GOVERNMENTS):
        name = "US" if gov == "us" else "Venezuela"
        colour = BLUE if gov == "us" else "#9a6200"
        parts.append(f'<span class="dipsim-readout" data-readout="hostility_{gov}">{name} '
                     f'hostility <b style="color:{colour}">{model.hostility[i, 0]:.2f}</b>'
                     f' / {scn.escalation.threshold:g}</span>')
    parts.append(f'<span class="dipsim-readout" data-readout="deaths">deaths so far '
                 f'<b style="color:{VERMILLION}">{model.casualties[0]:.0f}</b></span>')
    for i, gov in enumerate(GOVERNMENTS):
        name = "US" if gov == "us" else "Venezuela"
        parts.append(f'<span class="dipsim-readout" data-readout="readiness_{gov}">{name} '
                     f'readiness <b>{model.readiness[i, 0]:.2f}</b> / '
                     f'{scn.talks.threshold:g}</span>')
    parts.append(f'<span class="dipsim-readout" data-readout="days_left">days left '
                 f'<b>{model.horizon - model.day}</b></span>')
    return '<div class="dipsim-readouts">' + "".join(parts) + "</div>"


def _item_html(item: FeedItem, model: ClassroomModel, explain: bool = True) -> str:
    colour = "#1a1a1a" if item.coercive is None else (
        "#a33a00" if item.coercive else "#00634a")
    if item.kind == "action":
        colour = BLUE
    first, last = model.spec.date_of(item.first), model.spec.date_of(item.last)
    when = short_date(first) if item.first == item.last else \
        f"{short_date(first)} – {short_date(last)}"
    why = f'<div class="dipsim-why">{_e(item.why)}</div>' if item.why and explain else ""
    return (f'<div class="dipsim-event" data-kind="{_e(item.kind)}" data-count="{item.count}">'
            f'<div class="dipsim-when">{_e(when)} · {_e(item.kind)}</div>'
            f'<div class="dipsim-what" style="color:{colour}">{_e(item.text)}</div>{why}</div>')


def feed_html(model: ClassroomModel, moves: list[FeedItem] | None = None) -> str:
    """The turning points pinned on top, pressures queued, then the feed, newest first.

    Args:
        model: The live model.
        moves: In the team game, the teams' moves, told instead of the governments'
            choices (which a team made, not the model's lottery).
    """
    items = feed_items(Story.from_model(model))
    if moves is not None:
        items = [i for i in items if i.kind != "action"] + moves
    pinned = [i for i in items if i.pinned]
    out = []
    if pinned:
        out.append('<div class="dipsim-pinned"><div class="dipsim-pinned-title">Turning '
                   'points</div>' + "".join(
                       f'<div class="dipsim-pin"><span class="dipsim-when">'
                       f'{_e(short_date(model.spec.date_of(i.first)))}</span> '
                       f'<span class="dipsim-what">{_e(i.text)}</span></div>' for i in pinned)
                   + "</div>")
    for i in model.injections:
        if i.day >= model.day:
            out.append(f'<div class="dipsim-event dipsim-queued">Queued for '
                       f'{_e(short_date(model.spec.date_of(i.day)))}: '
                       f'{_e(CATALOGUE[i.kind].description)} ({_e(i.sender)} on '
                       f'{_e(i.target)})</div>')
    order = sorted(range(len(items)), key=lambda k: (items[k].last, k), reverse=True)
    shown = [k for k in order if not items[k].pinned]
    # The newest few explain themselves; older lines keep only what happened.
    rolling = [_item_html(items[k], model, n < EXPLAINED) for n, k in enumerate(shown)]
    if not rolling and not pinned:
        rolling.append('<div class="dipsim-why">Nothing has happened yet: press Play '
                       '(space) or Step (→).</div>')
    return ('<div class="dipsim-feed">' + "".join(out) + '<div class="dipsim-feed-scroll">'
            + "".join(rolling) + "</div></div>")


def end_card_html(model: ClassroomModel) -> str:
    """The end-of-run card: what just happened, with the key moments."""
    story = Story.from_model(model)
    moments = "".join(
        f"<li><b>{_e(short_date(d))}</b>: {_e(text)} {_e(why)}</li>"
        for d, text, why in key_moments(story))
    return (f'<div class="dipsim-card dipsim-endcard" data-outcome="{story.outcome.label}">'
            f"<h2>What just happened</h2><div>{_e(outcome_text(story))}</div>"
            f"<div style='margin-top:8px'><b>Key moments</b><ol>{moments}</ol></div></div>")


def answer_html(ens: Any, model: ClassroomModel) -> str:
    """The fan's answer in one sentence, large: how the runs ended, with this run's outcome."""
    rows = sorted(ens.probabilities(), key=lambda r: -r[1])
    parts = [f"<b style='color:{OUTCOME_COLOURS[o.label]}'>{p:.0%}</b> "
             f"{_e(o.label.replace('_', ' '))}" for o, p, _, _ in rows if p >= 0.005][:4]
    this = Outcome(int(model.outcome[0]))
    injected = f", with the {ens.injected} pressure(s) applied from the page" \
        if ens.injected else ""
    return (f'<div class="dipsim-answer dipsim-ensemble">{len(ens.outcome)} runs of this '
            f'scenario{_e(injected)} ended: {", ".join(parts)}. This run so far: '
            f'<b style="color:{OUTCOME_COLOURS[this.label]}">'
            f'{_e(this.label.replace("_", " "))}</b>. The same pressures can end '
            "differently: each run draws its own chances.</div>")


INFO = """
## What this is
A simulation of one crisis between the governments of the United States and Venezuela, day
by day. Each government has its hostility (it feeds on the other's), its pain from sanctions,
and its readiness to talk. Pressures from the scenario's timeline (strikes on boats, tanker
seizures, sanctions, offers of talks) act on them; each day each government picks one
visible action (escalate, hold, de-escalate, signal openness, concede, retaliate, use force,
break relations, walk out of talks) by a weighted lottery over its scores, so two runs of
the same scenario can end differently.

## What to notice
- **Pain and readiness.** Sanctions raise readiness to talk; talks open only when *both*
  lines reach the bar at once.
- **Hostility feeds on hostility.** Each strike raises the other side's hostility, which
  raises its own; past the dashed line that is escalation.
- **Offers.** At the table each side concedes a little each day on the issues it cares
  least about: that is how a deal becomes possible.
- **One run is one story.** The fan tab shows the same scenario many times: judge the
  pressure by how the runs spread, not by one run.

## The eight outcomes, in plain words
A run's outcome is the most serious thing that happened in it; only a removed leader ends
a run, so a run that escalates goes on and can still reach talks.

| outcome | what it means |
| --- | --- |
| stalemate | nothing happened: no talks, no deal, no escalation |
| talks | both governments sat down at the table |
| narrow deal | a deal on one track (prisoners, oil, migration or drugs) |
| broad agreement | a deal on two tracks or more, or a political deal |
| talks collapsed | talks opened, then a side walked out, or hostility broke them, before a deal |
| deal broken | a deal was reached, then one side fell short and the other took back its part |
| escalation | force on land, a blockade, relations broken, or hostility past the threshold |
| leader removed | force against a leader whose exit Washington demands removed him: the run ends |

## Keys
**Space** plays or pauses, **→** steps one day, **R** starts the run again (with the levers
and seed as set). The turning points pinned above the feed are the moments a class vote
stops at.
"""
