"""What a cold `mapsync validate` pays for: only the modules it uses, lark's grammar from
its on-disk cache, and a parser built on first use rather than at import time.

Each test runs a fresh interpreter, since this process has long imported everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mapsync import cli
from mapsync.engine.resources import rules_dir

ROOT = Path(__file__).resolve().parents[2]
# Modules only other commands need: the service clients, the runner, configuration.
NOT_FOR_VALIDATE = ("httpx", "jsonschema", "yaml", "simple_salesforce", "requests", "lxml",
                    *(f"mapsync.engine.{name}" for name in (
                        "connectors", "runner", "state", "sandbox", "config", "plan",
                        "language.compile", "language.syntax")))
CACHE_PROBE = ("import logging, lark; lark.logger.setLevel(logging.DEBUG); "
               "from mapsync.engine.language.parser import get_parser; get_parser()")


def _python(code: str, *args: str, env: dict[str, str] | None = None) \
        -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=120)


def _modules_after(code: str, tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    _python(f"import json, sys\n{code}\n"
            f"open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules)))", *args)
    return set(json.loads(out.read_text("utf-8")))


def _imported(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_validate_imports_only_what_it_uses(tmp_path: Path) -> None:
    modules = _modules_after("from mapsync import cli; cli.main(['validate', sys.argv[1]])",
                             tmp_path, str(rules_dir()))
    assert _imported(modules, NOT_FOR_VALIDATE) == []
    commands = {m for m in modules if m.startswith("mapsync.engine.commands.")}
    assert commands == {"mapsync.engine.commands.validate", "mapsync.engine.commands._rules_args"}


def test_importing_the_language_does_not_build_the_parser(tmp_path: Path) -> None:
    modules = _modules_after("import mapsync.engine.language", tmp_path)
    assert "lark" not in modules
    assert "mapsync.engine.language.transformer" not in modules


def test_the_parser_is_read_from_larks_cache_in_the_next_process(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    first = _python(CACHE_PROBE, env=env).stderr
    assert "Saving grammar to cache" in first
    assert list(tmp_path.glob(".lark_cache_*.tmp"))
    second = _python(CACHE_PROBE, env=env).stderr
    assert "Loading grammar from cache" in second
    assert "Saving grammar to cache" not in second


def test_only_the_program_itself_freezes_what_is_left_before_exiting(tmp_path: Path) -> None:
    probe = ("import gc, sys\nfrom mapsync import cli\n{call}\n"
             "print(gc.get_freeze_count() > 0)")
    program = _python(probe.format(call="cli.main()"), "validate", str(rules_dir()))
    assert program.stdout.split() == ["True"]
    called = _python(probe.format(call="cli.main(sys.argv[1:])"), "validate", str(rules_dir()))
    assert called.stdout.split() == ["False"]


def test_a_named_command_registers_alone_and_help_lists_them_all() -> None:
    def commands(argv: list[str]) -> set[str]:
        parser = cli.build_parser(argv)
        return set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]

    assert commands(["validate", "rules"]) == {"validate"}
    everything = commands([])
    assert {"validate", "compile", "rules"} <= everything
    assert commands(["--help"]) == everything == commands(["no-such-command"])
