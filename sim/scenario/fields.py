"""Building blocks of every scenario section: bounded field types and the section base.

The numeric types are defined once and are strict: ``"0.5"`` (text) and ``true``/``false``
are not numbers, and ``.nan``/``.inf`` are refused. :class:`Section` is the base of every
mapping in a scenario file: unknown keys are errors, values are frozen, and no text may
hold control characters.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator

# Bounded numeric types, defined once. Strict: "0.5" (text) and true/false are not numbers.
Number = Annotated[StrictFloat | StrictInt, Field(allow_inf_nan=False)]
Stance = Annotated[StrictFloat | StrictInt, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Fraction = Stance
NonNegative = Annotated[StrictFloat | StrictInt, Field(ge=0.0, le=1e6, allow_inf_nan=False)]
Positive = Annotated[StrictFloat | StrictInt, Field(gt=0.0, le=1e6, allow_inf_nan=False)]
Days = Annotated[StrictInt, Field(ge=1, le=3650)]

#: A short lowercase name: scenario names, pressure ids, third-party ids.
SLUG_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
#: A scenario's name (it names the results folder): like a slug, but it may start with a
#: digit, as the episodes of the record do (``2019-guaido-rupture``).
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
#: A web address (an episode's sources).
URL_PATTERN = r"^https?://\S+$"
#: An encoding convention of docs/validation.md (E1, E2, ...).
CONVENTION_PATTERN = r"^E\d+$"
#: An episode's dossier.
DOSSIER_PATTERN = r"^docs/episodes/[a-z0-9_-]+\.md$"

#: Characters no text in a scenario may hold: control characters other than newline and tab
#: (an escape sequence would drive the terminal a title is printed on) and the bidi
#: overrides that make text display differently from what it says.
_FORBIDDEN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def check_text(value: Any) -> Any:
    """Reject text holding control characters (see :data:`_FORBIDDEN_TEXT`)."""
    if isinstance(value, str):
        bad = _FORBIDDEN_TEXT.search(value)
        if bad:
            raise ValueError(f"contains the control character U+{ord(bad.group()):04X} at "
                             f"position {bad.start()}; write plain text")
    return value


class Section(BaseModel):
    """Base of every mapping in a scenario: unknown keys forbidden, frozen, plain text only."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, v: Any) -> Any:
        return check_text(v)
