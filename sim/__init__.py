"""dipsim: a diplomatic-negotiation scenario simulator (US and Venezuela; drugs, oil, migration).

The Python API, for notebooks::

    import sim
    scenario = sim.load_scenario("caribbean-2025")          # a library name or a path
    results = sim.run(scenario, runs=2000, seed=7)          # or sim.run("my.yaml", ...)
    results.probabilities()                                  # P(outcome) with 95% intervals
    results.runs, results.steps, results.bands               # pandas tables
    results.plot("path")                                     # matplotlib figures
    results.save("results")                                  # the results folder
    sim.Results.load("results/caribbean-2025/<timestamp>")   # ... read back

Heavy modules (mesa, pandas, matplotlib) are imported only when first needed, so the
command line starts quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pathlib import Path

    from sim.model.model import DiplomacyModel
    from sim.output.results import Results
    from sim.scenario.schema import Scenario

__all__ = ["DiplomacyModel", "Results", "Scenario", "load_scenario", "run"]

#: Keywords of :func:`run` passed on to :func:`sim.engine.ensemble.run_ensemble`.
PASSTHROUGH = ("chunk", "trace_replicates", "band_replicates", "progress", "point",
               "first_replicate", "workers", "runs_file")


def load_scenario(path: str | Path | None = None, overrides: list[str] | None = None
                  ) -> Scenario:
    """Read and validate a scenario file (a path, a library name, or None for the default).

    Args:
        path: The scenario file or library name; None is the default scenario.
        overrides: ``path=value`` assignments, as with ``dipsim run --set``.

    Raises:
        sim.scenario.errors.InputError: The file is invalid; the message names file, line and field.
    """
    from sim.scenario.load import load_scenario as _load  # noqa: PLC0415

    return _load(path, overrides)


def run(scenario: Scenario | str | Path | None = None, runs: int | None = None,
        seed: int | None = None, *, overrides: list[str] | None = None,
        params: str | Path | None = None, **levers: Any) -> Results:
    """Run a scenario's Monte Carlo replicates.

    Args:
        scenario: A Scenario, a path, a library name, or None for the default scenario.
        runs: Number of replicates (default: the scenario's ``runs``).
        seed: Root seed (default: the scenario's ``seed``).
        overrides: ``path=value`` assignments, e.g. ``["actors.us.salience.oil=0.5"]``.
        params: A parameter file of such assignments (the ``params.yaml`` that ``dipsim
            calibrate`` writes), applied before ``overrides`` and the levers.
        **levers: Scenario changes as keywords: a lever from :data:`sim.scenario.levers.LEVERS`
            (``boat_strike_tempo=2``, ``us_salience_oil=0.5``) or a field path with
            ``__`` for dots (``talks__threshold=0.6``). Other keywords of
            :func:`sim.engine.ensemble.run_ensemble` (``chunk``, ``trace_replicates``,
            ``band_replicates``, ``progress``, ``workers``, ``runs_file``) pass through.

    Returns:
        The results; same scenario, runs and seed give identical results.
    """
    import dataclasses  # noqa: PLC0415

    from sim.engine.ensemble import run_ensemble  # noqa: PLC0415
    from sim.scenario.errors import InputError  # noqa: PLC0415
    from sim.scenario.levers import LEVERS, apply_levers  # noqa: PLC0415
    from sim.scenario.load import load_scenario, with_overrides  # noqa: PLC0415
    from sim.scenario.params import load_params  # noqa: PLC0415
    from sim.scenario.schema import Scenario  # noqa: PLC0415

    passthrough = {k: levers.pop(k) for k in PASSTHROUGH if k in levers}
    named = {k: levers.pop(k) for k in list(levers) if k in LEVERS}
    _check_keywords(levers)
    assignments = list(overrides or []) + [f"{k.replace('__', '.')}={v}"
                                            for k, v in levers.items()]
    # Errors name the keyword or the overrides entry, not a line of the scenario file.
    origins = [f"sim.run overrides[{i}] {t!r}" for i, t in enumerate(overrides or [])] + [
        f"sim.run keyword {k}={v!r}" for k, v in levers.items()]
    source = None if isinstance(scenario, Scenario) else str(scenario or "caribbean-2025")
    fitted = load_params(params) if params is not None else None
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, None if fitted else (assignments or None),
                                 None if fitted else origins)
    if fitted is not None:
        scenario = fitted.apply(scenario)
    if fitted is not None or source is None:
        scenario = with_overrides(scenario, assignments, origins=origins)
    try:
        scenario = apply_levers(scenario, named)
    except InputError as exc:
        origin = ", ".join(f"sim.run keyword {k}={v!r}" for k, v in named.items())
        raise InputError(exc.source, [dataclasses.replace(p, origin=origin, line=None)
                                      for p in exc.problems]) from None
    results = run_ensemble(scenario, runs, seed, source=source, **passthrough)
    results.overrides = ([*fitted.assignments] if fitted else []) + assignments + [
        f"{k}={v}" for k, v in named.items()]
    return results


def _check_keywords(fields: dict[str, Any]) -> None:
    """Each keyword of :func:`run` that is not a lever must start with a scenario field.

    Raises:
        InputError: A keyword is neither (a misspelt lever, say); the message names it,
            lists what is accepted and suggests the nearest name.
    """
    import difflib  # noqa: PLC0415

    from sim.scenario.errors import InputError, Problem  # noqa: PLC0415
    from sim.scenario.levers import LEVERS  # noqa: PLC0415
    from sim.scenario.schema import Scenario  # noqa: PLC0415

    known = {f.alias or name for name, f in Scenario.model_fields.items()}
    problems = []
    for key, value in fields.items():
        if key.split("__")[0] in known:
            continue
        names = [*LEVERS, *PASSTHROUGH, *known]
        near = difflib.get_close_matches(key, names, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        problems.append(Problem("", f"unknown keyword; {hint}expected a lever "
                                f"({', '.join(LEVERS)}), a scenario field path with __ for "
                                f"dots (talks__threshold=0.6), or one of "
                                f"{', '.join(PASSTHROUGH)}",
                                origin=f"sim.run keyword {key}={value!r}"))
    if problems:
        raise InputError("sim.run", problems)


def __getattr__(name: str) -> Any:
    if name == "DiplomacyModel":
        from sim.model.model import DiplomacyModel  # noqa: PLC0415

        return DiplomacyModel
    if name == "Results":
        from sim.output.results import Results  # noqa: PLC0415

        return Results
    if name == "Scenario":
        from sim.scenario.schema import Scenario  # noqa: PLC0415

        return Scenario
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
