"""Finding and reading the `.map` files of a rule set from files and folders.

Each file has two names. The one shown in diagnostics is the path the user gave, except for
the rules shipped inside mapsync, shown as `<standard>/customers.map` (after `pip install`
they sit deep in site-packages, a path the user neither has nor should edit; `mapsync rules
init DIR` copies them out). The one written into the plan is the folder's name and the
file's place in it (`rules/customers.map`) wherever the folder is, so a plan compiled from
the shipped rules or from a copy of them is the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mapsync.engine.catalog import Catalogs
from mapsync.engine.diagnostics import Diagnostic, sort_diagnostics
from mapsync.engine.language.ast import RuleFile, RuleSet
from mapsync.engine.language.errors import LanguageError
from mapsync.engine.language.parser import decode_source, parse_text

RULE_SUFFIX = ".map"
STANDARD = "<standard>"


@dataclass(frozen=True, slots=True)
class Loaded:
    """A rule set as read from disk, the problems found so far, and each file's text."""

    rule_set: RuleSet
    diagnostics: tuple[Diagnostic, ...] = ()
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    catalogs: Catalogs | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RulePath:
    """One file to read: `path` as shown to users, `name` as written into the plan."""

    path: Path
    shown: str
    name: str


def find_rule_files(paths: Sequence[str | Path]) -> tuple[list[RulePath], list[Diagnostic]]:
    """Expand files and folders (recursively, sorted) into the files of a rule set."""
    found: list[RulePath] = []
    problems: list[Diagnostic] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = _folder_files(path)
            if not files:
                problems.append(Diagnostic("no-rule-files",
                                           f"no `{RULE_SUFFIX}` files in this folder",
                                           str(given)))
            found.extend(files)
        else:
            found.append(RulePath(path, _shown(path, str(given)), path.name))
    return _unique(found), problems


def _folder_files(folder: Path) -> list[RulePath]:
    label = folder.resolve().name or "rules"
    files = sorted(p for p in folder.rglob(f"*{RULE_SUFFIX}") if p.is_file())
    return [RulePath(p, _shown(p, str(p)), f"{label}/{p.relative_to(folder).as_posix()}")
            for p in files]


def _shown(path: Path, given: str) -> str:
    """How diagnostics name `path`: `<standard>/...` for a shipped rule file, else as given."""
    from mapsync.engine.resources import rules_dir

    try:
        inside = path.resolve().relative_to(rules_dir().resolve())
    except ValueError:
        return given
    return f"{STANDARD}/{inside.as_posix()}"


def _unique(files: list[RulePath]) -> list[RulePath]:
    seen: set[Path] = set()
    out: list[RulePath] = []
    for item in files:
        key = item.path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def load_rule_set(paths: Sequence[str | Path]) -> Loaded:
    """Read and parse every rule file under `paths`; syntax errors stop each file at its first."""
    files, problems = find_rule_files(paths)
    parsed: list[RuleFile] = []
    sources: dict[str, str] = {}
    for item in files:
        try:
            text = _read(item)
            sources[item.shown] = text
            parsed.append(parse_text(text, item.shown, item.name))
        except LanguageError as exc:
            problems.extend(exc.diagnostics)
    return Loaded(RuleSet(tuple(parsed)), tuple(sort_diagnostics(problems)), sources)


def load_texts(files: Sequence[tuple[str, str, str]]) -> Loaded:
    """Parse rule files given as `(shown path, plan name, text)`, as `load_rule_set` reads
    them from disk: an editor checks its edited text before writing it with this."""
    parsed: list[RuleFile] = []
    problems: list[Diagnostic] = []
    for shown, name, text in files:
        try:
            parsed.append(parse_text(text, shown, name))
        except LanguageError as exc:
            problems.extend(exc.diagnostics)
    sources = {shown: text for shown, _, text in files}
    return Loaded(RuleSet(tuple(parsed)), tuple(sort_diagnostics(problems)), sources)


def _read(item: RulePath) -> str:
    try:
        data = item.path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise LanguageError([Diagnostic("unreadable-file", f"cannot read: {reason}",
                                        item.shown)]) from None
    return decode_source(data, item.shown)
