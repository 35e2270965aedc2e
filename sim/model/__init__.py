"""The model: what a modeller reads. Two governments, their rules, and the daily step.

What lives here:

- ``model``: :class:`~sim.model.model.DiplomacyModel`, a Mesa model of R replicates at once;
  its ``step`` reads as the phases of ``docs/model.md`` §3, each a short method;
  ``views``: what can be read from a model; ``day``: what one day's phases compute;
- ``agents``: the governments (Mesa agents) with their own rules: readiness, concession,
  action choice; ``third_parties``: mediators, oil buyers, producers;
- ``mechanisms/``: each rule written once (escalation, bargaining, readiness, choice, pain),
  called by the step and by its closed-form test;
- ``timeline`` and ``pressures``: when each pressure acts and what it does (the catalogue);
  ``cameo``: event codes and Goldstein weights; ``issues``: the issue axes and tracks;
  ``outcomes``: where a run ends up, and the record's vocabulary;
- ``recording``: the traces kept each day; ``narration``: replicate 0's story, observed
  after each day; ``reporters``: Mesa's data collection.

Imports allowed: ``sim.model.*``, ``sim.scenario`` (the validated scenario it runs) and the
leaf ``sim.engine.streams`` (the replicate streams it draws from). Never ``sim.output``,
``sim.engine`` (but streams), ``sim.experiments`` or ``sim.ui``: they read models. The
modules ``issues``, ``cameo``, ``pressures`` and ``outcomes`` are leaves that import nothing
of dipsim's but each other, so the scenario schema can validate against them.
"""
