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
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import InputError, Problem
from sim.scenario.library import missing_scenario_message, resolve_scenario_path
from sim.scenario.messages import field_path, validate_document
from sim.scenario.overrides import apply_override, parse_assignment
from sim.scenario.schema import GOVERNMENTS, Pressure, Scenario, semantic_problems
from sim.scenario.yamlfile import YamlDocument, read_yaml


def scenario_from_document(doc: YamlDocument, overrides: list[str] | None = None) -> Scenario:
    """Validate a parsed document (after applying ``path=value`` overrides).

    A problem with a field an override set (or with the mapping that holds it) is reported
    as the override's, ``--set talks.threshold=high: talks.threshold: ...``, not at the line
    of the file that the override replaced.
    """
    applied: list[tuple[str, str]] = []
    if overrides:
        if not isinstance(doc.data, dict):
            validate_document(doc, Scenario, "scenario file")
        data = copy.deepcopy(doc.data)
        for text in overrides:
            try:
                path, value = parse_assignment(text)
                applied.append((text, field_path(apply_override(data, path, value))))
            except InputError as exc:
                raise InputError(doc.source, [
                    Problem(p.field, p.message, None, f"--set {text}") for p in exc.problems
                ]) from None
        doc = YamlDocument(doc.source, data, doc._root)
    try:
        scn = validate_document(doc, Scenario, "scenario file")
    except InputError as exc:
        raise _blame_overrides(exc, applied) from None
    problems = semantic_problems(scn)
    if problems:
        raise _blame_overrides(InputError(doc.source, [
            Problem(field_path(loc), msg, doc.line_of(loc)) for loc, msg in problems]), applied)
    return scn


def _blame_overrides(exc: InputError, applied: list[tuple[str, str]]) -> InputError:
    """The error with each problem that an override caused named as that override's."""
    if not applied:
        return exc
    problems = []
    for p in exc.problems:
        cause = next((text for text, where in reversed(applied)
                      if p.field == where or p.field.startswith((where + ".", where + "["))
                      or (where.rpartition(".")[0] == p.field and p.field)), None)
        problems.append(p if cause is None else Problem(p.field, p.message, None,
                                                        f"--set {cause}"))
    return InputError(exc.source, problems)


def with_overrides(scenario: Scenario, assignments: list[str] | tuple[str, ...],
                   source: str = "--set") -> Scenario:
    """A copy of a validated scenario with ``path=value`` assignments applied and checked.

    Raises:
        InputError: An assignment is malformed or makes the scenario invalid.
    """
    if not assignments:
        return scenario
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return scenario_from_document(YamlDocument(source, data, None), list(assignments))


def load_scenario(path: str | Path | None = None, overrides: list[str] | None = None
                  ) -> Scenario:
    """Read, validate and return a scenario.

    Args:
        path: A scenario file, a library name such as ``caribbean-2025``, or None for the
            default scenario.
        overrides: ``path=value`` assignments applied before validation, as with
            ``dipsim run --set``.

    Raises:
        InputError: The file or an override is invalid; the message names file, field,
            line and what was expected.
    """
    p = resolve_scenario_path(path)
    if _missing(p):
        raise InputError.single(str(p), missing_scenario_message(path or p))
    doc = read_yaml(p, "scenario file")
    return scenario_from_document(doc, overrides)


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
    for k, alt in enumerate(scn.record.alternatives):
        try:
            out.append((alt.id, load_scenario(path, list(alt.set))))
        except InputError as exc:
            problems += [Problem(f"record.alternatives[{k}] ({alt.id}): {p.field}".rstrip(": "),
                                 p.message, p.line) for p in exc.problems]
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
