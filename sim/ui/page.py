"""The classroom page: one run of a scenario live in a projected browser, and many runs.

``dipsim demo [SCENARIO]`` serves it (through :mod:`sim.ui.app`) with ``solara run
--production`` on localhost. The page is built for a projector (docs/classroom.md):

- a banner with the date and the outcome so far in letters readable from the back of the
  room, and readouts of each side's hostility and readiness, deaths and days left;
- the controls on the page itself: play/pause (space), step (→), reset (R), the speed with
  its value shown, the scenario picker, the number of runs in the fan, class votes, the
  buttons that apply a pressure now and undo the last one, and saving the story;
- charts drawn by the browser (Vega-Lite, SVG) at their real size, with text sized for the
  screen; each saves itself as PNG or SVG;
- a feed that collapses repeated events and pins the turning points, and an end-of-run
  card with the key moments;
- tabs for the fan of many runs (with this run marked), two scenarios side by side on
  common random numbers (:mod:`sim.experiments.compare`), and an Info tab.

The page does not use Mesa's SolaraViz: its play loop must stop by itself where a class vote
stops, and its controls belong on the page, not in a sidebar. The model is still the Mesa
model (:class:`~sim.ui.classroom.ClassroomModel`); what the controls do lives in
:mod:`sim.ui.page_state`, the text in :mod:`sim.ui.page_views`, the charts in
:mod:`sim.ui.page_charts` and :mod:`sim.ui.page_tabs`.
"""

from __future__ import annotations

import functools

import solara
import solara.lab

from sim.ui.classroom import INJECTIONS, RUN_COUNTS, lever_controls, scenario_choices, short_date
from sim.ui.page_state import SPEED_MAX, SPEED_MIN, PageState
from sim.ui.page_tabs import CompareTab, FanTab, InfoTab, LiveTab, RevealFan
from sim.ui.page_views import CSS, banner_html, readouts_html
from sim.ui.votes import OPTIONS, reveal_words
from sim.ui.widgets import PageKeys

#: How far a vote "until a date" plays, as offered on the page (days, words).
VOTE_SPANS = ((7, "a week"), (14, "two weeks"), (30, "a month"), (91, "three months"))


@solara.component
def Banner(state: PageState):
    """The date and the outcome so far, with the readouts beside them."""
    state.version.value  # noqa: B018 - redraw when the state changes
    with solara.Div(classes=["dipsim-top"]):
        solara.HTML(tag="div", unsafe_innerHTML=banner_html(state.model))
        solara.HTML(tag="div", unsafe_innerHTML=readouts_html(state.model))


def _menu_button(label: str, classes: list[str]) -> solara.Element:
    return solara.Button(label, outlined=True, classes=classes)


@solara.component
def Toolbar(state: PageState):
    """The controls, on the page: play, step, reset, speed, scenario, runs, act, vote."""
    state.version.value  # noqa: B018 - redraw when the state changes
    m = state.model
    ended = m.finished or not m.running
    active = not ended
    choices = solara.use_memo(scenario_choices, [])
    labels = {c.label: c.key for c in choices}
    current = next((c.label for c in choices if c.key == state.key), None)
    levers_open, set_levers_open = solara.use_state(False)
    with solara.Row(gap="10px", style="flex-wrap:wrap;align-items:center",
                    classes=["dipsim-controls"]):
        solara.Button("❚❚ Pause (space)" if state.playing else "▶ Play (space)",
                      on_click=state.toggle_play, disabled=ended and not state.playing,
                      color="primary", classes=["dipsim-play"])
        solara.Button("Step (→)", on_click=state.step, disabled=ended, outlined=True,
                      classes=["dipsim-step"])
        solara.Button("Reset (R)", on_click=state.reset, outlined=True,
                      classes=["dipsim-reset"])
        with solara.Div(style="flex:0 0 290px", classes=["dipsim-speed"]):
            solara.SliderInt(f"Speed: {state.speed:g} days/s", value=int(state.speed),
                             min=SPEED_MIN, max=SPEED_MAX, on_value=state.set_speed,
                             thumb_label="always")
        if current is not None:
            with solara.Div(style="min-width:240px;flex:1 1 240px"):
                solara.Select("Scenario", values=list(labels), value=current,
                              on_value=lambda label: state.pick_scenario(labels[label]))
        with solara.Div(style="flex:0 0 130px"):
            solara.Select("Runs in the fan", values=[str(n) for n in RUN_COUNTS],
                          value=str(state.runs), on_value=lambda v: state.set_runs(int(v)))
        with solara.lab.Menu(activator=_menu_button("Act now ▾", ["dipsim-act"]),
                             use_activator_width=False), \
                solara.Column(gap="2px", classes=["dipsim-controls", "dipsim-menu"]):
                for button in INJECTIONS:
                    solara.Button(button.label, on_click=functools.partial(state.inject, button),
                                  disabled=not active, text=True, classes=["dipsim-inject"])
        solara.Button("Undo pressure", on_click=state.undo, disabled=not m.injections,
                      outlined=True, classes=["dipsim-undo"])
        with solara.lab.Menu(activator=_menu_button("Class vote ▾", ["dipsim-vote-menu"]),
                             use_activator_width=False), \
                solara.Column(gap="2px", classes=["dipsim-controls", "dipsim-menu"]):
                solara.Button("Until the next turning point", disabled=not active,
                              on_click=lambda: state.start_vote("turning point"), text=True,
                              classes=["dipsim-vote-turn"])
                for days, words in VOTE_SPANS:
                    until = min(m.spec.date_of(max(m.day - 1, 0) + days), m.spec.end)
                    solara.Button(f"Until {short_date(until)} ({words})", disabled=not active,
                                  on_click=functools.partial(state.start_vote, "date", until),
                                  text=True, classes=["dipsim-vote-date"])
        with solara.lab.Menu(activator=_menu_button("Levers ▾", ["dipsim-levers-menu"]),
                             open_value=levers_open, on_open_value=set_levers_open,
                             close_on_content_click=False, use_activator_width=False):
            if levers_open:  # a dozen sliders: made only when the menu opens
                LeverPanel(state)
        solara.FileDownload(state.story_markdown, filename=f"{m.spec.name}-story.md",
                            label="Story (.md)", mime_type="text/markdown")
    if state.said:
        solara.Text(state.said, classes=["dipsim-said"])


@solara.component
def LeverPanel(state: PageState):
    """The seed and the levers, with their values shown; they apply on Reset."""
    state.version.value  # noqa: B018 - redraw when the state changes
    controls = lever_controls(state.scenario)
    with solara.Column(classes=["dipsim-panel"], style="padding:12px 18px;max-width:760px"):
        solara.Text("Levers and seed: they apply when you press Reset.",
                    style="font-size:18px;font-weight:600")
        solara.InputText("Seed", value=state.seed_text, on_value=state.set_seed,
                         continuous_update=False)
        with solara.Div(style="display:grid;grid-template-columns:repeat(auto-fill,"
                              "minmax(320px,1fr));gap:4px 24px"):
            for c in controls:
                value = state.levers.get(c.name, c.value)
                if c.switch:
                    solara.Checkbox(label=c.label, value=bool(value),
                                    on_value=functools.partial(state.set_lever, c.name))
                else:
                    solara.SliderFloat(f"{c.label}: {float(value):g}", value=float(value),
                                       min=c.minimum, max=c.maximum, step=c.step,
                                       thumb_label="always",
                                       on_value=functools.partial(state.set_lever, c.name))


@solara.component
def VoteOverlay(state: PageState):
    """The full-screen prompt "What happens next?", then the reveal against the fan."""
    state.version.value  # noqa: B018 - redraw when the state changes
    vote, shown = state.vote, state.revealed
    if vote is None:
        return
    m = state.model
    with solara.Column(classes=["dipsim-overlay", "dipsim-vote"]):
        if shown is None:
            until = ("the next turning point" if vote.mode == "turning point"
                     else short_date(m.spec.date_of(vote.until)))
            now = short_date(m.spec.date_of(max(m.day - 1, 0)))
            solara.HTML(tag="div", unsafe_innerHTML=(
                f'<div class="dipsim-question">{vote.question}</div><div class="dipsim-sub">'
                f'{m.spec.title}: paused on {now}; the run plays until {until}. Count the '
                'hands, then press Play out.</div>'))
            for answer in OPTIONS:
                with solara.Row(gap="12px", style="align-items:center"):
                    solara.Button("−", on_click=functools.partial(state.count_hand, answer, -1),
                                  text=True, classes=["dipsim-hand-down"])
                    solara.HTML(tag="span", unsafe_innerHTML=(
                        f'<span class="dipsim-tally" data-answer="{answer}">'
                        f'{vote.tally[answer]}</span>'))
                    solara.Button(answer, on_click=functools.partial(state.count_hand, answer),
                                  outlined=True, classes=["dipsim-hand"],
                                  style="min-width:320px;justify-content:flex-start")
            with solara.Row(gap="12px", style="margin-top:18px"):
                label = "Playing…" if state.playing else "Play out"
                solara.Button(label, on_click=state.play_vote, color="primary",
                              disabled=state.playing, classes=["dipsim-play-out"])
                solara.Button("Cancel the vote", on_click=state.close_vote, text=True)
        else:
            words = "".join(f"<p>{w}</p>" for w in reveal_words(shown))
            solara.HTML(tag="div", unsafe_innerHTML=(
                f'<div class="dipsim-reveal" data-answer="{shown.answer}">'
                f'<div class="dipsim-question">{shown.headline}</div>'
                f'<div class="dipsim-sub">{words}</div></div>'))
            RevealFan(state)
            solara.Button("Back to the run", on_click=state.close_vote, color="primary",
                          classes=["dipsim-close-vote"])


@solara.component
def ClassroomPage():
    """The classroom page."""
    state = solara.use_memo(PageState, [])
    version = state.version.value  # redraw on every change of the state
    # Tell the play loop each frame drawn, so it steps no faster than the page draws.
    solara.use_effect(lambda: state.frame_drawn(version), [version])
    solara.use_thread(state.play_loop, dependencies=[state.playing, id(state.model)],
                      intrusive_cancel=False)
    solara.Style(CSS)
    PageKeys(event_key=state.on_key, event_viewport=state.on_viewport)
    solara.Title(f"dipsim classroom: {state.model.spec.title}")
    with solara.Column(gap="4px", classes=["dipsim-page"], style="padding:8px 14px"):
        Banner(state)
        Toolbar(state)
        with solara.lab.Tabs(lazy=True):
            with solara.lab.Tab("This run"):
                LiveTab(state)
            with solara.lab.Tab(f"{state.runs} runs"):
                FanTab(state)
            with solara.lab.Tab("Side by side"):
                CompareTab(state)
            with solara.lab.Tab("Info"):
                InfoTab()
    VoteOverlay(state)

