"""Parameter files: a list of ``--set`` assignments kept in a file, such as fitted values.

``dipsim calibrate`` writes one (``params.yaml``); ``dipsim run --params FILE``,
``dipsim hindcast --params FILE`` and ``sim.run(..., params=FILE)`` apply it::

    # fitted by dipsim calibrate (posterior medians)
    name: default
    source: results/calibration/20261130T120000Z
    set:
      - actors.venezuela.readiness_bias=-2.31
      - behaviour.readiness.pain=6.8

Each assignment is checked where the file enters (``path=value``) and again on the
scenario it is applied to; a problem names the file, the line and the assignment
(``set[1]``), as for scenario files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from sim.scenario.errors import InputError, Problem
from sim.scenario.fields import Section
from sim.scenario.load import with_overrides
from sim.scenario.messages import validate_document
from sim.scenario.schema import Scenario
from sim.scenario.yamlfile import YamlDocument, read_yaml


def _assignment(text: str) -> str:
    path, eq, _ = text.partition("=")
    if not eq or not path.strip():
        raise ValueError(f"expected path=value, e.g. behaviour.readiness.pain=6.5; got {text!r}")
    return text


#: An assignment as ``dipsim run --set`` takes it.
Assignment = Annotated[str, Field(min_length=3, max_length=500), AfterValidator(_assignment)]


class ParameterFileSchema(Section):
    """The schema of a parameter file."""

    name: str | None = Field(None, max_length=200, description="What the values are")
    description: str = Field("", max_length=20_000)
    source: str | None = Field(None, max_length=2000,
                               description="Where the values come from (a results folder)")
    set_: list[Assignment] = Field(alias="set", min_length=1, max_length=1000,
                                   description="path=value assignments, as dipsim run --set")


@dataclass(frozen=True)
class ParameterFile:
    """A read parameter file: its assignments and where each was written.

    Attributes:
        source: The path as given, for messages.
        assignments: The ``path=value`` assignments, in file order.
        lines: The line of each assignment.
    """

    source: str
    assignments: tuple[str, ...]
    lines: tuple[int | None, ...]

    def apply(self, scenario: Scenario) -> Scenario:
        """The scenario with every assignment applied, in file order, and checked.

        Raises:
            InputError: An assignment names no field of the scenario or gives it a value
                it cannot take; the problem names this file, the line and ``set[i]``.
        """
        try:
            return with_overrides(scenario, list(self.assignments), source=self.source)
        except InputError:
            pass
        # Find the assignment at fault, one at a time, to name its line.
        for i, text in enumerate(self.assignments):
            try:
                scenario = with_overrides(scenario, [text], source=self.source)
            except InputError as exc:
                raise InputError(self.source, [
                    Problem(f"set[{i}]", f"{text}: " + (f"{p.field}: " if p.field else "")
                            + p.message, self.lines[i]) for p in exc.problems]) from None
        return scenario


def load_params(path: str | Path) -> ParameterFile:
    """Read and check a parameter file.

    Raises:
        InputError: The file is missing, not YAML, or not a parameter file; the message
            names the file, line and field.
    """
    doc = read_yaml(path, "parameter file")
    return params_from_document(doc)


def params_from_document(doc: YamlDocument) -> ParameterFile:
    """A parameter file from a parsed document."""
    schema = validate_document(doc, ParameterFileSchema, "parameter file")
    return ParameterFile(doc.source, tuple(schema.set_),
                         tuple(doc.line_of(("set", i)) for i in range(len(schema.set_))))


def apply_params(scenario: Scenario, params: str | Path | ParameterFile | None) -> Scenario:
    """``scenario`` with a parameter file's assignments applied (None: unchanged)."""
    if params is None:
        return scenario
    if not isinstance(params, ParameterFile):
        params = load_params(params)
    return params.apply(scenario)


def params_text(assignments: list[str], *, name: str, source: str | None = None,
                comment: str = "") -> str:
    """A parameter file holding ``assignments`` (the form :func:`load_params` reads)."""
    import yaml  # noqa: PLC0415

    head = "".join(f"# {line}\n" if line else "#\n" for line in comment.splitlines())
    body = {"name": name, **({"source": source} if source else {}), "set": assignments}
    return head + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
