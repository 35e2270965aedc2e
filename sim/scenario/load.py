"""Loading scenarios: read a file, apply ``--set`` overrides, validate, check across fields.

Every way into a :class:`~sim.scenario.schema.Scenario` passes through
:func:`scenario_from_document`: the schema's field checks first, then the cross-field
:func:`~sim.scenario.schema.semantic_problems`, each problem reported with file, line and
field.

Example:
    >>> from sim.scenario.load import load_scenario
    >>> scn = load_scenario("scenarios/caribbean-2025.yaml", ["actors.us.salience.oil=0.5"])
    >>> scn.actors.us.salience.oil
    0.5
"""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import InputError, Problem
from sim.scenario.library import missing_scenario_message, resolve_scenario_path
from sim.scenario.messages import field_path, validate_document
from sim.scenario.overrides import apply_override, parse_assignment
from sim.scenario.schema import GOVERNMENTS, Pressure, Scenario, semantic_problems
from sim.scenario.yamlfile import YamlDocument, read_yaml


def scenario_from_document(doc: YamlDocument, overrides: list[str] | None = None,
                           origins: list[str] | None = None) -> Scenario:
    """Validate a parsed document (after applying ``path=value`` overrides).

    A problem that the overrides made (the document alone is valid) is reported as coming
    from the override that set its field, not from a line of the file.

    Args:
        doc: The parsed document.
        overrides: ``path=value`` assignments, applied in order.
        origins: What each assignment is called in messages (default ``--set <text>``),
            e.g. ``sim.run keyword talks__threshold=7``.
    """
    if not overrides:
        return _validated(doc)
    if not isinstance(doc.data, dict):
        validate_document(doc, Scenario, "scenario file")
    origins = list(origins) if origins else [f"--set {t}" for t in overrides]
    data = copy.deepcopy(doc.data)
    paths = []
    for text, origin in zip(overrides, origins, strict=True):
        try:
            path, value = parse_assignment(text)
            apply_override(data, path, value)
        except InputError as exc:
            raise InputError(exc.source, [dataclasses.replace(p, origin=origin)
                                          for p in exc.problems]) from None
        paths.append(path)
    try:
        return _validated(YamlDocument(doc.source, data, doc._root))
    except InputError as exc:
        try:
            _validated(doc)
        except InputError:
            # The file itself is invalid: its problems keep their lines, and those on a
            # field an override set are named by the override.
            raise InputError(exc.source, [_blame(p, paths, origins, only_matches=True)
                                          for p in exc.problems]) from None
        raise InputError(exc.source, [_blame(p, paths, origins) for p in exc.problems]
                         ) from None


def _validated(doc: YamlDocument) -> Scenario:
    scn = validate_document(doc, Scenario, "scenario file")
    problems = semantic_problems(scn)
    if problems:
        raise InputError(doc.source, [Problem(field_path(loc), msg, doc.line_of(loc))
                                      for loc, msg in problems])
    return scn


def _plain_path(path: str) -> str:
    """A field path without list selectors: ``pressures[x].per_week`` -> ``pressures.per_week``."""
    return re.sub(r"\[[^\]]*\]", "", path)


def _blame(problem: Problem, paths: list[str], origins: list[str],
           only_matches: bool = False) -> Problem:
    """The problem as coming from the override(s) that set its field (or from all of them).

    An override is to blame when its path and the problem's field are one inside the
    other (``talks.threshold`` for ``talks.threshold``; ``actors.us.salience.oil`` for
    ``actors.us.salience``, where a sum is checked). When none matches, every override is
    named (the file alone was valid), or, with ``only_matches``, the problem is the file's
    own and keeps its line.
    """
    field = _plain_path(problem.field)
    hits = [o for p, o in zip(paths, origins, strict=True)
            if (q := _plain_path(p)) == field or field.startswith(q + ".")
            or q.startswith(field + ".") or not field]
    if only_matches and not hits:
        return problem
    return dataclasses.replace(problem, line=None, origin=", ".join(hits or origins))


def with_overrides(scenario: Scenario, assignments: list[str] | tuple[str, ...],
                   source: str = "--set", origins: list[str] | None = None) -> Scenario:
    """A copy of a validated scenario with ``path=value`` assignments applied and checked.

    Raises:
        InputError: An assignment is malformed or makes the scenario invalid (named by
            its ``origins``, default ``--set <assignment>``).
    """
    if not assignments:
        return scenario
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return scenario_from_document(YamlDocument(source, data, None), list(assignments),
                                  origins)


def load_scenario(path: str | Path | None = None, overrides: list[str] | None = None,
                  origins: list[str] | None = None) -> Scenario:
    """Read, validate and return a scenario.

    Args:
        path: A scenario file, a library name such as ``caribbean-2025``, or None for the
            default scenario.
        overrides: ``path=value`` assignments applied before validation, as with
            ``dipsim run --set``.
        origins: What each override is called in messages (default ``--set <text>``).

    Raises:
        InputError: The file or an override is invalid; the message names file, field,
            line and what was expected.
    """
    p = resolve_scenario_path(path)
    if _missing(p):
        raise InputError.single(str(p), missing_scenario_message(path or p))
    doc = read_yaml(p, "scenario file")
    return scenario_from_document(doc, overrides, origins)


def _missing(p: Path) -> bool:
    """Whether there is no file at ``p`` (other errors, a name too long, are read's to tell)."""
    try:
        p.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def pressure_from_fields(scenario: Scenario, fields: dict[str, Any], source: str
                         ) -> Pressure:
    """A pressure given as fields (None: not given), checked as a scenario file would be.

    Used for pressures added to a running model (the classroom page's buttons).

    Raises:
        InputError: The pressure is not valid (unknown type or actor, a third party as
            target, the sender as its own target); ``source`` names where it came from.
    """
    data = {k: v for k, v in fields.items() if v is not None}
    try:
        pressure = Pressure.model_validate(data)
    except ValidationError as exc:
        raise InputError.single(source, "; ".join(
            e["msg"] for e in exc.errors(include_url=False))) from None
    for role in ("sender", "target"):
        if getattr(pressure, role) not in scenario.actor_ids:
            raise InputError.single(source, f"unknown {role} {getattr(pressure, role)!r}")
    if pressure.target not in GOVERNMENTS:
        raise InputError.single(source, f"the target must be a government "
                                f"({' or '.join(GOVERNMENTS)}); got {pressure.target!r}")
    if pressure.sender == pressure.target:
        raise InputError.single(source, "sender and target are the same actor")
    return pressure


def alternatives(path: str | Path, scenario: Scenario | None = None
                 ) -> list[tuple[str, Scenario]]:
    """The alternative readings of an episode (``record.alternatives``), each validated.

    Each alternative is the file with its ``set`` assignments applied, as ``dipsim run
    --set`` would (``docs/validation.md`` E14).

    Args:
        path: The episode file (or library name).
        scenario: The file already loaded, if it is (else it is read).

    Returns:
        ``(alternative id, scenario)`` pairs, in file order; none for a file without a
        record.

    Raises:
        InputError: An alternative's assignments are malformed or make the file invalid;
            the problems name the alternative.
    """
    scn = load_scenario(path) if scenario is None else scenario
    if scn.record is None:
        return []
    out = []
    problems: list[Problem] = []
    source = str(resolve_scenario_path(path))
    doc = read_yaml(source, "scenario file")
    for k, alt in enumerate(scn.record.alternatives):
        # An assignment that breaks the file is reported at its own line.
        origins = [f"{source}:{doc.line_of(('record', 'alternatives', k, 'set', i))}"
                   for i in range(len(alt.set))]
        try:
            out.append((alt.id, load_scenario(path, list(alt.set), origins)))
        except InputError as exc:
            problems += [Problem(f"record.alternatives[{k}] ({alt.id}): {p.field}".rstrip(": "),
                                 p.message, p.line, p.origin) for p in exc.problems]
    if problems:
        raise InputError(source, problems)
    return out


def json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files, for editors (actor fields are optional there)."""
    schema = Scenario.model_json_schema(by_alias=True)
    actor = schema.get("$defs", {}).get("Actor")
    if actor is not None:
        actor.pop("required", None)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dipsim scenario"
    return schema
