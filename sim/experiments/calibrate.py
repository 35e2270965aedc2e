"""``dipsim calibrate``: fit parameters to the episodes by ABC-SMC, score them out of sample.

The method (``docs/validation.md`` Part D):

- **The distance** of a parameter vector theta is the mean multi-category Brier score of the
  simulated outcome shares against the recorded outcomes over the training episodes, plus
  ``weight x`` the late-2025 signal loss of the default scenario run with the same theta::

      d(theta) = mean_e Brier(p_e(theta), y_e) + w * L(theta)
      L(theta) = (1 - P(offer 16 Aug-27 Sep 2025)) + (1 - P(offer at the turn of the year))
                 + P(talks by 31 Dec 2025) + P(escalation by 31 Dec 2025)

  Every particle applies theta as ``--set`` assignments to each episode's main reading and
  runs it with the episode's own seed (or the file's ``run_seed``): common random numbers,
  so two particles differ only through their parameters. The outcome shares are those of
  the hindcast (:func:`sim.experiments.hindcast.record_outcomes`, in the record's
  vocabulary, :data:`sim.experiments.hindcast.LABELS`), so new outcomes of the model enter
  without a change here.
- **The fit** is pyabc's ABC-SMC (Toni et al. 2009; Klinger, Rickert and Hasenauer 2018):
  generation 0 is a sample of the uniform priors (every draw kept); each later generation
  perturbs the previous one with a multivariate normal kernel and keeps particles whose
  distance is below the weighted median of the previous generation's distances. Because the
  distance is a proper scoring rule rather than a discrepancy to data drawn from the model,
  the result is a generalised-Bayesian posterior under that loss (Bissiri, Holmes and
  Walker 2016), not an exact likelihood posterior.
- **Cross-validation**: episodes are dealt into ``folds`` folds (seeded, stratified by the
  recorded direction, :func:`assign_folds`); each fold is held out in turn, the fit is made
  on the others, and the held-out episodes are run with the posterior medians and scored
  with :func:`sim.experiments.hindcast.scores`; they are also run with the posterior
  predictive (:func:`sim.experiments.forecasts.predictive_rows`, ``docs/validation.md``
  D8). A last fit on every episode gives the parameter file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.ensemble import run_ensemble
from sim.experiments import scoring
from sim.experiments.calibrate_file import Calibration
from sim.experiments.calibration import signals
from sim.experiments.forecasts import (
    assignments,
    effective_size,
    predictive_rows,
    score_readings,
)
from sim.experiments.hindcast import LABELS, Reading, record_outcomes, scores
from sim.output.results import Results
from sim.scenario.load import with_overrides
from sim.scenario.schema import Scenario

#: Generation 0's threshold: every draw from the prior is kept. (The largest float, not
#: infinity: pyabc subtracts successive thresholds, and inf - inf warns.)
ACCEPT_ALL = float(np.finfo(float).max)
#: The late-2025 signals the loss counts, in the order of a particle's ``signals`` vector.
SIGNAL_MISSES = ("no offer of talks within three weeks of 6 September 2025",
                 "no offer of talks within three weeks of 1 January 2026",
                 "talks by 31 December 2025", "escalation by 31 December 2025")
#: Spawn keys of the calibration seed: the fold assignment, and each fit (fold k, or 0).
FOLDS_KEY, FIT_KEY = 0, 1
#: Significant digits of fitted values (in the parameter file and in scoring).
DIGITS = 6
#: The label of the fit on every episode.
ALL = "all"


@dataclass(frozen=True)
class Stage:
    """Where a calibration stands, for progress bars.

    Attributes:
        step: Which fit (1-based), or ``steps`` for the final scoring.
        steps: Fits in all (folds + 1).
        label: ``fold 2 of 5``, ``all episodes`` or ``scoring``.
        generation: ABC-SMC generation (1-based; 0 while scoring).
        generations: Generations asked for.
        done: Particles accepted, or episodes scored.
        total: Population size, or episodes to score.
        simulated: Particles simulated in this generation.
    """

    step: int
    steps: int
    label: str
    generation: int
    generations: int
    done: int
    total: int
    simulated: int = 0


Progress = Callable[[Stage], None]


# ----------------------------------------------------------------------------- the distance


def outcome_shares(results: Results) -> np.ndarray:
    """Each outcome's share of the runs, in the record's vocabulary (order of ``LABELS``)."""
    labels, _ = record_outcomes(results)
    return np.array([(labels == lab).mean() for lab in LABELS])


def signal_misses(results: Results) -> np.ndarray:
    """The late-2025 signals a run of the default scenario misses, as shares of its runs.

    In the order of :data:`SIGNAL_MISSES`: runs with no offer of talks within three weeks of
    6 September 2025, and of 1 January 2026 (``docs/validation.md`` B6), runs with talks by
    31 December 2025, runs with escalation by then.
    """
    sig = signals(results)
    return np.array([1.0 - sig.offer_after_first_strike, 1.0 - sig.offer_in_window,
                     1.0 - sig.no_talks_by_end_of_record,
                     1.0 - sig.no_escalation_by_end_of_record])


def distance(stats: dict[str, np.ndarray], weight: float) -> float:
    """``mean(Brier of each training episode) + weight x sum(signal misses)``."""
    brier = np.asarray(stats["brier"], dtype=float)
    misses = np.asarray(stats["signals"], dtype=float)
    return float(brier.mean() + weight * misses.sum())


class Distance:
    """pyabc's distance: it reads the particle's statistics, not the (empty) observation."""

    def __init__(self, weight: float):
        self.weight = float(weight)

    def __call__(self, x: dict[str, np.ndarray], x0: dict[str, np.ndarray]) -> float:
        """The documented distance of a particle (``x0`` holds nothing to compare)."""
        del x0
        return distance(x, self.weight)


class Simulator:
    """pyabc's model: a parameter vector to each training episode's Brier score and the signals.

    Args:
        readings: The training episodes (their main readings).
        paths: The fitted parameters' scenario field paths.
        runs: Runs per episode.
        run_seed: Root seed of every simulation (None: each scenario's own).
        signals_scenario: The default scenario, or None to leave the signals out.
        weight: The weight of the signal loss in the distance.
    """

    def __init__(self, readings: Sequence[Reading], paths: Sequence[str], runs: int,
                 run_seed: int | None, signals_scenario: Scenario | None,
                 weight: float = 0.0):
        self.readings = tuple(readings)
        self.recorded = np.array([LABELS.index(r.record.outcome.value) for r in readings])
        self.paths = tuple(paths)
        self.runs = runs
        self.run_seed = run_seed
        self.signals_scenario = signals_scenario
        self.weight = float(weight)
        #: The order the episodes are run in (see :meth:`learn`); it never changes a result.
        self.order: list[int] = list(range(len(self.readings)))
        self._days = np.array([r.scenario.horizon_days for r in self.readings], dtype=float)

    def learn(self, briers: Sequence[np.ndarray]) -> None:
        """Run first the episodes that add most to a distance per day simulated.

        Early rejection stops a particle once the Brier scores summed so far pass the
        threshold, so it stops soonest when the episodes that score worst come first. The
        order is greedy on the mean Brier score of each episode over ``briers`` (the last
        generation's accepted particles) divided by its days (what it costs to run); ties
        keep library order. A particle's statistics and whether it is accepted do not
        depend on the order: every episode runs from the same seed whenever it runs.
        """
        if not len(briers):
            return
        gain = np.mean(np.asarray(briers, dtype=float), axis=0) / self._days
        self.order = [int(k) for k in np.argsort(-gain, kind="stable")]

    def statistics(self, values: Sequence[float], bound: float | None = None
                   ) -> dict[str, np.ndarray] | None:
        """Run the default scenario and every training episode with ``values``.

        With a ``bound``, stop as soon as the distance is sure to exceed it and return None
        (early rejection: every term of the distance is at least 0, so the terms summed so
        far are a lower bound; a particle stopped early would have been rejected anyway).
        """
        sets = assignments(self.paths, values)
        misses = np.zeros(0)
        if self.signals_scenario is not None:
            scn = with_overrides(self.signals_scenario, sets)
            misses = signal_misses(run_ensemble(
                scn, self.runs, self.run_seed, trace_replicates=self.runs, band_replicates=0,
                narrate=False, workers=1))
        so_far = self.weight * misses.sum()
        brier = np.empty(len(self.readings))
        for k in self.order:
            if bound is not None and so_far > bound:
                return None
            scn = with_overrides(self.readings[k].scenario, sets)
            shares = outcome_shares(run_ensemble(
                scn, self.runs, self.run_seed, trace_replicates=0, band_replicates=0,
                narrate=False, workers=1))
            brier[k] = scoring.brier(shares[None, :], self.recorded[k:k + 1])[0]
            so_far += brier[k] / len(self.readings)
        return {"brier": brier, "signals": misses}

    def __call__(self, parameter: Any, bound: float | None = None
                 ) -> dict[str, np.ndarray] | None:
        """The model as pyabc calls it: ``parameter`` maps ``p0, p1, ...`` to values."""
        return self.statistics([parameter[f"p{i}"] for i in range(len(self.paths))], bound)


def learning_distance(simulator: Simulator) -> Any:
    """The :class:`Distance` as a pyabc distance that tells ``simulator`` the episode order.

    pyabc calls :meth:`update` in the driver between generations with the generation just
    sampled; the accepted particles' Brier scores set the order (:meth:`Simulator.learn`)
    that the next generation's workers (forked, or sent by Dask, after the update) run the
    episodes in. The distance itself is unchanged (``update`` returns False).
    """
    import pyabc  # noqa: PLC0415

    documented = Distance(simulator.weight)

    class LearningDistance(pyabc.Distance):
        def __call__(self, x: dict, x_0: dict, t: int | None = None, par: Any = None) -> float:
            return documented(x, x_0)

        def update(self, t: int, get_sample: Callable[[], Any], total_sims: int) -> bool:
            del t, total_sims
            accepted = get_sample().get_accepted_population().get_accepted_sum_stats()
            simulator.learn([stats["brier"] for stats in accepted])
            return False

    return LearningDistance()


def early_rejecting(simulator: Simulator) -> Any:
    """``simulator`` as a pyabc ``IntegratedModel`` that stops a particle once it must fail.

    pyabc hands an integrated model the generation's threshold; a particle is accepted
    when its distance is at most the threshold, as pyabc's own acceptor decides.
    """
    import pyabc  # noqa: PLC0415

    class EarlyRejection(pyabc.IntegratedModel):
        def integrated_simulate(self, pars: Any, eps: float) -> Any:
            stats = simulator(pars, bound=eps)
            if stats is None:
                return pyabc.ModelResult(accepted=False)
            d = distance(stats, simulator.weight)
            return pyabc.ModelResult(sum_stat=stats, distance=d, accepted=d <= eps)

    return EarlyRejection(name="dipsim")


# ----------------------------------------------------------------------------- folds


def assign_folds(directions: Sequence[str], k: int, seed: int) -> np.ndarray:
    """Each episode's fold (1 to ``k``): seeded, and stratified by the recorded direction.

    The episodes of each direction (in sorted order of the directions) are shuffled with a
    generator from ``SeedSequence(seed, spawn_key=(0,))`` and dealt in turn to the folds,
    continuing from one direction to the next; so fold sizes differ by at most one, and so
    do the counts of each direction across folds.
    """
    directions = np.asarray(directions)
    if not 1 <= k <= len(directions):
        raise ValueError(f"{k} folds need between 1 and {len(directions)} episodes")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(FOLDS_KEY,)))
    fold = np.empty(len(directions), dtype=int)
    position = 0
    for d in sorted(set(directions.tolist())):
        for m in rng.permutation(np.flatnonzero(directions == d)):
            fold[m] = position % k + 1
            position += 1
    return fold


def fit_seed(seed: int, fold: int) -> int:
    """The seed of one fit's particles: fold ``k`` (1-based), or 0 for the fit on all."""
    return int(np.random.SeedSequence(seed, spawn_key=(FIT_KEY, fold)).generate_state(
        2, np.uint64)[0] >> 1)


# ----------------------------------------------------------------------------- one fit


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | Sequence[float]) -> np.ndarray:
    """Quantiles of weighted particles (each weight centred on its particle's value)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    position = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, position, x)


@dataclass
class Fit:
    """One ABC-SMC fit: its last population, and how each generation went.

    Attributes:
        label: ``fold-k`` or ``all``.
        episodes: The training episodes.
        particles: One row per particle of the last generation: each parameter (by path),
            ``weight`` (summing to 1) and ``distance``.
        generations: One row per generation: ``generation``, ``epsilon`` (the threshold;
            empty for generation 0, which keeps every draw), ``accepted``, ``evaluations``
            (pyabc's count: particles up to the last one kept), ``acceptance_rate``,
            ``seconds``.
        simulated: Particles simulated in all (with those started after the last one kept).
        seconds: Wall time of the fit.
    """

    label: str
    episodes: list[str]
    particles: pd.DataFrame
    generations: pd.DataFrame
    simulated: int
    seconds: float

    def quantiles(self, q: float) -> dict[str, float]:
        """Each parameter's weighted quantile ``q`` over the last generation."""
        w = self.particles["weight"].to_numpy()
        return {c: float(weighted_quantile(self.particles[c].to_numpy(), w, q))
                for c in self.particles.columns if c not in ("weight", "distance")}

    @property
    def effective_size(self) -> float:
        """Kish's effective sample size of the last generation (:func:`effective_size`)."""
        return effective_size(self.particles["weight"].to_numpy())

    def medians(self) -> dict[str, float]:
        """The posterior medians, to :data:`DIGITS` significant digits (the fitted values)."""
        return {k: float(f"{v:.{DIGITS}g}") for k, v in self.quantiles(0.5).items()}


SamplerFactory = Callable[[int, Callable[[Any], None]], Any]


def unit_bandwidth(n_samples: float, dimension: int) -> float:
    """A bandwidth factor of 1, so the kernel's covariance is the scaling times the sample's."""
    return 1.0


def proposal_kernel(kernel: str) -> Any:
    """The pyabc transition that perturbs one generation into the next (validation.md D3, M12).

    - ``silverman``: pyabc's default, a normal kernel with the previous generation's
      weighted covariance times Silverman's factor squared (which depends on the
      generation's effective size, so the kernel narrows as the weights collapse);
    - ``beaumont``: a normal kernel with twice the weighted covariance (Beaumont, Cornuet,
      Marin and Robert 2009, *Biometrika* 96: 983-990).

    pyabc's ``LocalTransition`` (Filippi et al. 2013) was tried too and is not offered: on
    these fits its neighbours' weighted covariances degenerate (validation.md M12).
    """
    import pyabc  # noqa: PLC0415 - 2.5 s to import; only calibrations need it

    if kernel == "silverman":
        return pyabc.MultivariateNormalTransition()
    if kernel == "beaumont":
        return pyabc.MultivariateNormalTransition(scaling=2.0, bandwidth_selector=unit_bandwidth)
    raise ValueError(f"unknown proposal kernel {kernel!r}")


def run_fit(calibration: Calibration, readings: Sequence[Reading], label: str, seed: int,
            sampler: SamplerFactory, on_state: Callable[[Any], None] | None = None) -> Fit:
    """One ABC-SMC fit of the calibration file's parameters to ``readings``.

    Args:
        calibration: The checked calibration file.
        readings: The training episodes.
        label: The fit's label (``fold-k``, ``all``).
        seed: The seed of the particles' streams (:func:`fit_seed`).
        sampler: Makes the pyabc sampler from the seed and a progress callback.
        on_state: Receives the sampler's :class:`~sim.experiments.abc_samplers.SamplerState`.
    """
    import pyabc  # noqa: PLC0415 - 2.5 s to import; only calibrations need it

    spec = calibration.spec
    paths = calibration.paths
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", p.low, p.high - p.low)
                                  for i, p in enumerate(spec.parameters)})
    weight = spec.signals.weight if calibration.signals_scenario is not None else 0.0
    simulator = Simulator(readings, paths, spec.runs, spec.run_seed,
                          calibration.signals_scenario, weight)
    model = early_rejecting(simulator)
    the_sampler = sampler(seed, on_state or (lambda state: None))
    abc = pyabc.ABCSMC(model, prior, learning_distance(simulator),
                       population_size=spec.population,
                       transitions=proposal_kernel(spec.kernel),
                       sampler=the_sampler,
                       eps=pyabc.MedianEpsilon(initial_epsilon=ACCEPT_ALL))
    observed = {"brier": np.zeros(len(readings)),
                "signals": np.zeros(len(SIGNAL_MISSES)
                                    if calibration.signals_scenario is not None else 0)}
    t0 = time.perf_counter()
    saved = np.random.get_state()
    np.random.seed(np.random.SeedSequence(seed).generate_state(4))  # the driver's own draws
    try:
        with _quiet_pyabc():
            abc.new("sqlite://", observed)  # pyabc's history, in memory: nothing on disk
            history = abc.run(minimum_epsilon=spec.min_epsilon or 0.0,
                              max_nr_populations=spec.generations)
            population = history.get_population(t=history.max_t)
            table = history.get_all_populations()
    finally:
        np.random.set_state(saved)  # the caller's generator is as it was
    rows = [{**{path: float(p.parameter[f"p{i}"]) for i, path in enumerate(paths)},
             "weight": float(p.weight), "distance": float(p.distance)}
            for p in population.particles]
    particles = pd.DataFrame(rows)
    particles["weight"] /= particles["weight"].sum()
    table = table[table["t"] >= 0].reset_index(drop=True)
    generations = pd.DataFrame({
        "generation": table["t"].astype(int),
        "epsilon": [None if e >= ACCEPT_ALL else float(e) for e in table["epsilon"]],
        "accepted": table["particles"].astype(int),
        "evaluations": table["samples"].astype(int),
        "acceptance_rate": table["particles"] / table["samples"],
        "seconds": table["wall_time"].astype(float)})
    return Fit(label, [r.episode for r in readings], particles, generations,
               int(getattr(the_sampler, "simulated_total", 0)), time.perf_counter() - t0)


@contextmanager
def _quiet_pyabc() -> Iterator[None]:
    """Silence pyabc's INFO lines on every generation (the progress bar says it instead)."""
    loggers = [logging.getLogger(name) for name in ("ABC", "ABC.Sampler", "ABC.History",
                                                    "ABC.Distance", "ABC.Epsilon")]
    before = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, before, strict=True):
            lg.setLevel(level)


# ----------------------------------------------------------------------------- the whole run


@dataclass
class CalibrationResult:
    """What ``dipsim calibrate`` found (written by :mod:`sim.experiments.calibrate_report`).

    Attributes:
        calibration: The checked calibration file.
        folds: Each episode's fold, by episode name.
        fits: The fit of each fold (``fold-k``) and on every episode (``all``).
        cv_table: Out of sample: one hindcast row per episode, scored with the medians of
            the fit that did not see it, with its ``fold`` and the values used.
        in_sample_table: Every episode scored with the medians of the fit on all episodes.
        defaults_table: Every episode with the default parameters (nothing fitted).
        scores: ``out_of_sample``, ``in_sample``, ``defaults`` and
            ``out_of_sample_predictive``, each from :func:`sim.experiments.hindcast.scores`.
        executor: How particles were run.
        seconds: Wall time.
        command: The command line, for the manifest.
        cv_predictive_table: Out of sample, the posterior predictive: one row per episode,
            its runs shared out among the particles of the fit that did not see it
            (:func:`predictive_rows`, ``docs/validation.md`` D8), with its ``fold``.
    """

    calibration: Calibration
    folds: dict[str, int]
    fits: dict[str, Fit]
    cv_table: pd.DataFrame
    in_sample_table: pd.DataFrame
    defaults_table: pd.DataFrame
    scores: dict[str, dict[str, Any]]
    executor: str
    seconds: float
    command: list[str] | None = None
    cv_predictive_table: pd.DataFrame | None = None
    created: str = field(default_factory=lambda: pd.Timestamp.now(tz="UTC").isoformat(
        timespec="seconds"))

    @property
    def fitted(self) -> dict[str, float]:
        """The fitted values: the posterior medians of the fit on every episode."""
        return self.fits[ALL].medians()


def calibrate(calibration: Calibration, *, executor: str = "local",
              workers: int | None = None, progress: Progress | None = None,
              command: list[str] | None = None) -> CalibrationResult:
    """Cross-validate the fit over episodes, then fit on every episode.

    Args:
        calibration: The checked calibration file (:func:`~sim.experiments.calibrate_file.
            load_calibration`).
        executor: ``local`` (processes forked on this machine), ``dask`` (a Dask
            ``LocalCluster``) or a Dask scheduler's address (``tcp://HOST:PORT``).
        workers: Processes for ``local`` and ``dask`` (default: every core); scoring runs
            may be split over as many.
        progress: Called as the fits and the scoring move on.
        command: The command line, for the manifest.
    """
    spec = calibration.spec
    readings = list(calibration.readings)
    names = [r.episode for r in readings]
    fold_of = assign_folds([r.record.direction.value for r in readings], spec.folds,
                           spec.seed)
    steps = spec.folds + 2
    show = progress or (lambda stage: None)
    t0 = time.perf_counter()
    fits: dict[str, Fit] = {}
    cv_rows: list[dict[str, Any]] = []
    predictive: list[dict[str, Any]] = []
    with _sampler_factory(executor, workers) as (factory, what):
        for k in [*range(1, spec.folds + 1), 0]:
            label = f"fold-{k}" if k else ALL
            words = f"fold {k} of {spec.folds}" if k else "all episodes"
            step = k or spec.folds + 1
            train = [r for r, f in zip(readings, fold_of, strict=True) if f != k]

            def on_state(state: Any, step: int = step, words: str = words) -> None:
                show(Stage(step, steps, words, state.call, spec.generations,
                           state.accepted, state.wanted, state.simulated))

            fit = run_fit(calibration, train, label, fit_seed(spec.seed, k), factory,
                          on_state)
            fits[label] = fit
            if k:
                medians = fit.medians()
                held = [r for r, f in zip(readings, fold_of, strict=True) if f == k]
                cv_rows += score_readings(
                    held, assignments(list(medians), list(medians.values())),
                    spec.evaluation_runs, spec.run_seed, workers,
                    extra={"fold": k, **{f"param:{p}": v for p, v in medians.items()}})
                predictive += predictive_rows(held, fit.particles, spec.evaluation_runs,
                                              spec.run_seed, workers, extra={"fold": k})
    fitted = fits[ALL].medians()
    sets = assignments(list(fitted), list(fitted.values()))
    n = len(readings)

    def scored(done: int, offset: int = 0) -> None:
        show(Stage(steps, steps, "scoring", 0, spec.generations, offset + done, 2 * n))

    in_sample = pd.DataFrame(score_readings(readings, sets, spec.evaluation_runs,
                                            spec.run_seed, workers, on_episode=scored))
    defaults = pd.DataFrame(score_readings(readings, [], spec.evaluation_runs,
                                           spec.run_seed, workers,
                                           on_episode=lambda d: scored(d, n)))
    cv_table = pd.DataFrame(cv_rows).set_index("episode").loc[names].reset_index()
    cv_predictive = pd.DataFrame(predictive).set_index("episode").loc[names].reset_index()
    return CalibrationResult(
        calibration, dict(zip(names, fold_of.tolist(), strict=True)), fits, cv_table,
        in_sample, defaults,
        {"out_of_sample": scores(cv_table), "in_sample": scores(in_sample),
         "defaults": scores(defaults),
         "out_of_sample_predictive": scores(cv_predictive)},
        what, time.perf_counter() - t0, command, cv_predictive)


@contextmanager
def _sampler_factory(executor: str, workers: int | None
                     ) -> Iterator[tuple[SamplerFactory, str]]:
    """A maker of pyabc samplers for the executor, and a description of it."""
    import os  # noqa: PLC0415

    from sim.experiments.abc_samplers import DaskSampler, ForkSampler  # noqa: PLC0415

    if executor == "local":
        n = workers or os.cpu_count() or 1
        yield ((lambda seed, on_state: ForkSampler(n, seed, on_state)),
               f"local processes, {n} worker{'s' * (n != 1)}")
        return
    from sim.experiments.executors import dask_client  # noqa: PLC0415

    with dask_client(executor, workers) as (client, _, what):
        yield (lambda seed, on_state: DaskSampler(client, seed, on_state)), what
