"""Reading `mapsync.yaml` safely: bytes to a YAML document with the position of every key.

The file is hostile input until proven otherwise, so reading is total: every failure is a
`Diagnostic` with the file and line, never a traceback, and nothing grows without bound.

- size: at most `MAX_BYTES`; encoding: UTF-8 (a BOM is allowed); no NUL or other control
  characters, neither raw nor written as YAML escapes;
- structure: before anything is built, the YAML event stream (which PyYAML produces without
  recursion) is scanned for nesting depth and for the number of nodes once every alias is
  expanded, so an alias bomb is refused after a few hundred events, not after gigabytes;
- numbers: plain scalars that YAML would read as numbers are refused past `MAX_NUMBER_CHARS`
  (Python refuses to build integers past 4,300 digits, and nothing here needs more than 20);
- keys: every mapping key must be a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.errors import MapsyncError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 20_000
MAX_NUMBER_CHARS = 40

KeyPath = tuple[str | int, ...]
_RESOLVER = yaml.resolver.Resolver()
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class ConfigError(MapsyncError):
    """The configuration is invalid or a secret cannot be read; every problem is listed.

    Fix the keys named (the line numbers point into the file), then run again.
    """

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics), key=Diagnostic.sort_key)
        super().__init__(self.render("text").rstrip("\n"))

    def render(self, fmt: Any = "text") -> str:
        """The problems as text, json or github annotations (the rule files' formats).

        No source excerpt is shown: the line may hold a secret pasted in by mistake.
        """
        from mapsync.engine.diagnostics import render

        return render(self.diagnostics, fmt, None, limit=None)


def problem(path: str, line: int, column: int, code: str, key: str, message: str,
            hints: tuple[str, ...] = ()) -> Diagnostic:
    """A configuration diagnostic; the message starts with the dotted key it is about."""
    text = f"{key}: {message}" if key else message
    return Diagnostic(code=code, message=text, path=path, line=line, column=column,
                      hints=hints)


def decode(data: bytes, path: str) -> str:
    """The text of the file; ConfigError for oversize, non-UTF-8 or NUL-bearing content."""
    if len(data) > MAX_BYTES:
        raise ConfigError([problem(path, 1, 1, "config-too-large", "",
                                   f"the file is {len(data)} bytes; the limit is {MAX_BYTES}")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _offset(data, exc.start)
        raise ConfigError([problem(path, line, column, "config-encoding", "",
                                   f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                                   "save the file as UTF-8")]) from None
    found = _CONTROL.search(text)
    if found:
        line, column = _text_offset(text, found.start())
        raise ConfigError([problem(path, line, column, "config-encoding", "",
                                   f"control character U+{ord(found.group()):04X} in the file "
                                   "(is it a text file?)")])
    return text


def _offset(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    return before.count(b"\n") + 1, offset - (before.rfind(b"\n") + 1) + 1


def _text_offset(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


@dataclass(frozen=True, slots=True)
class Document:
    """The parsed YAML and the line/column of every key path in it."""

    path: str
    text: str
    data: Any
    marks: Mapping[KeyPath, tuple[int, int]]

    @classmethod
    def parse(cls, text: str, path: str) -> Document:
        """Parse bounded YAML; ConfigError (with the line) for anything unsafe or invalid."""
        try:
            _scan(text, path)
            loader = yaml.SafeLoader(text)
            try:
                node = loader.get_single_node()
                data = _construct(loader, node, path)
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            raise ConfigError([problem(path, line, column, "config-yaml", "",
                                       f"not valid YAML: {exc.problem or exc.context}")]) from None
        except yaml.YAMLError as exc:
            raise ConfigError([problem(path, 1, 1, "config-yaml", "",
                                       f"not valid YAML: {_first_line(exc)}")]) from None
        marks: dict[KeyPath, tuple[int, int]] = {(): (1, 1)}
        if node is not None:
            _collect_marks(node, (), marks)
        document = cls(path, text, data, marks)
        bad = list(document.bad_values())
        if bad:
            raise ConfigError(bad)
        return document

    def issue(self, key: KeyPath, message: str, code: str = "config-value",
              hints: tuple[str, ...] = ()) -> Diagnostic:
        """A diagnostic at `key`, or at its nearest enclosing key that exists in the file."""
        probe = key
        while probe not in self.marks:
            probe = probe[:-1]
        line, column = self.marks[probe]
        return problem(self.path, line, column, code, dotted(key), message, hints)

    def position(self, key: KeyPath) -> tuple[int, int]:
        """The line and column of `key` (or of its nearest enclosing key)."""
        probe = key
        while probe not in self.marks:
            probe = probe[:-1]
        return self.marks[probe]

    def bad_values(self) -> Iterator[Diagnostic]:
        """Non-string keys and strings holding control characters (written as escapes)."""
        for key, value in _walk(self.data, ()):
            if key and not isinstance(key[-1], str | int):
                yield self.issue(key[:-1], "every key must be a plain name", "config-key")
            if isinstance(value, str) and _CONTROL.search(value):
                yield self.issue(key, "the value holds a control character or an unpaired "
                                      "surrogate", "config-value")


def _construct(loader: yaml.SafeLoader, node: yaml.Node | None, path: str) -> Any:
    if node is None:
        return None
    try:
        return loader.construct_document(node)
    except (ValueError, TypeError, OverflowError):  # e.g. `2021-02-30`, `!!int x`
        raise ConfigError([problem(path, 1, 1, "config-yaml", "",
                                   "a value cannot be read as its YAML type (a date that "
                                   "does not exist, or a wrong explicit tag?)")]) from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _walk(value: Any, key: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield key, value
    if isinstance(value, Mapping):
        for name, child in value.items():
            yield from _walk(child, (*key, name if isinstance(name, str) else object()))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(child, (*key, index))


def _scan(text: str, path: str) -> None:
    """Refuse deep nesting, alias bombs and loops, and giant numbers from the event stream
    alone."""
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[0, None]]  # [expanded node count, anchor] per open collection
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) > MAX_DEPTH:
                _refuse(path, event, "config-too-deep",
                        f"nested deeper than {MAX_DEPTH} levels")
            stack.append([1, event.anchor])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            count, anchor = stack.pop()
            size = count
        elif isinstance(event, yaml.AliasEvent):
            if any(open_anchor == event.anchor for _, open_anchor in stack):
                _refuse(path, event, "config-alias-loop",
                        f"the alias *{event.anchor} is inside the collection &{event.anchor} "
                        "it names, which makes an endless structure; write the values out")
            anchor, size = None, sizes.get(event.anchor or "", 1)
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
            _check_scalar(path, event)
        else:
            continue
        if anchor:
            sizes[anchor] = size
        stack[-1][0] += size
        if stack[-1][0] > MAX_NODES:
            _refuse(path, event, "config-too-large",
                    f"more than {MAX_NODES} values once aliases are expanded (an alias bomb?)")


def _check_scalar(path: str, event: yaml.ScalarEvent) -> None:
    plain = event.style is None and event.implicit[0]
    if plain and len(event.value) > MAX_NUMBER_CHARS and _is_number(event.value):
        _refuse(path, event, "config-number",
                f"a number of {len(event.value)} characters (the limit is {MAX_NUMBER_CHARS})")


def _is_number(value: str) -> bool:
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _refuse(path: str, event: yaml.Event, code: str, message: str) -> None:
    mark = event.start_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    raise ConfigError([problem(path, line, column, code, "", message)])


def _collect_marks(node: yaml.Node, key: KeyPath, marks: dict[KeyPath, tuple[int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*key, str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?")
            marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _collect_marks(value_node, child, marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*key, index)
            marks[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _collect_marks(item, child, marks)


def dotted(key: KeyPath) -> str:
    """`connections.intacct.user_id`, `mappings[2]`."""
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
