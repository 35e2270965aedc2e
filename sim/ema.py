"""dipsim for the EMA Workbench: a model to explore, and PRIM on a sweep's results.

An optional extra: ``pip install -e ".[ema]"`` installs ``ema-workbench`` (Kwakkel 2017),
which this module imports only when a function needs it, so dipsim works without it.

**Exploring with the workbench.** :func:`ema_model` wraps ``sim.run`` as an
``ema_workbench.Model``: its uncertainties and levers are a sweep file's parameters (a
``range`` becomes a ``RealParameter``, or an ``IntegerParameter`` with ``integer: true``;
``values`` a ``CategoricalParameter`` or ``BooleanParameter``), and its outcomes are
P(outcome) for each of the model's outcomes, P(reached talks) and the median day of talks
and of escalation (:func:`outcome_names`). Every experiment runs ``runs`` replicates on
the same seed (common random numbers, so experiments differ only by their parameters)::

    from ema_workbench import SequentialEvaluator, perform_experiments
    from sim.ema import ema_model

    model = ema_model("scenarios/sweeps/strikes-vs-oil.yaml", runs=200)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=50,
                                                    evaluator=evaluator)

**Scenario discovery.** :func:`prim_boxes` runs PRIM (Friedman and Fisher 1999, as the
workbench implements it) on a finished sweep: each run is a case, its design point's
parameters the inputs, and "the run ended in ``outcome``" the case of interest. The box is
chosen on the peeling trajectory (the densest box that still holds half of the cases) and
said in a sentence, as for ``scenarios/sweeps/strikes-vs-oil.yaml``: *"When strike_tempo is
at least 2.75, 93% of runs ended in escalation (2,100 runs in the box, holding 55% of all
runs that did), against 57% over the whole design."* ``dipsim analyze --prim escalation``
adds it to the report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.analysis import SweepResults
from sim.experiments.sweepfile import OUTCOME_LABELS, Parameter, Sweep, load_sweep
from sim.scenario.errors import InputError

#: The extra that installs the workbench.
EXTRA = 'pip install -e ".[ema]"'


def require_workbench() -> Any:
    """The ``ema_workbench`` package, or an :class:`InputError` that says how to install it."""
    try:
        import ema_workbench  # noqa: PLC0415
    except ImportError:
        raise InputError.single("ema-workbench", f"not installed; it is an optional extra: "
                                f"{EXTRA}") from None
    # The workbench's progress bars (tqdm) would start a monitor thread that outlives them;
    # with another thread alive, dipsim runs in this process stop splitting a run over
    # forked processes (forking beside a thread is unsafe, sim.engine.shards).
    import tqdm  # noqa: PLC0415

    tqdm.tqdm.monitor_interval = 0
    return ema_workbench


def variable_name(label: str) -> str:
    """A parameter's label as a Python identifier (the workbench passes keywords)."""
    name = re.sub(r"\W", "_", label)
    return name if name.isidentifier() else f"p_{name}"


def outcome_names() -> list[str]:
    """The model's outcomes as the workbench sees them: P of each, and two medians."""
    return ([f"p_{o}" for o in OUTCOME_LABELS] + ["p_reached_talks", "median_talks_day"]
            + (["median_escalation_day"] if "escalation" in OUTCOME_LABELS else []))


def _parameter(ew: Any, p: Parameter) -> Any:
    name = variable_name(p.label)
    if p.range is not None:
        cls = ew.IntegerParameter if p.integer else ew.RealParameter
        lo, hi = (round(p.range[0]), round(p.range[1])) if p.integer else p.range
        return cls(name, lo, hi)
    values = list(p.values or [])
    if sorted(map(str, values)) == ["False", "True"] and all(isinstance(v, bool)
                                                             for v in values):
        return ew.BooleanParameter(name)
    return ew.CategoricalParameter(name, values)


def ema_model(sweep: Sweep | str | Path, runs: int = 200, seed: int | None = None,
              levers: Sequence[str] = (), name: str = "dipsim") -> Any:
    """The sweep's scenario as an ``ema_workbench.Model``.

    Args:
        sweep: A sweep file (or one loaded): its base scenario and its parameters.
        runs: Replicates per experiment.
        seed: Root seed of every experiment (default: the sweep's).
        levers: Labels of the parameters that are policy levers; the others are
            uncertainties.
        name: The model's name (an identifier).

    Returns:
        A ``Model`` whose function runs the scenario; outcomes :func:`outcome_names`.

    Raises:
        InputError: The workbench is missing, or a lever is not a parameter.
    """
    ew = require_workbench()
    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    params = list(sweep.spec.parameters)
    unknown = sorted(set(levers) - {p.label for p in params})
    if unknown:
        raise InputError.single("levers", f"not parameters of the sweep: {', '.join(unknown)}"
                                f"; expected some of: {', '.join(p.label for p in params)}")
    seed = int(sweep.spec.seed or 0) if seed is None else int(seed)
    by_name = {variable_name(p.label): p for p in params}
    base = sweep.base

    def run(**values: Any) -> dict[str, float]:
        from sim.engine.ensemble import run_ensemble  # noqa: PLC0415
        from sim.experiments.sweepfile import point_scenario  # noqa: PLC0415

        settings = [(p.path, p.cast(values[k]) if p.range is not None else _plain(values[k]))
                    for k, p in by_name.items() if k in values]
        scenario = point_scenario(base, settings, source="EMA experiment")
        data = run_ensemble(scenario, runs, seed, trace_replicates=0, band_replicates=0,
                            narrate=False, workers=1).data.runs
        return run_outcomes(data)

    model = ew.Model(name, function=run)
    model.uncertainties = [_parameter(ew, p) for p in params if p.label not in levers]
    model.levers = [_parameter(ew, p) for p in params if p.label in levers]
    model.outcomes = [ew.ScalarOutcome(o) for o in outcome_names()]
    return model


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def run_outcomes(runs: dict[str, np.ndarray]) -> dict[str, float]:
    """P(outcome) for each outcome, P(reached talks) and median days, from a run's arrays."""
    outcome = np.asarray(runs["outcome"])
    n = len(outcome)
    out = {f"p_{o}": float(np.mean(outcome == k)) for k, o in enumerate(OUTCOME_LABELS)}
    talks = np.asarray(runs["talks_day"])
    out["p_reached_talks"] = float(np.mean(talks >= 0)) if n else float("nan")
    out["median_talks_day"] = float(np.median(talks[talks >= 0])) if (talks >= 0).any() \
        else float("nan")
    if "escalation" in OUTCOME_LABELS:
        day = np.asarray(runs["outcome_day"])
        hit = (outcome == OUTCOME_LABELS.index("escalation")) & (day >= 0)
        out["median_escalation_day"] = float(np.median(day[hit])) if hit.any() \
            else float("nan")
    return out


# ------------------------------------------------------------------------------- PRIM


@dataclass
class PrimBox:
    """A PRIM box over a sweep's parameters, and how to say it.

    Attributes:
        outcome: The outcome of interest.
        limits: Each restricted parameter and its limits: ``(low, high)`` for numbers
            (None where not restricted on that side), or the set of values kept.
        density: Share of the box's runs that ended in the outcome.
        coverage: Share of all runs that ended in it that fall in the box.
        runs: Runs in the box.
        base_rate: Share of all runs that ended in the outcome.
        trajectory: The peeling trajectory (coverage, density, mass, restricted dims).
    """

    outcome: str
    limits: dict[str, tuple[float | None, float | None] | set[Any]]
    density: float
    coverage: float
    runs: int
    base_rate: float
    trajectory: pd.DataFrame

    def sentence(self) -> str:
        """The box in one sentence a reader can state."""
        conditions = []
        for name, lim in self.limits.items():
            if isinstance(lim, set):
                shown = " or ".join(str(v) for v in sorted(lim, key=str))
                conditions.append(f"{name} is {shown}")
                continue
            lo, hi = lim
            if lo is not None and hi is not None:
                conditions.append(f"{name} is between {lo:.3g} and {hi:.3g}")
            elif lo is not None:
                conditions.append(f"{name} is at least {lo:.3g}")
            elif hi is not None:
                conditions.append(f"{name} is at most {hi:.3g}")
        where = " and ".join(conditions) if conditions else "anywhere in the design"
        what = ("opened talks" if self.outcome == "reached_talks" else
                f"ended in {self.outcome}")
        return (f"When {where}, {self.density:.0%} of runs {what} ({self.runs:,} runs in "
                f"the box, holding {self.coverage:.0%} of all runs that did), against "
                f"{self.base_rate:.0%} over the whole design.")

    def markdown(self) -> str:
        """A report section: the sentence, the box's limits and the peeling trajectory."""
        lines = [f"## Scenario discovery (PRIM): {self.outcome}", "", self.sentence(), "",
                 "| parameter | box |", "| --- | --- |"]
        for name, lim in self.limits.items():
            shown = (", ".join(map(str, sorted(lim, key=str))) if isinstance(lim, set) else
                     f"{'-' if lim[0] is None else f'{lim[0]:.3g}'} to "
                     f"{'-' if lim[1] is None else f'{lim[1]:.3g}'}")
            lines.append(f"| {name} | {shown} |")
        step = max(1, len(self.trajectory) // 8)
        lines += ["", "The peeling trajectory (every box PRIM found, from the whole design to "
                  "the densest; the chosen box is the densest with at least half of the "
                  "cases):", "", "| box | coverage | density | runs | restricted |",
                  "| ---: | ---: | ---: | ---: | ---: |"]
        for i, r in self.trajectory.iloc[::step].iterrows():
            lines.append(f"| {i} | {r['coverage']:.0%} | {r['density']:.0%} | {int(r['n']):,} "
                         f"| {int(r['res_dim'])} |")
        return "\n".join(lines)


def prim_boxes(folder: str | Path | SweepResults, outcome: str = "escalation",
               min_coverage: float = 0.5, mass_min: float = 0.05) -> PrimBox:
    """PRIM scenario discovery on a sweep: where in the parameters does ``outcome`` happen?

    Each finished run is a case (its design point's parameters are its inputs; failed runs
    are left out); the cases of interest are the runs that ended in ``outcome`` (or, for
    ``reached_talks``, that opened talks). Of the boxes PRIM peels, the densest one that
    still holds ``min_coverage`` of the cases of interest is chosen (the last one, if none
    holds that many).

    Args:
        folder: A sweep results folder (or ``results/<sweep>/`` for its latest), or one
            already opened.
        outcome: An outcome label, or ``reached_talks``.
        min_coverage: Share of the cases the chosen box must keep.
        mass_min: Smallest share of all runs a box may hold (PRIM's ``mass_min``).

    Raises:
        InputError: The workbench is missing, the outcome unknown, or no run finished.
    """
    require_workbench()
    from ema_workbench.analysis import prim  # noqa: PLC0415

    res = folder if isinstance(folder, SweepResults) else SweepResults.load(folder)
    known = (*OUTCOME_LABELS, "reached_talks")
    if outcome not in known:
        raise InputError.single("--prim", f"unknown outcome {outcome!r}; expected one of: "
                                f"{', '.join(known)}")
    runs = res.runs
    ok = runs["outcome"].notna() & (runs["error"].isna() if "error" in runs else True)
    runs = runs[ok]
    if runs.empty:
        raise InputError.single(str(res.folder), "no finished runs to analyse")
    if outcome == "reached_talks":
        if "talks_day" not in runs:
            raise InputError.single("--prim", "reached_talks needs talks_day in the outputs")
        y = runs["talks_day"].notna().to_numpy()
    else:
        y = (runs["outcome"].astype("object") == outcome).to_numpy()
    x = res.design.set_index("point").loc[runs["point"].to_numpy(), res.parameters]
    x = x.reset_index(drop=True)
    for col in x:
        if not pd.api.types.is_numeric_dtype(x[col]) or pd.api.types.is_bool_dtype(x[col]):
            x[col] = pd.Categorical(x[col].astype(str))
    analysis = prim.Prim(x, y, mass_min=mass_min)
    box = analysis.find_box()
    if box is None:
        raise InputError.single(str(res.folder), f"PRIM found no box for {outcome}")
    trajectory = box.peeling_trajectory
    covered = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = int((covered if len(covered) else trajectory)["density"].idxmax())
    box.select(chosen)
    lims = box.box_lims[chosen]
    full = box.box_lims[0]
    limits: dict[str, Any] = {}
    for name in x.columns:
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            kept, every = set(lims[name][0]), set(full[name][0])
            if kept != every:
                limits[name] = kept
            continue
        lo, hi = float(lims[name][0]), float(lims[name][1])
        lo_full, hi_full = float(full[name][0]), float(full[name][1])
        if lo > lo_full or hi < hi_full:
            limits[name] = (lo if lo > lo_full else None, hi if hi < hi_full else None)
    row = trajectory.loc[chosen]
    return PrimBox(outcome, limits, float(row["density"]), float(row["coverage"]),
                   int(row["n"]), float(np.mean(y)), trajectory)
