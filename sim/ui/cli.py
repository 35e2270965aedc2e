"""The ``dipsim`` command line: a thin Typer layer over the Python API.

Exit codes: 0 success; 2 bad input (the message names file, field and what was expected);
1 internal error. Heavy modules are imported inside the commands that need them, so
``dipsim --help`` and ``dipsim validate`` start quickly.
"""

from __future__ import annotations

import errno
import math
import os
import signal
import sys
import time
from pathlib import Path
from typing import Annotated


def _quit_quietly(signum: int, frame: object) -> None:
    # Ctrl-C while the command line is still importing: nothing has started, so there is
    # nothing to clean up and no reason to print Python's KeyboardInterrupt traceback.
    os.write(2, f"stopped by {signal.Signals(signum).name} before starting\n".encode())
    os._exit(128 + signum)


def _started_as_dipsim() -> bool:
    """Whether this process is the ``dipsim`` command (not a program importing sim.ui.cli)."""
    first = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    return first.name == "dipsim" or (first.name == "__main__.py" and first.parent.name == "sim")


if _started_as_dipsim():
    for _name in ("SIGINT", "SIGTERM", "SIGHUP"):
        _sig = getattr(signal, _name, None)
        if _sig is not None and signal.getsignal(_sig) in (signal.default_int_handler,
                                                            signal.SIG_DFL):
            signal.signal(_sig, _quit_quietly)  # main() installs the real handler

import typer  # noqa: E402 - after the handlers above, which cover its import time

from sim.scenario.errors import InputError  # noqa: E402

app = typer.Typer(
    name="dipsim",
    help="dipsim: does this pressure push the US and Venezuela toward talks or escalation?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ScenarioArg = Annotated[str | None, typer.Argument(
    help="Scenario file, or a library name (see 'dipsim list'); default: caribbean-2025",
    show_default=False)]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", help="Override a scenario field, e.g. --set actors.us.salience.oil=0.5 "
                  "(repeatable)", show_default=False)]
SeedOpt = Annotated[int | None, typer.Option(help="Root seed (default: the scenario's)",
                                             min=0, show_default=False)]


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _check_out(out: Path, *inside: str) -> Path:
    """``--out`` checked before any work: a folder that can be made and written.

    Every command that writes results calls this before it simulates, so a bad ``--out``
    is reported in a second (exit code 2), not after the whole run. ``..`` in the path is
    resolved first, so ``runs/x/../d`` never makes a stray ``runs/x``.

    Args:
        out: The ``--out`` option.
        inside: Subfolders the command will write under it (``caribbean-2025``).

    Returns:
        The folder to pass on (``out`` with ``..`` resolved).

    Raises:
        InputError: ``out`` is a file, or a folder that cannot be written.
    """
    from sim.output.storage import resolve_parent_refs  # noqa: PLC0415

    out = resolve_parent_refs(out)
    if out.exists() and not out.is_dir():
        raise InputError.single("--out", f"{out} exists and is not a folder")
    try:
        _check_writable(out.joinpath(*inside))
    except OSError as exc:
        raise InputError.single("--out", f"cannot write results ({exc.filename}): "
                                f"{exc.strerror}") from None
    return out


def _check_writable(folder: Path) -> None:
    """Fail before a long run, not after it, if ``folder`` cannot be made and written.

    Looks at the nearest existing ancestor and creates nothing, so a run that fails or is
    interrupted later leaves no trace. (A full disk can only be found by writing; the
    results folder is written atomically, so that fails cleanly too.)

    Raises:
        OSError: The folder is under a file, or its nearest existing ancestor is not
            writable (permissions, a read-only file system).
    """
    existing = folder
    while not os.path.lexists(existing) and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        read_only = bool(os.statvfs(existing).f_flag & os.ST_RDONLY)
        code = errno.EROFS if read_only else errno.EACCES
        raise PermissionError(code, os.strerror(code), str(existing))


@app.command()
def run(
    scenario: ScenarioArg = None,
    runs: Annotated[int | None, typer.Option(
        help="Monte Carlo replicates (default: the scenario's)", min=1, max=10_000_000,
        show_default=False)] = None,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    out: Annotated[Path, typer.Option(help="Results root folder")] = Path("results"),
    no_charts: Annotated[bool, typer.Option("--no-charts", help="Skip the PNG charts")] = False,
    keep_steps: Annotated[int, typer.Option(
        help="Replicates whose every variable is kept each day (steps.parquet)", min=0,
        max=100_000)] = 200,
    workers: Annotated[int | None, typer.Option(
        help="Processes to split large runs over (default: one per core)", min=1,
        show_default=False)] = None,
) -> None:
    """Run a scenario and write its results folder (charts, tables, summary)."""
    from sim.scenario.load import load_scenario  # noqa: PLC0415

    scn = load_scenario(scenario, set_ or None)
    out = _check_out(out, scn.name)
    n = scn.runs if runs is None else runs
    if n * scn.horizon_days >= 5_000_000 and sys.stderr.isatty():
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        # Redrawn from this thread (no refresh thread): a run forks only with no other
        # thread running (see sim.engine.shards).
        with Progress(TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                      transient=True, auto_refresh=False) as bar:
            task = bar.add_task(f"{scn.name}: {n:,} runs", total=n * scn.horizon_days)
            shown = [0.0]

            def show(done: int, total: int) -> None:
                bar.update(task, completed=done)
                if time.monotonic() - shown[0] >= 0.1 or done == total:
                    bar.refresh()
                    shown[0] = time.monotonic()

            results, folder = _run_into_folder(scn, out, n, seed, keep_steps, workers,
                                               no_charts, scenario, set_, progress=show)
    else:
        results, folder = _run_into_folder(scn, out, n, seed, keep_steps, workers, no_charts,
                                           scenario, set_)
    _print_summary(results, folder)


def _run_into_folder(scn, out: Path, n: int, seed: int | None, keep_steps: int,
                     workers: int | None, no_charts: bool, scenario: str | None,
                     set_: list[str] | None, progress=None):
    """Run straight into the results folder, the run table written chunk by chunk.

    Memory stays flat in ``--runs`` (docs/performance.md, Memory): only the run table's
    key columns stay in memory.
    """
    import sim  # noqa: PLC0415
    from sim.output.results import save_while_running  # noqa: PLC0415

    def run(runs_file: Path):
        results = sim.run(scn, runs=n, seed=seed, trace_replicates=keep_steps,
                          progress=progress, workers=workers, runs_file=runs_file)
        results.source = scenario or "caribbean-2025"
        results.overrides = list(set_ or [])
        return results

    return save_while_running(out, scn, run, charts=not no_charts, command=sys.argv)


def _print_summary(results, folder: Path) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    scn = results.scenario
    table = Table(title=f"{scn.title}\n{results.n_runs:,} runs, seed {results.seed}, "
                        f"{scn.start} to {scn.end}", title_justify="left")
    table.add_column("outcome")
    table.add_column("probability", justify="right")
    table.add_column("95% interval", justify="right")
    table.add_column("median day", justify="right")
    for o, row in results.probabilities().iterrows():
        when = (f"{row.median_date} (day {row.median_day:.0f})"
                if isinstance(row.median_date, str) else "-")
        table.add_row(str(o), f"{row.probability:.1%}",
                      f"{row.ci_low:.1%} to {row.ci_high:.1%}", when)
    Console().print(table)
    typer.echo(f"Results: {folder}")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario or sweep files to check")],
) -> None:
    """Check scenario and sweep files; print each problem with its file, line and field.

    An episode's alternative readings (``record.alternatives``) are checked too. A sweep
    file (one with ``parameters:``) is checked as ``dipsim sweep`` would check it: its
    fields, its base scenario and every parameter tried on it.
    """
    from sim.scenario.load import alternatives, load_scenario  # noqa: PLC0415
    from sim.ui.validate import is_sweep_file, validate_sweep_file  # noqa: PLC0415

    bad = 0
    for f in files:
        try:
            if is_sweep_file(f):
                typer.echo(validate_sweep_file(f))
                continue
            scn = load_scenario(f)
            readings = alternatives(f, scn)
        except InputError as exc:
            bad += 1
            _err(exc.report())
            continue
        extra = f", {len(readings)} alternative readings" if readings else ""
        typer.echo(f"ok: {f}: {scn.title} ({len(scn.pressures)} pressures, "
                   f"{scn.horizon_days} days{extra})")
    if bad:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    import json  # noqa: PLC0415

    from sim.scenario.load import json_schema  # noqa: PLC0415

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command("list")
def list_(
    profiles: Annotated[bool, typer.Option(
        "--profiles", help="Run every scenario and print its outcome profile (markdown)")
    ] = False,
    runs: Annotated[int, typer.Option(help="Runs per scenario for --profiles", min=1,
                                      max=1_000_000)] = 1000,
    seed: Annotated[int, typer.Option(help="Seed for --profiles", min=0)] = 20250902,
) -> None:
    """List the scenarios in the library (with --profiles, how each tends to end)."""
    from sim.scenario.library import list_scenarios  # noqa: PLC0415
    from sim.scenario.load import load_scenario  # noqa: PLC0415

    if profiles:
        from sim.experiments.profiles import profiles as run_profiles  # noqa: PLC0415
        from sim.experiments.profiles import profiles_markdown  # noqa: PLC0415

        typer.echo(profiles_markdown(run_profiles(runs, seed)))
        return
    for path in list_scenarios():
        try:
            title = load_scenario(path).title
        except InputError as exc:
            title = f"(invalid: {exc.problems[0].message})"
        typer.echo(f"{path.stem:28} {title}")


@app.command()
def explain(
    scenario: ScenarioArg = None,
    seed: SeedOpt = None,
    replicate: Annotated[int, typer.Option(help="Which replicate to tell", min=0)] = 0,
    set_: SetOpt = None,
) -> None:
    """Tell one run day by day in plain words: pressures, choices and why, the outcome."""
    import sim  # noqa: PLC0415
    from sim.output.narrative import narrative_markdown  # noqa: PLC0415

    results = sim.run(scenario, runs=1, seed=seed, overrides=set_ or None,
                      first_replicate=replicate, trace_replicates=1, band_replicates=1)
    typer.echo(narrative_markdown(results.story()))


@app.command()
def demo(
    scenario: ScenarioArg = None,
    host: Annotated[str, typer.Option(
        help="Address to listen on: 127.0.0.1 keeps the page on this computer; 0.0.0.0 "
             "shares it with the local network")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8765,
) -> None:
    """Serve the classroom page (Mesa SolaraViz) in the browser; no internet needed."""
    import subprocess  # noqa: PLC0415

    from sim.scenario.load import load_scenario  # noqa: PLC0415

    scn = load_scenario(scenario)  # bad input stops here, with exit code 2
    source = str(Path(scenario).resolve()) if scenario and Path(scenario).is_file() \
        else (scenario or "")
    env = {**os.environ, "DIPSIM_DEMO_SCENARIO": source,
           # No telemetry, and the page's files come from this computer (solara-assets).
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    command = [sys.executable, "-m", "solara", "run", "sim.ui.app", "--production",
               "--host", host, "--port", str(port), "--log-level", "warning"]
    where = "this computer only" if host in ("127.0.0.1", "localhost", "::1") \
        else "other computers on the network can open it too"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"dipsim classroom: {scn.title}\n"
               f"Serving on http://{shown}:{port}/ (listening on {host}: {where}).\n"
               "Starting takes a few seconds; open the address in a browser. Ctrl-C stops.")
    child = subprocess.Popen(command, env=env)
    try:
        code = child.wait()
    except (KeyboardInterrupt, _Stopped):
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
        typer.echo("Classroom page stopped.")
        return
    if code:
        _err(f"error: the page server stopped with exit code {code}")
        raise typer.Exit(1)


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep file (see docs/sweeps.md)")],
    executor: Annotated[str, typer.Option(
        help="local (a process pool), dask (a Dask LocalCluster) or tcp://HOST:PORT "
             "(a running Dask scheduler)")] = "local",
    workers: Annotated[int | None, typer.Option(
        help="Worker processes for local and dask (default: every core)", min=1, max=4096,
        show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Results root folder")] = Path("results"),
    chunk_runs: Annotated[int | None, typer.Option(
        help="Runs per task and shard for a new sweep (default 500)", min=1,
        max=10_000_000, show_default=False)] = None,
) -> None:
    """Run a parameter sweep into results/<sweep>/<hash>/; rerun the same command to resume."""
    from sim.ui.sweep_cli import cli_sweep  # noqa: PLC0415

    out = _check_out(out)
    code = cli_sweep(sweep_file, executor=executor, workers=workers, out=out,
                     chunk_runs=chunk_runs, command=sys.argv)
    if code:
        raise typer.Exit(code)


@app.command()
def analyze(
    results_dir: Annotated[Path, typer.Argument(
        help="A sweep results folder (results/<sweep>/<hash>/, or results/<sweep>/ for "
             "its latest)")],
    x: Annotated[str | None, typer.Option(help="Heatmap x parameter (default: the first)",
                                          show_default=False)] = None,
    y: Annotated[str | None, typer.Option(help="Heatmap y parameter (default: the second)",
                                          show_default=False)] = None,
    prim: Annotated[list[str] | None, typer.Option(
        "--prim", help="Scenario discovery: PRIM boxes of the parameters where this outcome "
                       "(or reached_talks) happens; needs the ema extra (repeatable)",
        show_default=False)] = None,
) -> None:
    """Outcome probabilities, heatmaps and sensitivity indices of a sweep, with a report."""
    from sim.ui.sweep_cli import cli_analyze  # noqa: PLC0415

    cli_analyze(results_dir, x=x, y=y, prim=prim or ())


class _Stopped(BaseException):
    """A signal (Ctrl-C, SIGTERM, SIGHUP) asked dipsim to stop.

    Raised from the signal handler, it unwinds like KeyboardInterrupt, so the results
    folder being written is removed on the way out; unlike KeyboardInterrupt, Click does
    not swallow it, so :func:`main` can say what happened.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    raise _Stopped(signum)


def _catch_stop_signals() -> None:
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        # A signal ignored when dipsim started (nohup, a background job) stays ignored.
        if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _stop)


@app.command()
def compare(
    a: Annotated[str | None, typer.Argument(help="Baseline scenario (file or library name; "
                                            "default caribbean-2025)", show_default=False)
                 ] = None,
    b: Annotated[str | None, typer.Argument(help="Counterfactual scenario; default: A with "
                                            "the --set and --drop changes",
                                            show_default=False)] = None,
    runs: Annotated[int | None, typer.Option(help="Runs of each (default: A's)", min=1,
                                             max=10_000_000, show_default=False)] = None,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    drop: Annotated[list[str] | None, typer.Option(
        "--drop", help="Remove a pressure from B by id, e.g. --drop dock_strike (repeatable)",
        show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Results root folder")] = Path("results"),
    no_charts: Annotated[bool, typer.Option("--no-charts", help="Skip the chart")] = False,
) -> None:
    """Run two scenarios on common random numbers and report what changed."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from sim.experiments.compare import compare as run_compare  # noqa: PLC0415

    out = _check_out(out, "compare")
    cmp = run_compare(a, b, runs=runs, seed=seed, overrides=set_ or None, drop=drop or None)
    table = Table(title=f"A: {cmp.label_a}\nB: {cmp.label_b}\n{cmp.a.n_runs:,} runs each, "
                        f"seed {cmp.a.seed}, common random numbers", title_justify="left")
    for col in ("outcome", "A", "B", "B − A, 95% interval", "median date, A → B"):
        table.add_column(col, justify="left" if col == "outcome" else "right")
    start = cmp.a.scenario

    def when(day: float) -> str:
        return "-" if math.isnan(day) else start.date_of(round(day)).isoformat()

    for o, row in cmp.differences().iterrows():
        table.add_row(str(o), f"{row.p_a:.1%}", f"{row.p_b:.1%}",
                      f"{row.difference:+.1%} ({row.ci_low:+.1%} to {row.ci_high:+.1%})",
                      f"{when(row.median_day_a)} → {when(row.median_day_b)}")
    Console().print(table)
    typer.echo(f"{cmp.changed():.1%} of runs end differently in B.")
    folder = cmp.save(out, charts=not no_charts)
    typer.echo(f"Results: {folder}")


@app.command()
def tornado(
    scenario: ScenarioArg = None,
    runs: Annotated[int, typer.Option(help="Runs per setting", min=10, max=1_000_000)] = 500,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    outcome: Annotated[str, typer.Option(
        help="Outcome whose probability is charted: stalemate, talks, agreement or "
             "escalation")] = "escalation",
    out: Annotated[Path, typer.Option(help="Results root folder")] = Path("results"),
    no_charts: Annotated[bool, typer.Option("--no-charts", help="Skip the chart")] = False,
) -> None:
    """Vary each main parameter across its range, one at a time: a tornado chart."""
    from sim.experiments.sensitivity import one_at_a_time, save  # noqa: PLC0415
    from sim.model.model import Outcome  # noqa: PLC0415
    from sim.scenario.load import load_scenario  # noqa: PLC0415

    labels = [o.label for o in Outcome]
    if outcome not in labels:
        raise InputError.single("--outcome", f"expected one of: {', '.join(labels)}; "
                                f"got {outcome!r}")
    scn = load_scenario(scenario, set_ or None)
    out = _check_out(out, "tornado")
    seed = scn.seed if seed is None else seed
    table = one_at_a_time(scn, runs, seed)
    swing = (table[f"{outcome}_high"] - table[f"{outcome}_low"])
    base = float(table[f"{outcome}_baseline"].iloc[0])
    typer.echo(f"P({outcome}) at the baseline: {base:.1%} ({runs:,} runs per setting, "
               f"seed {seed})")
    for name in swing.abs().sort_values(ascending=False).index:
        row = table.loc[name]
        typer.echo(f"  {row.label:42} {row.low:>6g} -> {row[f'{outcome}_low']:6.1%}   "
                   f"{row.high:>6g} -> {row[f'{outcome}_high']:6.1%}")
    folder = save(table, scn, out, runs, seed, outcome, charts=not no_charts)
    typer.echo(f"Results: {folder}")


@app.command()
def hindcast(
    episodes: Annotated[list[str] | None, typer.Argument(
        help="Episode names or files (default: every episode of scenarios/episodes)",
        show_default=False)] = None,
    runs: Annotated[int, typer.Option(help="Replicates per episode reading", min=1,
                                      max=1_000_000)] = 1000,
    seed: SeedOpt = None,
    out: Annotated[Path, typer.Option(help="Results root folder")] = Path("results"),
    alternatives: Annotated[bool, typer.Option(
        "--alternatives/--no-alternatives",
        help="Also run each episode's alternative readings")] = True,
    workers: Annotated[int | None, typer.Option(
        help="Processes a reading may be split over (default: one per core)", min=1,
        show_default=False)] = None,
) -> None:
    """Run the episodes of the record and score the model against what happened."""
    from sim.experiments.hindcast import hindcast as run_hindcast  # noqa: PLC0415
    from sim.experiments.hindcast import load_readings  # noqa: PLC0415

    out = _check_out(out, "hindcast")
    load_readings(episodes, alternatives)  # bad input stops here, before any run
    from sim.ui.progress import simple_bar  # noqa: PLC0415

    with simple_bar("hindcast") as show:
        result = run_hindcast(episodes, runs, seed, with_alternatives=alternatives,
                              workers=workers, progress=show, command=sys.argv)
    folder = result.save(out)
    _print_hindcast(result)
    typer.echo(f"Results: {folder}")


def _print_hindcast(result) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from sim.experiments.hindcast import LABELS  # noqa: PLC0415

    short = {"stalemate": "stale", "talks": "talks", "narrow_deal": "narrow",
             "broad_agreement": "broad", "talks_collapsed": "collapse",
             "escalation": "escal", "leader_removed": "removed", "deal_broken": "broken"}
    console = Console(width=max(Console().width, 160))
    table = Table(title=f"Hindcast: {result.runs:,} runs per episode", title_justify="left")
    for col in ("episode", "recorded", "lag", *[short[lab] for lab in LABELS], "modal",
                "dir.", "day"):
        table.add_column(col, justify="left" if col in ("episode", "recorded", "modal")
                         else "right")
    for _, r in result.main.iterrows():
        lag = "-" if r["recorded_lag"] is None or r["recorded_lag"] != r["recorded_lag"] \
            else f"{int(r['recorded_lag'])}"
        day = "-" if r["simulated_day"] != r["simulated_day"] else f"{r['simulated_day']:.0f}"
        cells = [f"{r[f'p_{lab}']:.0%}" if r[f"p_{lab}"] else "." for lab in LABELS]
        table.add_row(r["episode"], r["recorded"], lag, *cells,
                      ("✓ " if r["modal_match"] else "✗ ") + short[r["modal"]],
                      "✓" if r["direction_match"] else "✗", day)
    console.print(table)
    s = result.scores
    lines = [
        f"modal outcome right: {s['modal_correct']}/{s['episodes']} "
        f"({s['modal_accuracy']:.0%}); direction right: {s['direction_correct']}/"
        f"{s['episodes']} ({s['direction_accuracy']:.0%})",
        f"Brier {s['brier']:.3f} (base rate {s['brier_base_rate']:.3f}, nothing changes "
        f"{s['brier_nothing_changes']:.3f}); skill vs base rate "
        f"{s['brier_skill_vs_base_rate']:+.0%}",
        f"log score {s['log_score']:.2f} (base rate {s['log_score_base_rate']:.2f}, nothing "
        f"changes {s['log_score_nothing_changes']:.2f})",
        f"AUC of P(settlement) {s['auc_settlement']:.2f}",
    ]
    if s.get("timing_episodes"):
        lines.append(f"timing: median simulated day off by {s['timing_mean_abs_error_days']:.0f}"
                     f" days on average ({s['timing_episodes']} episodes)")
    if s.get("alternatives"):
        lines.append(f"alternative readings: {s['alternatives']}; the modal outcome changes "
                     f"in {s['episodes_whose_modal_changes']} of "
                     f"{s['episodes_with_alternatives']} episodes that have them")
    for line in lines:
        console.print(line)


def main() -> None:
    """Entry point of the ``dipsim`` script: run the app, map errors to exit codes."""
    _catch_stop_signals()
    try:
        app()
    except InputError as exc:
        _err(exc.report())
        sys.exit(2)
    except (KeyboardInterrupt, _Stopped) as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        _err(f"stopped by {signal.Signals(signum).name}; an unfinished run leaves no "
             "results folder")
        sys.exit(128 + signum)
    except OSError as exc:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        _err(f"error: cannot write results{where}: {exc.strerror or exc}")
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("DIPSIM_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc}\n"
             "This is a bug in dipsim; rerun with DIPSIM_DEBUG=1 for the traceback.")
        sys.exit(1)
