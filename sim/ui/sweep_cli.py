"""The command line of sweeps: ``dipsim sweep`` and ``dipsim analyze``.

:mod:`sim.ui.cli` registers the commands; the functions here do their work, print what
happened and return (or raise) what the exit code should be. The sweep itself is
:func:`sim.experiments.sweep.run_sweep`; the analysis is
:func:`sim.experiments.analysis_report.analyze`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from sim.experiments.store import read_manifest
from sim.experiments.sweep import SweepError, run_sweep
from sim.experiments.sweepfile import load_sweep
from sim.ui.progress import SweepProgressBar


def cli_sweep(path: Path, executor: str = "local", workers: int | None = None,
              out: Path = Path("results"), chunk_runs: int | None = None,
              command: Sequence[str] | None = None) -> int:
    """``dipsim sweep``: run or resume a sweep with a progress bar; return the exit code.

    Returns:
        0 when the sweep is complete; 1 when the executor failed; 130 when interrupted
        (Ctrl-C), 128 + N when stopped by signal N. Finished chunks are kept in every case.
        Bad input raises InputError (exit code 2).
    """
    sweep = load_sweep(path)
    spec = sweep.spec
    folder = Path(out) / spec.name / sweep.spec_hash
    resuming = (folder / "manifest.json").is_file()
    n_points = spec.n_points()
    console = Console(stderr=True)

    def say(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True, markup=False)

    say(f"{'Resuming' if resuming else 'Sweep'} {spec.name}: {n_points:,} points x "
        f"{spec.replicates:,} replicates ({spec.sampler}) -> {folder}")
    if resuming and chunk_runs is not None:
        kept = int(read_manifest(folder).get("chunk_runs", chunk_runs))
        if kept != chunk_runs:
            say(f"note: this sweep started with {kept:,} runs per chunk and keeps them "
                f"(--chunk-runs {chunk_runs:,} applies to new sweeps)")
    try:
        with SweepProgressBar(spec.name) as bar:
            outcome = run_sweep(sweep, out=out, executor=executor, workers=workers,
                                chunk_runs=chunk_runs, progress=bar, command=command)
    except KeyboardInterrupt:
        say(f"interrupted; finished chunks are kept in {folder}; rerun the same command to "
            "resume")
        return 130
    except SweepError as exc:
        say(f"sweep stopped: {exc}\nfinished chunks are kept in {folder}; fix the cause and "
            "rerun the same command to resume")
        return 1
    except BaseException as exc:
        signum = getattr(exc, "signum", None)  # the CLI's stop signals (SIGTERM, SIGHUP)
        if not isinstance(signum, int):
            raise
        import signal  # noqa: PLC0415

        say(f"stopped by {signal.Signals(signum).name}; finished chunks are kept in {folder}; "
            "rerun the same command to resume")
        return 128 + signum
    rate = outcome.runs_run / outcome.seconds if outcome.seconds > 0 else 0.0
    lines = [f"{outcome.runs:,} runs in {outcome.chunks:,} chunks: "
             f"{outcome.resumed_chunks:,} already done, {outcome.chunks_run:,} run now "
             f"({outcome.runs_run:,} runs in {outcome.seconds:,.1f} s, {rate:,.0f} runs/s, "
             f"{outcome.executor})"]
    if outcome.failed_runs:
        lines.append(f"{outcome.failed_runs:,} runs failed; their errors are in the "
                     "'error' column of the shards (dipsim analyze lists them)")
    lines += [f"Results: {outcome.folder}",
              f"Next: dipsim analyze {outcome.folder}"]
    print("\n".join(lines))
    return 0


def cli_analyze(folder: Path, x: str | None = None, y: str | None = None,
                prim: Sequence[str] = ()) -> None:
    """``dipsim analyze``: write the analysis folder and print the headline figures."""
    from sim.experiments.analysis import (  # noqa: PLC0415
        KEY_OUTCOMES,
        SweepResults,
        overall_probabilities,
    )
    from sim.experiments.analysis_report import (  # noqa: PLC0415
        analyze,
        percent,
        sensitivity_summary,
    )

    res = SweepResults.load(folder)  # the shards are read once, for report and terminal
    boxes = []
    if prim:
        from sim.ema import prim_boxes  # noqa: PLC0415 - an optional extra

        boxes = [prim_boxes(res, o) for o in prim]
    dest = analyze(res, x=x, y=y, sections=[b.markdown() for b in boxes])
    overall = overall_probabilities(res.points)
    done = int(res.points["runs"].sum() + res.points["failed"].sum())
    print(f"Sweep {res.spec.name}: {len(res.points):,} points, "
          f"{int(res.points['runs'].sum()):,} runs"
          + (f", {int(res.points['failed'].sum()):,} failed" if res.points["failed"].any()
             else "")
          + ("" if res.complete else
             f" (incomplete: {done:,} of {int(res.manifest['runs']):,} runs finished"
             + ("; the sweep is still running" if res.running else "") + ")"))
    for o, r in overall.iterrows():
        print(f"  P({o}) = {percent(r.probability)} overall (95% interval "
              f"{percent(r.ci_low)} to {percent(r.ci_high)}); {percent(r.lowest_point)} to "
              f"{percent(r.highest_point)} across points")
    for o in KEY_OUTCOMES:
        _, text = sensitivity_summary(res, o)
        if text is not None:
            print("  " + text.replace("**", ""))
    for box in boxes:
        print(f"  PRIM, {box.outcome}: {box.sentence()}")
    print(f"Report: {dest / 'report.md'}")
