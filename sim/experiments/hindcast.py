"""The hindcast: the episode library of the record as a test of the model.

Each episode of ``scenarios/episodes/`` is an ordinary scenario plus a ``record:`` block
(``docs/validation.md``, Part A). :func:`hindcast` runs every episode (and each of its
alternative readings), reads the runs' outcomes in the record's vocabulary
(:func:`record_outcomes`) and compares the simulated distribution with what happened:

- per episode: P(each outcome) with a 95% interval, the modal outcome, P(settlement) and
  P(rupture), whether the modal outcome and the direction match the record, and the median
  day of the recorded outcome in the runs that reached it, against the recorded lag;
- over the library (:func:`scores`): modal-outcome and direction accuracy, the Brier and
  log scores against two reference forecasts (the base rate of outcomes across the other
  episodes, and "nothing changes"), the AUC of P(settlement), the timing error, and how
  much the modal outcome swings between an episode's readings.

The model never sees the record block; only this module reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.ensemble import run_ensemble
from sim.experiments import scoring
from sim.model.outcomes import OUTCOMES, RECORD_OUTCOMES, Direction, RecordOutcome
from sim.output.results import Results
from sim.output.stats import wilson_interval
from sim.output.storage import json_text, versions, write_folder
from sim.scenario.library import list_episodes, resolve_episode_path
from sim.scenario.load import alternatives as load_alternatives
from sim.scenario.load import load_scenario
from sim.scenario.params import ParameterFile, apply_params
from sim.scenario.record import Record
from sim.scenario.schema import Scenario

#: Outcome labels in the order of the table's columns and of the scores' vectors.
LABELS: tuple[str, ...] = tuple(o.value for o in RECORD_OUTCOMES)
#: The reading of an episode as its file stands (the others are its alternatives).
MAIN = "main"
#: The recorded outcome's timing is compared only where at least this share of runs
#: reached it (a median of two or three runs says little).
TIMING_MIN_SHARE = 0.05

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Reading:
    """One encoding of an episode: the file as it stands, or one alternative reading."""

    episode: str
    reading: str
    scenario: Scenario
    record: Record


def load_readings(episodes: Sequence[str | Path] | None = None, with_alternatives: bool = True
                  ) -> list[Reading]:
    """The readings of the named episodes (default: the whole library), main reading first.

    Raises:
        sim.scenario.errors.InputError: A file or one of its alternatives is invalid, or
            it has no ``record:`` block.
    """
    from sim.scenario.errors import InputError  # noqa: PLC0415

    paths = [resolve_episode_path(e) for e in episodes] if episodes else list_episodes()
    if not paths:
        raise InputError.single("episodes", "no episode files found (scenarios/episodes/)")
    out: list[Reading] = []
    for path in paths:
        scn = load_scenario(path)
        if scn.record is None:
            raise InputError.single(str(path), "not an episode: the file has no record: "
                                    "block (docs/validation.md E16)", field="record")
        out.append(Reading(scn.name, MAIN, scn, scn.record))
        if with_alternatives:
            for alt_id, alt in load_alternatives(path, scn):
                assert alt.record is not None
                out.append(Reading(scn.name, alt_id, alt, alt.record))
    return out


def record_outcomes(results: Results) -> tuple[np.ndarray, np.ndarray]:
    """Each run's outcome in the record's vocabulary, and the day it happened.

    The model's outcomes are the record's (``docs/validation.md`` E3); the day is the first
    day of the outcome (NaN for a stalemate).

    Returns:
        ``(labels, days)``: one label (str) and one day per run.
    """
    runs = results.data.runs
    labels = np.array([o.label for o in OUTCOMES])[np.asarray(runs["outcome"])]
    day = np.asarray(runs["outcome_day"], dtype=float)
    day[day < 0] = np.nan
    return labels, day


def forecast(reading: Reading, results: Results) -> dict[str, Any]:
    """One row of the hindcast table: the simulated distribution against the record."""
    return forecast_outcomes(reading, *record_outcomes(results))


def forecast_outcomes(reading: Reading, labels: np.ndarray, days: np.ndarray
                      ) -> dict[str, Any]:
    """One row of the hindcast table from runs' outcomes (:func:`record_outcomes`).

    The runs may come from several ensembles (the posterior predictive of
    :func:`sim.experiments.forecasts.predictive_rows` pools one per particle).
    """
    n = len(labels)
    rec = reading.record
    row: dict[str, Any] = {
        "episode": reading.episode, "reading": reading.reading,
        "start": reading.scenario.start.isoformat(), "recorded": rec.outcome.value,
        "recorded_track": rec.track.value if rec.track else None,
        "recorded_lag": rec.lag_days, "recorded_direction": rec.direction.value,
        "confidence": rec.confidence.value, "runs": n,
        "start_state": (RecordOutcome.TALKS if reading.scenario.initial.in_talks
                        else RecordOutcome.STALEMATE).value,
    }
    counts = np.array([(labels == lab).sum() for lab in LABELS])
    lo, hi = wilson_interval(counts, n)
    for k, lab in enumerate(LABELS):
        row[f"n_{lab}"] = int(counts[k])
        row[f"p_{lab}"] = counts[k] / n
        row[f"lo_{lab}"], row[f"hi_{lab}"] = float(lo[k]), float(hi[k])
        hit = labels == lab
        row[f"day_{lab}"] = float(np.nanmedian(days[hit])) if hit.any() and \
            np.isfinite(days[hit]).any() else float("nan")
    modal = LABELS[int(np.argmax(counts))]
    row["modal"] = modal
    by_direction = {d: sum(row[f"p_{o.value}"] for o in RECORD_OUTCOMES if o.direction is d)
                    for d in Direction}
    for d, p in by_direction.items():
        row[f"p_{d.value}"] = p
    row["direction"] = max(by_direction, key=lambda d: by_direction[d]).value
    row["modal_match"] = modal == rec.outcome.value
    row["direction_match"] = row["direction"] == rec.direction.value
    recorded = rec.outcome.value
    enough = row[f"p_{recorded}"] >= TIMING_MIN_SHARE
    row["simulated_day"] = row[f"day_{recorded}"] if enough else float("nan")
    row["timing_error"] = (abs(row["simulated_day"] - rec.lag_days)
                           if rec.lag_days is not None and np.isfinite(row["simulated_day"])
                           else float("nan"))
    return row


def scores(table: pd.DataFrame) -> dict[str, Any]:
    """The library's scores, from the main readings of a hindcast table.

    See :mod:`sim.experiments.scoring` for each score's definition. The alternative
    readings enter only the robustness figures.
    """
    main = table[table["reading"] == MAIN].reset_index(drop=True)
    k = len(LABELS)
    index = {lab: i for i, lab in enumerate(LABELS)}
    y = main["recorded"].map(index).to_numpy()
    p = main[[f"p_{lab}" for lab in LABELS]].to_numpy(dtype=float)
    counts = main[[f"n_{lab}" for lab in LABELS]].to_numpy(dtype=float)
    base = scoring.base_rate(y, k)
    still = scoring.persistence(main["start_state"].map(index).to_numpy(), k)
    model_brier = float(scoring.brier(p, y).mean())
    model_log = float(scoring.log_score(scoring.smoothed(counts), y).mean())
    refs = {"base_rate": base, "nothing_changes": still}
    out: dict[str, Any] = {
        "episodes": len(main),
        "modal_accuracy": float(main["modal_match"].mean()),
        "modal_correct": int(main["modal_match"].sum()),
        "direction_accuracy": float(main["direction_match"].mean()),
        "direction_correct": int(main["direction_match"].sum()),
        "brier": model_brier,
        "log_score": model_log,
        "auc_settlement": scoring.auc(main["p_settlement"],
                                      main["recorded_direction"] == Direction.SETTLEMENT),
        "auc_rupture": scoring.auc(main["p_rupture"],
                                   main["recorded_direction"] == Direction.RUPTURE),
    }
    for name, ref in refs.items():
        ref_brier = float(scoring.brier(ref, y).mean())
        ref_log = float(scoring.log_score(ref, y).mean())
        out[f"brier_{name}"] = ref_brier
        out[f"log_score_{name}"] = ref_log
        out[f"brier_skill_vs_{name}"] = scoring.skill(model_brier, ref_brier)
        out[f"log_skill_vs_{name}"] = scoring.skill(model_log, ref_log)
    errors = main["timing_error"].dropna().to_numpy()
    out["timing_episodes"] = int(errors.size)
    out["timing_mean_abs_error_days"] = float(errors.mean()) if errors.size else None
    out["timing_median_abs_error_days"] = float(np.median(errors)) if errors.size else None
    out.update(robustness(table))
    by_conf = main.groupby("confidence")["modal_match"].agg(["mean", "size"])
    out["modal_accuracy_by_confidence"] = {c: {"accuracy": float(r["mean"]),
                                               "episodes": int(r["size"])}
                                           for c, r in by_conf.iterrows()}
    return out


def robustness(table: pd.DataFrame) -> dict[str, Any]:
    """How much the answer swings between an episode's readings.

    An alternative reading may change the scenario (start, agenda, pressures), the record
    (outcome, lag), or both. ``modal_changed`` counts readings whose simulated modal
    outcome differs from the main reading's; ``match_changed`` those where whether the
    model matches the record changes. A change *off its record* is one to an outcome that
    is not the reading's own recorded outcome (a reading that records another outcome
    usually feeds the model other inputs too, E4, and a model that follows it changes its
    answer to that reading's record): a diagnostic beside the count, which counts both.
    """
    main = table[table["reading"] == MAIN].set_index("episode")
    alts = table[table["reading"] != MAIN]
    if alts.empty:
        return {"alternatives": 0, "episodes_with_alternatives": 0}
    modal_changed = alts["modal"].to_numpy() != main.loc[alts["episode"], "modal"].to_numpy()
    match_changed = (alts["modal_match"].to_numpy()
                     != main.loc[alts["episode"], "modal_match"].to_numpy())
    off_record = modal_changed & (alts["modal"].to_numpy() != alts["recorded"].to_numpy())
    per_episode = pd.DataFrame({"episode": alts["episode"].to_numpy(),
                                "modal_changed": modal_changed,
                                "match_changed": match_changed,
                                "off_record": off_record}).groupby("episode").any()
    return {
        "alternatives": len(alts),
        "episodes_with_alternatives": len(per_episode),
        "alternatives_changing_modal": int(modal_changed.sum()),
        "episodes_whose_modal_changes": int(per_episode["modal_changed"].sum()),
        "share_of_episodes_whose_modal_changes": float(per_episode["modal_changed"].mean()),
        "episodes_whose_match_changes": int(per_episode["match_changed"].sum()),
        "episodes_whose_modal_changes_off_record": int(per_episode["off_record"].sum()),
    }


def robustness_words(s: dict[str, Any]) -> str:
    """:func:`robustness`'s count in words (for a table that has alternative readings)."""
    return (f"{s['alternatives']} alternative readings; the modal outcome changes under at "
            f"least one of them in {s['episodes_whose_modal_changes']} of "
            f"{s['episodes_with_alternatives']} episodes "
            f"({s['share_of_episodes_whose_modal_changes']:.0%}); in "
            f"{s['episodes_whose_modal_changes_off_record']} of them at least one change is "
            "to an outcome other than that reading's own record")


@dataclass
class Hindcast:
    """A hindcast of the episode library: the table, the scores, how it was made."""

    table: pd.DataFrame
    scores: dict[str, Any]
    runs: int
    seed: int | None
    command: list[str] | None = None
    created: str = field(default_factory=lambda: pd.Timestamp.now(tz="UTC").isoformat(
        timespec="seconds"))

    @property
    def main(self) -> pd.DataFrame:
        """One row per episode: its main reading."""
        return self.table[self.table["reading"] == MAIN].reset_index(drop=True)

    def markdown(self) -> str:
        """The main readings' table and the scores, as markdown (``report.md``)."""
        s = self.scores
        short = {"stalemate": "stale.", "talks": "talks", "narrow_deal": "narrow",
                 "broad_agreement": "broad", "talks_collapsed": "collapsed",
                 "escalation": "escal.", "leader_removed": "removed", "deal_broken": "broken"}
        head = ["episode", "recorded (lag)", *[short[lab] for lab in LABELS], "modal",
                "direction", "median day"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for _, r in self.main.iterrows():
            lag = r["recorded_lag"]
            recorded = r["recorded"].replace("_", " ") + (
                "" if lag is None or pd.isna(lag) else f" ({int(lag)})")
            cells = [f"{r[f'p_{lab}']:.0%}" if r[f"p_{lab}"] else "·" for lab in LABELS]
            day = "-" if pd.isna(r["simulated_day"]) else f"{r['simulated_day']:.0f}"
            lines.append(f"| {r['episode']} | {recorded} | " + " | ".join(cells)
                         + f" | {'✓' if r['modal_match'] else '✗'} {r['modal'].replace('_', ' ')}"
                         + f" | {'✓' if r['direction_match'] else '✗'} {r['direction']} | {day} |")
        n = s["episodes"]
        lines += ["", f"- modal outcome right in {s['modal_correct']} of {n} episodes "
                  f"({s['modal_accuracy']:.0%}); direction right in {s['direction_correct']} "
                  f"({s['direction_accuracy']:.0%})",
                  f"- Brier score {s['brier']:.3f}; base rate {s['brier_base_rate']:.3f} (skill "
                  f"{s['brier_skill_vs_base_rate']:+.0%}); nothing changes "
                  f"{s['brier_nothing_changes']:.3f} (skill "
                  f"{s['brier_skill_vs_nothing_changes']:+.0%})",
                  f"- log score {s['log_score']:.2f}; base rate {s['log_score_base_rate']:.2f}; "
                  f"nothing changes {s['log_score_nothing_changes']:.2f}",
                  f"- AUC of P(settlement) {s['auc_settlement']:.2f}; of P(rupture) "
                  f"{s['auc_rupture']:.2f}"]
        if s.get("timing_episodes"):
            lines.append(f"- timing: {s['timing_episodes']} episodes where the recorded outcome "
                         f"came in at least 5% of runs; mean error "
                         f"{s['timing_mean_abs_error_days']:.0f} days")
        if s.get("alternatives"):
            lines.append(f"- {robustness_words(s)}")
        return "\n".join(lines) + "\n"

    def reliability(self, bins: int = 5) -> pd.DataFrame:
        """The reliability diagram's bins, over the main readings' forecasts."""
        main = self.main
        y = main["recorded"].map({lab: i for i, lab in enumerate(LABELS)}).to_numpy()
        p = main[[f"p_{lab}" for lab in LABELS]].to_numpy(dtype=float)
        return scoring.reliability(p, y, bins)

    def save(self, root: str | Path = "results") -> Path:
        """Write ``root/hindcast/<timestamp>/``: the table (Parquet, CSV), scores, charts."""
        from sim.output import validation_charts  # noqa: PLC0415 - matplotlib on demand

        def write(folder: Path) -> None:
            self.table.to_parquet(folder / "table.parquet", compression="zstd", index=False)
            self.table.to_csv(folder / "table.csv", index=False)
            (folder / "scores.json").write_text(json_text(self.scores), encoding="utf-8")
            (folder / "report.md").write_text(self.markdown(), encoding="utf-8")
            manifest = {"runs": self.runs, "seed": self.seed, "command": self.command,
                        "created": self.created, "episodes": sorted(set(self.table["episode"])),
                        "libraries": versions()}
            (folder / "manifest.json").write_text(json_text(manifest), encoding="utf-8")
            for name, fig in validation_charts.all_charts(self.table,
                                                          self.reliability()).items():
                fig.savefig(folder / f"{name}.png", dpi=110)

        return write_folder(Path(root) / "hindcast", write)


def hindcast(episodes: Sequence[str | Path] | None = None, runs: int = 1000,
             seed: int | None = None, *, with_alternatives: bool = True,
             workers: int | None = None, progress: Progress | None = None,
             command: list[str] | None = None,
             params: str | Path | ParameterFile | None = None) -> Hindcast:
    """Run the episodes (default: the whole library) and score them against the record.

    Args:
        episodes: Episode names or paths (default: every file of ``scenarios/episodes``).
        runs: Replicates per reading.
        seed: Root seed for every reading (default: each file's own).
        with_alternatives: Also run each episode's alternative readings.
        workers: Processes a reading may be split over (None: one per core).
        progress: Called with (readings done, readings in all, the reading's name).
        command: The command line, for the manifest.
        params: A parameter file (``dipsim calibrate``'s ``params.yaml``) applied to every
            reading.

    Returns:
        The table (one row per reading) and the scores of the main readings.
    """
    readings = load_readings(episodes, with_alternatives)
    if params is not None:
        readings = [Reading(r.episode, r.reading, apply_params(r.scenario, params), r.record)
                    for r in readings]
    rows = []
    for i, reading in enumerate(readings):
        if progress is not None:
            progress(i, len(readings), f"{reading.episode} ({reading.reading})")
        results = run_ensemble(reading.scenario, runs, seed, trace_replicates=0,
                               band_replicates=0, narrate=False, workers=workers)
        rows.append(forecast(reading, results))
    if progress is not None:
        progress(len(readings), len(readings), "")
    table = pd.DataFrame(rows)
    return Hindcast(table, scores(table), runs, seed, command)
