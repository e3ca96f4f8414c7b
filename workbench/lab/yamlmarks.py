"""YAML loading that remembers the line of every value, so problems can name their line.

The document is composed into nodes first (aliases stay shared there, so composing is cheap) and
measured before anything is expanded: a file whose aliases (`*name`) would expand it past
`max_nodes` values, that nests deeper than `max_depth` or that refers to itself is refused with
its size, never built. An alias bomb costs the time of reading its few lines.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor

Loc = tuple[str | int, ...]

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (about ten times faster), else the pure-Python one."""

STR_TAG = "tag:yaml.org,2002:str"

MAX_NODES = 50_000
MAX_DEPTH = 40


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class YamlShapeError(YamlSyntaxError):
    """Valid YAML the workbench will not build: its message is a predicate ("nests deeper...")
    for the reader to put the file name before."""


class YamlTooLargeError(YamlShapeError):
    """The document is valid YAML but expands (through aliases) past the limit."""

    def __init__(self, nodes: int, limit: int) -> None:
        super().__init__(
            f"expands too far ({nodes:,} nodes once its aliases are expanded; at most {limit:,})",
            None,
        )
        self.nodes = nodes
        self.limit = limit


def load_with_lines(
    text: str, *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH
) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML; return the plain data and a map from field path to 1-based line number."""
    try:
        _check_depth(text, max_depth)
        node = yaml.compose(text, Loader=LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(f"not valid YAML: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"not valid YAML: {exc}", None) from None
    except RecursionError:
        raise YamlShapeError(f"nests deeper than {max_depth} levels", None) from None
    lines: dict[Loc, int] = {}
    if node is None:
        return None, lines
    nodes = _expanded_size(node, max_depth)
    if nodes > max_nodes:
        raise YamlTooLargeError(nodes, max_nodes)
    constructor = SafeConstructor()
    try:
        return _convert(node, (), lines, constructor), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(f"not valid YAML: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"not valid YAML: {exc}", None) from None


def _check_depth(text: str, max_depth: int) -> None:
    """Refuse deep nesting from the event stream (the parser keeps its own stack) before
    composing, which recurses once per level: in C it would crash the process, not raise."""
    depth = 0
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise YamlShapeError(f"nests deeper than {max_depth} levels", line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _expanded_size(root: yaml.Node, max_depth: int) -> int:
    """How many nodes the document has once every alias is expanded, in time linear in the
    nodes actually written (each shared node is measured once)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def measure(node: yaml.Node, depth: int) -> int:
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        line = node.start_mark.line + 1
        if key in open_nodes:
            raise YamlShapeError(
                "has an alias inside the value it names: it would expand without end", line
            )
        if depth > max_depth:
            raise YamlShapeError(f"nests deeper than {max_depth} levels", line)
        size = 1
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            open_nodes.add(key)
            children = (
                [child for pair in node.value for child in pair]
                if isinstance(node, yaml.MappingNode)
                else node.value
            )
            for child in children:
                size += measure(child, depth + 1)
            open_nodes.discard(key)
        sizes[key] = size
        return size

    return measure(root, 0)


def _convert(node: yaml.Node, loc: Loc, lines: dict[Loc, int], ctor: SafeConstructor) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlSyntaxError(
                    "a key must be a plain name, not a list or mapping",
                    key_node.start_mark.line + 1,
                )
            key = _scalar(key_node, ctor)
            out[key] = _convert(value_node, (*loc, str(key)), lines, ctor)
            # A key's own line is where a problem about that key (unknown field) is.
            lines[(*loc, str(key))] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*loc, i), lines, ctor) for i, item in enumerate(node.value)]
    return _scalar(node, ctor)


def _scalar(node: yaml.Node, ctor: SafeConstructor) -> Any:
    # The constructor caches every node it builds: it lives as long as one document, so
    # nothing of one lab.yaml outlives its reading.
    if node.tag == STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value  # most values: what the constructor would return, at no cost
    try:
        return ctor.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. `!!int five`, `!!binary %`
        tag = str(node.tag).rsplit(":", 1)[-1]
        raise YamlSyntaxError(
            f"{node.value!r} is not a valid {tag} ({exc})", node.start_mark.line + 1
        ) from None


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, or of its nearest ancestor that has one (for missing fields)."""
    for end in range(len(loc), -1, -1):
        found = lines.get(tuple(loc[:end]))
        if found is not None:
            return found
    return None
