"""The classroom page's tabs: this run, the fan of many runs, side by side, and Info.

Each chart is a :func:`~sim.ui.widgets.VegaChart` whose spec (:mod:`sim.ui.page_charts`) is
built once per scenario and screen size, and whose datasets change as the run moves. Work
that takes a second or more (the bands behind the live path, the fan, a comparison) runs in
a thread and shows its progress.
"""

from __future__ import annotations

from typing import Any

import markdown
import solara

from sim.model.outcomes import Outcome
from sim.ui import page_charts as charts
from sim.ui.classroom import BAND_RUNS, scenario_choices
from sim.ui.page_state import Job, PageState
from sim.ui.page_views import INFO, answer_html, end_card_html, feed_html
from sim.ui.widgets import VegaChart

#: The datasets each live chart draws.
LIVE_SETS = {"path": ("run", "marks", "talks"), "hostility": ("hostility",),
             "readiness": ("readiness",), "offers": ("offers", "gaps", "deal")}


def _sizes(state: PageState) -> charts.Sizes:
    width, height = state.viewport or (None, None)
    return charts.sizes_for(width, height)


def Progress(job: Job, what: str) -> None:
    """A progress bar with what is being computed, while ``job`` runs."""
    # The job's values, not the job, are the component's arguments: they change as it runs.
    _ProgressBar(running=job.running, done=round(job.progress, 2), what=what)


@solara.component
def _ProgressBar(running: bool, done: float, what: str):
    if not running:
        return
    value: Any = done * 100 if done > 0 else True
    with solara.Column(gap="2px", classes=["dipsim-progress"]):
        solara.Text(f"{what}… {done:.0%}" if done > 0 else f"{what}…", style="font-size:18px")
        solara.ProgressLinear(value=value)


def live_specs(state: PageState, bands: Any) -> dict[str, Any]:
    """The four live charts' specs for the state's scenario and screen."""
    scn, sizes = state.model.spec, _sizes(state)
    return {"path": charts.path_chart(scn, bands, sizes),
            "hostility": charts.hostility_chart(scn, sizes),
            "readiness": charts.readiness_chart(scn, sizes),
            "offers": charts.offers_chart(scn, sizes)}


def warm_charts(state: PageState) -> None:
    """Build the live charts once (imports the chart library), before anyone asks."""
    live_specs(state, None)


@solara.component
def LiveTab(state: PageState):
    """This run: the end-of-run card, the four charts and the feed."""
    state.version.value  # noqa: B018 - redraw when the state changes
    m = state.model
    sizes = _sizes(state)
    solara.use_thread(state.compute_bands, dependencies=[state.bands], intrusive_cancel=False)
    bands = state.bands.result
    scn = m.spec
    specs = solara.use_memo(lambda: live_specs(state, bands), [id(scn), sizes, id(bands)])
    data = solara.use_memo(lambda: charts.run_data(m),
                           [id(m), m.day, len(m.firings), len(m.injections)])
    if (m.finished or not m.running) and not state.end_card_closed:
        EndCard(state)
    if state.viewport is None:  # the browser reports its size at once: draw once, at size
        solara.Text("Drawing the charts…", style="font-size:20px")
        return
    with solara.Div(classes=["dipsim-live"]):
        with solara.Column(gap="4px"):
            Progress(state.bands, f"The bands: {BAND_RUNS} runs of this scenario")
            with solara.Div(classes=["dipsim-charts"]):
                for name, sets in LIVE_SETS.items():
                    VegaChart(spec=specs[name], data={k: data[k] for k in sets},
                              name=f"{scn.name}-{name}", stamp=m.day)
        solara.HTML(tag="div", unsafe_innerHTML=feed_html(m))


@solara.component
def EndCard(state: PageState):
    """What just happened, with the key moments, once the run is over."""
    state.version.value  # noqa: B018 - redraw when the state changes
    with solara.Column(gap="0px"):
        solara.HTML(tag="div", unsafe_innerHTML=end_card_html(state.model))
        with solara.Row(gap="8px"):
            solara.FileDownload(state.story_markdown,
                                filename=f"{state.model.spec.name}-story.md",
                                label="Save the story (Markdown)", mime_type="text/markdown")

            def close() -> None:
                state.end_card_closed = True
                state.bump()

            solara.Button("Close", on_click=close, text=True, classes=["dipsim-close-card"])


@solara.component
def FanTab(state: PageState):
    """The same scenario many times: the answer first, then the fan and how runs ended."""
    state.version.value  # noqa: B018 - redraw when the state changes
    m = state.model
    sizes = _sizes(state)
    solara.use_thread(state.compute_fan, dependencies=[state.fan], intrusive_cancel=False)
    ens = state.fan.result
    this = Outcome(int(m.outcome[0]))
    specs = solara.use_memo(lambda: None if ens is None else (
        charts.fan_chart(ens, sizes), charts.outcome_chart(ens, sizes, this=this)),
        [id(ens), sizes, this])
    run = solara.use_memo(lambda: charts.series(m.trace[:m.day, 0, 0], m.spec),
                          [id(m), m.day])
    Progress(state.fan, f"Running {state.runs} runs")
    if ens is None or specs is None:
        return
    solara.HTML(tag="div", unsafe_innerHTML=answer_html(ens, m))
    with solara.Div(classes=["dipsim-two"]):
        VegaChart(spec=specs[0], data={"run": run}, name=f"{m.spec.name}-fan", stamp=m.day)
        VegaChart(spec=specs[1], name=f"{m.spec.name}-outcomes", stamp=m.day)


@solara.component
def RevealFan(state: PageState):
    """The fan with this run and the day the vote stopped, for the reveal."""
    state.version.value  # noqa: B018 - redraw when the state changes
    m, shown, ens = state.model, state.revealed, state.fan.result
    sizes = _sizes(state)
    this = Outcome(int(m.outcome[0]))
    specs = solara.use_memo(lambda: None if shown is None or ens is None else (
        charts.fan_chart(ens, sizes, marked_day=shown.day,
                         title=f"This run among {len(ens.outcome)} runs"),
        charts.outcome_chart(ens, sizes, this=this)),
        [id(ens), sizes, None if shown is None else shown.day, this])
    if shown is None or ens is None or specs is None:
        return
    run = charts.series(m.trace[:m.day, 0, 0], m.spec)
    with solara.Div(classes=["dipsim-two"]):
        VegaChart(spec=specs[0], data={"run": run}, name=f"{m.spec.name}-vote-fan",
                  stamp=m.day)
        VegaChart(spec=specs[1], name=f"{m.spec.name}-vote-outcomes", stamp=m.day)


@solara.component
def CompareTab(state: PageState):
    """Two scenarios, or one with a pressure removed, on common random numbers."""
    state.version.value  # noqa: B018 - redraw when the state changes
    m = state.model
    sizes = _sizes(state)
    request, set_request = solara.use_state(0)
    options = {f"{m.spec.name} without {pid}": f"drop:{pid}" for pid in m.spec.pressure_ids()}
    options.update({c.label: c.key for c in scenario_choices() if c.key != state.key})
    names = {v: k for k, v in options.items()}
    if not state.compare_with or state.compare_with not in names:
        state.compare_with = next(iter(options.values()), "")

    def run_comparison() -> None:
        if request:
            state.compute_comparison()

    solara.use_thread(run_comparison, dependencies=[request], intrusive_cancel=False)
    with solara.Row(gap="10px", style="align-items:center;flex-wrap:wrap",
                    classes=["dipsim-controls"]):
        solara.HTML(tag="div", unsafe_innerHTML=(
            f'<div class="dipsim-why">A is <b>{m.spec.title}</b> with this run\'s levers and '
            f'seed; B is:</div>'))
        with solara.Div(style="min-width:420px;flex:1 1 420px"):
            solara.Select("B", values=list(options), value=names.get(state.compare_with),
                          on_value=lambda label: setattr(state, "compare_with",
                                                         options[label]))
        solara.Button(f"Compare ({state.runs} runs each)", color="primary",
                      on_click=lambda: set_request(request + 1),
                      disabled=state.comparison.running, classes=["dipsim-compare-go"])
    Progress(state.comparison, f"Running A and B, {state.runs} runs each, on the same chances")
    if state.comparison.error:
        solara.Error(state.comparison.error)
    result = state.comparison.result
    specs = solara.use_memo(lambda: None if result is None else (
        charts.comparison_fans(result, sizes), charts.difference_chart(result, sizes)),
        [id(result), sizes])
    if result is None or specs is None:
        return
    rows = charts.difference_rows(result)
    moved = sorted(rows, key=lambda r: -abs(r["d"]))[:2]
    words = "; ".join(f"{r['outcome']} {r['a']:.0%} → {r['b']:.0%} ({r['label']}, 95% "
                      f"interval {r['lo']:+.0%} to {r['hi']:+.0%})" for r in moved)
    solara.HTML(tag="div", unsafe_innerHTML=(
        f'<div class="dipsim-answer dipsim-compare">A: {result.label_a}; B: {result.label_b}.'
        f" Run r of A and run r of B draw the same chances, so the difference is the change "
        f"itself. Biggest changes: {words}.</div>"))
    with solara.Div(classes=["dipsim-two"]):
        VegaChart(spec=specs[0], name="side-by-side-fans")
        VegaChart(spec=specs[1], name="side-by-side-difference")


@solara.component
def InfoTab():
    """What this is, what to notice, the eight outcomes in plain words, the keys."""
    # Rendered here, not with solara.Markdown, which fetches KaTeX from the internet.
    text = solara.use_memo(lambda: markdown.markdown(INFO, extensions=["tables"]), [])
    solara.HTML(tag="div", unsafe_innerHTML=text, classes=["dipsim-info"])
