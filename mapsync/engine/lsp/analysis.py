"""What the language server knows about a rule file, without any protocol: diagnostics from
the same parser and checker as `mapsync validate`, and the words under or before the cursor
(objects, fields, mappings) for completion, hover and go-to-definition.

A document is checked with the other `.map` files of its folder, as `mapsync validate
FOLDER` would, so a `ref` to a mapping in a sibling file resolves, and against the same
catalogs: the rule set's schema snapshot (`schema/` in the document's folder or the folder
holding it) laid over the shipped catalogs, so the org's own fields complete and hover too.
The overlay is read again when a snapshot file changes. Open documents are read
from the editor's buffers (`texts`), the others from disk. Lines and columns here are
0-based, as in the Language Server Protocol.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mapsync.engine.catalog import Catalogs, FieldInfo, ObjectInfo, load_catalogs
from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.language import ast
from mapsync.engine.language.check import check
from mapsync.engine.language.errors import LanguageError
from mapsync.engine.language.loader import RULE_SUFFIX
from mapsync.engine.language.parser import parse_text
from mapsync.engine.language.steps import STEPS
from mapsync.engine.schema.snapshot import find_snapshot, overlay_snapshot, snapshot_stamp

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
ARROW = re.compile(r"(<->|->|<-|\boff\b)")
BLOCK = re.compile(r"^\s*(mapping|managed|action|lines)\s+([A-Za-z_]\w*)")
OBJECT = re.compile(r"^\s*(intacct|salesforce)\s+([A-Za-z_]\w*)")
HEADER = re.compile(r"^\s*(mapping|managed|action|lines|intacct|salesforce|label|create|conflict|"
                    r"delete|after|result|languages|when)\b")


@dataclass(frozen=True, slots=True)
class Spot:
    """Where a name is defined: a file and the 0-based range of the name."""

    path: Path
    line: int
    column: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One completion: the text to insert and what to show beside it."""

    label: str
    detail: str
    kind: str  # "field", "object", "mapping", "step"


class Workspace:
    """The open documents (path -> text) and the catalogs they are checked against."""

    def __init__(self, catalogs: Catalogs | None = None) -> None:
        self.catalogs = catalogs or load_catalogs()
        self.texts: dict[Path, str] = {}
        self._overlays: dict[Path, tuple[tuple[tuple[str, int, int], ...], Catalogs]] = {}

    def catalogs_at(self, path: Path) -> Catalogs:
        """What the document `path` is checked against: its rule set's schema snapshot over
        the workspace's catalogs, as `mapsync validate` uses it, or those catalogs alone."""
        root = find_snapshot([path.parent])
        if root is None:
            return self.catalogs
        stamp = snapshot_stamp(root)
        kept = self._overlays.get(root)
        if kept is None or kept[0] != stamp:
            kept = (stamp, overlay_snapshot(self.catalogs, root)[0])
            self._overlays[root] = kept
        return kept[1]

    def text(self, path: Path) -> str:
        """The buffer of an open document, or the file on disk ("" when unreadable)."""
        if path in self.texts:
            return self.texts[path]
        try:
            return path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    def siblings(self, path: Path) -> list[Path]:
        """The rule files checked together with `path`: its folder's `.map` files."""
        found = {p.resolve() for p in path.parent.glob(f"*{RULE_SUFFIX}") if p.is_file()}
        found |= {p for p in self.texts if p.parent == path.parent}
        return sorted(found | {path})

    def diagnostics(self, path: Path) -> list[Diagnostic]:
        """The problems of one document, as `mapsync validate` reports them."""
        shown = str(path)
        try:
            own = parse_text(self.text(path), shown, path.name)
        except LanguageError as exc:
            return list(exc.diagnostics)
        files = [own]
        for other in self.siblings(path):
            if other == path:
                continue
            try:
                files.append(parse_text(self.text(other), str(other), other.name))
            except LanguageError:
                continue  # that file shows its own error when it is opened
        catalogs = self.catalogs_at(path)
        return [d for d in check(ast.RuleSet(tuple(files)), catalogs) if d.path == shown]

    def blocks(self, path: Path) -> list[tuple[Path, ast.Block]]:
        """Every block of the rule set `path` belongs to, with its file."""
        out: list[tuple[Path, ast.Block]] = []
        for other in self.siblings(path):
            try:
                parsed = parse_text(self.text(other), str(other), other.name)
            except LanguageError:
                continue
            out += [(other, b) for b in parsed.items if isinstance(b, ast.Block)]
        return out

    # ---- cursor questions ------------------------------------------------------------

    def definition(self, path: Path, line: int, column: int) -> Spot | None:
        """Where the mapping named under the cursor (`ref Name`, `after Name`) is defined."""
        word = word_at(self.text(path), line, column)
        if word is None:
            return None
        for where, block in self.blocks(path):
            if block.name == word[0]:
                span = block.name_span
                return Spot(where, span.line - 1, span.column - 1,
                            span.column - 1 + len(block.name))
        return None

    def hover(self, path: Path, line: int, column: int) -> str | None:
        """Markdown about the object or field under the cursor."""
        text = self.text(path)
        word = word_at(text, line, column)
        if word is None:
            return None
        name, start = word
        source = text.splitlines()[line]
        catalogs = self.catalogs_at(path)
        declared = OBJECT.match(source)
        system = declared.group(1) if declared else side_at(source, start)
        if system is None or (declared and declared.start(2) == start):
            return object_hover(catalogs, name)
        info = self.scope(text, line, catalogs).get(system)
        found = info.field(name) if info else None
        return field_markdown(info, found) if info and found else object_hover(catalogs, name)

    def object_hover(self, name: str) -> str | None:
        """Markdown about an object of the workspace's catalogs called `name`."""
        return object_hover(self.catalogs, name)

    def complete(self, path: Path, line: int, column: int) -> list[Suggestion]:
        """What may be typed at the cursor: objects, fields, mappings or steps."""
        text = self.text(path)
        lines = text.splitlines()
        before = lines[line][:column] if line < len(lines) else ""
        catalogs = self.catalogs_at(path)
        declaring = re.match(r"^\s*(intacct|salesforce)\s+\w*$", before)
        if declaring:
            objects = catalogs.intacct if declaring.group(1) == "intacct" \
                else catalogs.salesforce
            return [Suggestion(o.name, o.label, "object") for o in objects.values()]
        if re.search(r"\bref\s+\w*$", before) or re.match(r"^\s*after\b", before):
            return [Suggestion(b.name, b.kind, "mapping") for _, b in self.blocks(path)]
        if re.search(r"\|\s*\w*$", before):
            return [Suggestion(s, "transform step", "step") for s in sorted({*STEPS, "map"})]
        side = side_at(before, len(before))
        info = self.scope(text, line, catalogs).get(side) if side else None
        if info is None:
            return []
        return [Suggestion(f.name, field_detail(f), "field") for f in info.fields.values()]

    def scope(self, text: str, line: int,
              catalogs: Catalogs | None = None) -> Mapping[str, ObjectInfo]:
        """The Intacct and Salesforce objects declared by the block around `line`, looked
        up in `catalogs` (default: the workspace's)."""
        catalogs = catalogs or self.catalogs
        names = enclosing_objects(text.splitlines(), line)
        out: dict[str, ObjectInfo] = {}
        for system, name in names.items():
            info = catalogs.get(system, name)  # type: ignore[arg-type]
            if info is None and system == "intacct":
                info = next((o for o in catalogs.intacct.values()
                             if o.name.lower() == name.lower()), None)
            if info is not None:
                out[system] = info
        return out


def object_hover(catalogs: Catalogs, name: str) -> str | None:
    """Markdown about an object of `catalogs` called `name` (and the snapshot it is from)."""
    for info in catalogs:
        if info.name == name:
            where = "Intacct" if info.system == "intacct" else "Salesforce"
            origin = f"\n\nfrom the schema snapshot {info.snapshot}" if info.snapshot else ""
            return f"**{info.name}** ({where} object) — {info.label}{origin}"
    return None


def word_at(text: str, line: int, column: int) -> tuple[str, int] | None:
    """The name under (or just before) the cursor and where it starts."""
    lines = text.splitlines()
    if line >= len(lines):
        return None
    for match in WORD.finditer(lines[line]):
        if match.start() <= column <= match.end():
            return match.group(0), match.start()
    return None


def side_at(source: str, column: int) -> str | None:
    """Which side of a field rule `column` is on: left is Intacct, right is Salesforce."""
    code = source.split("#", 1)[0]
    if HEADER.match(code):
        return None
    arrow = ARROW.search(code)
    if arrow is None or column <= arrow.start():
        return "intacct"
    pipe = code.find("|", arrow.end())
    return "salesforce" if pipe < 0 or column <= pipe else None


def enclosing_objects(lines: list[str], line: int) -> dict[str, str]:
    """`{"intacct": NAME, "salesforce": NAME}` declared in the innermost block around `line`
    (a `lines` collection first, then its mapping), read from text so half-typed files work."""
    depth = 0
    found: dict[str, str] = {}
    for index in range(min(line, len(lines)) - 1, -1, -1):
        code = lines[index].split("#", 1)[0]
        net = code.count("{") - code.count("}")
        if net < 0:
            depth -= net
        elif net > 0 and depth >= net:
            depth -= net
        elif net > 0:
            depth = 0
            opener = BLOCK.match(code)
            if opener and (opener.group(1) != "lines" or len(found) == 2):
                break
        elif depth == 0 and (declared := OBJECT.match(code)):
            found.setdefault(declared.group(1), declared.group(2))
    return found


def field_detail(info: FieldInfo) -> str:
    """`type, required — Label` as a completion shows it."""
    flags = [info.type] + (["required"] if info.required else []) \
        + (["read-only"] if info.readonly else [])
    return ", ".join(flags) + (f" — {info.label}" if info.label else "")


def field_markdown(owner: ObjectInfo, info: FieldInfo) -> str:
    """What a hover shows for a catalog field: type, label, required."""
    where = "Intacct" if owner.system == "intacct" else "Salesforce"
    lines = [f"**{owner.name}.{info.name}** ({where} field)", "",
             f"- type: `{info.type}`" + (f" ({info.length})" if info.length else ""),
             f"- label: {info.label or '—'}",
             f"- required: {'yes' if info.required else 'no'}"]
    if info.readonly:
        lines.append("- read-only")
    if info.values:
        lines.append("- values: " + ", ".join(f"`{v}`" for v in info.values[:12]))
    if info.references:
        lines.append("- refers to: " + ", ".join(info.references))
    return "\n".join(lines)
