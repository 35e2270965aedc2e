"""The classroom page: one run of a scenario live in the browser, and the same scenario 500 times.

``dipsim demo [SCENARIO]`` serves this module with ``solara run --production`` on localhost.
The page is Mesa's :func:`~mesa.visualization.SolaraViz`: its sidebar holds Mesa's controls
(Reset, play/pause, Step, the play interval that sets the speed) and the model parameters
(the seed and the main levers, which apply when Reset rebuilds the model). Beside them the
page adds what a class needs:

- buttons that inject a pressure **now** into the running model (strike a dock, seize a
  tanker, offer talks, grant a licence, pause deportation flights), acting on the next day;
- the outcome, large enough to read from the back of the room;
- live charts, redrawn each step: the conflict-cooperation path against the bands that runs
  ending in escalation and runs reaching talks follow, both sides' hostility against the
  escalation threshold, their readiness to talk against the bar, and the offers on drugs,
  oil and migration;
- the latest events as a dated feed in plain words (:mod:`sim.output.narrative`);
- a second tab with the ensemble: the same scenario, levers, seed and injected pressures
  over 500 replicates, drawn as a fan with P(outcome), so the class sees the spread and not
  just one story.

The page's model and its ensemble live in :mod:`sim.ui.classroom`, its charts in
:mod:`sim.ui.live_charts`.
"""

from __future__ import annotations

import functools
import html
from typing import Any

import matplotlib

matplotlib.use("Agg")
import solara
import solara.lab
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter
from solara.alias import rw

from sim.model.issues import ISSUES
from sim.model.outcomes import Outcome
from sim.model.pressures import CATALOGUE
from sim.output.narrative import Entry, entries, escalation_words, outcome_headline
from sim.output.palette import OUTCOME_COLOURS
from sim.output.story import Story
from sim.scenario.errors import InputError
from sim.scenario.levers import LEVERS
from sim.scenario.schema import Scenario
from sim.ui.classroom import (
    ENSEMBLE_RUNS,
    FEED_LENGTH,
    INJECTIONS,
    ClassroomModel,
    Injection,
    _short_date,
    apply_injection,
    ensemble_for,
    model_params,
)
from sim.ui.live_charts import LiveCharts, ensemble_png


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


def _entry_colour(e: Entry) -> str:
    """Red for conflict, green for cooperation, blue for a government's choice."""
    conflict, calm = "#b03a2e", "#1e8449"
    if e.kind == "action":
        return "#1f4e9c"
    if e.kind == "state of play":
        return "#555555"
    if e.tag:
        goldstein = float(e.tag.rsplit("Goldstein ", 1)[-1])
        return conflict if goldstein < 0 else calm
    return conflict if "no longer" in e.text else calm


def _entry_html(e: Entry, scenario: Scenario) -> str:
    colour = _entry_colour(e)
    weight = "700" if e.kind == "turning point" else "500"
    return (f'<div class="dipsim-event" style="margin:0 0 8px 0;">'
            f'<div style="font-size:13px;color:#666">{_short_date(scenario.date_of(e.day))}'
            f' · {html.escape(e.kind)}</div>'
            f'<div style="font-size:16px;font-weight:{weight};color:{colour}">'
            f'{html.escape(e.text)}</div>'
            f'<div style="font-size:13px;color:#444">{html.escape(e.why)}</div></div>')


def feed_html(model: ClassroomModel) -> str:
    """The event feed: pressures queued from the buttons, then the latest events, newest first."""
    story = Story.from_model(model)
    items = []
    for p in model.injected:
        if model.spec.day_of(p.at) >= model.day:
            items.append(f'<div class="dipsim-event dipsim-queued" style="margin:0 0 8px 0;'
                         f'font-size:15px;color:#7d3c98">Queued for {_short_date(p.at)}: '
                         f'{html.escape(CATALOGUE[p.type].description)} '
                         f'({html.escape(p.sender)} on {html.escape(p.target)})</div>')
    told = [e for e in entries(story) if e.kind != "state of play" or e.day == model.day - 1]
    items += [_entry_html(e, model.spec) for e in reversed(told[-FEED_LENGTH:])]
    if not items:
        items.append('<div style="font-size:15px;color:#666">Nothing has happened yet: press '
                     'Step or ▶.</div>')
    return '<div class="dipsim-feed">' + "".join(items) + "</div>"


def banner_html(model: ClassroomModel) -> str:
    """The outcome banner: the date, then the outcome so far in letters readable from afar."""
    story = Story.from_model(model)
    scn = model.spec
    shown = scn.date_of(max(model.day - 1, 0))
    outcome = story.outcome
    headline = outcome_headline(story)
    if outcome is Outcome.STALEMATE and not story.finished:
        headline, colour = "Talks or escalation?", "#34495e"
    else:
        colour = OUTCOME_COLOURS[outcome.label]
    detail = ""
    if outcome in (Outcome.NARROW_DEAL, Outcome.BROAD_AGREEMENT) and story.deal is not None:
        detail = "Deal: " + ", ".join(f"{i} {v:.2f}" for i, v in zip(ISSUES, story.deal,
                                                                     strict=True))
        detail += " (0 = Caracas's ideal, 1 = Washington's)"
    elif outcome is Outcome.ESCALATION:
        detail = escalation_words(story).capitalize()
    elif outcome is Outcome.LEADER_REMOVED:
        detail = ("Force against a leader whose exit Washington demands removed him: the run "
                  "ends")
    elif outcome is Outcome.TALKS:
        detail = "Both governments are at the table" if model.in_talks[0] else \
            "Talks opened, then broke off"
    day_text = (f"Day {model.day} of {model.horizon} · {shown:%A} {shown.day} {shown:%B %Y}"
                if model.day else f"Before day 1 · {scn.start:%A} {scn.start.day} "
                                  f"{scn.start:%B %Y}")
    notes = "".join(f'<div style="color:#b03a2e;font-size:14px">{html.escape(n)}</div>'
                    for n in model.notes)
    if model.levers_applied:
        changed = "; ".join(f"{_lever_label(k)} {_lever_value(v)}"
                            for k, v in model.levers_applied.items())
        notes += (f'<div class="dipsim-levers" style="color:#555;font-size:15px">'
                  f'Changed for this run: {html.escape(changed)}</div>')
    return (f'<div class="dipsim-outcome" data-outcome="{outcome.label}" '
            f'style="border-left:12px solid {colour};padding:6px 16px;margin-bottom:6px">'
            f'<div style="font-size:18px;color:#444">{html.escape(scn.title)} · {day_text}'
            f'</div><div class="dipsim-headline" style="font-size:46px;font-weight:800;'
            f'line-height:1.15;color:{colour}">{html.escape(headline)}</div>'
            f'<div style="font-size:18px;color:#333">{html.escape(detail)}</div>{notes}</div>')


@solara.component
def OutcomeBanner(model: ClassroomModel):
    """The date and the outcome so far, large."""
    update_counter.get()
    solara.HTML(tag="div", unsafe_innerHTML=banner_html(model))


@solara.component
def LivePanel(model: ClassroomModel):
    """The live charts, redrawn when the day changes."""
    update_counter.get()
    bands = solara.use_memo(lambda: ensemble_for(model, with_injections=False), [model])
    charts = solara.use_memo(lambda: LiveCharts(model, bands), [model])
    png = solara.use_memo(lambda: charts.png(model), [model, model.day, len(model.firings)])
    rw.Image(value=png, format="png", layout=rw.Layout(width="100%", height="auto"))


@solara.component
def EventFeed(model: ClassroomModel):
    """The latest events in plain words, newest first."""
    update_counter.get()
    text = solara.use_memo(lambda: feed_html(model),
                           [model, model.day, len(model.injected)])
    solara.HTML(tag="div", unsafe_innerHTML=text,
                style="max-height:560px;overflow-y:auto;padding-right:6px")


@solara.component
def InjectButtons(model: ClassroomModel):
    """Buttons that apply a pressure now, acting on the next simulated day."""
    update_counter.get()
    active = model.running and not model.finished

    def press(button: Injection) -> None:
        try:
            model.said = apply_injection(model, button)
        except InputError as exc:
            model.said = f"Not applied: {exc.problems[0].message}"
        force_update()

    with solara.Card("Act now", margin=0, style="margin-bottom:8px"):
        with solara.Row(gap="6px", style="flex-wrap:wrap"):
            for button in INJECTIONS:
                solara.Button(button.label, on_click=functools.partial(press, button),
                              disabled=not active, color="error" if CATALOGUE[
                                  button.kind].event.goldstein < 0 else "success",
                              outlined=True, classes=["dipsim-inject"])
        if model.said:
            solara.Text(model.said, style="font-size:14px;color:#7d3c98")


@solara.component
def EnsembleView(model: ClassroomModel):
    """The same scenario over many runs: a fan of the path and P(outcome)."""
    ens = solara.use_memo(lambda: ensemble_for(model, with_injections=True),
                          [model, len(model.injected)])
    png = solara.use_memo(lambda: ensemble_png(ens), [ens])
    parts = [f"{o.label} {p:.0%} ({lo:.0%}–{hi:.0%})" for o, p, lo, hi in ens.probabilities()]
    injected = (f", with the {ens.injected} pressure(s) injected so far" if ens.injected
                else "")
    solara.HTML(tag="div", unsafe_innerHTML=(
        f'<div class="dipsim-ensemble" style="font-size:20px;margin:6px 0">'
        f'{len(ens.outcome)} runs of the same scenario, levers and seed{injected}: '
        f'{html.escape("; ".join(parts))}. Each run draws its own chances, so the same '
        f'pressures can end differently.</div>'))
    rw.Image(value=png, format="png", layout=rw.Layout(width="100%", height="auto"))


@solara.component
def Classroom(model: solara.Reactive[ClassroomModel]):
    """The page's main area: the outcome, then tabs for this run and for many runs."""
    m = model.value
    OutcomeBanner(m)
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab("This run"), solara.Columns([2, 1]):
            LivePanel(m)
            with solara.Column(gap="0px"):
                InjectButtons(m)
                EventFeed(m)
        with solara.lab.Tab(f"{ENSEMBLE_RUNS} runs"):
            EnsembleView(m)


@solara.component
def Page():
    """The classroom page: Mesa's SolaraViz controls, then the classroom panels."""
    initial = solara.use_memo(ClassroomModel, [])
    model = solara.use_reactive(initial)
    scn = initial.spec
    SolaraViz(model, components=[], model_params=model_params(scn),
              name=f"dipsim classroom: {scn.title}", play_interval=150)
    Classroom(model)
