"""mapsync.yaml as hostile input: every failure is a diagnostic at a line, nothing grows
without bound, and no value that may be a secret is echoed back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mapsync.engine.config import ConfigError, load_config, parse_config, preflight
from mapsync.engine.config_yaml import MAX_DEPTH
from mapsync.engine.diagnostics import Diagnostic

GOOD = """\
connections:
  intacct:
    sender_id: s
    sender_password_env: SENDER_PW
    company_id: c
    user_id: u
    user_password_env: USER_PW
  salesforce:
    auth: password
    username: sync@example.com
    password_env: SF_PW
state:
  path: var/state.db
"""


def problems_of_bytes(tmp_path: Path, data: bytes) -> list[Diagnostic]:
    path = tmp_path / "mapsync.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.diagnostics


def problems(text: str) -> list[Diagnostic]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "mapsync.yaml")
    return caught.value.diagnostics


def test_an_alias_bomb_is_refused_before_it_is_expanded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    (found,) = problems("\n".join(lines) + "\n")
    assert found.code == "config-too-large"
    assert "alias" in found.message
    assert found.line in range(2, 6)


@pytest.mark.parametrize("text", ["state: &s [*s]\n", "state: &s {path: [1, {x: *s}]}\n"])
def test_an_alias_inside_its_own_anchor_is_refused_at_its_line(text: str) -> None:
    (found,) = problems(text)
    assert (found.code, found.line) == ("config-alias-loop", 1)
    assert found.column == text.index("*s") + 1
    assert "*s is inside the collection &s" in found.message


def test_deep_nesting_is_refused_at_its_line() -> None:
    (found,) = problems("connections:\n  x: " + "[" * 5000 + "]" * 5000 + "\n")
    assert (found.code, found.line) == ("config-too-deep", 2)
    assert str(MAX_DEPTH) in found.message


def test_a_huge_number_is_refused_not_built() -> None:
    (found,) = problems("version: " + "9" * 5000 + "\n" + GOOD)
    assert (found.code, found.line, found.column) == ("config-number", 1, 10)


def test_bad_bytes_and_nul_bytes_name_their_line(tmp_path: Path) -> None:
    (bad,) = problems_of_bytes(tmp_path, GOOD.encode().replace(b"sender_id: s", b"sender_id: \xff"))
    assert (bad.code, bad.line, bad.column) == ("config-encoding", 3, 16)
    (nul,) = problems_of_bytes(tmp_path, GOOD.encode().replace(b"c\n", b"c\x00\n", 1))
    assert (nul.code, nul.line) == ("config-encoding", 5)
    (escaped,) = problems(GOOD.replace("company_id: c", 'company_id: "c\\0"'))
    assert (escaped.line, escaped.message.split(":")[0]) == (5, "connections.intacct.company_id")


def test_an_unknown_time_zone_is_a_diagnostic() -> None:
    for zone in ("Mars/Olympus", "../../etc/passwd", "Europe"):
        text = GOOD.replace("    user_id: u\n", f"    user_id: u\n    timezone: {zone}\n")
        (found,) = problems(text)
        assert found.line == 7
        assert "time zone" in found.message


def test_a_date_that_does_not_exist_is_a_diagnostic() -> None:
    (found,) = problems(GOOD + "rules: 2021-02-30\n")
    assert found.code == "config-yaml"


def test_special_and_missing_files_are_diagnostics(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "fifo")
    for name in ("SENDER_PW", "USER_PW", "SF_PW"):
        monkeypatch.setenv(name, "x")
    text = GOOD.replace("    user_id: u\n", "    user_id: u\n    ca_bundle: /dev/zero\n")
    text = text.replace("user_password_env: USER_PW", "user_password_file: fifo")
    text = text.replace("  salesforce:\n", "  salesforce:\n    ca_bundle: absent.pem\n")
    (tmp_path / "mapsync.yaml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "mapsync.yaml")
    with pytest.raises(ConfigError) as caught:
        preflight(config)
    found = [(d.line, d.message.split(":")[0]) for d in caught.value.diagnostics]
    assert found == [(7, "connections.intacct.ca_bundle"),
                     (8, "connections.intacct.user_password"),
                     (10, "connections.salesforce.ca_bundle")]
    assert "not a regular file" in caught.value.diagnostics[0].message


def test_every_missing_environment_variable_is_listed_at_its_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SENDER_PW", "USER_PW", "SF_PW"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "mapsync.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        preflight(load_config(tmp_path / "mapsync.yaml"))
    text = str(caught.value)
    path = str(tmp_path / "mapsync.yaml")
    for line, name in ((4, "SENDER_PW"), (7, "USER_PW"), (11, "SF_PW")):
        assert f"{path}:{line}:5: error[config-secret]:" in text
        assert f"environment variable {name} is not set" in text
    assert ":0:0:" not in text


@pytest.mark.parametrize("text", [
    GOOD.replace("SENDER_PW", "HUNTER2SECRET!#x"),
    GOOD.replace("sender_password_env: SENDER_PW", "sender_password_env: [HUNTER2SECRET!#x]"),
    GOOD.replace("user_password_env: USER_PW", "user_password_file: {a: HUNTER2SECRET!#x}"),
    GOOD.replace("sender_id: s", "sender_id: 12345"),
    GOOD.replace("auth: password", "auth: HUNTER2SECRET!#x"),
])
def test_a_wrong_value_is_never_echoed(text: str) -> None:
    found = problems(text)
    assert found
    rendered = ConfigError(found).render("text") + ConfigError(found).render("json")
    assert "HUNTER2" not in rendered
    assert "12345" not in rendered


def test_config_problems_render_in_the_three_formats() -> None:
    error = ConfigError(problems(GOOD.replace("auth: password", "auth: passwd")))
    (record,) = json.loads(error.render("json"))
    assert (record["path"], record["line"], record["code"]) == ("mapsync.yaml", 9, "config-value")
    assert error.render("github").startswith("::error file=mapsync.yaml,line=9,col=5,")
    assert str(error).startswith("mapsync.yaml:9:5: error[config-value]: "
                                 "connections.salesforce.auth: expected one of")


def test_an_oversized_file_is_refused(tmp_path: Path) -> None:
    (found,) = problems_of_bytes(tmp_path, GOOD.encode() + b"#" * (2 * 1024 * 1024))
    assert "larger than" in found.message


def test_validate_reports_config_problems_as_github_annotations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mapsync.cli import main

    (tmp_path / "mapsync.yaml").write_text(GOOD.replace("auth: password", "auth: x"),
                                           encoding="utf-8")
    code = main(["validate", "--config", str(tmp_path / "mapsync.yaml"), "--format", "github"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"::error file={tmp_path / 'mapsync.yaml'},line=9,col=5,title=config-value::" in out


def test_an_empty_mappings_list_is_refused_rather_than_running_nothing() -> None:
    (found,) = problems(GOOD + "mappings: []\n")
    assert found.line == 14 and "nothing would run" in found.message
