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

Redraw budget: a step must show on the page in under 200 ms. The live figure is built once
per model and only its artists' data change each step; it is rendered as one small PNG with
light compression, and only when the day changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
import PIL.Image
import solara
import solara.lab
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter
from numpy.typing import NDArray
from solara.alias import rw

from sim.engine.ensemble import run_ensemble
from sim.model.issues import ISSUES
from sim.model.model import DiplomacyModel
from sim.model.outcomes import DECIDED, OUTCOMES, Outcome
from sim.model.pressures import CATALOGUE, PressureType
from sim.model.recording import BAND_VARIABLES, VARIABLES
from sim.output.charts import GOVERNMENT_COLOURS, OUTCOME_COLOURS, path_chart
from sim.output.narrative import Entry, Story, entries, outcome_headline
from sim.output.results import Results
from sim.scenario.errors import InputError
from sim.scenario.levers import LEVERS, apply_levers
from sim.scenario.load import load_scenario, with_overrides
from sim.scenario.schema import GOVERNMENTS, Scenario

#: Environment variable naming the scenario the page opens (a file or a library name).
SCENARIO_ENV = "DIPSIM_DEMO_SCENARIO"
#: Replicates of the ensemble view.
ENSEMBLE_RUNS = 500
#: Replicates of the ensemble that keep every variable (its sample paths come from these).
SAMPLE_PATHS = 60
#: Events shown in the feed.
FEED_LENGTH = 12
#: Resolution of the live figure; with its size this sets the PNG to about 760 x 470 pixels.
LIVE_DPI = 76
_V = {name: i for i, name in enumerate(VARIABLES)}

#: The levers with a slider or switch on the page, in the order shown.
PAGE_LEVERS: tuple[str, ...] = (
    "sanctions_intensity", "boat_strike_tempo", "bounty", "mediation",
    "us_cost_tolerance", "venezuela_cost_tolerance",
    *(f"{g}_salience_{i}" for g in GOVERNMENTS for i in ISSUES),
)


@dataclass(frozen=True)
class Injection:
    """A button that applies a pressure now: its label and the pressure it injects."""

    label: str
    kind: PressureType
    sender: str = "us"
    target: str = "venezuela"
    duration_days: int | None = None


#: The buttons that inject a pressure into the running model.
INJECTIONS: tuple[Injection, ...] = (
    Injection("Strike a dock", PressureType.COVERT_LAND_STRIKE),
    Injection("Seize a tanker", PressureType.TANKER_SEIZURE),
    Injection("Offer talks", PressureType.DIALOGUE_OFFER),
    Injection("Grant a licence", PressureType.SANCTIONS_RELIEF, duration_days=90),
    Injection("Pause deportation flights", PressureType.DEPORTATION_FLIGHTS_PAUSED,
              sender="venezuela", target="us", duration_days=30),
)


# ---------------------------------------------------------------------------- the model


@functools.cache
def page_scenario() -> Scenario:
    """The scenario the page opens: ``$DIPSIM_DEMO_SCENARIO``, else the default one."""
    return load_scenario(os.environ.get(SCENARIO_ENV) or None)


def parse_seed(text: Any, default: int) -> tuple[int, str]:
    """Read the seed box: a whole number from 0, or the default with a note saying why."""
    if text is None or str(text).strip() == "":
        return default, ""
    try:
        seed = int(str(text).strip())
    except ValueError:
        return default, f"The seed must be a whole number; {text!r} is not, so {default} is used."
    if seed < 0:
        return default, f"The seed must be 0 or more; {default} is used."
    return seed, ""


class ClassroomModel(DiplomacyModel):
    """The page's model: one narrated replicate of the page's scenario, with levers and a seed.

    Mesa's Reset rebuilds the model with the sidebar's values and, because Mesa models carry
    an experiment object of their own, also passes one as ``scenario``; this class ignores it
    and opens the page's scenario. Only levers whose value differs from the scenario's are
    applied, and a government's three saliences are set together (rescaled to sum to 1), so
    moving one slider changes only what it says. Stepping and injecting take a lock: Mesa's
    play loop steps in a thread while the buttons inject from another.

    Args:
        scenario: A dipsim scenario; anything else (None, Mesa's experiment) opens
            :func:`page_scenario`.
        seed: The seed box's text (or a number); empty uses the scenario's seed.
        **levers: Values of :data:`PAGE_LEVERS` (any lever of :data:`sim.scenario.levers.LEVERS`).
    """

    def __init__(self, scenario: Any = None, *, seed: Any = None, **levers: Any):
        base = scenario if isinstance(scenario, Scenario) else page_scenario()
        rng, note = parse_seed(seed, base.seed)
        notes = [note] if note else []
        try:
            changed, overrides = lever_changes(base, levers)
            spec = apply_levers(with_overrides(base, overrides), changed)
        except InputError as exc:  # e.g. all three saliences at 0: run the scenario as is
            changed, overrides, spec = {}, [], base
            notes.append("Levers not applied: " + "; ".join(p.message for p in exc.problems))
        super().__init__(spec, rng=rng, narrate=True, trace_replicates=1, band_replicates=1)
        self.lock = threading.RLock()
        self.notes: list[str] = notes
        #: What the page last said about a button pressed for this model.
        self.said = ""
        self.levers_applied = {**changed, **{o.split("=", 1)[0]: o.split("=", 1)[1]
                                             for o in overrides}}

    def step(self) -> None:
        """Advance one day (under the model's lock)."""
        with self.lock:
            super().step()

    def inject(self, kind: PressureType | str, sender: str = "us", target: str = "venezuela",
               intensity: float = 1.0, duration_days: int | None = None,
               deaths: float | None = None) -> Any:
        """Add a pressure acting on the next day (under the model's lock); see the base class."""
        with self.lock:
            return super().inject(kind, sender, target, intensity, duration_days, deaths)


def lever_changes(scenario: Scenario, values: Mapping[str, Any]
                  ) -> tuple[dict[str, Any], list[str]]:
    """The lever values that change a scenario, and salience overrides.

    One moved salience slider acts like the lever (the government's other two saliences are
    rescaled so the three sum to 1); two or three moved sliders are taken together,
    normalised to sum to 1.

    Returns:
        Levers to pass as keywords (those that differ from the scenario's), and
        ``actors.<gov>.salience={...}`` assignments that set a government's three saliences
        at once.
    """
    changed: dict[str, Any] = {}
    overrides: list[str] = []
    salience: dict[str, dict[str, float]] = {g: {} for g in GOVERNMENTS}
    for name, value in values.items():
        if name not in LEVERS:
            raise TypeError(f"unknown lever {name!r}; levers are {', '.join(LEVERS)}")
        if value is None:
            continue
        lever = LEVERS[name]
        gov, _, issue = name.partition("_salience_")
        if issue:
            salience[gov][issue] = float(value)
            continue
        current = lever.current(scenario)
        if lever.switch:
            if bool(value) != bool(current):
                changed[name] = bool(value)
        elif abs(float(value) - float(current)) > 1e-9:
            changed[name] = float(value)
    for gov, given in salience.items():
        now = {str(i): float(getattr(scenario.actors[gov].salience, str(i))) for i in ISSUES}
        moved = {i: v for i, v in given.items() if abs(v - now[i]) > 1e-9}
        if len(moved) == 1:  # the lever rescales the other two, keeping their proportions
            issue, value = next(iter(moved.items()))
            changed[f"{gov}_salience_{issue}"] = value
        elif moved:
            wanted = {**now, **given}
            total = sum(wanted.values())
            if total <= 0:
                raise InputError.single(f"{gov} salience",
                                        "at least one salience must be above 0")
            terms = ", ".join(f"{i}: {wanted[str(i)] / total:.6f}" for i in ISSUES)
            overrides.append(f"actors.{gov}.salience={{{terms}}}")
    return changed, overrides


def model_params(scenario: Scenario) -> dict[str, Any]:
    """Mesa's model parameters for the sidebar: the seed box and the lever sliders."""
    params: dict[str, Any] = {"seed": {"type": "InputText", "value": str(scenario.seed),
                                       "label": "Seed (applies on Reset)"}}
    for name in PAGE_LEVERS:
        lever = LEVERS[name]
        current = lever.current(scenario)
        if lever.switch:
            params[name] = {"type": "Checkbox", "value": bool(current), "label": lever.label}
        else:
            params[name] = {"type": "SliderFloat", "value": round(float(current), 2),
                            "min": lever.minimum, "max": lever.maximum, "step": lever.step,
                            "label": lever.label}
    return params


def apply_injection(model: ClassroomModel, button: Injection) -> str:
    """Inject a button's pressure into the model; returns what the feed should say."""
    model.inject(button.kind, sender=button.sender, target=button.target,
                 duration_days=button.duration_days)
    return (f"{button.label}: queued for {_short_date(model.date)}; it acts when the next day "
            "is simulated.")


# ---------------------------------------------------------------------------- the ensemble


@dataclass
class Ensemble:
    """Many replicates of the page's model, for the bands and the ensemble view.

    Attributes:
        results: The runs as :class:`~sim.output.results.Results` (every replicate traced).
        cc: Conflict-cooperation index per day and replicate, NaN after agreement or
            escalation (a decided run no longer moves).
        outcome: Outcome per replicate.
        injected: How many of the live model's injected pressures the runs replay.
    """

    results: Results
    cc: NDArray
    outcome: NDArray
    injected: int

    def band(self, outcomes: tuple[Outcome, ...], low: float = 0.25, high: float = 0.75,
             minimum: int = 10) -> tuple[NDArray, NDArray]:
        """Per-day quantiles of the index over the runs that end in ``outcomes``.

        Days on which fewer than ``minimum`` such runs are still undecided are NaN.
        """
        cc = self.cc[:, np.isin(self.outcome, [int(o) for o in outcomes])]
        days = cc.shape[0]
        lo, hi = np.full(days, np.nan), np.full(days, np.nan)
        enough = np.isfinite(cc).sum(axis=1) >= minimum
        if enough.any():
            q = np.nanquantile(cc[enough], [low, high], axis=1)
            lo[enough], hi[enough] = q[0], q[1]
        return lo, hi

    def probabilities(self) -> list[tuple[Outcome, float, float, float]]:
        """(outcome, probability, 95% low, 95% high) for each outcome (from the results)."""
        p = self.results.probabilities()
        return [(o, float(p.loc[o.label, "probability"]), float(p.loc[o.label, "ci_low"]),
                 float(p.loc[o.label, "ci_high"])) for o in OUTCOMES]


def run_ensemble_like(model: DiplomacyModel, runs: int = ENSEMBLE_RUNS,
                      injected: int | None = None) -> Ensemble:
    """Run the model's scenario ``runs`` times with its seed, replaying injected pressures.

    Replicate 0 draws from the same stream as the live model, so with the same injections it
    follows the same path. An injected pressure is a pressure dated the day it was injected,
    so the runs replay it as one of the scenario's own.

    Args:
        model: The live model.
        runs: Replicates.
        injected: How many of the model's injected pressures to replay (default: all).
    """
    pressures = list(model.injected)[: injected]
    spec = model.spec.model_copy(update={"pressures": [*model.spec.pressures, *pressures]})
    # Every replicate keeps the band variables (the index among them); only the first few
    # keep every variable (the sample paths drawn), so a page's ensemble stays a few MB.
    results = run_ensemble(spec, runs, model.seed, trace_replicates=min(runs, SAMPLE_PATHS),
                           band_replicates=runs, narrate=False, source=spec.name, workers=1)
    data = results.data
    cc = data.band_trace[:, BAND_VARIABLES.index("cc_index"), :].astype(float)
    outcome = data.runs["outcome"].astype(int)
    decided = outcome >= DECIDED
    after = np.arange(spec.horizon_days)[:, None] > data.runs["day"][None, :]
    cc[after & decided[None, :]] = np.nan
    return Ensemble(results, cc, outcome, len(pressures))


def ensemble_for(model: ClassroomModel, with_injections: bool) -> Ensemble:
    """The model's ensemble, computed once per model (and per number of injections)."""
    n = len(model.injected) if with_injections else 0
    cache: dict[int, Ensemble] = model.__dict__.setdefault("_ensembles", {})
    with model.__dict__.setdefault("_ensemble_lock", threading.Lock()):
        if n not in cache:
            cache[n] = run_ensemble_like(model, injected=n)
        return cache[n]


# ---------------------------------------------------------------------------- live charts


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
                    ((Outcome.ESCALATION,), OUTCOME_COLOURS["escalation"],
                     "runs ending in escalation"),
                    ((Outcome.TALKS, Outcome.AGREEMENT), OUTCOME_COLOURS["agreement"],
                     "runs reaching talks")):
                lo, hi = bands.band(outcomes)
                if outcomes == (Outcome.ESCALATION,):  # hatched, so overlaps stay readable
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


def outcome_bars(ens: Ensemble, ax: Any) -> None:
    """P(outcome) as bars with 95% Wilson intervals, labelled in large type."""
    rows = ens.probabilities()
    labels = [o.label for o, *_ in rows]
    p = np.array([r[1] for r in rows])
    err = np.clip(np.array([[r[1] - r[2] for r in rows], [r[3] - r[1] for r in rows]]), 0, 1)
    ax.bar(labels, p, color=[OUTCOME_COLOURS[lab] for lab in labels], yerr=err, capsize=6)
    for k, (_, prob, _, high) in enumerate(rows):
        ax.annotate(f"{prob:.0%}", (k, high), xytext=(0, 4), textcoords="offset points",
                    ha="center", fontsize=16, fontweight="bold")
    ax.set_ylim(0, 1.18)
    ax.tick_params(labelsize=12)
    ax.set_ylabel("Probability (95% interval)", fontsize=11)
    ax.set_title(f"How {len(ens.outcome)} runs ended", fontsize=14)


def timing_lines(ens: Ensemble, ax: Any) -> None:
    """The share of runs that had reached talks, agreement or escalation by each day."""
    t = ens.results.timing()
    for col, label in (("talks", "reached talks"), ("agreement", "agreement"),
                       ("escalation", "escalation")):
        ax.plot(t["day"], t[col], color=OUTCOME_COLOURS[col], lw=2.5, label=label)
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


def _short_date(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


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
    if outcome is Outcome.AGREEMENT and story.deal is not None:
        detail = "Deal: " + ", ".join(f"{i} {v:.2f}" for i, v in zip(ISSUES, story.deal,
                                                                     strict=True))
        detail += " (0 = Caracas's ideal, 1 = Washington's)"
    elif outcome is Outcome.ESCALATION:
        detail = ("An overt strike on land" if story.escalation_cause != "hostility"
                  else "Hostility crossed the escalation threshold")
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
