"""The classroom's charts as Vega-Lite specifications (built with Altair) and their data.

Each chart is a spec that stays fixed while a run plays (axes, thresholds, the bands of many
runs) plus named datasets that change each day (this run's path, the pressures so far, the
offers). The page's chart widget (:mod:`sim.ui.widgets`) embeds a spec once and then only
swaps the named datasets, so a step redraws in a few milliseconds; the browser draws the
spec as SVG at the element's real width, so the text stays sharp at any screen size.

Text sizes follow the screen (:func:`sizes_for`): at 1280 x 800 tick and legend labels are
16 px and titles 22 px, on a 1920 x 1080 projector 20 px and 28 px. Colours are the shared
Okabe-Ito palette (:mod:`sim.output.palette`): each outcome has one colour everywhere,
the US is blue and Venezuela orange, coercion vermillion and conciliation bluish green.

Nothing here reads the browser: the functions take a model, an ensemble or a comparison and
return plain dicts, so the tests check the specs and the data without a browser.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.model.issues import ISSUES
from sim.model.outcomes import OUTCOMES, Direction, Outcome
from sim.model.pressures import CATALOGUE
from sim.model.recording import VARIABLES
from sim.output.palette import (
    BLACK,
    BLUE,
    BLUISH_GREEN,
    ORANGE,
    OUTCOME_COLOURS,
    SKY_BLUE,
    VERMILLION,
)

if TYPE_CHECKING:
    from sim.experiments.compare import Comparison
    from sim.model.model import DiplomacyModel
    from sim.scenario.schema import Scenario
    from sim.ui.classroom import Ensemble

#: The Vega-Lite version the page's JavaScript compiles (the one solara-assets ships).
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
#: Colours of the two governments, and of coercive and conciliatory pressures.
GOVERNMENT_COLOURS = {"US": BLUE, "Venezuela": ORANGE}
PRESSURE_COLOURS = {"coercive": VERMILLION, "conciliatory": BLUISH_GREEN}
#: Outcomes grouped as the bands of the live path show them.
#: The two bands of the live path: where runs that ended each way were (middle half).
BAND_GROUPS = ("runs that ended in a rupture", "runs that reached talks or a deal")
RUPTURE = tuple(o for o in OUTCOMES if o.direction is Direction.RUPTURE)
SETTLEMENT = tuple(o for o in OUTCOMES if o.direction is Direction.SETTLEMENT)
#: Outcome names in plain words, for legends and bars.
OUTCOME_WORDS = {
    "stalemate": "stalemate", "talks": "talks", "narrow_deal": "narrow deal",
    "broad_agreement": "broad agreement", "talks_collapsed": "talks collapsed",
    "deal_broken": "deal broken", "escalation": "escalation",
    "leader_removed": "leader removed"}
_V = {name: i for i, name in enumerate(VARIABLES)}
_DAY_MS = 86_400_000


@dataclass(frozen=True)
class Sizes:
    """Text and chart sizes for one screen, in CSS pixels.

    Attributes:
        label: Tick, legend and axis-title labels.
        title: Chart titles.
        height: Height of one chart's plotting area.
        large: Whether this is a large (projector) screen.
    """

    label: int
    title: int
    height: int
    large: bool = False


def sizes_for(width: int | None, height: int | None) -> Sizes:
    """The sizes for a browser window of ``width`` x ``height`` CSS pixels.

    Labels of at least 16 px and titles of at least 22 px on every screen (legible from the
    back of a classroom at 1280 x 800); 20 px and 28 px from 1600 px wide, about the usual
    projection rule at 1080p. Charts share the height left under the banner and controls
    between two rows (with titles, axes and legends), within 180-420 px: all four fit on
    a 1080p screen; at 800 px the second row is below the fold. Unknown sizes (before the
    browser reports them) are taken as 1280 x 800.
    """
    width = width or 1280
    height = height or 800
    large = width >= 1600
    chart = int(min(max((height - 250) / 2 - 190, 180), 420))
    return Sizes(label=20 if large else 16, title=28 if large else 22, height=chart,
                 large=large)


def config(sizes: Sizes) -> dict[str, Any]:
    """The Vega-Lite ``config`` shared by every chart: text sizes and a plain look."""
    font = "Roboto, 'Helvetica Neue', Arial, sans-serif"
    return {
        "font": font,
        "axis": {"labelFontSize": sizes.label, "titleFontSize": sizes.label,
                 "labelColor": "#1a1a1a", "titleColor": "#1a1a1a", "titleFontWeight": 600,
                 "gridColor": "#e3e3e3", "labelLimit": 400},
        "legend": {"labelFontSize": sizes.label, "titleFontSize": sizes.label,
                   "orient": "bottom", "symbolSize": 260, "symbolStrokeWidth": 3,
                   "labelLimit": 500, "columnPadding": 18, "direction": "horizontal"},
        "title": {"fontSize": sizes.title, "anchor": "start", "fontWeight": 700,
                  "color": "#1a1a1a", "offset": 10,
                  "subtitleFontSize": sizes.label, "subtitleColor": "#333"},
        "text": {"fontSize": sizes.label},
        "view": {"stroke": None},
        "autosize": {"type": "fit-x", "contains": "padding"},
    }


def finish(chart: Any, sizes: Sizes) -> dict[str, Any]:
    """An Altair chart as a Vega-Lite v5 spec dict, sized to its element's width."""
    spec = chart.to_dict(validate=False)
    spec["$schema"] = VEGA_LITE_SCHEMA
    merged = config(sizes)
    for key, value in spec.get("config", {}).items():  # the chart's own settings win
        merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
    spec["config"] = merged
    spec["width"] = "container"
    return spec


def _alt() -> Any:
    import altair as alt  # noqa: PLC0415 - about a second to import; only the page needs it

    return alt


# ---------------------------------------------------------------------------- data helpers


def ms(scenario: Scenario, days: Iterable[float] | NDArray) -> list[int]:
    """Days of a scenario as UTC milliseconds (what Vega-Lite's time scales read)."""
    start = int(dt.datetime.combine(scenario.start, dt.time(), dt.UTC).timestamp() * 1000)
    return [start + round(float(d) * _DAY_MS) for d in days]


def clean(values: Iterable[float] | NDArray, digits: int = 4) -> list[float | None]:
    """Numbers ready for JSON: rounded, NaN as None (a gap in a line)."""
    return [None if not math.isfinite(v) else round(float(v), digits) for v in values]


def _time_x(alt: Any, scenario: Scenario, title: str | None = None) -> Any:
    lo, hi = ms(scenario, [0, scenario.horizon_days - 1])
    return alt.X("t:T", title=title, scale=alt.Scale(type="utc", domain=[lo, hi]),
                 axis=alt.Axis(format="%b", tickCount="month", labelOverlap=True,
                               grid=True))


def _government_colour(alt: Any, legend: bool = True) -> Any:
    names = list(GOVERNMENT_COLOURS)
    return alt.Color("who:N", title=None,
                     scale=alt.Scale(domain=names, range=[GOVERNMENT_COLOURS[n] for n in names]),
                     legend=alt.Legend() if legend else None)


# ---------------------------------------------------------------------------- this run


def run_data(model: DiplomacyModel) -> dict[str, dict[str, list[Any]]]:
    """The datasets of the live charts at the model's state (replicate 0), as columns.

    ``run``: the conflict-cooperation index by day; ``hostility`` and ``readiness``: both
    governments by day (long format); ``marks``: each pressure that acted (coercive or
    conciliatory); ``talks``: the stretches of days at the table; ``offers``: where each
    side's offer stands on each issue; ``deal``: the deal terms once agreed.
    """
    scn = model.spec
    days = model.day
    trace = model.trace[:days, :, 0].astype(float)
    t = ms(scn, range(days))
    data: dict[str, dict[str, list[Any]]] = {
        "run": {"t": t, "cc": clean(trace[:, _V["cc_index"]])}}
    for var in ("hostility", "readiness"):
        data[var] = {"t": t + t, "who": ["US"] * days + ["Venezuela"] * days,
                     "value": clean(np.r_[trace[:, _V[f"{var}_us"]],
                                          trace[:, _V[f"{var}_venezuela"]]])}
    kinds = ["coercive" if CATALOGUE[f.type].event.goldstein < 0 else "conciliatory"
             for f in model.firings]
    data["marks"] = {"t": ms(scn, [f.day for f in model.firings]), "kind": kinds,
                     "what": [CATALOGUE[f.type].description for f in model.firings]}
    in_talks = trace[:, _V["in_talks"]] > 0 if days else np.zeros(0, bool)
    edges = np.flatnonzero(np.diff(np.r_[0, in_talks.astype(int), 0]))
    data["talks"] = {"t0": ms(scn, edges[::2] - 0.5), "t1": ms(scn, edges[1::2] - 0.5)}
    offers = model.offers[:, :, 0]
    issues = [str(i) for i in ISSUES]
    data["offers"] = {"issue": issues * 2, "who": ["US"] * 3 + ["Venezuela"] * 3,
                      "value": clean(offers.ravel())}
    data["gaps"] = {"issue": issues, "lo": clean(offers.min(axis=0)),
                    "hi": clean(offers.max(axis=0))}
    deal = model.deal[:, 0]
    data["deal"] = ({"issue": issues, "value": clean(deal)} if np.isfinite(deal).all()
                    else {"issue": [], "value": []})
    return data


def _band_rows(scenario: Scenario, bands: Ensemble | None) -> list[dict[str, Any]]:
    """Rows of the live path's two bands: where runs ending each way typically were."""
    if bands is None:
        return []
    lo_r, hi_r = bands.band(RUPTURE)
    lo_s, hi_s = bands.band(SETTLEMENT)
    t = ms(scenario, range(scenario.horizon_days))
    rows = []
    for k, when in enumerate(t):
        for group, lo, hi in ((BAND_GROUPS[0], lo_r[k], hi_r[k]),
                              (BAND_GROUPS[1], lo_s[k], hi_s[k])):
            if math.isfinite(lo) and math.isfinite(hi):
                rows.append({"t": when, "group": group, "lo": round(float(lo), 3),
                             "hi": round(float(hi), 3)})
    return rows


def path_chart(scenario: Scenario, bands: Ensemble | None, sizes: Sizes) -> dict[str, Any]:
    """This run's conflict-cooperation index against the bands of runs ending each way."""
    alt = _alt()
    x = _time_x(alt, scenario)
    rows = _band_rows(scenario, bands)
    groups = list(BAND_GROUPS)
    low, high = -6.0, 3.0  # the index's usual range, widened to the bands' (2-98%)
    if bands is not None:
        finite = bands.cc[np.isfinite(bands.cc)]
        if finite.size:
            low = min(low, float(np.quantile(finite, 0.02)) - 0.5)
            high = max(high, float(np.quantile(finite, 0.98)) + 0.5)
    band = alt.Chart(alt.Data(values=rows)).mark_area(opacity=0.28).encode(
        x=x, y=alt.Y("lo:Q", title="Goldstein points a day",
                     scale=alt.Scale(domainMin=round(low, 1), domainMax=round(high, 1))),
        y2="hi:Q",
        color=alt.Color("group:N", title=None, scale=alt.Scale(
            domain=groups, range=[VERMILLION, BLUISH_GREEN])))
    talks = alt.Chart(alt.NamedData("talks")).mark_rect(color=SKY_BLUE, opacity=0.25).encode(
        x="t0:T", x2="t1:T")
    zero = alt.Chart(alt.Data(values=[{"y": 0}])).mark_rule(color="#555").encode(y="y:Q")
    line = alt.Chart(alt.NamedData("run")).mark_line(strokeWidth=3.5, color=BLACK).encode(
        x=x, y="cc:Q")
    marks = alt.Chart(alt.NamedData("marks")).mark_tick(
        thickness=3, size=sizes.label, yOffset=-sizes.label / 2).encode(
        x=x, y=alt.value(sizes.height),
        stroke=alt.Stroke("kind:N", legend=None, scale=alt.Scale(
            domain=list(PRESSURE_COLOURS), range=list(PRESSURE_COLOURS.values()))),
        tooltip=["what:N"])
    chart = alt.layer(talks, band, zero, line, marks).resolve_scale(
        color="shared").configure_legend(columns=1, symbolOpacity=0.6).properties(
        height=sizes.height,
        title=alt.Title("Conflict (−) or cooperation (+)",
                        subtitle=["black: this run · blue: at the table · ticks: pressures"]))
    return finish(chart, sizes)


def hostility_chart(scenario: Scenario, sizes: Sizes) -> dict[str, Any]:
    """Both governments' hostility against the escalation threshold."""
    alt = _alt()
    x = _time_x(alt, scenario)
    threshold = float(scenario.escalation.threshold)
    breakdown = float(scenario.talks.breakdown_hostility)
    lines = alt.Chart(alt.NamedData("hostility")).mark_line(strokeWidth=3.5).encode(
        x=x, y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=True)),
        color=_government_colour(alt))
    rules = alt.Chart(alt.Data(values=[
        {"y": threshold, "label": "escalation", "dash": "a"},
        {"y": breakdown, "label": "talks break off", "dash": "b"}])).encode(y="y:Q")
    rule = rules.mark_rule(strokeWidth=2.5, color=VERMILLION).encode(
        strokeDash=alt.StrokeDash("dash:N", legend=None, scale=alt.Scale(
            domain=["a", "b"], range=[[10, 5], [2, 4]])))
    text = rules.mark_text(align="right", baseline="bottom", dy=-3, color="#8a2c00",
                           fontWeight=600).encode(x=alt.value("width"), text="label:N")
    chart = alt.layer(rule, text, lines).properties(
        height=sizes.height, title=alt.Title("Hostility", subtitle="escalation when either "
                                             f"reaches {threshold:g}"))
    return finish(chart, sizes)


def readiness_chart(scenario: Scenario, sizes: Sizes) -> dict[str, Any]:
    """Both governments' readiness to talk against the bar for talks."""
    alt = _alt()
    x = _time_x(alt, scenario)
    bar = float(scenario.talks.threshold)
    lines = alt.Chart(alt.NamedData("readiness")).mark_line(strokeWidth=3.5).encode(
        x=x, y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, 1])),
        color=_government_colour(alt))
    rules = alt.Chart(alt.Data(values=[{"y": bar, "label": "talks open when both reach "
                                                          "this"}])).encode(y="y:Q")
    chart = alt.layer(
        rules.mark_rule(strokeWidth=2.5, strokeDash=[10, 5], color=BLUISH_GREEN),
        rules.mark_text(align="right", baseline="bottom", dy=-3, color="#00634a",
                        fontWeight=600).encode(x=alt.value("width"), text="label:N"),
        lines).properties(height=sizes.height,
                          title=alt.Title("Readiness to talk",
                                          subtitle="rises with pain and room for a deal"))
    return finish(chart, sizes)


def offers_chart(scenario: Scenario, sizes: Sizes) -> dict[str, Any]:
    """Where each government's offer stands on each issue (0 Caracas's ideal, 1 Washington's)."""
    alt = _alt()
    issues = [str(i) for i in ISSUES]
    y = alt.Y("issue:N", title=None, sort=issues, axis=alt.Axis(labelFontWeight=600))
    x = alt.X("value:Q", title="0 Caracas's ideal … 1 Washington's",
              scale=alt.Scale(domain=[-0.04, 1.04], nice=False))
    sq = alt.Chart(alt.Data(values=[{"issue": i, "value": v, "what": "status quo"}
                                    for i, v in zip(issues, scenario.status_quo.as_tuple(),
                                                    strict=True)]))
    gaps = alt.Chart(alt.NamedData("gaps")).mark_rule(strokeWidth=6, color="#b5b5b5").encode(
        x=alt.X("lo:Q", scale=alt.Scale(domain=[-0.04, 1.04], nice=False)), x2="hi:Q", y=y)
    offers = alt.Chart(alt.NamedData("offers")).mark_point(
        filled=True, size=sizes.label * 22, opacity=1).encode(
        x=x, y=y, color=_government_colour(alt),
        shape=alt.Shape("who:N", legend=None, scale=alt.Scale(
            domain=list(GOVERNMENT_COLOURS), range=["square", "circle"])))
    deal = alt.Chart(alt.NamedData("deal")).mark_point(
        shape="diamond", filled=True, size=sizes.label * 40, color=BLACK).encode(x=x, y=y)
    chart = alt.layer(
        gaps, sq.mark_tick(thickness=3, size=sizes.label * 2.2, color=BLACK).encode(x=x, y=y),
        offers, deal).properties(
        height=max(sizes.height - 20, 150),
        title=alt.Title("Offers", subtitle="black tick: the status quo; ◆ the deal"))
    return finish(chart, sizes)


# ---------------------------------------------------------------------------- many runs


def fan_rows(scenario: Scenario, cc: NDArray) -> list[dict[str, Any]]:
    """Per-day quantiles (5, 25, 50, 75, 95%) of the index over the runs still going."""
    t = ms(scenario, range(cc.shape[0]))
    rows = []
    counts = np.isfinite(cc).sum(axis=1)
    ok = counts >= 5
    if ok.any():
        q = np.full((5, cc.shape[0]), np.nan)
        q[:, ok] = np.nanquantile(cc[ok], [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
        for k in np.flatnonzero(ok):
            rows.append({"t": t[k], **{n: round(float(q[j, k]), 3) for j, n in enumerate(
                ("q05", "q25", "q50", "q75", "q95"))}})
    return rows


def _fan_layers(alt: Any, scenario: Scenario, cc: NDArray, colour: str, label: str,
                y_title: str | None = "Goldstein points a day") -> list[Any]:
    x = _time_x(alt, scenario)
    data = alt.Data(values=fan_rows(scenario, cc))
    base = alt.Chart(data)
    return [base.mark_area(opacity=0.18, color=colour).encode(
                x=x, y=alt.Y("q05:Q", title=y_title), y2="q95:Q"),
            base.mark_area(opacity=0.35, color=colour).encode(x=x, y="q25:Q", y2="q75:Q"),
            base.mark_line(strokeWidth=2.5, color=colour, strokeDash=[6, 3]).encode(
                x=x, y="q50:Q", color=alt.datum(label))]


def fan_chart(ens: Ensemble, sizes: Sizes, *, this_run: str = "this run",
              title: str | None = None, marked_day: int | None = None) -> dict[str, Any]:
    """The fan of the index over many runs, with the run watched (dataset ``run``) in black.

    Args:
        ens: The ensemble.
        sizes: Text and chart sizes.
        this_run: The legend's name of the black line (``this run``, ``the class's run``).
        title: The chart title (default: how many runs).
        marked_day: A day to mark with a vertical line (a class vote's reveal).
    """
    alt = _alt()
    scn = ens.results.scenario
    x = _time_x(alt, scn)
    label = "median run (shaded: 50%, 90%)"
    layers = _fan_layers(alt, scn, ens.cc, BLUE, label)
    zero = alt.Chart(alt.Data(values=[{"y": 0}])).mark_rule(color="#555").encode(y="y:Q")
    run = alt.Chart(alt.NamedData("run")).mark_line(strokeWidth=4).encode(
        x=x, y="cc:Q", color=alt.datum(this_run))
    layers += [zero, run]
    if marked_day is not None:
        layers.append(alt.Chart(alt.Data(values=[{"t": ms(scn, [marked_day])[0]}])).mark_rule(
            strokeWidth=2, strokeDash=[4, 4], color=BLACK).encode(x="t:T"))
    chart = alt.layer(*layers).resolve_scale(color="shared").encode(
        color=alt.Color(scale=alt.Scale(domain=[label, this_run], range=[BLUE, BLACK]),
                        title=None)).configure_legend(columns=1).properties(
        height=sizes.height,
        title=alt.Title(title or f"{len(ens.outcome)} runs of the same scenario",
                        subtitle="conflict (−) or cooperation (+)"))
    return finish(chart, sizes)


def outcome_rows(ens: Ensemble, this: Outcome | None = None) -> list[dict[str, Any]]:
    """P(outcome) with its 95% interval per outcome, and whether it is the run watched."""
    return [{"outcome": OUTCOME_WORDS[o.label], "p": round(p, 4), "lo": round(lo, 4),
             "hi": round(hi, 4), "label": f"{p:.0%}",
             "this": "← this run" if this is not None and o is this else ""}
            for o, p, lo, hi in ens.probabilities()]


def outcome_chart(ens: Ensemble, sizes: Sizes, this: Outcome | None = None,
                  title: str | None = None) -> dict[str, Any]:
    """How the runs ended: P(outcome) bars with 95% intervals, the run watched marked."""
    alt = _alt()
    words = [OUTCOME_WORDS[o.label] for o in OUTCOMES]
    y = alt.Y("outcome:N", sort=words, title=None)
    base = alt.Chart(alt.Data(values=outcome_rows(ens, this)))
    colour = alt.Color("outcome:N", legend=None, scale=alt.Scale(
        domain=words, range=[OUTCOME_COLOURS[o.label] for o in OUTCOMES]))
    x = alt.X("p:Q", title="share of runs (95% interval)",
              axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
              scale=alt.Scale(domain=[0, 1.15]))
    chart = alt.layer(
        base.mark_bar(height={"band": 0.7}).encode(x=x, y=y, color=colour),
        base.mark_rule(strokeWidth=2, color=BLACK).encode(x="lo:Q", x2="hi:Q", y=y),
        base.mark_text(align="left", dx=6, fontWeight=700).encode(
            x="hi:Q", y=y, text="label:N"),
        base.mark_text(align="left", dx=sizes.label * 3.4, fontWeight=700,
                       color=BLACK).encode(x="hi:Q", y=y, text="this:N"),
    ).properties(height=max(sizes.height, 8 * (sizes.label + 14)),
                 title=alt.Title(title or f"How {len(ens.outcome)} runs ended"))
    return finish(chart, sizes)


# ---------------------------------------------------------------------------- side by side


def comparison_fans(comparison: Comparison, sizes: Sizes) -> dict[str, Any]:
    """Both scenarios' fans of the index on common random numbers, one colour each."""
    alt = _alt()
    layers = []
    for res, label, colour in ((comparison.a, f"A: {comparison.label_a}", BLUE),
                               (comparison.b, f"B: {comparison.label_b}", VERMILLION)):
        cc = res.data.band_trace[:, 0, :].astype(float)  # cc_index is the first band variable
        scn = res.scenario
        x = _time_x(alt, scn)
        base = alt.Chart(alt.Data(values=fan_rows(scn, cc)))
        layers += [base.mark_area(opacity=0.25, color=colour).encode(
                       x=x, y=alt.Y("q25:Q", title="Goldstein points a day"), y2="q75:Q"),
                   base.mark_line(strokeWidth=3.5).encode(x=x, y="q50:Q",
                                                          color=alt.datum(label))]
    labels = [f"A: {comparison.label_a}", f"B: {comparison.label_b}"]
    chart = alt.layer(*layers).encode(color=alt.Color(
        title=None, scale=alt.Scale(domain=labels, range=[BLUE, VERMILLION]))
    ).configure_legend(columns=1).properties(
        height=sizes.height,
        title=alt.Title("A and B, the same chances",
                        subtitle="median and middle 50% of runs"))
    return finish(chart, sizes)


def difference_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """Per outcome: P in A and B, and the paired difference B − A with its 95% interval."""
    diff = comparison.differences()
    return [{"outcome": OUTCOME_WORDS[o], "a": round(float(r.p_a), 4),
             "b": round(float(r.p_b), 4), "d": round(float(r.difference), 4),
             "lo": round(float(r.ci_low), 4) if math.isfinite(r.ci_low) else 0.0,
             "hi": round(float(r.ci_high), 4) if math.isfinite(r.ci_high) else 0.0,
             "label": f"{r.difference:+.0%}"} for o, r in diff.iterrows()]


def difference_chart(comparison: Comparison, sizes: Sizes) -> dict[str, Any]:
    """The paired difference in P(outcome), B − A, with 95% intervals."""
    alt = _alt()
    words = [OUTCOME_WORDS[o.label] for o in OUTCOMES]
    rows = difference_rows(comparison)
    reach = max([0.1, *(abs(r["lo"]) for r in rows), *(abs(r["hi"]) for r in rows)]) * 1.3
    y = alt.Y("outcome:N", sort=words, title=None)
    base = alt.Chart(alt.Data(values=rows))
    x = alt.X("d:Q", title="B − A (paired 95% interval)", axis=alt.Axis(format="+%"),
              scale=alt.Scale(domain=[-reach, reach]))
    colour = alt.Color("outcome:N", legend=None, scale=alt.Scale(
        domain=words, range=[OUTCOME_COLOURS[o.label] for o in OUTCOMES]))
    chart = alt.layer(
        base.mark_bar(height={"band": 0.7}).encode(x=x, y=y, color=colour),
        base.mark_rule(strokeWidth=2, color=BLACK).encode(x="lo:Q", x2="hi:Q", y=y),
        alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color=BLACK).encode(x="x:Q"),
        base.mark_text(align="left", dx=6, fontWeight=700).encode(
            x=alt.X("hi:Q"), y=y, text="label:N"),
    ).properties(height=max(sizes.height, 8 * (sizes.label + 14)),
                 title=alt.Title("What changed: B − A",
                                 subtitle=f"{comparison.changed():.0%} of runs end "
                                          "differently"))
    return finish(chart, sizes)


def series(values: Sequence[float] | NDArray, scenario: Scenario) -> dict[str, list[Any]]:
    """A daily series as the ``run`` dataset (``t``, ``cc``)."""
    return {"t": ms(scenario, range(len(values))), "cc": clean(values)}

