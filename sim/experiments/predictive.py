"""The posterior predictive of a calibration already written: ``dipsim predictive FOLDER``.

``dipsim calibrate`` scores each held-out episode twice: with its fold's posterior medians
(``cv_table.csv``) and with the posterior predictive (``cv_predictive.csv``: the episode's
runs shared out among the fold's particles by weight, ``docs/validation.md`` D8). A results
folder written before the predictive existed has everything it needs in
``posterior.parquet``; :func:`predictive` computes the predictive table from it, without a
new fit.

It first re-runs the folder's point forecasts with the code and episodes of today and
refuses (:class:`~sim.scenario.errors.InputError`, exit 2) unless they reproduce the
folder's ``cv_table.csv`` run for run: a changed model or episode would otherwise be
scored with a posterior fitted to something else. It also runs each episode's
alternative readings with the fold's point, for encoding robustness out of sample (D9).
Then it writes ``results/predictive/<timestamp>/``: ``cv_predictive.csv``,
``cv_alternatives.csv``, ``scores.json`` (the point and the predictive scores side by side,
and the robustness), ``report.md`` and ``manifest.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.calibrate import assign_folds
from sim.experiments.calibrate_file import Calibration, load_calibration
from sim.experiments.forecasts import (
    alternative_rows,
    assignments,
    effective_size,
    parameter_columns,
    predictive_rows,
    score_readings,
)
from sim.experiments.hindcast import (
    LABELS,
    MAIN,
    load_readings,
    robustness,
    robustness_words,
    scores,
)
from sim.output.storage import json_text, versions, write_folder
from sim.scenario.errors import InputError, Problem

#: The files of a calibration folder that the predictive reads.
NEEDED = ("calibration.yaml", "manifest.json", "posterior.parquet", "cv_table.csv")


@dataclass
class PredictiveResult:
    """The predictive table of a calibration folder, beside its point table.

    Attributes:
        folder: The calibration folder.
        calibration: Its calibration file, as read from the folder.
        point_table: The folder's ``cv_table.csv`` (reproduced before use).
        predictive_table: One row per episode, in the point table's order.
        scores: ``out_of_sample`` (the point table), ``out_of_sample_predictive``, and
            ``out_of_sample_robustness`` (:func:`~sim.experiments.hindcast.robustness` of
            the point table with ``alternatives_table``).
        effective_sizes: Kish's effective sample size of each fold's particles.
        seconds: Wall time.
        command: The command line, for the manifest.
        alternatives_table: One row per alternative reading, run with its episode's
            point (``docs/validation.md`` D9).
    """

    folder: Path
    calibration: Calibration
    point_table: pd.DataFrame
    predictive_table: pd.DataFrame
    scores: dict[str, dict[str, Any]]
    effective_sizes: dict[str, float]
    seconds: float
    command: list[str] | None = None
    alternatives_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    created: str = field(default_factory=lambda: pd.Timestamp.now(tz="UTC").isoformat(
        timespec="seconds"))

    def save(self, root: str | Path = "results") -> Path:
        """Write ``root/predictive/<timestamp>/`` (atomically) and return it."""

        def write(folder: Path) -> None:
            self.predictive_table.to_csv(folder / "cv_predictive.csv", index=False)
            self.alternatives_table.to_csv(folder / "cv_alternatives.csv", index=False)
            (folder / "scores.json").write_text(json_text(self.scores), encoding="utf-8")
            (folder / "report.md").write_text(markdown(self), encoding="utf-8")
            (folder / "manifest.json").write_text(json_text({
                "calibration_folder": str(self.folder),
                "calibration": self.calibration.spec.name,
                "seed": self.calibration.spec.seed,
                "run_seed": self.calibration.spec.run_seed,
                "evaluation_runs": self.calibration.spec.evaluation_runs,
                "effective_sizes": self.effective_sizes,
                "seconds": round(self.seconds, 1), "command": self.command,
                "created": self.created, "libraries": versions()}), encoding="utf-8")

        return write_folder(Path(root) / "predictive", write)


def _read_folder(folder: Path) -> tuple[Calibration, dict[str, Any], pd.DataFrame,
                                        pd.DataFrame]:
    missing = [name for name in NEEDED if not (folder / name).is_file()]
    if not folder.is_dir() or missing:
        raise InputError.single(folder, "not a calibration results folder (expected "
                                f"{', '.join(NEEDED)}; missing {', '.join(missing)})"
                                if folder.is_dir() else "no such folder")
    calibration = load_calibration(folder / "calibration.yaml")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        posterior = pd.read_parquet(folder / "posterior.parquet")
        point = pd.read_csv(folder / "cv_table.csv")
    except (ValueError, OSError) as exc:  # bad JSON, Parquet or CSV
        raise InputError.single(folder, f"cannot read the folder's files: {exc}") from None
    paths = calibration.paths
    for name, table, wanted in (
            ("posterior.parquet", posterior, ["fit", *paths, "weight"]),
            ("cv_table.csv", point, ["episode", *(f"n_{x}" for x in LABELS),
                                     *(f"param:{p}" for p in paths)])):
        lacking = [c for c in wanted if c not in table.columns]
        if lacking:
            raise InputError.single(folder / name, "lacks the columns "
                                    f"{', '.join(lacking)} of this calibration's file")
    if not isinstance(manifest, dict):
        raise InputError.single(folder / "manifest.json", "expected a JSON object")
    return calibration, manifest, posterior, point


def predictive(folder: str | Path, workers: int | None = None,
               on_episode: Callable[[int, int], None] | None = None,
               command: list[str] | None = None) -> PredictiveResult:
    """The posterior predictive table of a calibration folder, and its robustness (D9).

    Args:
        folder: ``results/calibration/<timestamp>/``.
        workers: Processes a particle's runs may be split over.
        on_episode: Called with (readings done, readings in all), over the three passes
            (the check, the predictive, the alternative readings).
        command: The command line, for the manifest.

    Raises:
        InputError: The folder is not a calibration folder, its folds are not those the
            episodes give today, or today's model and episodes do not reproduce its point
            forecasts (each episode that differs is named).
    """
    folder = Path(folder)
    t0 = time.perf_counter()
    calibration, manifest, posterior, point = _read_folder(folder)
    spec = calibration.spec
    readings = list(calibration.readings)
    names = [r.episode for r in readings]
    fold_of = dict(zip(names, assign_folds([r.record.direction.value for r in readings],
                                           spec.folds, spec.seed).tolist(), strict=True))
    if fold_of != manifest.get("folds") or list(point["episode"]) != names:
        raise InputError.single(folder / "manifest.json", "the episodes or their folds are "
                                "not those of this calibration (an episode was added, "
                                "removed or its recorded direction changed)", "folds")
    show = on_episode or (lambda done, total: None)
    others = [r for r in load_readings(spec.episodes) if r.reading != MAIN]
    total = 2 * len(readings) + len(others)
    problems: list[Problem] = []
    for done, r in enumerate(readings, 1):  # first the check, before any long pass
        stored = point.iloc[done - 1]
        sets = assignments(calibration.paths, [stored[f"param:{p}"] for p in calibration.paths])
        (again,) = score_readings([r], sets, spec.evaluation_runs, spec.run_seed, workers)
        if [again[f"n_{x}"] for x in LABELS] != [int(stored[f"n_{x}"]) for x in LABELS]:
            problems.append(Problem(r.episode, "today's model and episode do not reproduce "
                                    "the folder's point forecast (the outcome counts "
                                    "differ), so its posterior was fitted to something "
                                    "else"))
        show(done, total)
    if problems:
        raise InputError(folder / "cv_table.csv", problems)
    rows: list[dict[str, Any]] = []
    sizes: dict[str, float] = {}

    def scored(n: int) -> None:
        show(len(readings) + len(rows) + n, total)

    for k in range(1, spec.folds + 1):
        held = [r for r in readings if fold_of[r.episode] == k]
        particles = posterior[posterior["fit"] == f"fold-{k}"]
        if particles.empty:
            raise InputError.single(folder / "posterior.parquet",
                                    f"no particles of fit fold-{k}", "fit")
        particles = particles[[*parameter_columns(particles), "weight"]].reset_index(drop=True)
        sizes[f"fold-{k}"] = effective_size(particles["weight"].to_numpy())
        rows += predictive_rows(
            held, particles, spec.evaluation_runs, spec.run_seed, workers,
            extra={"fold": k}, on_episode=scored)
    table = pd.DataFrame(rows).set_index("episode").loc[names].reset_index()
    alternatives = pd.DataFrame(alternative_rows(
        others, point, spec.evaluation_runs, spec.run_seed, workers,
        on_reading=lambda n: show(2 * len(readings) + n, total)) or
        {"episode": [], "reading": [], "modal": [], "fold": []})
    return PredictiveResult(
        folder, calibration, point, table,
        {"out_of_sample": scores(point), "out_of_sample_predictive": scores(table),
         "out_of_sample_robustness": robustness(pd.concat([point, alternatives]))},
        sizes, time.perf_counter() - t0, command, alternatives)


def markdown(result: PredictiveResult) -> str:
    """``report.md``: the scores side by side, and each episode by a point and by all."""
    s, p = result.scores["out_of_sample"], result.scores["out_of_sample_predictive"]
    lines = [f"# The posterior predictive of calibration `{result.calibration.spec.name}`",
             "", f"From `{result.folder}`. Each held-out episode's "
             f"{result.calibration.spec.evaluation_runs} runs are shared out among the "
             "particles of the fit that did not see it, by weight, on the point forecast's "
             "replicates (docs/validation.md D8). The effective sample size of each fold's "
             "particles (Kish: 1 / sum of the squared weights) is "
             + ", ".join(f"{size:.1f} ({label})" for label, size in
                         result.effective_sizes.items()) + ".", "",
             "| score | out of sample, point (medians) | out of sample, predictive |",
             "|---|---|---|"]
    for key, label, fmt in (("modal_correct", "modal outcome right", "{}"),
                            ("direction_correct", "direction right", "{}"),
                            ("brier", "Brier score", "{:.3f}"),
                            ("brier_skill_vs_base_rate", "Brier skill vs the base rate",
                             "{:+.0%}"),
                            ("auc_settlement", "AUC of P(settlement)", "{:.2f}")):
        lines.append(f"| {label} | {fmt.format(s[key])} | {fmt.format(p[key])} |")
    r = result.scores["out_of_sample_robustness"]
    if r.get("alternatives"):
        t = result.alternatives_table
        changed = t[t["modal"].to_numpy() != result.point_table.set_index("episode").loc[
            t["episode"], "modal"].to_numpy()]
        lines += ["", "**Encoding robustness out of sample** (docs/validation.md D9: each "
                  "alternative reading run with its episode's point): "
                  + robustness_words(r) + ". The readings that change it:", "",
                  *(f"- `{row['episode']}`, `{row['reading']}`: {row['modal']}"
                    for _, row in changed.iterrows())]
    lines += ["", "| episode | recorded | point: modal | point: P(recorded) | "
              "predictive: modal | predictive: P(recorded) |", "|---|---|---|---|---|---|"]
    for (_, a), (_, b) in zip(result.point_table.iterrows(),
                              result.predictive_table.iterrows(), strict=True):
        rec = a["recorded"]
        lines.append(f"| {a['episode']} | {rec} | {a['modal']} | {a[f'p_{rec}']:.2f} | "
                     f"{b['modal']} | {b[f'p_{rec}']:.2f} |")
    return "\n".join(lines) + "\n"
