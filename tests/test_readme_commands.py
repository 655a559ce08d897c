"""The README's command table is complete and true: every command the CLI registers has a
row, every row names a real command whose options exist, and each command's usage errors
exit with the code the row gives for them (2). The CI files call real commands too."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest
import yaml

from mapsync.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"


def table_rows() -> dict[tuple[str, ...], tuple[str, str]]:
    """`(command words) -> (synopsis, exit codes)` for each row of the `## Commands` table."""
    section = README.read_text("utf-8").split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows: dict[tuple[str, ...], tuple[str, str]] = {}
    for line in section.splitlines():
        found = re.match(r"\| `mapsync ([^`]*)` \|.*\| ([^|]*) \|$", line)
        if found:
            synopsis = found.group(1).replace("\\|", "|")
            words = tuple(w for w in synopsis.split() if re.fullmatch(r"[a-z][a-z-]*", w))
            command = words[:2] if words[0] in nested_commands() else words[:1]
            rows[command] = (synopsis, found.group(2))
    return rows


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def nested_commands() -> set[str]:
    """Top-level commands that take an action word (`rules list`, `sandbox serve`, ...)."""
    return {name for name, sub in subcommands(build_parser([])).items() if subcommands(sub)}


def registered() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command the CLI registers, down to the action of nested ones."""
    out: dict[tuple[str, ...], argparse.ArgumentParser] = {}
    for name, sub in subcommands(build_parser([])).items():
        actions = subcommands(sub)
        if actions:
            out.update({(name, action): parser for action, parser in actions.items()})
        else:
            out[(name,)] = sub
    return out


def exit_codes(text: str) -> set[int]:
    return {int(code) for code in re.findall(r"\b(\d)\b", text)}


def test_every_registered_command_has_a_row_and_every_row_a_command() -> None:
    assert set(table_rows()) == set(registered())


@pytest.mark.parametrize("command", sorted(registered()), ids=" ".join)
def test_usage_errors_exit_as_the_readme_says(command: tuple[str, ...],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    synopsis, codes = table_rows()[command]
    assert 2 in exit_codes(codes) and "usage" in codes, f"{synopsis}: {codes}"
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--no-such-option"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "usage: mapsync" in err and "error:" in err


@pytest.mark.parametrize("command", sorted(registered()), ids=" ".join)
def test_the_options_of_each_row_exist(command: tuple[str, ...]) -> None:
    synopsis, _ = table_rows()[command]
    known = {option for action in registered()[command]._actions
             for option in action.option_strings}
    written = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", synopsis))
    assert written <= known, f"{synopsis}: {sorted(written - known)} not options of the CLI"


@pytest.mark.parametrize("name", sorted(n for n, s in subcommands(build_parser([])).items()
                                        if subcommands(s)))
def test_a_nested_command_without_its_action_is_a_usage_error(
        name: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main([name])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    assert code == 2
    assert "usage:" in capsys.readouterr().err


def test_the_pre_commit_hooks_and_the_action_run_real_commands() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert {h["id"] for h in hooks} == {"mapsync-validate", "mapsync-fmt"}
    for hook in hooks:
        words = [*shlex.split(hook["entry"])[1:], *hook.get("args", [])]
        build_parser(words).parse_args(words)
    action = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    runs = " ".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "mapsync validate --format github" in runs


def test_the_example_workflow_runs_real_commands() -> None:
    text = (REPO / "docs" / "ci.md").read_text("utf-8")
    workflow = yaml.safe_load(text.split("```yaml", 3)[3].split("```", 1)[0])
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    script = "\n".join(str(step.get("run", "")) for step in workflow["jobs"]["check"]["steps"])
    commands = re.findall(r"mapsync ((?:validate|fmt|plan|sandbox)[^|&>\n]*)", script)
    assert {c.split()[0] for c in commands} >= {"fmt", "plan", "sandbox"}
    for command in commands:
        words = shlex.split(command)
        build_parser(words).parse_args(words)
    uses = [s.get("uses", "") for s in workflow["jobs"]["check"]["steps"]]
    assert any(u.startswith("<owner>/mapsync@") for u in uses)
