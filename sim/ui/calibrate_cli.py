"""The command line of ``dipsim calibrate``: check the file, fit with a progress bar, report.

:mod:`sim.ui.cli` registers the command; :func:`cli_calibrate` does its work. The fit is
:func:`sim.experiments.calibrate.calibrate`; the folder is written by
:func:`sim.experiments.calibrate_report.save`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from sim.scenario.errors import InputError

EXECUTORS = "local, dask or a Dask scheduler address such as tcp://127.0.0.1:8786"


def check_executor(executor: str) -> None:
    """Raise InputError unless ``executor`` is ``local``, ``dask`` or a scheduler address."""
    if executor not in ("local", "dask") and "://" not in executor:
        raise InputError.single("--executor", f"expected {EXECUTORS}; got {executor!r}")


def cli_calibrate(path: str | None, executor: str = "local", workers: int | None = None,
                  out: Path = Path("results"), command: Sequence[str] | None = None) -> Path:
    """``dipsim calibrate``: fit, cross-validate, write the folder, print the headline.

    Raises:
        InputError: The calibration file, an episode or ``--executor`` is bad (exit 2),
            before anything runs.
    """
    from sim.experiments.calibrate import calibrate  # noqa: PLC0415
    from sim.experiments.calibrate_file import load_calibration  # noqa: PLC0415
    from sim.experiments.calibrate_report import (  # noqa: PLC0415
        resting,
        save,
        summary_table,
    )
    from sim.ui.progress import CalibrationProgressBar  # noqa: PLC0415

    check_executor(executor)
    calibration = load_calibration(path)
    spec = calibration.spec
    console = Console(stderr=True)
    console.print(f"Calibration {spec.name}: {len(spec.parameters)} parameters, "
                  f"{len(calibration.readings)} episodes, {spec.folds} folds + a fit on all; "
                  f"population {spec.population}, {spec.generations} generations, "
                  f"{spec.runs} runs per episode per particle", highlight=False, markup=False)
    with CalibrationProgressBar(f"calibrate {spec.name}") as bar:
        result = calibrate(calibration, executor=executor, workers=workers, progress=bar,
                           command=list(command) if command else None)
    folder = save(result, out)
    lines = [f"Fitted in {result.seconds / 60:.1f} min ({result.executor}):"]
    for _, r in summary_table(result).iterrows():
        lines.append(f"  {r['parameter']:42} {r['median']:>9.4g}   90%: {r['q05']:.4g} to "
                     f"{r['q95']:.4g}   (default {r['default']})")
    lines.append(f"  {resting(result)}")
    s = result.scores
    for key, words in (("defaults", "defaults"), ("in_sample", "in sample"),
                       ("out_of_sample", "out of sample"),
                       ("out_of_sample_predictive", "predictive")):
        lines.append(f"  {words + ':':14} Brier {s[key]['brier']:.3f} (base rate "
                     f"{s[key]['brier_base_rate']:.3f}); modal outcome right "
                     f"{s[key]['modal_correct']}/{s[key]['episodes']}; direction right "
                     f"{s[key]['direction_correct']}/{s[key]['episodes']}")
    lines += [f"Results: {folder}",
              f"Use the fitted values: dipsim run --params {folder / 'params.yaml'}"]
    print("\n".join(lines))
    return folder
