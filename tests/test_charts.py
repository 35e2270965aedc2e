"""The charts' content, read from matplotlib's artists: no label overlaps another (boxes from
the renderer), the path chart's y-range is the data's, the pressures sit in a strip of their
own, every outcome has one colour in every chart, and the words say what the marks mean."""

from __future__ import annotations

import itertools

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.legend import Legend
from matplotlib.text import Text

import sim
from sim.output import charts
from sim.output.dictionary import OUTCOME_MEANINGS
from sim.output.palette import OUTCOME_COLOURS, PRESSURE_COLOURS, SIGN_COLOURS
from sim.output.path_chart import Marker, strip_lanes
from tests.conftest import REMOVAL_PRESSURES, REMOVAL_SETTINGS, scenario


@pytest.fixture(scope="module")
def results():
    return sim.run(None, runs=80, seed=1, trace_replicates=40)


def _draw(fig):
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and t.get_window_extent().width > 0]


def overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of visible texts whose boxes (as the renderer drew them) overlap, and texts
    that a legend (other than their own) covers."""
    renderer = _draw(fig)
    texts = _texts(fig)
    boxes = [(t.get_text(), t.get_window_extent(renderer).padded(-0.5)) for t in texts]
    found = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
             if ba.overlaps(bb)]
    legends = [lg for lg in fig.findobj(Legend) if lg.get_visible()]
    for lg in legends:
        own = {id(t) for t in lg.findobj(Text)}
        frame = lg.get_window_extent(renderer).padded(-0.5)
        found += [("legend", t.get_text()) for t, (_, box) in zip(texts, boxes, strict=True)
                  if id(t) not in own and frame.overlaps(box)]
    return found


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_no_label_overlaps_another(results, name):
    fig = charts.CHARTS[name](results)
    assert overlaps(fig) == []


def test_the_overlap_check_can_see_an_overlap(results):
    fig = charts.path_chart(results)
    ax = fig.axes[0]
    ax.text(0.5, 0.5, "one label", transform=ax.transAxes)
    ax.text(0.5, 0.5, "another label", transform=ax.transAxes)
    ax.text(0.8, 0.3, "under a legend", transform=ax.transAxes, ha="center", va="center")
    ax.legend(["a legend entry"], loc="center", bbox_to_anchor=(0.8, 0.3))
    found = overlaps(fig)
    assert ("one label", "another label") in found and ("legend", "under a legend") in found


def test_strip_lanes_keep_labels_apart():
    d = pd.Timestamp
    markers = [Marker("a long label here", d("2025-08-01").date(), None, True),
               Marker("second", d("2025-08-03").date(), None, True),
               Marker("third", d("2025-12-01").date(), None, False),
               Marker("span", d("2025-08-02").date(), d("2026-01-01").date(), True)]
    lanes = strip_lanes(sorted(markers, key=lambda m: m.start), days_per_point=0.5)
    # a (Aug 1), span (Aug 2), second (Aug 3) collide; third (Dec 1) fits after a's label.
    assert lanes == [0, 1, 2, 0]


def test_path_chart_pressures_have_a_strip_of_their_own_and_the_y_range_is_the_data(results):
    fig = charts.path_chart(results)
    _draw(fig)
    main, strip = fig.axes[:2]
    band = results.band("cc_index")
    data = [band["q05"].min(), band["q95"].max()]
    for line in main.get_lines():
        if (line.get_gid() or "").startswith("outcome:"):
            y = np.asarray(line.get_ydata(), dtype=float)
            data += [np.nanmin(y), np.nanmax(y)]
    lo, hi = min(*data, 0.0), max(*data, 0.0)
    ylo, yhi = main.get_ylim()
    assert ylo <= lo and yhi >= hi
    assert (yhi - ylo) <= 1.15 * (hi - lo)      # no room kept for labels below the data
    labels = [t.get_text() for t in strip.texts]
    assert "first boat strike" in labels and "dock strike" in labels
    assert "oil sanctions (since Jan 2019)" in labels          # in force before the start
    assert strip.get_title(loc="left").startswith("Pressures of the scenario")
    assert not [t for t in main.texts if t.get_text() in labels]
    # The strip's marks are coloured by kind from the palette.
    colours = {mcolors.to_hex(c) for coll in strip.collections
               for c in (coll.get_edgecolor() if hasattr(coll, "get_segments")
                         else coll.get_facecolor())}
    assert colours <= {c.lower() for c in PRESSURE_COLOURS.values()}
    assert len(colours) == 2
    # The legend is outside the chart: it covers no data.
    (legend,) = fig.legends
    assert not legend.get_window_extent().overlaps(main.get_window_extent())


def test_the_fan_stops_where_the_runs_have_ended():
    scn = scenario(*REMOVAL_SETTINGS, horizon_days=60, pressures=REMOVAL_PRESSURES)
    res = sim.run(scn, runs=40, seed=1)
    assert (res.runs["outcome"] == "leader_removed").all()
    fig = charts.path_chart(res)
    main = fig.axes[0]
    fans = [c for c in main.collections if c.get_label().startswith("90% of runs")]
    (fan,) = fans
    xs = np.concatenate([p.vertices[:, 0] for p in fan.get_paths()])
    removal = pd.Timestamp(scn.date_of(20))
    assert xs.max() <= mdates.date2num(removal) + 1e-9
    assert any("most runs had ended" in t.get_text() for t in main.texts)


def test_hostility_has_a_panel_per_government_in_plain_words(results):
    fig = charts.hostility_chart(results)
    us, ve = fig.axes
    assert us.get_title(loc="left") == "United States" and ve.get_title(loc="left") == \
        "Venezuela"
    words = " ".join(t.get_text() for t in fig.findobj(Text))
    assert "Richardson" not in words
    assert "crossing it is escalation; the run goes on" in words
    # Each panel's bands are one government's colour: nothing to blend.
    for ax, gov in ((us, "us"), (ve, "venezuela")):
        colours = {mcolors.to_hex(c.get_facecolor()[0], keep_alpha=False)
                   for c in ax.collections}
        assert colours == {charts.GOVERNMENT_COLOURS[gov].lower()}


def test_offers_say_what_is_off_the_agenda_and_when_talks_opened():
    scn = scenario("talks.agenda=[drugs, oil]", "actors.us.readiness_bias=0",
                   "actors.venezuela.readiness_bias=0", horizon_days=60)
    res = sim.run(scn, runs=30, seed=1)
    fig = charts.offers_chart(res)
    _, oil, migration = fig.axes[:3]
    assert any("Not on the agenda" in t.get_text() for t in migration.texts)
    assert not any("Not on the agenda" in t.get_text() for t in oil.texts)
    share, _ = charts._talks_opened(res)
    assert share > 0
    labels = [line.get_label() for line in oil.get_lines()]
    assert f"talks opened (median date; {share:.0%} of runs)" in labels
    assert "Before talks open, each line is that side's opening demand" in \
        fig.legends[0].get_title().get_text()


def test_outcomes_chart_defines_every_outcome_and_explains_reached_talks(results):
    fig = charts.outcomes_chart(results)
    words = "\n".join(t.get_text() for t in fig.findobj(Text))
    for label, meaning in OUTCOME_MEANINGS.items():
        assert f"{label.replace('_', ' ')}: {meaning}" in words
    assert "reached talks at some point (the curve); the bars count a run as talks only" in \
        words.replace("\n", " ")
    assert "had reached talks" in [line.get_label() for line in fig.axes[1].get_lines()]


def _outcome_colours(fig) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for artist in fig.findobj(lambda a: (a.get_gid() or "").startswith("outcome:")):
        label = artist.get_gid().split(":", 1)[1]
        colour = artist.get_color() if hasattr(artist, "get_color") else artist.get_facecolor()
        seen.setdefault(label, set()).add(mcolors.to_hex(colour, keep_alpha=False))
    return seen


def test_every_outcome_has_one_colour_in_every_chart(results):
    seen: dict[str, set[str]] = {}
    for fig in (charts.path_chart(results), charts.outcomes_chart(results)):
        for label, colours in _outcome_colours(fig).items():
            seen.setdefault(label, set()).update(colours)
    assert set(seen) == set(OUTCOME_COLOURS)      # the bars tag every outcome
    for label, colours in seen.items():
        assert colours == {OUTCOME_COLOURS[label].lower()}, label
    # The hindcast's chart and the report use the same colours.
    from sim.output.validation_charts import LABELS, episodes_chart

    table = pd.DataFrame([{"reading": "main", "episode": "e", "recorded": "talks",
                           "modal_match": True, **{f"p_{o}": 1 / 8 for o in LABELS}}])
    legend = episodes_chart(table).legends[0]
    for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
        label = text.get_text().replace(" ", "_")
        assert mcolors.to_hex(handle.get_facecolor(), keep_alpha=False) == \
            OUTCOME_COLOURS[label].lower()


def test_compare_chart_colours_differences_by_sign():
    from sim.experiments.compare import compare

    cmp = compare(None, runs=60, seed=1, drop=["tanker_blockade"])
    diff = cmp.differences()
    fig = cmp.chart()
    assert overlaps(fig) == []
    notes = [t for t in fig.axes[1].texts if t.get_text().startswith(("+", "-"))]
    assert len(notes) == len(diff)
    signs = set()
    for text, (_, row) in zip(notes, diff.iterrows(), strict=True):
        sign = "rise" if row.ci_low > 0 else "fall" if row.ci_high < 0 else "none"
        signs.add(sign)
        assert mcolors.to_hex(text.get_color()) == SIGN_COLOURS[sign].lower()
    assert "fall" in signs or "rise" in signs   # the test sees a change of some sign


def test_tornado_labels_do_not_overlap_and_use_the_palette():
    from sim.experiments.sensitivity import RANGES, tornado_chart
    from sim.output.palette import BLUE, ORANGE

    rng = np.random.default_rng(3)
    rows = []
    for k, r in enumerate(RANGES):
        low, high = rng.uniform(0, 1, 2) if k % 3 else (0.5, 0.501)
        rows.append({"parameter": r.name, "label": r.label, "low": r.low, "high": r.high,
                     "escalation_low": low, "escalation_high": high,
                     "escalation_baseline": 0.5})
    fig = tornado_chart(pd.DataFrame(rows).set_index("parameter"))
    assert overlaps(fig) == []
    colours = {mcolors.to_hex(p.get_facecolor(), keep_alpha=False)
               for p in fig.axes[0].patches}
    assert colours == {BLUE.lower(), ORANGE.lower()}
