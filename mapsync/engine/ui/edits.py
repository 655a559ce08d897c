"""Saving the page's choices into the files, in place.

    change = Change(arrows={("Customer", 12): "off"}, options={"price_source": "contract"})
    result = prepare(ws, change)       # edited texts, unified diff, the checker's findings
    if result.ok: write(result)        # each file: temporary file, then rename

Only the tokens that change are rewritten: a field's arrow at its source position in its
`.map` file, an option's value (or a new line) in `mapsync.yaml`. The edited text goes
through the same checker as `mapsync validate` (and the configuration through the same
schema as every command) before anything is written.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapsync.engine.errors import MapsyncError
from mapsync.engine.language.ast import Span
from mapsync.engine.ui import yamledit
from mapsync.engine.ui.workspace import ARROWS, RuleFileText, Workspace

if TYPE_CHECKING:
    from mapsync.engine.diagnostics import Diagnostic

CONFLICT_POLICIES = ("newest", "intacct", "salesforce")
OPTION_KEYS = ("price_source", "create_intacct_customers_from_accounts",
               "sales_document_relationship", "overlap_seconds")


class EditRefused(MapsyncError, ValueError):
    """The edit names something that does not exist or may not change; nothing is written.

    `status` is the HTTP status the page answers with (400 unknown names, 409 a file
    changed on disk, 422 a locked field)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Change:
    """What the form asks for: new arrows by (mapping, field index), mappings that run
    (None: leave as it is) and option values."""

    arrows: Mapping[tuple[str, int], str] = field(default_factory=dict)
    conflicts: Mapping[str, str] = field(default_factory=dict)
    enabled: frozenset[str] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Prepared:
    """Edited texts ready to write, the diff, and what the checker found in them."""

    workspace: Workspace
    rule_texts: dict[str, str]  # shown path -> edited text (changed files only)
    config_text: str | None  # None when mapsync.yaml does not change
    diff: str
    diagnostics: list[Diagnostic]
    config_issues: list[Diagnostic]

    @property
    def changed(self) -> bool:
        """Whether any file would change."""
        return bool(self.rule_texts) or self.config_text is not None

    @property
    def ok(self) -> bool:
        """Whether the edited files validate (warnings allowed)."""
        from mapsync.engine.diagnostics import has_errors

        return not has_errors(self.diagnostics) and not self.config_issues


def _offset(text: str, line: int, column: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(x) for x in lines[: line - 1]) + column - 1


Splice = tuple[str, Span, str]  # file, span of the token, new token


def _arrow_edits(ws: Workspace, arrows: Mapping[tuple[str, int], str]) -> list[Splice]:
    splices: list[Splice] = []
    for (name, index), arrow in arrows.items():
        mapping = ws.mapping(name)
        if mapping is None:
            raise EditRefused(f"unknown mapping `{name}`")
        rule = mapping.field(index)
        if rule is None:
            raise EditRefused(f"mapping `{name}` has no field #{index}")
        if arrow not in ARROWS:
            raise EditRefused(f"`{arrow}` is not a direction (use one of {', '.join(ARROWS)})")
        if arrow == rule.arrow:
            continue
        if rule.lock is not None:
            why = ("Intacct requires it" if rule.lock == "required" else "it is marked `locked`")
            raise EditRefused(f"{name}: {rule.intacct} {rule.arrow} {rule.salesforce} is locked "
                              f"({why}); its direction cannot change", 422)
        splices.append((rule.file, rule.arrow_span, arrow))
    return splices


def _conflict_edits(ws: Workspace, conflicts: Mapping[str, str]) -> list[Splice]:
    splices: list[Splice] = []
    for name, policy in conflicts.items():
        mapping = ws.mapping(name)
        if mapping is None:
            raise EditRefused(f"unknown mapping `{name}`")
        if policy not in CONFLICT_POLICIES:
            raise EditRefused(f"`{policy}` is not a conflict policy "
                              f"(one of {', '.join(CONFLICT_POLICIES)})")
        if mapping.conflict_span is None:
            raise EditRefused(f"mapping `{name}` has no `conflict` line to change")
        if policy != mapping.conflict:
            splices.append((mapping.file, mapping.conflict_span, policy))
    return splices


def _apply(ws: Workspace, splices: list[Splice]) -> dict[str, str]:
    """Each file's text with its tokens replaced (from the end, so offsets stay right)."""
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for shown, span, token in splices:
        text = ws.file(shown).text
        start = _offset(text, span.line, span.column)
        end = _offset(text, span.end_line, span.end_column)
        by_file.setdefault(shown, []).append((start, end, token))
    edited: dict[str, str] = {}
    for shown, spans in by_file.items():
        text = ws.file(shown).text
        for start, end, token in sorted(spans, reverse=True):
            text = text[:start] + token + text[end:]
        edited[shown] = text
    return edited


def _config_edit(ws: Workspace, change: Change) -> str | None:
    if ws.config_text is None:
        if change.options or change.enabled is not None:
            raise EditRefused(f"{ws.config_path}: no configuration file to edit "
                              "(run `mapsync init`)")
        return None
    text = ws.config_text
    current = ws.options()
    for key, value in change.options.items():
        if key not in OPTION_KEYS:
            raise EditRefused(f"unknown option `{key}`")
        if current.get(key) != value:
            text = yamledit.set_value(text, ("options", key), value)
    if change.enabled is not None:
        text = _enabled_edit(ws, text, change.enabled)
    return None if text == ws.config_text else text


def _enabled_edit(ws: Workspace, text: str, enabled: frozenset[str]) -> str:
    names = [m.name for m in ws.mappings]
    unknown = sorted(enabled - set(names))
    if unknown:
        raise EditRefused(f"unknown mapping `{unknown[0]}`")
    if all(ws.enabled(n) == (n in enabled) for n in names):
        return text
    if set(names) <= enabled:
        return yamledit.remove_key(text, ("mappings",))
    return yamledit.set_value(text, ("mappings",), [n for n in names if n in enabled])


def prepare(ws: Workspace, change: Change) -> Prepared:
    """Apply `change` to the texts of `ws` and check the result; raises EditRefused."""
    from mapsync.engine.config import validate_text
    from mapsync.engine.language import validate_texts

    rule_texts = _apply(ws, _arrow_edits(ws, change.arrows)
                        + _conflict_edits(ws, change.conflicts))
    if rule_texts and ws.read_only:
        raise EditRefused("these are the rules shipped with mapsync: copy them into your "
                          "project and start `mapsync ui --rules DIR` to edit them", 422)
    config_text = _config_edit(ws, change)
    files = [(f.shown, f.name, rule_texts.get(f.shown, f.text)) for f in ws.files]
    diagnostics = list(validate_texts(files).diagnostics) if rule_texts else ws.diagnostics
    issues = validate_text(config_text, str(ws.config_path)) if config_text is not None else []
    diff = "".join(_diff(ws.file(s).text, t, s) for s, t in rule_texts.items())
    if config_text is not None:
        diff += _diff(ws.config_text or "", config_text, str(ws.config_path))
    return Prepared(ws, rule_texts, config_text, diff, diagnostics, issues)


def _diff(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        name, name, n=1))


def unchanged_on_disk(ws: Workspace, files: list[RuleFileText]) -> bool:
    """Whether the configuration and the given rule files still hold what `ws` read."""
    try:
        config_now = ws.config_path.read_text("utf-8") if ws.config_text is not None else None
        return config_now == ws.config_text and all(
            f.path.read_text("utf-8") == f.text for f in files)
    except OSError:
        return False


def write(prepared: Prepared) -> list[Path]:
    """Write the edited files (each through a temporary file renamed over it)."""
    ws = prepared.workspace
    if not prepared.ok:
        raise EditRefused("the edited rules do not validate; nothing was written", 422)
    changed = [ws.file(s) for s in prepared.rule_texts]
    if not unchanged_on_disk(ws, changed):
        raise EditRefused("a file changed on disk since the page loaded it; reload the page "
                          "and make the change again", 409)
    written = []
    for f in changed:
        atomic_write(f.path, prepared.rule_texts[f.shown])
        written.append(f.path)
    if prepared.config_text is not None:
        atomic_write(ws.config_path, prepared.config_text)
        written.append(ws.config_path)
    return written


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text`: a temporary file beside it, flushed, then renamed."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
