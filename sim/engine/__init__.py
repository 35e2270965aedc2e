"""The engine: how replicates run, not what they mean.

What lives here:

- ``streams``: each replicate's own random stream, drawn in windows of days, so a replicate
  is bit-identical alone or in any batch (a leaf module: numpy only);
- ``ensemble``: :func:`~sim.engine.ensemble.run_ensemble`, many replicates of a scenario in
  chunks, each chunk in shares stepped one process per core, collected into
  :class:`~sim.output.results.Results`;
- ``shards``: the forked processes that step the shares of a chunk;
- ``lifeline``: processes that end with the process that started them (a parent-death
  signal, a watch on a pidfd), so a killed run or sweep leaves nothing running;
- ``allocator``: glibc tuning that keeps numpy's temporaries off the page-fault path, set
  by the engine for the process it runs in (never by the model).

Imports allowed: ``sim.engine.*``, ``sim.model`` (only its public interface: the
constructor, ``run`` and what a finished model exposes), ``sim.output`` (the results it
returns) and ``sim.scenario``'s types. It never reads scenario files: callers pass a
validated ``Scenario``. Never ``sim.experiments`` or ``sim.ui``.
"""
