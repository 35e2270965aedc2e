"""What a calibration leaves: ``results/calibration/<timestamp>/``.

- ``posterior.parquet``: the last generation of every fit (``fit`` = ``all`` or ``fold-k``):
  each particle's parameters, weight and distance;
- ``generations.csv``: each fit's generations (threshold, acceptance rate, time);
- ``summary.csv``: each parameter's prior, today's default, and the posterior median and
  90% interval of the fit on every episode;
- ``corner.png``: that posterior, alone and in pairs;
- ``cv_table.parquet`` / ``.csv``: the out-of-sample table (one hindcast row per episode,
  scored with the medians of the fit that did not see it, with its fold and those values);
  ``in_sample.csv`` and ``defaults.csv``: the same with the final fit's medians and with
  today's defaults; ``cv_predictive.csv``: out of sample, the posterior predictive (each
  episode's runs shared out among the particles of the fit that did not see it,
  ``docs/validation.md`` D8);
- ``cv_scores.json``: the scores of the four tables;
- ``report.md``: the posterior, the scores side by side, the medians of each fold;
- ``params.yaml``: the fitted values as a parameter file (``dipsim run --params``);
- ``calibration.yaml`` (the file as read) and ``manifest.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.experiments.calibrate import ALL, SIGNAL_MISSES, CalibrationResult
from sim.output.storage import json_text, versions, write_folder
from sim.scenario.params import params_text


def posterior_table(result: CalibrationResult) -> pd.DataFrame:
    """The last generation of every fit, one row per particle, the final fit first."""
    parts = []
    for label in [ALL, *[k for k in result.fits if k != ALL]]:
        fit = result.fits[label]
        part = fit.particles.copy()
        part.insert(0, "particle", range(len(part)))
        part.insert(0, "generation", int(fit.generations["generation"].iloc[-1]))
        part.insert(0, "fit", label)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def generations_table(result: CalibrationResult) -> pd.DataFrame:
    """Every fit's generations, one row each."""
    return pd.concat([fit.generations.assign(fit=label)[["fit", *fit.generations.columns]]
                      for label, fit in result.fits.items()], ignore_index=True)


def summary_table(result: CalibrationResult) -> pd.DataFrame:
    """Each parameter: prior, default, and the final fit's median and 90% interval."""
    fit = result.fits[ALL]
    q05, q50, q95 = fit.quantiles(0.05), fit.medians(), fit.quantiles(0.95)
    defaults = result.calibration.defaults()
    return pd.DataFrame([{
        "parameter": p.path, "prior_low": p.low, "prior_high": p.high,
        "default": defaults[p.path], "median": q50[p.path], "q05": q05[p.path],
        "q95": q95[p.path]} for p in result.calibration.spec.parameters])


def fold_medians(result: CalibrationResult) -> pd.DataFrame:
    """The posterior median of each parameter in each fit (columns ``fold-k``, ``all``)."""
    return pd.DataFrame({label: fit.medians() for label, fit in result.fits.items()})


#: Rows of the score comparison: (key in the scores, label, format).
_SCORE_ROWS = (
    ("modal_accuracy", "modal outcome right", "{:.0%}"),
    ("direction_accuracy", "direction right", "{:.0%}"),
    ("brier", "Brier score (lower is better)", "{:.3f}"),
    ("brier_skill_vs_base_rate", "Brier skill vs the base rate", "{:+.0%}"),
    ("brier_skill_vs_nothing_changes", "Brier skill vs nothing changes", "{:+.0%}"),
    ("log_score", "log score (lower is better)", "{:.2f}"),
    ("auc_settlement", "AUC of P(settlement)", "{:.2f}"),
    ("auc_rupture", "AUC of P(rupture)", "{:.2f}"),
)


def _cell(scores: dict[str, Any], key: str, fmt: str) -> str:
    value = scores.get(key)
    if value is None or pd.isna(value):
        return "-"
    return fmt.format(value)


#: Below this effective sample size a fit's medians and intervals rest on a few particles.
FEW_PARTICLES = 10


def resting(result: CalibrationResult) -> str:
    """How many effective particles the fit on every episode rests on, and what that means."""
    size = result.fits[ALL].effective_size
    words = (f"The posterior rests on {size:.1f} effective particles of "
             f"{result.calibration.spec.population} (Kish: 1 / sum of the squared weights)")
    if size < FEW_PARTICLES:
        return (words + ": too few for its intervals to say how far the episodes constrain "
                "a parameter (a larger population, or `kernel: beaumont`, spreads the "
                "weight; docs/validation.md M11, M12).")
    return words + "."


def markdown(result: CalibrationResult) -> str:
    """``report.md``: posterior, scores in and out of sample, medians per fold."""
    spec = result.calibration.spec
    s = result.scores
    n = len(result.folds)
    signals = (f"plus {spec.signals.weight:g} x the late-2025 signal loss"
               if result.calibration.signals_scenario is not None else "(no signals)")
    lines = [
        f"# Calibration `{spec.name}`" + (f": {spec.title}" if spec.title else ""), "",
        f"{len(spec.parameters)} parameters fitted to {n} episodes by ABC-SMC (pyabc): "
        f"population {spec.population}, {spec.generations} generations, {spec.kernel} "
        f"kernel, {spec.runs} runs per episode per particle; distance = mean Brier score "
        f"over the training episodes {signals}. {spec.folds}-fold cross-validation over "
        f"episodes; held-out and in-sample episodes scored with {spec.evaluation_runs} runs. "
        f"{result.executor}; {result.seconds / 60:.1f} minutes.", "",
        "## Posterior (fit on every episode)", "",
        "| parameter | prior | default | median | 90% interval |", "|---|---|---|---|---|"]
    for _, r in summary_table(result).iterrows():
        default = "-" if r["default"] is None or pd.isna(r["default"]) \
            else f"{r['default']:g}"
        lines.append(f"| `{r['parameter']}` | [{r['prior_low']:g}, {r['prior_high']:g}] | "
                     f"{default} | {r['median']:.4g} | {r['q05']:.4g} to {r['q95']:.4g} |")
    lines += ["", "A 90% interval close to the whole prior range means the episodes say "
              "little about that parameter. " + resting(result), "",
              "## Scores", "",
              "Out of sample: each episode scored with the posterior medians of the fit that "
              "did not see it. Out of sample, predictive: each episode's runs shared out among "
              "the particles of that fit, by weight (docs/validation.md D8). In sample: every "
              "episode with the medians of the fit on all of them. Defaults: today's "
              "parameters, nothing fitted.", "",
              "| score | defaults | in sample | out of sample | out of sample, predictive |",
              "|---|---|---|---|---|"]
    predictive = s.get("out_of_sample_predictive", {})
    for key, label, fmt in _SCORE_ROWS:
        lines.append(f"| {label} | {_cell(s['defaults'], key, fmt)} | "
                     f"{_cell(s['in_sample'], key, fmt)} | "
                     f"{_cell(s['out_of_sample'], key, fmt)} | "
                     f"{_cell(predictive, key, fmt)} |")
    base = s["out_of_sample"].get("brier_base_rate")
    if base is not None:
        lines += ["", f"The base-rate forecast (leave one out) scores a Brier of {base:.3f}."]
    medians = fold_medians(result)
    lines += ["", "## Posterior medians in each fold", "",
              "| parameter | " + " | ".join(medians.columns) + " |",
              "|---|" + "---|" * len(medians.columns)]
    for path, row in medians.iterrows():
        lines.append(f"| `{path}` | " + " | ".join(f"{v:.4g}" for v in row) + " |")
    lines += ["", "## Folds", ""]
    for k in range(1, spec.folds + 1):
        members = [e for e, f in result.folds.items() if f == k]
        lines.append(f"- fold {k}: " + ", ".join(members))
    gens = generations_table(result)
    last = gens.groupby("fit").tail(1)
    lines += ["", "## Generations", "",
              "Threshold (epsilon), acceptance rate and effective sample size (Kish: "
              "1 / sum of the squared weights; the population when all weigh the same) of "
              "the last generation of each fit (`generations.csv` has every generation):",
              "", "| fit | generation | epsilon | acceptance | effective size | seconds |",
              "|---|---|---|---|---|---|"]
    for _, g in last.iterrows():
        eps = "-" if g["epsilon"] is None or pd.isna(g["epsilon"]) \
            else f"{g['epsilon']:.3f}"
        lines.append(f"| {g['fit']} | {g['generation']} | {eps} | "
                     f"{g['acceptance_rate']:.0%} | "
                     f"{result.fits[g['fit']].effective_size:.1f} of {spec.population} | "
                     f"{g['seconds']:.0f} |")
    if result.calibration.signals_scenario is not None:
        lines += ["", "The signal loss adds, for the default scenario, the share of runs "
                  "with: " + "; ".join(SIGNAL_MISSES) + "."]
    return "\n".join(lines) + "\n"


def manifest(result: CalibrationResult) -> dict[str, Any]:
    """What made the folder: the file, seeds, executor, times, versions."""
    spec = result.calibration.spec
    return {
        "calibration": spec.name, "source": result.calibration.source,
        "seed": spec.seed, "run_seed": spec.run_seed, "runs": spec.runs,
        "evaluation_runs": spec.evaluation_runs, "population": spec.population,
        "generations": spec.generations, "kernel": spec.kernel, "folds": result.folds,
        "signals": spec.signals.model_dump() if result.calibration.signals_scenario
        is not None else None,
        "executor": result.executor, "seconds": round(result.seconds, 1),
        "fits": {label: {"episodes": len(f.episodes), "seconds": round(f.seconds, 1),
                         "simulated": f.simulated,
                         "generations": len(f.generations),
                         "effective_size": round(f.effective_size, 2)}
                 for label, f in result.fits.items()},
        "fitted": result.fitted, "command": result.command, "created": result.created,
        "libraries": versions(),
    }


def save(result: CalibrationResult, root: str | Path = "results") -> Path:
    """Write ``root/calibration/<timestamp>/`` (atomically) and return it."""
    from sim.output.calibration_charts import corner_chart  # noqa: PLC0415 - matplotlib

    spec = result.calibration.spec
    paths = [p.path for p in spec.parameters]
    ranges = {p.path: (float(p.low), float(p.high)) for p in spec.parameters}

    def write(folder: Path) -> None:
        posterior_table(result).to_parquet(folder / "posterior.parquet",
                                           compression="zstd", index=False)
        generations_table(result).to_csv(folder / "generations.csv", index=False)
        summary_table(result).to_csv(folder / "summary.csv", index=False)
        result.cv_table.to_parquet(folder / "cv_table.parquet", compression="zstd",
                                   index=False)
        result.cv_table.to_csv(folder / "cv_table.csv", index=False)
        result.in_sample_table.to_csv(folder / "in_sample.csv", index=False)
        result.defaults_table.to_csv(folder / "defaults.csv", index=False)
        if result.cv_predictive_table is not None:
            result.cv_predictive_table.to_csv(folder / "cv_predictive.csv", index=False)
        (folder / "cv_scores.json").write_text(json_text(result.scores), encoding="utf-8")
        (folder / "report.md").write_text(markdown(result), encoding="utf-8")
        fitted = result.fitted
        (folder / "params.yaml").write_text(params_text(
            [f"{p}={v!r}" for p, v in fitted.items()], name=f"calibration {spec.name}",
            source=f"dipsim calibrate {result.calibration.source} ({result.created})",
            comment=f"Fitted by dipsim calibrate ({spec.name}): the posterior medians of "
                    f"the fit on all {len(result.folds)} episodes.\nApply with: dipsim run "
                    "--params params.yaml (or dipsim hindcast --params, sim.run(params=))."),
            encoding="utf-8")
        (folder / "calibration.yaml").write_text(
            yaml.safe_dump(result.calibration.data, sort_keys=False, allow_unicode=True),
            encoding="utf-8")
        (folder / "manifest.json").write_text(json_text(manifest(result)), encoding="utf-8")
        corner_chart(result.fits[ALL].particles, paths, ranges, result.calibration.defaults(),
                     title=f"Calibration {spec.name}").savefig(folder / "corner.png", dpi=100)

    return write_folder(Path(root) / "calibration", write)
