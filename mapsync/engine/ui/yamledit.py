"""Edit a YAML document in place: only the value that changes is rewritten.

    text = set_value(text, ("options", "price_source"), "contract")
    text = remove_key(text, ("mappings",))

Positions come from PyYAML's composed nodes, so comments, key order and layout around the
edited value stay as they were. A key that is missing is added as a new line under its
parent (or at the end of the file for a top-level key).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from mapsync.engine.config_yaml import ConfigError, Document
from mapsync.engine.errors import MapsyncError

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/]*\Z")
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"})


class YamlEditError(MapsyncError, ValueError):
    """The document cannot be edited at that key (not YAML, or the parent is not a mapping)."""


def scalar_text(value: Any) -> str:
    """`value` as a YAML token: plain where unambiguous, double-quoted otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(scalar_text(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def _compose(text: str) -> yaml.Node | None:
    # The configuration's own parse first: it refuses alias loops, bombs and deep nesting,
    # which the node walks below would follow for ever.
    try:
        Document.parse(text, "mapsync.yaml")
    except ConfigError as exc:
        raise YamlEditError(exc.diagnostics[0].message) from None
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _child(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        raise YamlEditError(f"`{key}` cannot be set: its parent is not a mapping")
    for key_node, value_node in node.value:
        if key_node.value == key:
            return key_node, value_node
    return None


def _last_descendant(node: yaml.Node) -> yaml.Node:
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def set_value(text: str, path: tuple[str, ...], value: Any) -> str:
    """`text` with the value at `path` replaced by `value` (added when missing)."""
    root = _compose(text)
    if root is None:
        return text + _block(path, value, 0)
    node = root
    for depth, key in enumerate(path):
        found = _child(node, key)
        if found is None:
            return _insert(text, node, path[depth:], value)
        node = found[1]
    if isinstance(node, yaml.MappingNode) or (
        isinstance(node, yaml.SequenceNode) and node.flow_style is False
    ):
        raise YamlEditError(f"`{'.'.join(path)}` holds a block, not a value")
    start, end = node.start_mark.index, node.end_mark.index
    return text[:start] + scalar_text(value) + text[end:]


def _block(path: tuple[str, ...], value: Any, indent: int) -> str:
    lines = []
    for depth, key in enumerate(path[:-1]):
        lines.append(" " * (indent + 2 * depth) + f"{key}:")
    lines.append(" " * (indent + 2 * (len(path) - 1)) + f"{path[-1]}: {scalar_text(value)}")
    return "\n".join(lines) + "\n"


def _insert(text: str, parent: yaml.Node, path: tuple[str, ...], value: Any) -> str:
    if not isinstance(parent, yaml.MappingNode):
        raise YamlEditError(f"`{path[0]}` cannot be added: its parent is not a mapping")
    if parent.flow_style:
        if len(path) > 1:
            raise YamlEditError(f"`{path[0]}` cannot be added inside a flow mapping")
        entry = f"{path[0]}: {scalar_text(value)}"
        close = parent.end_mark.index - 1
        separator = ", " if parent.value else ""
        return text[:close] + separator + entry + text[close:]
    if not parent.value:
        raise YamlEditError(f"`{path[0]}` cannot be added to an empty mapping")
    indent = parent.value[0][0].start_mark.column
    at = _line_end(text, _last_descendant(parent).end_mark.index)
    prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
    return text[:at] + prefix + _block(path, value, indent) + text[at:]


def remove_key(text: str, path: tuple[str, ...]) -> str:
    """`text` without the key at `path` and its value (unchanged when it is absent)."""
    root = _compose(text)
    node = root
    found = None
    for key in path:
        if node is None:
            return text
        found = _child(node, key)
        if found is None:
            return text
        node = found[1]
    assert found is not None
    key_node, value_node = found
    start = text.rfind("\n", 0, key_node.start_mark.index) + 1
    end = _line_end(text, _last_descendant(value_node).end_mark.index)
    return text[:start] + text[end:]
