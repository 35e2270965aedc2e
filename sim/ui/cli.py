"""The ``dipsim`` command line: a thin Typer layer over the Python API.

Exit codes: 0 success; 2 bad input (the message names file, field and what was expected);
1 internal error. Heavy modules are imported inside the commands that need them, so
``dipsim --help`` and ``dipsim validate`` start quickly.
"""

from __future__ import annotations

import errno
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
from sim.ui.out_folder import check_out as _check_out  # noqa: E402

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
ParamsOpt = Annotated[Path | None, typer.Option(
    "--params", help="Parameter file of --set assignments (e.g. the params.yaml of "
                     "dipsim calibrate), applied before --set", show_default=False)]


def _err(text: str) -> None:
    typer.echo(text, err=True)


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
    params: ParamsOpt = None,
) -> None:
    """Run a scenario and write its results folder (charts, tables, summary)."""
    from sim.scenario.load import load_scenario, with_overrides  # noqa: PLC0415
    from sim.scenario.params import load_params  # noqa: PLC0415

    fitted = load_params(params) if params else None
    if fitted is None:
        scn = load_scenario(scenario, set_ or None)
    else:
        scn = with_overrides(fitted.apply(load_scenario(scenario)), set_ or [])
    out = _check_out(out, scn.name)
    overrides = [*(fitted.assignments if fitted else ()), *(set_ or [])]
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
                                               no_charts, scenario, overrides, progress=show)
    else:
        results, folder = _run_into_folder(scn, out, n, seed, keep_steps, workers, no_charts,
                                           scenario, overrides)
    from sim.ui.tables import print_summary  # noqa: PLC0415

    print_summary(results, folder)


def _run_into_folder(scn, out: Path, n: int, seed: int | None, keep_steps: int,
                     workers: int | None, no_charts: bool, scenario: str | None,
                     overrides: list[str], progress=None):
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
        results.overrides = list(overrides)
        return results

    return save_while_running(out, scn, run, charts=not no_charts, command=sys.argv)



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
        from sim.ui.progress import simple_bar  # noqa: PLC0415

        with simple_bar("scenarios") as show:
            table = run_profiles(runs, seed, progress=show)
        typer.echo(profiles_markdown(table))
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
    full: Annotated[bool, typer.Option(
        "--full", help="Every day in full detail: each choice with its score and chance, "
                       "event codes, the state of play each month")] = False,
) -> None:
    """Tell one run in plain words on one page: how it ends, the key moments, what happened."""
    import sim  # noqa: PLC0415
    from sim.output.brief import brief_markdown  # noqa: PLC0415
    from sim.output.narrative import narrative_markdown  # noqa: PLC0415

    results = sim.run(scenario, runs=1, seed=seed, overrides=set_ or None,
                      first_replicate=replicate, trace_replicates=1, band_replicates=1)
    story = results.story()
    typer.echo(narrative_markdown(story) if full else brief_markdown(story))


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(
        help="A results folder of dipsim run (results/<scenario>/<timestamp>)",
        show_default=False)],
) -> None:
    """Rebuild a results folder's report.html (drawing any chart the run left out)."""
    from sim.output.results import rebuild_report  # noqa: PLC0415

    typer.echo(f"Report: {rebuild_report(folder)}")


def _check_port_free(host: str, port: int) -> None:
    """Fail with a clear message (exit 2) if ``host:port`` cannot be listened on.

    Checked before the page server starts, so a busy port is reported in words, not as the
    server's ``[Errno 98]`` after "Serving on ...".
    """
    import socket  # noqa: PLC0415

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise InputError.single("--host", f"cannot listen on {host!r}: "
                                f"{exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As the server will (SO_REUSEADDR): a port left in TIME_WAIT by a server that
        # just stopped is free; one another program listens on is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                other = port + 1 if port < 65535 else 8765
                raise InputError.single("--port", f"port {port} is busy on {host}: another "
                                        "program (perhaps another dipsim demo) is using it; "
                                        f"choose another, e.g. --port {other}") from None
            raise InputError.single("--host", f"cannot listen on {host}:{port}: "
                                    f"{exc.strerror or exc}") from None


@app.command()
def demo(
    scenario: ScenarioArg = None,
    host: Annotated[str, typer.Option(
        help="Address to listen on: 127.0.0.1 keeps the page on this computer; 0.0.0.0 "
             "shares it with the local network")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8765,
) -> None:
    """Serve the classroom page in the browser (printed once it answers); no internet needed."""
    from sim.ui.serve import serve_demo  # noqa: PLC0415

    _check_port_free(host, port)  # a busy port: in words, exit code 2
    code = serve_demo(scenario, host, port, typer.echo, _err)  # bad input: exit code 2
    if code:
        raise typer.Exit(code)


@app.command("class")
def class_(
    scenario: ScenarioArg = None,
    lan: Annotated[bool, typer.Option(
        "--lan", help="Let students' laptops on this network join (each request then "
                      "still needs the session's token)")] = False,
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8766,
    seed: SeedOpt = None,
    round_days: Annotated[int, typer.Option(help="Days of model time in a round",
                                            min=1, max=60)] = 7,
) -> None:
    """Teams play the two governments: an instructor page, a join link and a join code."""
    from sim.ui.serve import serve_class  # noqa: PLC0415

    _check_port_free("0.0.0.0" if lan else "127.0.0.1", port)
    serve_class(scenario, port, lan, seed, round_days, typer.echo)


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


@app.command()
def calibrate(
    calibration_file: Annotated[str | None, typer.Argument(
        help="Calibration file, or a name in scenarios/calibration (default: default)",
        show_default=False)] = None,
    executor: Annotated[str, typer.Option(
        help="local (processes on this machine), dask (a Dask LocalCluster) or "
             "tcp://HOST:PORT (a running Dask scheduler)")] = "local",
    workers: Annotated[int | None, typer.Option(
        help="Worker processes for local and dask (default: every core)", min=1, max=4096,
        show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Results root folder")] = Path("results"),
) -> None:
    """Fit parameters to the episodes (ABC-SMC), with scores by cross-validation."""
    from sim.ui.calibrate_cli import cli_calibrate  # noqa: PLC0415

    out = _check_out(out, "calibration")
    cli_calibrate(calibration_file, executor=executor, workers=workers, out=out,
                  command=sys.argv)


@app.command()
def predictive(
    calibration_folder: Annotated[Path, typer.Argument(
        help="A calibration results folder (results/calibration/<timestamp>/)")],
    workers: Annotated[int | None, typer.Option(
        help="Processes a particle's runs may be split over (default: one per core)",
        min=1, show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Results root folder")] = Path("results"),
) -> None:
    """Score a calibration's held-out episodes by the whole posterior, and its robustness."""
    from sim.experiments.hindcast import robustness_words  # noqa: PLC0415
    from sim.experiments.predictive import predictive as run_predictive  # noqa: PLC0415
    from sim.ui.progress import simple_bar  # noqa: PLC0415

    out = _check_out(out, "predictive")
    with simple_bar("readings") as show:
        result = run_predictive(calibration_folder, workers,
                                on_episode=lambda done, total: show(done, total, ""),
                                command=sys.argv)
    folder = result.save(out)
    for key, words in (("out_of_sample", "point (medians)"),
                       ("out_of_sample_predictive", "predictive")):
        s = result.scores[key]
        typer.echo(f"  {words + ':':17} modal outcome right {s['modal_correct']}/"
                   f"{s['episodes']}; direction right {s['direction_correct']}/"
                   f"{s['episodes']}; Brier {s['brier']:.3f} (base rate "
                   f"{s['brier_base_rate']:.3f}); AUC {s['auc_settlement']:.2f}")
    if (r := result.scores["out_of_sample_robustness"]).get("alternatives"):
        typer.echo(f"  robustness, point: {robustness_words(r)}")
    typer.echo(f"Results: {folder}")


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
    from sim.experiments.compare import compare as run_compare  # noqa: PLC0415
    from sim.ui.tables import print_comparison  # noqa: PLC0415

    out = _check_out(out, "compare")
    cmp = run_compare(a, b, runs=runs, seed=seed, overrides=set_ or None, drop=drop or None)
    print_comparison(cmp)
    folder = cmp.save(out, charts=not no_charts)
    typer.echo(f"Results: {folder}")


@app.command()
def tornado(
    scenario: ScenarioArg = None,
    runs: Annotated[int, typer.Option(help="Runs per setting", min=10, max=1_000_000)] = 500,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    outcome: Annotated[str, typer.Option(
        help="Outcome whose probability is charted: stalemate, talks, narrow_deal, "
             "broad_agreement, talks_collapsed, deal_broken, escalation or leader_removed")
    ] = "escalation",
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
    from sim.ui.progress import simple_bar  # noqa: PLC0415

    with simple_bar("settings") as show:
        table = one_at_a_time(scn, runs, seed, progress=show)
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
    params: ParamsOpt = None,
) -> None:
    """Run the episodes of the record and score the model against what happened."""
    from sim.experiments.hindcast import hindcast as run_hindcast  # noqa: PLC0415
    from sim.experiments.hindcast import load_readings  # noqa: PLC0415
    from sim.scenario.params import load_params  # noqa: PLC0415

    out = _check_out(out, "hindcast")
    fitted = load_params(params) if params else None
    for reading in load_readings(episodes, alternatives):  # bad input stops here
        if fitted is not None:
            fitted.apply(reading.scenario)
    from sim.ui.progress import simple_bar  # noqa: PLC0415

    with simple_bar("hindcast") as show:
        result = run_hindcast(episodes, runs, seed, with_alternatives=alternatives,
                              workers=workers, progress=show, command=sys.argv,
                              params=fitted)
    folder = result.save(out)
    from sim.ui.tables import print_hindcast  # noqa: PLC0415

    print_hindcast(result)
    typer.echo(f"Results: {folder}")


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
