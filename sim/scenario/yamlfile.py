"""Safe, bounded reading of the YAML files users write (scenarios and sweeps).

Limits are enforced before and while parsing, so a hostile or broken file costs little:
the file size is checked before it is read, aliases are counted while the document is
composed, and the size of the document with every alias expanded is checked before any
Python object is built ("billion laughs"). Only YAML's safe tags are accepted, so a
``!!python/object`` tag is an input error, never code. Keys repeated in a mapping are
rejected rather than silently overwritten.

The composed node tree is kept so that a field path can be mapped back to its line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import InputError, Problem

MAX_FILE_BYTES = 1_000_000
MAX_ALIASES = 64
MAX_EXPANDED_NODES = 200_000
#: Values written in the file (before aliases are expanded). A scenario has a few hundred;
#: the cap keeps a 1 MB file of 500,000 one-character values from costing 15 s and 350 MB
#: in PyYAML's pure-Python composer (it is checked as values are read, not afterwards).
MAX_NODES = 50_000
MAX_DEPTH = 64
#: Tags a mapping key may have: text, or the merge key '<<' of YAML 1.1.
_KEY_TAGS = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:merge")


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that counts aliases and nesting while composing."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.alias_count = 0
        self.node_count = 0
        self.depth = 0

    def compose_node(self, parent, index):
        line = self.peek_event().start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                raise _LimitError(f"more than {MAX_ALIASES} YAML aliases (*name); "
                                  "write the values out instead", line)
        else:
            self.node_count += 1
            if self.node_count > MAX_NODES:
                raise _LimitError(f"more than {MAX_NODES:,} values; is this really a "
                                  "scenario or sweep file?", line)
        # PyYAML composes recursively: stop deep nesting here, with its line, long before
        # Python's recursion limit.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _LimitError(f"nested more than {MAX_DEPTH} levels deep", line)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node, deep=False):
        # A value YAML recognises but Python cannot build (2025-02-30, an integer of more
        # than 4300 digits) raises ValueError or OverflowError inside the constructor; turn
        # it into a YAML error at that node so it is reported as bad input with its line.
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:
            self.failed_node = node
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value {_excerpt(node)}: {_why(exc)}",
                node.start_mark) from None


# YAML 1.1, which PyYAML follows, reads 1e6 and 1.0e6 as text (it wants 1.0e+6); YAML 1.2
# and everyone writing a file read them as numbers, so they are numbers here too.
_BoundedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+|[0-9][0-9_]*(?=[eE]))"
               r"(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."))


def _source_text(node: yaml.Node) -> str:
    """The text of a node as written in the file (for a complex key), shortened."""
    mark, end = node.start_mark, node.end_mark
    text = mark.buffer[mark.pointer:end.pointer] if mark.buffer is not None else ""
    text = " ".join(text.split()) or "?"
    return text if len(text) <= 40 else text[:37] + "..."


def _excerpt(node: yaml.Node) -> str:
    text = node.value if isinstance(node, yaml.ScalarNode) else f"<{node.id}>"
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _why(exc: Exception) -> str:
    text = str(exc)
    if "integer string conversion" in text:
        return "a number with more than 4300 digits"
    return text


class _LimitError(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


#: PyYAML's words for common mistakes, and what to do about them.
_PLAIN_WORDS = (
    ("expected <block end>", "the indentation of this line does not match the lines "
                             "above it (count the spaces)"),
    ("mapping values are not allowed here", "a ': ' inside a value; put the value in "
                                            "quotes, or start a new line for a new key"),
    ("could not find expected ':'", "a line without 'key: value' where a key was "
                                    "expected"),
)


def _node_path(root: yaml.Node, target: yaml.Node) -> str:
    """The dotted field path of ``target`` inside ``root`` ("" if not found)."""
    stack: list[tuple[yaml.Node, str, int]] = [(root, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if node is target:
            return path
        if depth > MAX_DEPTH:
            continue
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                name = k.value if isinstance(k, yaml.ScalarNode) else "?"
                stack.append((v, f"{path}.{name}" if path else str(name), depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node.value))
    return ""


#: A block mapping key at the start of a line: "quoted", 'quoted' or plain, then ':'.
_KEY_LINE = re.compile(r"""^(?:"([^"]*)"|'([^']*)'|([^\s#'"\[\]{},:&*!|>%@`-][^:#]*?))"""
                       r"""\s*:(?:\s|$)""")


def _field_at_line(text: str, line: int | None) -> str:
    """Best guess of the field path at ``line`` of a file YAML could not parse.

    Follows block-style indentation from the top of the file to the line, counting list
    items, so a syntax error can still name its field (``pressures[2].per_week``). Returns
    "" when the line has no key and nothing encloses it.
    """
    if line is None:
        return ""
    # (indent, key or item index, whether a key has its value on its own line)
    stack: list[tuple[int, str | int, bool]] = []
    for raw in text.splitlines()[:line]:
        body = raw.expandtabs(8)
        stripped = body.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(body) - len(stripped)
        while stripped.startswith("-") and stripped[1:2] in (" ", ""):
            # A key with a value on its line ('deaths: 3') cannot hold a list, and a list
            # item holding a mapping cannot hold a bare '- ' either: such a dash continues
            # the nearest enclosing list, whatever its indentation (a tab, a stray space).
            while stack and (stack[-1][0] > indent or stack[-1][2]):
                stack.pop()
            index = 0
            if stack and isinstance(stack[-1][1], int) and stack[-1][0] <= indent:
                indent, previous, _ = stack.pop()
                index = previous + 1
            stack.append((indent, index, False))
            rest = stripped[1:].lstrip(" ")
            indent += len(stripped) - len(rest)
            stripped = rest
        m = _KEY_LINE.match(stripped)
        if m:
            while stack and (stack[-1][0] >= indent or stack[-1][2]):
                stack.pop()
            value = stripped[m.end():].strip()
            stack.append((indent, next(g for g in m.groups() if g is not None).strip(),
                          bool(value) and not value.startswith(("#", "&", "!"))))
    path = ""
    for _, key, _ in stack:
        path += f"[{key}]" if isinstance(key, int) else (f".{key}" if path else key)
    return path


def _value_after_key(stripped: str) -> str | None:
    """The value written after a ``key:`` on a line (None if the line has no key)."""
    m = _KEY_LINE.match(stripped)
    if not m:
        return None
    value = stripped[m.end():].strip()
    return "" if value.startswith("#") else value


def indentation_mistake(text: str, error_line: int, window: int = 3
                        ) -> tuple[int, int, int] | None:
    """A line whose indentation cannot be right, at or just before ``error_line``.

    Follows the block structure of the file from the top, as YAML reads it: a line may be
    deeper than the one before only if that one opened a block (``key:`` with nothing after
    it, or ``- `` an item), may come back only to a level already open, and a line at the
    level of a list's dashes must be a ``- `` item. The first line that breaks this, within
    ``window`` lines before the error, is the mistake; when a line came back to an outer
    level and the next one is deeper again, the one that came back is (a key pushed back to
    column 0 makes YAML complain about the line after it).

    Returns:
        ``(line, its indentation, the indentation expected there)`` (1-based line, spaces),
        or None when the indentation looks right (the error is something else).
    """
    levels: list[tuple[int, bool]] = [(0, False)]  # (indent, whether it holds "- " items)
    previous: list[tuple[int, bool]] = list(levels)
    opened = False        # the previous line opened a block
    last_indent = 0
    skip_deeper_than: int | None = None  # inside a block scalar (| or >)
    first = True
    lines = text.splitlines()
    for number, raw in enumerate(lines[:error_line + 1], start=1):
        body = raw.expandtabs(8)
        stripped = body.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(body) - len(stripped)
        if skip_deeper_than is not None:
            if indent > skip_deeper_than:
                continue
            skip_deeper_than = None
        dash = stripped.startswith("-") and stripped[1:2] in (" ", "")
        before = list(levels)
        odd: int | None = None
        if first:
            levels, first = [(indent, dash)], False
        elif indent > last_indent and not opened:
            # Deeper than a line that opened nothing: this line, or (if it is back at a
            # level open before the last line came back out) the last line.
            odd = number
            if any(i == indent for i, _ in previous) and last_indent < max(
                    i for i, _ in previous):
                if number - 1 < error_line - window:
                    return None
                return number - 1, last_indent, indent
        elif indent > last_indent:
            levels.append((indent, dash))
        else:
            while levels and levels[-1][0] > indent:
                levels.pop()
            if not levels or levels[-1][0] != indent:
                odd = number
            elif levels[-1][1] and not dash:
                odd = number  # a key among a list's "- " items
            elif not levels[-1][1] and dash and indent == last_indent and not opened:
                odd = number  # a "- " item among keys
        if odd is not None:
            return (odd, indent, last_indent) if odd >= error_line - window else None
        content = stripped
        inner = indent
        if dash:
            content = stripped[1:].lstrip(" ")
            inner = indent + (len(stripped) - len(content))
            if content and not content.startswith("#"):
                levels.append((inner, False))  # the item's own keys start here
        value = _value_after_key(content) if content else ""
        if value is not None and re.fullmatch(r"[&!]\S+", value):
            value = ""  # an anchor or a tag alone: the block follows
        opened = value == "" if value is not None else (dash and not content)
        scalar = value if value is not None else content
        if scalar[:1] in ("|", ">"):
            skip_deeper_than = inner if value is not None else indent
            opened = False
        previous = before
        last_indent = inner if dash and content and not content.startswith("#") else indent
    return None


class YamlDocument:
    """A parsed YAML file: the plain data and the node tree that knows line numbers.

    Attributes:
        source: The path as the user gave it, used in messages.
        data: The document as plain Python data (dicts, lists, scalars, dates).
    """

    def __init__(self, source: str, data: Any, root: yaml.Node | None):
        self.source = source
        self.data = data
        self._root = root

    def line_of(self, loc: tuple[str | int, ...]) -> int | None:
        """The 1-based line of the field at ``loc`` (or of its nearest existing parent).

        A field's line is the line of its key (for a list item, of the item), so a problem
        with a whole mapping such as ``salience:`` is shown where that mapping is named,
        not on its first entry.
        """
        node = self._root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for key in loc:
            found = _entry(node, key)
            if found is None:
                break
            line, node = found
        return line

    def error(self, problems: list[Problem]) -> InputError:
        """An InputError for this file, filling in lines the problems do not have."""
        return InputError(self.source, problems)


def _entry(node: yaml.Node, key: str | int) -> tuple[int, yaml.Node] | None:
    """The line where ``key`` of a mapping (or item of a list) is written, and its value."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                return k.start_mark.line + 1, v
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) \
            and 0 <= key < len(node.value):
        item = node.value[key]
        return item.start_mark.line + 1, item
    return None


def _check_tree(node: yaml.Node, source: str) -> None:
    """Reject repeated keys, too much nesting and too large an expanded document."""
    sizes: dict[int, int] = {}
    ancestors: set[int] = set()

    def walk(n: yaml.Node, depth: int, path: str) -> int:
        if depth > MAX_DEPTH:
            raise InputError.single(source, f"nested more than {MAX_DEPTH} levels deep",
                                    path, n.start_mark.line + 1)
        if id(n) in sizes:
            return sizes[id(n)]
        if id(n) in ancestors:
            raise InputError.single(source, "an alias (*name) refers to a mapping or list "
                                    "that contains it; recursive YAML is not allowed",
                                    path, n.start_mark.line + 1)
        ancestors.add(id(n))
        total = 1
        if isinstance(n, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in n.value:
                name = k.value if isinstance(k, yaml.ScalarNode) else _source_text(k)
                line = k.start_mark.line + 1
                sub = f"{path}.{name}" if path else str(name)
                if not (isinstance(k, yaml.ScalarNode) and k.tag in _KEY_TAGS):
                    # YAML reads 'no:', '1:', '~:' or '[a, b]:' as a boolean, number, null
                    # or list key; no field of ours has such a name.
                    raise InputError.single(
                        source, f"the key {name!r} is not text (YAML reads it as "
                        f"{k.tag.rsplit(':', 1)[-1]}); write field names as plain words, "
                        "or quote the key", sub, line)
                if name in seen:
                    raise InputError.single(
                        source, f"this key appears twice (lines {seen[name]} and {line}); "
                        "keep one", sub, line)
                seen[name] = line
                total += walk(k, depth + 1, sub) + walk(v, depth + 1, sub)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                total += walk(v, depth + 1, f"{path}[{i}]")
        if total > MAX_EXPANDED_NODES:
            raise InputError.single(
                source, f"the document expands to more than {MAX_EXPANDED_NODES:,} values "
                "(aliases nested inside aliases?)", path, n.start_mark.line + 1)
        sizes[id(n)] = total
        ancestors.discard(id(n))
        return total

    walk(node, 0, "")


def read_yaml(path: str | Path, what: str = "file") -> YamlDocument:
    """Read a YAML file safely and within limits.

    Args:
        path: The file to read.
        what: What the file should be, for messages ("scenario file", "sweep file").

    Returns:
        The parsed document.

    Raises:
        InputError: The file is missing, too large, not UTF-8 text, not valid YAML, uses
            unsafe tags or exceeds a limit.
    """
    source = str(path)
    p = Path(path)
    try:
        if not p.exists():
            raise InputError.single(source, f"no such {what}")
        if not p.is_file():
            raise InputError.single(source, f"not a {what} (it is a directory or a device)")
    except OSError as exc:  # a name too long, a folder on the way that cannot be entered
        raise InputError.single(source, f"cannot read the {what}: "
                                f"{exc.strerror or exc}") from None
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError.single(
                source, f"the {what} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError.single(source, f"cannot read the {what}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError.single(source, f"the {what} is larger than {MAX_FILE_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.single(
            source, f"not UTF-8 text (byte {exc.start}); is this really a {what}?") from None
    if "\x00" in text:
        raise InputError.single(source, f"contains NUL bytes; is this really a {what}?")
    return parse_yaml(text, source, what)


def parse_yaml(text: str, source: str, what: str = "file") -> YamlDocument:
    """Parse YAML text with the limits of :func:`read_yaml`."""
    root = None
    try:
        # The reader checks every character when it is made: a control character is
        # bad input, reported with its line.
        loader = _BoundedLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise InputError.single(
            source, f"contains the control character U+{exc.character:04X}, which YAML does "
            f"not allow; is this really a {what}?", _field_at_line(text, line), line) from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise InputError.single(source, f"the {what} is empty")
        _check_tree(root, source)
        data = loader.construct_document(root)
    except InputError:
        raise
    except _LimitError as exc:
        raise InputError.single(source, str(exc), _field_at_line(text, exc.line),
                                exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and exc.context and (
                "quoted scalar" in exc.context or "flow" in exc.context):
            # An unclosed quote or bracket is reported where the file ends; the line where
            # it was opened is the one to fix.
            mark = exc.context_mark
        line = mark.line + 1 if mark else None
        what_wrong = exc.problem or exc.context or "not valid YAML"
        if exc.context and exc.problem and (mark is exc.context_mark
                                            or not exc.context.startswith("while")):
            what_wrong = f"{exc.context}, {exc.problem}"
        failed = getattr(loader, "failed_node", None)
        if failed is not None and root is not None:
            field = _node_path(root, failed)
        elif "document" in what_wrong:
            field = ""  # a second '---' document or a bad directive: the file as a whole
        else:
            field = _field_at_line(text, line)
        hint = ""
        mistake = indentation_mistake(text, line) if line else None
        if mistake is not None and "\t" not in text:
            bad, got, want = mistake
            raise InputError(source, [Problem(
                _field_at_line(text, bad), f"YAML error: check the indentation of line {bad}: "
                f"it starts at column {got + 1}, the lines around it at column {want + 1}",
                bad)]) from None
        if "\t" in text and ("tab" in what_wrong or "found character" in what_wrong):
            hint = " (YAML does not allow tabs for indentation; use spaces)"
        for words, plain in _PLAIN_WORDS:
            if words in what_wrong:
                hint += f" ({plain})"
        if "could not determine a constructor" in what_wrong:
            what_wrong = ("unsupported YAML tag " + what_wrong.split("tag ", 1)[-1]
                          + "; only plain values, lists and mappings are allowed")
        raise InputError(source, [Problem(field, f"YAML error: {what_wrong}{hint}", line)]) \
            from None
    except yaml.YAMLError as exc:
        raise InputError.single(source, f"YAML error: {exc}") from None
    except RecursionError:
        raise InputError.single(source, "nested too deeply to read") from None
    finally:
        loader.dispose()
    return YamlDocument(source, data, root)
