"""The input layer: scenario files, from YAML text to a validated, immutable ``Scenario``.

What lives here:

- ``schema``: the pydantic models of a scenario file (:class:`~sim.scenario.schema.Scenario`,
  pressures and triggers, talks, escalation, behaviour and its weights) and the checks that
  span fields; ``actors``: the governments (with their documented defaults) and third
  parties; ``fields``: the bounded field types and the base of every section.
- ``yamlfile``: safe, bounded YAML reading that keeps each field's line; ``messages``:
  pydantic's errors in the words of a file's author; ``errors``: ``InputError``, the bad
  input that exits with code 2.
- ``overrides``: the ``--set path=value`` language; ``levers``: the named, flat parameters
  of the classroom page and of notebook keywords.
- ``library``: the shipped scenario files and the default scenario; ``load``: reading,
  overriding and validating a scenario, and its JSON Schema.
- ``record``: an episode's ``record:`` block (what happened, and how the file was encoded).

What it may import: only ``sim.scenario.*`` and the leaf vocabulary modules
``sim.model.issues``, ``sim.model.pressures``, ``sim.model.cameo`` and
``sim.model.outcomes`` (which import nothing of dipsim's but each other). Never the model,
the engine, output or the ui: they read scenarios, so a scenario must not depend on them.
"""
