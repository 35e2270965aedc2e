"""The classroom page's charts: the live run redrawn each step, and the ensemble.

Redraw budget: a step must show on the page in under 200 ms. The live figure is built once
per model and only its artists' data change each step; it is rendered as one small PNG with
light compression, and only when the day changes.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray

from sim.model.issues import ISSUES
from sim.model.model import DiplomacyModel
from sim.model.outcomes import Direction, Outcome
from sim.model.pressures import CATALOGUE
from sim.output.charts import GOVERNMENT_COLOURS, path_chart
from sim.output.palette import OUTCOME_COLOURS
from sim.scenario.schema import GOVERNMENTS, Scenario
from sim.ui.classroom import _V, LIVE_DPI, Ensemble


def _month_ticks(scenario: Scenario) -> tuple[list[int], list[str]]:
    days, labels = [], []
    for day in range(scenario.horizon_days):
        d = scenario.date_of(day)
        if d.day == 1:
            days.append(day)
            labels.append(f"{d:%b}" if d.month != 1 else f"{d:%b}\n{d:%Y}")
    return days, labels


class LiveCharts:
    """The live figure of one model: four small panels whose artists are updated in place.

    Panels: the conflict-cooperation path (with the bands of runs ending in escalation and of
    runs reaching talks, shading while at the table, and ticks for each pressure), hostility
    of both governments against the escalation threshold, readiness to talk against the bar,
    and the offers on the three issues.
    """

    def __init__(self, model: DiplomacyModel, bands: Ensemble | None):
        scn = model.spec
        self.scenario = scn
        self.horizon = scn.horizon_days
        self.lock = threading.Lock()
        fig = Figure(figsize=(10, 6.2), dpi=LIVE_DPI)
        fig.subplots_adjust(left=0.06, right=0.985, top=0.94, bottom=0.1, hspace=0.45,
                            wspace=0.3)
        self.figure = fig
        ax_cc, ax_h, ax_r, ax_o = fig.subplots(2, 2).ravel()
        ticks, labels = _month_ticks(scn)
        x = np.arange(self.horizon)
        for ax in (ax_cc, ax_h, ax_r):
            ax.set_xlim(0, self.horizon - 1)
            ax.set_xticks(ticks, labels, fontsize=10)
            ax.tick_params(axis="y", labelsize=10)
            ax.grid(True, alpha=0.3)

        # 1. The conflict-cooperation path.
        ax_cc.set_title("Conflict (−) or cooperation (+)", fontsize=13, loc="left")
        ax_cc.axhline(0, color="black", lw=0.8)
        low, high = -6.0, 3.0
        if bands is not None:
            for outcomes, colour, label in (
                    (RUPTURE, OUTCOME_COLOURS["escalation"], "runs ending in a rupture"),
                    (SETTLEMENT, OUTCOME_COLOURS["narrow_deal"],
                     "runs ending in talks or a deal")):
                lo, hi = bands.band(outcomes)
                if outcomes == RUPTURE:  # hatched, so overlaps stay readable
                    ax_cc.fill_between(x, lo, hi, facecolor="none", edgecolor=colour,
                                       hatch="////", lw=0.8, alpha=0.6, label=label)
                else:
                    ax_cc.fill_between(x, lo, hi, color=colour, alpha=0.25, lw=0, label=label)
            finite = bands.cc[np.isfinite(bands.cc)]
            if finite.size:
                low = min(low, float(np.quantile(finite, 0.02)) - 0.5)
                high = max(high, float(np.quantile(finite, 0.98)) + 0.5)
        ax_cc.set_ylim(low, high + 0.25 * (high - low))  # headroom for the legend
        self.cc_line, = ax_cc.plot([], [], color="black", lw=2.2, label="this run")
        self.marks_conflict = ax_cc.scatter([], [], marker="|", s=70, color="#d62728",
                                            clip_on=False)
        self.marks_calm = ax_cc.scatter([], [], marker="|", s=70, color="#2ca02c",
                                        clip_on=False)
        self.talk_spans: list[Any] = []
        self.ax_cc = ax_cc
        ax_cc.legend(loc="upper center", fontsize=9, framealpha=0.85, ncol=3,
                     handlelength=1.2, columnspacing=0.8)

        # 2. Hostility against the escalation threshold.
        threshold = scn.escalation.threshold
        ax_h.set_title("Hostility", fontsize=13, loc="left")
        ax_h.axhline(threshold, color="#d62728", lw=2, ls="--")
        ax_h.text(self.horizon - 2, threshold, "escalation", color="#d62728", va="bottom",
                  ha="right", fontsize=10)
        ax_h.axhline(scn.talks.breakdown_hostility, color="#ff7f0e", lw=1, ls=":")
        ax_h.text(self.horizon - 2, scn.talks.breakdown_hostility, "talks break off",
                  color="#ff7f0e", va="bottom", ha="right", fontsize=9)
        ax_h.set_ylim(0, threshold * 1.15)
        self.h_lines = [ax_h.plot([], [], color=GOVERNMENT_COLOURS[g], lw=2.2,
                                  label=("US" if g == "us" else "Venezuela"))[0]
                        for g in GOVERNMENTS]
        ax_h.legend(loc="upper left", fontsize=9, ncol=2, framealpha=0.85)
        self.ax_h = ax_h

        # 3. Readiness to talk against the bar.
        ax_r.set_title("Readiness to talk", fontsize=13, loc="left")
        ax_r.axhline(scn.talks.threshold, color="#2ca02c", lw=2, ls="--")
        ax_r.text(self.horizon - 2, scn.talks.threshold, "talks open when both reach this",
                  color="#2ca02c", va="bottom", ha="right", fontsize=10)
        ax_r.set_ylim(0, 1)
        self.r_lines = [ax_r.plot([], [], color=GOVERNMENT_COLOURS[g], lw=2.2)[0]
                        for g in GOVERNMENTS]

        # 4. Offers: where each government stands on each issue, 0 Caracas .. 1 Washington.
        ax_o.set_title("Offers (0 Caracas's ideal, 1 Washington's)", fontsize=12,
                       loc="left")
        ax_o.set_xlim(-0.02, 1.02)
        ax_o.set_ylim(-0.6, 2.6)
        ax_o.set_yticks(range(3), [str(i).capitalize() for i in ISSUES][::-1], fontsize=12)
        ax_o.tick_params(axis="x", labelsize=10)
        ax_o.grid(True, axis="x", alpha=0.3)
        rows = np.arange(3)[::-1]
        sq = np.array(scn.status_quo.as_tuple())
        ax_o.scatter(sq, rows, marker="|", s=300, color="black", zorder=2,
                     label="status quo")
        self.gaps = [ax_o.plot([], [], color="#999999", lw=4, zorder=1)[0] for _ in ISSUES]
        self.offer_marks = [ax_o.scatter(sq, rows, s=130, color=GOVERNMENT_COLOURS[g],
                                         marker="s" if g == "us" else "o", zorder=3,
                                         label=f"{'US' if g == 'us' else 'Venezuelan'} offer")
                            for g in GOVERNMENTS]
        self.deal_marks = ax_o.scatter([], [], s=260, marker="*", color="#2ca02c", zorder=4,
                                       label="deal")
        ax_o.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=9,
                    frameon=False, handletextpad=0.2, columnspacing=0.8)
        self.rows = rows
        self.canvas = FigureCanvasAgg(fig)
        self.background: Any = None
        for artist in self._moving():
            artist.set_animated(True)

    def _moving(self) -> list[Any]:
        """The artists that change from step to step (drawn over a cached background)."""
        return [*self.talk_spans, self.cc_line, self.marks_conflict, self.marks_calm,
                *self.h_lines, *self.r_lines, *self.gaps, *self.offer_marks, self.deal_marks]

    def update(self, model: DiplomacyModel) -> None:
        """Move the artists to the model's state (replicate 0)."""
        days = model.day
        trace = model.trace[:days, :, 0]
        x = np.arange(days)
        self.cc_line.set_data(x, trace[:, _V["cc_index"]])
        for i, g in enumerate(GOVERNMENTS):
            self.h_lines[i].set_data(x, trace[:, _V[f"hostility_{g}"]])
            self.r_lines[i].set_data(x, trace[:, _V[f"readiness_{g}"]])
        if days:
            peak = float(np.nanmax(trace[:, [_V["hostility_us"], _V["hostility_venezuela"]]]))
            top = max(self.scenario.escalation.threshold * 1.15, peak * 1.05)
            if abs(self.ax_h.get_ylim()[1] - top) > 1e-9:
                self.ax_h.set_ylim(0, top)
                self.background = None
            cc_now = trace[:, _V["cc_index"]]
            lo, hi = self.ax_cc.get_ylim()
            if cc_now.min() < lo or cc_now.max() > hi:
                self.ax_cc.set_ylim(min(lo, cc_now.min() - 0.5), max(hi, cc_now.max() + 0.5))
                self.background = None
        conflict, calm = [], []
        for f in model.firings:
            (conflict if CATALOGUE[f.type].event.goldstein < 0 else calm).append(f.day)
        y = self.ax_cc.get_ylim()[0]
        self.marks_conflict.set_offsets(np.column_stack([conflict, np.full(len(conflict), y)])
                                        if conflict else np.empty((0, 2)))
        self.marks_calm.set_offsets(np.column_stack([calm, np.full(len(calm), y)])
                                    if calm else np.empty((0, 2)))
        self._talk_spans(trace[:, _V["in_talks"]] > 0)
        offers = model.offers[:, :, 0]
        for k in range(3):
            self.gaps[k].set_data(offers[:, k], [self.rows[k]] * 2)
        for i in range(2):
            self.offer_marks[i].set_offsets(np.column_stack([offers[i], self.rows]))
        deal = model.deal[:, 0]
        self.deal_marks.set_offsets(np.column_stack([deal, self.rows]) if np.isfinite(deal).all()
                                    else np.empty((0, 2)))

    def _talk_spans(self, in_talks: NDArray) -> None:
        """Shade the days at the table (one span per stretch of talks)."""
        for span in self.talk_spans:
            span.remove()
        self.talk_spans = []
        if not in_talks.any():
            return
        edges = np.flatnonzero(np.diff(np.r_[0, in_talks.astype(int), 0]))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            span = self.ax_cc.axvspan(start - 0.5, stop - 0.5, color=OUTCOME_COLOURS["talks"],
                                      alpha=0.12, lw=0)
            span.set_animated(True)
            self.talk_spans.append(span)

    def png(self, model: DiplomacyModel) -> bytes:
        """The figure at the model's state as PNG bytes.

        The static parts (axes, ticks, labels, thresholds, bands, legends) are drawn once
        and cached; each call restores them and draws only the moving artists over them
        (blitting), then encodes with light compression. That keeps a redraw to a few tens
        of milliseconds where a full draw takes about 150 ms.
        """
        with self.lock:
            self.update(model)
            if self.background is None:
                self.canvas.draw()
                self.background = self.canvas.copy_from_bbox(self.figure.bbox)
            else:
                self.canvas.restore_region(self.background)
            for artist in self._moving():
                artist.axes.draw_artist(artist)
            pixels = np.asarray(self.canvas.buffer_rgba())
            buffer = io.BytesIO()
            PIL.Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
            return buffer.getvalue()


#: The outcomes the bands of the live chart group together.
RUPTURE = tuple(o for o in Outcome if o.direction is Direction.RUPTURE)
SETTLEMENT = tuple(o for o in Outcome if o.direction is Direction.SETTLEMENT)


def outcome_bars(ens: Ensemble, ax: Any) -> None:
    """P(outcome) as bars with 95% Wilson intervals, labelled in large type."""
    rows = ens.probabilities()
    labels = [o.label for o, *_ in rows]
    p = np.array([r[1] for r in rows])
    err = np.clip(np.array([[r[1] - r[2] for r in rows], [r[3] - r[1] for r in rows]]), 0, 1)
    ax.bar([lab.replace("_", "\n") for lab in labels], p,
           color=[OUTCOME_COLOURS[lab] for lab in labels], yerr=err, capsize=6)
    for k, (_, prob, _, high) in enumerate(rows):
        ax.annotate(f"{prob:.0%}", (k, high), xytext=(0, 4), textcoords="offset points",
                    ha="center", fontsize=16, fontweight="bold")
    ax.set_ylim(0, 1.18)
    ax.tick_params(labelsize=12)
    ax.set_ylabel("Probability (95% interval)", fontsize=11)
    ax.set_title(f"How {len(ens.outcome)} runs ended", fontsize=14)


def timing_lines(ens: Ensemble, ax: Any) -> None:
    """The share of runs that had reached talks, a deal or escalation by each day."""
    t = ens.results.timing()
    for col, label, colour in (("talks", "reached talks", OUTCOME_COLOURS["talks"]),
                               ("deal", "reached a deal", OUTCOME_COLOURS["narrow_deal"]),
                               ("escalation", "escalated", OUTCOME_COLOURS["escalation"])):
        ax.plot(t["day"], t[col], color=colour, lw=2.5, label=label)
    ticks, names = _month_ticks(ens.results.scenario)
    ax.set_xticks(ticks, names, fontsize=11)
    ax.set_xlim(0, len(t) - 1)
    ax.set_ylim(0, 1)
    ax.grid(True, alpha=0.3)
    ax.set_ylabel("Share of runs, cumulative", fontsize=11)
    ax.set_title("When it happened", fontsize=14)
    ax.legend(loc="upper left", fontsize=11)


def ensemble_png(ens: Ensemble) -> bytes:
    """The ensemble view as PNG: the fan of the path, P(outcome) and when it happened."""
    fig = Figure(figsize=(12, 8.6), dpi=72)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.15, 1])
    path_chart(ens.results, top.subplots())
    left, right = bottom.subplots(1, 2, width_ratios=[1, 1.6])
    outcome_bars(ens, left)
    timing_lines(ens, right)
    top.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.12)
    bottom.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.1, wspace=0.22)
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 3})
    return buffer.getvalue()


# ---------------------------------------------------------------------------- components
