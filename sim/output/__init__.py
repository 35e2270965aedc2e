"""Output: what a run leaves behind, for people and for programs.

What lives here:

- ``rundata``: the raw arrays collected from models; ``runtable``: the run table as a
  DataFrame and streamed to ``runs.parquet`` chunk by chunk; ``results``:
  :class:`~sim.output.results.Results`, its tables, summary, charts and results folder;
- ``storage``: the one atomic folder writer, manifests, library versions, checksums;
- ``stats``: intervals for proportions; ``palette``: the one colour-blind-safe palette;
- ``charts`` (a run), ``sweep_charts`` (a sweep's heatmaps and indices),
  ``validation_charts`` (the hindcast): matplotlib figures, data computed apart;
- ``story`` and ``narrative``: one run told in plain words, day by day.

Imports allowed: ``sim.output.*``, ``sim.model`` (its vocabulary and the data a finished
model exposes) and ``sim.scenario``. Never ``sim.engine``, ``sim.experiments`` or
``sim.ui``. Within the package one module may import another only one way: ``results``
imports ``charts``, ``narrative``, ``story`` and ``storage``, never the reverse.
"""
