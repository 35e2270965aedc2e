"""Errors that reach the user: bad input (exit code 2) and the problems that describe it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where it is and what was expected.

    Attributes:
        field: Dotted path of the field, e.g. ``actors.us.salience.oil`` or
            ``pressures[3].per_week``; empty for the file as a whole.
        message: What was wrong and what was expected, in plain words.
        line: 1-based line in the file where YAML places the field, when known.
        origin: What the problem came from when that is not the error's source: the
            option or keyword that set the field (``--set talks.threshold=7``), shown
            in place of the file and line.
    """

    field: str
    message: str
    line: int | None = None
    origin: str | None = None

    def format(self, source: str) -> str:
        """Render as ``file:line: field: message``, the form editors and compilers use.

        A problem with an ``origin`` is rendered as ``origin: field: message``.

        Characters that are not printable (a carriage return or an escape sequence in a
        key of the file) are shown escaped, so a message is one line and cannot drive the
        terminal it is printed on.
        """
        if self.origin is not None:
            where = self.origin
        else:
            where = source if self.line is None else f"{source}:{self.line}"
        text = f"{where}: {self.field}: {self.message}" if self.field else \
            f"{where}: {self.message}"
        return printable(text)


def printable(text: str) -> str:
    """``text`` with every non-printable character (an escape, a return) written escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


#: Problems shown in a report; a file with thousands of broken entries gets a count of the
#: rest, not thousands of lines.
MAX_REPORTED = 50


class InputError(Exception):
    """A user's input file or option is wrong. The CLI prints it and exits with code 2.

    Args:
        source: The file (or option, such as ``--set``) the problems are in.
        problems: What is wrong, one entry per problem.
    """

    def __init__(self, source: str | Path, problems: list[Problem]):
        self.source = str(source)
        self.problems = problems
        super().__init__(self.report())

    def report(self, limit: int | None = MAX_REPORTED) -> str:
        """The problems, one per line; past ``limit`` of them, a count of the rest."""
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [p.format(self.source) for p in shown]
        if len(shown) < len(self.problems):
            lines.append(f"{self.source}: ... and {len(self.problems) - len(shown):,} more "
                         "problems (fix these first)")
        return "\n".join(lines)

    @classmethod
    def single(cls, source: str | Path, message: str, field: str = "",
               line: int | None = None) -> InputError:
        """An error with one problem."""
        return cls(source, [Problem(field, message, line)])
