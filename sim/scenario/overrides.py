"""The ``--set path=value`` language: change one field of a scenario by its path.

The same assignments serve ``dipsim run --set``, ``sim.run(overrides=...)``, sweep files and
the classroom page. A path is dotted field names; a list is indexed by number
(``pressures[0]``), id, or, when unique, type (``pressures[boat_strikes].per_week``). The
value is read as YAML, so ``0.5`` is a number and ``[a, b]`` a list. Setting one salience
rescales the government's other two so the three still sum to 1.

Assignments change scenario *data*; :func:`sim.scenario.load.with_overrides` applies them to
a validated scenario and checks the result.
"""

from __future__ import annotations

import re
from typing import Any

from sim.model.issues import ISSUES
from sim.scenario.actors import GOVERNMENTS, actor_with_defaults
from sim.scenario.errors import InputError
from sim.scenario.schema import Scenario
from sim.scenario.yamlfile import parse_yaml

#: One dotted part of a path: a name and any [selectors] after it.
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]+\])*)")


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``path=value`` and read the value as YAML (so 0.5 is a number, [a, b] a list).

    Raises:
        InputError: The text is not of the form ``path=value``.
    """
    if "=" not in text:
        raise InputError.single("--set", f"expected path=value, e.g. "
                                f"actors.us.salience.oil=0.5; got {text!r}")
    path, raw = text.split("=", 1)
    path = path.strip()
    try:
        # The same bounded, safe reader as files: no alias bombs, no Python tags, and a
        # value YAML cannot build (2025-02-30) stays text for validation to reject.
        value = parse_yaml(raw, "--set", "value").data if raw.strip() else ""
    except InputError:
        value = raw
    return path, value


def _tokens(path: str) -> list[str | int | tuple[str, str]]:
    """``pressures[boat_strikes].per_week`` -> ['pressures', ('select', 'boat_strikes'), ...]."""
    tokens: list[str | int | tuple[str, str]] = []
    for part in path.split("."):
        m = _SEGMENT.fullmatch(part)
        if not m:
            raise InputError.single("--set", f"cannot read the path {path!r}; expected "
                                    "dotted names like actors.us.salience.oil or "
                                    "pressures[boat_strikes].per_week", field=path)
        tokens.append(m.group(1))
        for sel in re.findall(r"\[([^\]]+)\]", m.group(2)):
            tokens.append(int(sel) if re.fullmatch(r"-?[0-9]{1,18}", sel) else ("select", sel))
    return tokens


def _select(items: list[Any], sel: str, path: str) -> int:
    ids = [it.get("id") if isinstance(it, dict) else None for it in items]
    if sel in ids:
        return ids.index(sel)
    types = [it.get("type") if isinstance(it, dict) else None for it in items]
    by_type = [i for i, t in enumerate(types) if t == sel]
    if len(by_type) == 1:
        return by_type[0]
    # Each name once: the ids, then the types that name exactly one item without an id.
    known = list(dict.fromkeys(str(i) for i in ids if i))
    unique = [t for t in dict.fromkeys(types) if t and types.count(t) == 1
              and ids[types.index(t)] is None]
    names = f"the ids are {', '.join(known)}" if known else "no item has an id"
    if unique:
        names += f"; an item without an id can be named by its type: {', '.join(unique)}"
    if by_type:
        theirs = [str(ids[i]) for i in by_type if ids[i]]
        which = f": {', '.join(theirs)}" if len(theirs) == len(by_type) else \
            " (give them ids in the file)"
        raise InputError.single("--set", f"{len(by_type)} items have the type {sel!r}; name "
                                f"one by its id{which}", field=path)
    raise InputError.single("--set", f"no item has the id {sel!r} ({names})", field=path)


def apply_override(data: dict[str, Any], path: str, value: Any) -> tuple[str | int, ...]:
    """Set the field at ``path`` in scenario data (in place).

    Lists are indexed by number (``pressures[0]``), id or, when unique, type
    (``pressures[boat_strikes]``). Setting one salience rescales the government's other two
    saliences so the three still sum to 1.

    Returns:
        Where the value went, with every list item as its index
        (``("pressures", 7, "per_week")``), so a problem there can name the assignment.

    Raises:
        InputError: The path does not lead to a field.
    """
    tokens = _tokens(path)
    resolved: list[str | int] = []
    node: Any = data
    if tokens and tokens[0] == "actors" and isinstance(data.get("actors", {}), dict):
        actors = data.setdefault("actors", {})
        if len(tokens) > 1 and tokens[1] in GOVERNMENTS and isinstance(
                actors.get(tokens[1], {}), dict):
            actors[tokens[1]] = actor_with_defaults(tokens[1], actors.get(tokens[1]))
    for i, tok in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if isinstance(tok, tuple | int):
            if not isinstance(node, list):
                raise InputError.single("--set", "this part of the path is not a list",
                                        field=path)
            idx = _select(node, tok[1], path) if isinstance(tok, tuple) else tok
            if not -len(node) <= idx < len(node):
                raise InputError.single("--set", f"index {idx} is out of range (the list "
                                        f"has {len(node)} items)", field=path)
            idx %= len(node)
            node = node[idx]
            resolved.append(idx)
            continue
        if not isinstance(node, dict):
            raise InputError.single("--set", f"{tok!r} is not inside a mapping", field=path)
        if tok not in node:
            node[tok] = [] if isinstance(nxt, int | tuple) else {}
        node = node[tok]
        resolved.append(tok)
    last = tokens[-1]
    if isinstance(last, int | tuple):
        if not isinstance(node, list):
            raise InputError.single("--set", "this part of the path is not a list", field=path)
        idx = _select(node, last[1], path) if isinstance(last, tuple) else last
        if not -len(node) <= idx < len(node):
            raise InputError.single("--set", f"index {idx} is out of range (the list has "
                                    f"{len(node)} items)", field=path)
        node[idx] = value
        return (*resolved, idx % len(node))
    if not isinstance(node, dict):
        raise InputError.single("--set", f"{last!r} is not inside a mapping", field=path)
    node[last] = value
    if (len(tokens) == 4 and tokens[0] == "actors" and tokens[2] == "salience"
            and last in [i.value for i in ISSUES] and isinstance(value, int | float)
            and not isinstance(value, bool) and 0 <= value <= 1):
        others = [i.value for i in ISSUES if i.value != last]
        rest = sum(float(node.get(o, 0) or 0) for o in others)
        for o in others:
            share = float(node.get(o, 0) or 0) / rest if rest > 0 else 1 / len(others)
            node[o] = (1.0 - value) * share
    return (*resolved, last)



def field_value(scenario: Scenario, path: str) -> Any:
    """The value at a dotted field path of a validated scenario, e.g. ``talks.threshold``."""
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node
