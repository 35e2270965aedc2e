"""Messages for bad input: pydantic's errors as file, line, field and what was expected.

Pydantic reports a location (a tuple of keys, with the names of union branches between
them) and an error type. :func:`validate_document` turns each into a
:class:`~sim.scenario.errors.Problem` in the words of a file's author ("expected a number
at most 1; got 1.5", "unknown field (did you mean 'oil'?)"), with the line YAML gives.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from sim.scenario.errors import InputError, Problem
from sim.scenario.fields import (
    CONVENTION_PATTERN,
    DOSSIER_PATTERN,
    NAME_PATTERN,
    SLUG_PATTERN,
    URL_PATTERN,
)
from sim.scenario.yamlfile import YamlDocument

#: What each pydantic error type expected, in plain words.
_EXPECT = {
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "date_type": "expected a date like 2025-09-02",
    "date_parsing": "expected a date like 2025-09-02",
    "date_from_datetime_parsing": "expected a date like 2025-09-02",
    "date_from_datetime_inexact": "expected a date without a time of day",
    "string_type": "expected text",
    "missing": "required field is missing",
    "finite_number": "expected a finite number (not .nan or .inf)",
    "model_type": "expected a mapping (indented 'key: value' lines)",
    "model_attributes_type": "expected a mapping (indented 'key: value' lines)",
    "dict_type": "expected a mapping (indented 'key: value' lines)",
    "list_type": "expected a list (lines starting with '- ')",
}


#: What each text pattern of the schema expects, in words.
PATTERN_WORDS: dict[str, str] = {
    SLUG_PATTERN: "expected a short lowercase name (letters, digits, '-' or '_', starting "
                  "with a letter, at most 40 characters)",
    NAME_PATTERN: "expected a short lowercase name (letters, digits, '-' or '_', starting "
                  "with a letter or a digit, at most 40 characters)",
    URL_PATTERN: "expected a web address starting with http:// or https://",
    CONVENTION_PATTERN: "expected a convention of docs/validation.md, such as E3",
    DOSSIER_PATTERN: "expected a dossier path such as docs/episodes/2019-guaido-rupture.md",
}


def _message(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    given = err.get("input")
    if isinstance(given, float) and not math.isfinite(given):
        return f"expected a finite number, not {given!r} (.nan and .inf are not allowed)"
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        op = {"less_than_equal": "at most", "greater_than_equal": "at least",
              "less_than": "below", "greater_than": "above"}[kind]
        limit = next(iter(ctx.values()))
        msg = f"expected a number {op} {limit:g}" if isinstance(limit, int | float) else err["msg"]
    elif kind == "enum":
        msg = f"expected one of: {ctx.get('expected', '').replace(chr(39), '')}"
    elif kind == "string_pattern_mismatch":
        msg = PATTERN_WORDS.get(ctx.get("pattern", ""), PATTERN_WORDS[SLUG_PATTERN])
    elif kind in ("string_too_long", "too_long"):
        msg = f"too long: {err['msg'].lower()}"
    elif kind == "too_short" and "min_length" in ctx:
        n = ctx["min_length"]
        msg = f"expected at least {n} item{'s' * (n != 1)}; got {ctx.get('actual_length', 0)}"
    elif kind == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
    else:
        msg = _EXPECT.get(kind, err["msg"])
    if kind not in ("missing", "value_error", "extra_forbidden") and not isinstance(
            err.get("input"), dict | list):
        value = err.get("input")
        given = str(value) if isinstance(value, dt.date) else repr(value)
        msg += f"; got {given if len(given) <= 60 else given[:57] + '...'}"
    return msg


def _kind_of(value: Any) -> str:
    """What a YAML value is, in the words of a file's author."""
    if value is None:
        return "nothing (an empty value or ~)"
    if isinstance(value, bool):
        return f"a yes/no value ({value})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return "a line of text"
    if isinstance(value, list):
        return "a list (lines starting with '- ')"
    return type(value).__name__


def _unwrap(tp: Any) -> list[Any]:
    """The model classes an annotation can hold (through Annotated, Optional, list)."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType, list):
        return [m for a in typing.get_args(tp) for m in _unwrap(a)]
    return [tp] if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed in the mapping at ``loc`` of ``model``."""
    current: list[type[BaseModel]] = [model]
    mapping_key = False  # the next key is a key of a mapping (a track), not a field
    for key in loc:
        if isinstance(key, int) or mapping_key:
            mapping_key = False
            continue
        nxt: list[type[BaseModel]] = []
        for m in current:
            for name, info in m.model_fields.items():
                if key in (name, info.alias):
                    if typing.get_origin(info.annotation) is dict:
                        mapping_key = True
                        nxt.extend(_unwrap(typing.get_args(info.annotation)[1]))
                    else:
                        nxt.extend(_unwrap(info.annotation))
        current = nxt
    return [info.alias or name for m in current for name, info in m.model_fields.items()]


def field_path(loc: tuple[Any, ...]) -> str:
    """A location as the dotted path messages show, e.g. ``pressures[3].per_week``."""
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _is_branch_label(key: Any) -> bool:
    """Whether a location element is pydantic's name for a branch of a union type."""
    return isinstance(key, str) and (
        key in ("float", "int", "str", "bool", "constrained-float", "constrained-int",
                "function-after")
        or key.startswith(("function-", "constrained-", "lax-", "strict-"))
        or "[" in key)


def _field_loc(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """A pydantic error location as a path through the file's data.

    Pydantic puts the names of union branches ('float', 'function-after[...]') between field
    names. An element is kept if the data has it at that point (a user's key may look like
    a branch label: ``foo[1]:``), dropped if it is a branch label, and otherwise kept (a
    missing field).
    """
    out: list[Any] = []
    node: Any = data
    for key in loc:
        in_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if in_list or (isinstance(node, dict) and key in node):
            node = node[key]
        elif _is_branch_label(key):
            continue
        else:
            node = None
        out.append(key)
    return tuple(out)


def _problems(exc: ValidationError, model: type[BaseModel], data: Any = None
              ) -> list[tuple[tuple, str]]:
    out = []
    for err in exc.errors(include_url=False):
        loc = _field_loc(tuple(err["loc"]), data)
        if not loc:
            out.append(((), _message(err)))
            continue
        if err["type"] == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1])
            near = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            msg = f"unknown field{hint}; expected one of: {', '.join(allowed)}"
        else:
            msg = _message(err)
        out.append((loc, msg))
    # A union reports each failed branch; keep one message per field.
    unique: dict[tuple, str] = {}
    for loc, msg in out:
        unique.setdefault(loc, msg)
    return list(unique.items())


def validate_document(doc: YamlDocument, model: type[BaseModel], what: str) -> Any:
    """Validate a parsed document against a pydantic model, raising InputError.

    Problems name the field and, where YAML gives it, the line.
    """
    if not isinstance(doc.data, dict):
        raise InputError.single(doc.source, f"a {what} must be a mapping of 'key: value' "
                                f"lines at the top level; got {_kind_of(doc.data)}",
                                line=doc.line_of(()) or 1)
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(doc.source, [Problem(field_path(loc), msg, doc.line_of(loc))
                                      for loc, msg in _problems(exc, model, doc.data)]
                         ) from None
    except RecursionError:
        raise InputError.single(doc.source, "nested too deeply to check") from None

