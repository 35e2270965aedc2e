"""Experiments: many runs of the model, designed, evaluated and stored.

What lives here, as EMA Workbench separates design, evaluation and storage:

- ``sweepfile``: the sweep-file schema, its checks, :func:`~sim.experiments.sweepfile.load_sweep`;
- ``design``: samplers (grid, list, Monte Carlo, Latin hypercube, Sobol, Morris), design
  points and their chunks of runs (pure); ``adaptive``: the adaptive sampler's refinement
  (new points where P jumps between neighbours, pure);
- ``executors``: the worker that runs a chunk and the executors that run workers (a local
  process pool, Dask);
- ``store``: a sweep's results folder, its shards, resume, the code fingerprint;
- ``sweep``: :func:`~sim.experiments.sweep.run_sweep`, the driver of the three;
- ``analysis`` and ``analysis_report``: a sweep's P(outcome) per point, heatmaps and
  sensitivity indices, and its markdown report;
- ``hindcast`` and ``scoring``: the episodes of the record run and scored (modal and
  direction accuracy, Brier and log scores, AUC, timing);
- ``compare`` (two scenarios on common random numbers), ``sensitivity`` (one parameter at
  a time, the tornado chart), ``calibration`` (the record of late 2025 and the signals a run
  is held to), ``profiles`` (the outcome profile of every library scenario).

Imports allowed: the standard library and third-party packages; ``sim.engine``,
``sim.output``, ``sim.model`` and ``sim.scenario``. Never ``sim.ui`` (command lines and
progress bars call into this package, not the other way round).
"""
