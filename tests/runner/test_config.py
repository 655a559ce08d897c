"""mapsync.yaml: validation errors that name the key and line, secrets, defaults, `init`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from mapsync.cli import main
from mapsync.engine.commands.init import TEMPLATE
from mapsync.engine.config import (
    ConfigError,
    Secret,
    load_config,
    parse_config,
    validate_text,
)
from mapsync.engine.resources import rules_dir, schema_file

GOOD = """\
connections:
  intacct:
    sender_id: s
    sender_password_env: SENDER_PW
    company_id: c
    user_id: u
    user_password_file: secrets/user.txt
  salesforce:
    auth: password
    username: sync@example.com
    password_env: SF_PW
state:
  path: var/state.db
"""


def issues(text: str) -> list[tuple[str, int, str]]:
    return [(key, i.line, rest) for i in validate_text(text) for key, rest in [_split(i.message)]]


def _split(message: str) -> tuple[str, str]:
    key, _, rest = message.partition(": ")
    return (key, rest) if rest and " " not in key else ("", message)


def test_minimal_config_and_its_defaults(tmp_path: Path) -> None:
    config = parse_config(GOOD, tmp_path / "mapsync.yaml")
    assert config.intacct.endpoint == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert config.intacct.user_password == Secret(
        "connections.intacct.user_password", file=tmp_path / "secrets" / "user.txt")
    assert config.salesforce.login_url == "https://login.salesforce.com"
    assert config.rules == rules_dir()
    assert config.mappings is None
    assert config.state.path == tmp_path / "var" / "state.db"
    assert config.options.batch_sizes.salesforce_write == 200
    assert config.options.sales_document_relationship == "one-to-one"


def test_inline_secret_is_an_error_that_names_the_key_not_the_value() -> None:
    text = GOOD.replace("    user_password_file: secrets/user.txt\n",
                        "    user_password: hunter2\n")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "mapsync.yaml")
    (issue,) = caught.value.diagnostics
    assert (issue.line, issue.column) == (7, 5)
    assert issue.message.startswith("connections.intacct.user_password: ")
    assert "user_password_env" in issue.message
    assert "hunter2" not in str(caught.value)
    assert str(caught.value).startswith(
        "mapsync.yaml:7:5: error[config-inline-secret]: connections.intacct.user_password: ")


def test_unknown_key_suggests_the_close_one() -> None:
    text = GOOD.replace("sender_password_env", "sender_pasword_env")
    assert ("connections.intacct.sender_pasword_env", 4,
            "unknown key (did you mean sender_password_env?)") in issues(text)


def test_missing_required_key_points_at_its_section() -> None:
    text = GOOD.replace("    company_id: c\n", "")
    assert issues(text) == [("connections.intacct", 2, "missing required key 'company_id'")]


def test_bad_values_name_key_and_line() -> None:
    text = GOOD + ("options:\n  sales_document_relationship: many\n"
                   "  batch_sizes:\n    salesforce_write: 500\n")
    assert issues(text) == [
        ("options.sales_document_relationship", 15,
         "expected one of one-to-one, one-to-many"),
        ("options.batch_sizes.salesforce_write", 17, "must be at most 200"),
    ]


def test_env_names_and_urls_are_checked() -> None:
    text = GOOD.replace("SENDER_PW", "my password").replace(
        "  salesforce:\n", "  salesforce:\n    login_url: login.salesforce.com\n")
    assert [(k, line) for k, line, _ in issues(text)] == [
        ("connections.intacct.sender_password_env", 4),
        ("connections.salesforce.login_url", 9),
    ]
    assert "not an environment variable name" in issues(text)[0][2]


def test_a_secret_given_twice_is_an_error() -> None:
    text = GOOD.replace("    password_env: SF_PW\n",
                        "    password_env: SF_PW\n    password_file: sf.txt\n")
    assert issues(text) == [("connections.salesforce.password_file", 12,
                             "give either password_env or password_file, not both")]


@pytest.mark.parametrize(
    ("auth", "needs"),
    [
        ("client_credentials", ["client_id is required for auth client_credentials",
                                "client_secret_env or client_secret_file is required for auth "
                                "client_credentials"]),
        ("jwt", ["client_id is required for auth jwt",
                 "private_key_file is required for auth jwt"]),
        ("session", ["instance_url is required for auth session",
                     "session_id_env or session_id_file is required for auth session"]),
    ],
)
def test_each_auth_method_names_what_it_needs(auth: str, needs: list[str]) -> None:
    text = GOOD.replace("auth: password", f"auth: {auth}")
    assert sorted(m for _, _, m in issues(text)) == sorted(needs)


def test_intacct_user_password_is_optional_with_a_session() -> None:
    text = GOOD.replace("user_password_file: secrets/user.txt", "session_id_env: IA_SESSION")
    assert issues(text) == []
    text = GOOD.replace("    user_password_file: secrets/user.txt\n", "")
    assert issues(text) == [("connections.intacct", 2,
                             "user_password_env or user_password_file is required")]


def test_state_takes_a_path_or_a_url() -> None:
    text = GOOD.replace("  path: var/state.db\n", "  path: a.db\n  url: postgresql://db/x\n")
    assert issues(text) == [("state", 12, "give either path or url, not both")]


def test_yaml_errors_and_wrong_shapes() -> None:
    assert issues("connections: [\n  nope\n") == [
        ("", 3, "not valid YAML: expected ',' or ']', but got '<stream end>'")]
    assert issues("- just\n- a list\n") == [
        ("", 1, "expected a mapping of settings (see `mapsync init`)")]
    assert issues("") == [("", 1, "expected a mapping of settings (see `mapsync init`)")]


def test_secrets_are_read_only_when_revealed(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "user.txt").write_text("s3cret\n", encoding="utf-8")
    config = parse_config(GOOD, tmp_path / "mapsync.yaml")
    assert config.intacct.user_password is not None
    assert config.intacct.user_password.reveal() == "s3cret"
    monkeypatch.delenv("SENDER_PW", raising=False)
    with pytest.raises(ConfigError, match="connections.intacct.sender_password: environment "
                                          "variable SENDER_PW is not set"):
        config.intacct.sender_password.reveal()
    monkeypatch.setenv("SENDER_PW", "pw")
    assert config.intacct.sender_password.reveal() == "pw"
    assert "pw" not in repr(config.intacct)


def test_load_config_reports_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(json.loads(schema_file("config.schema.json").read_text()))


def test_init_writes_a_file_that_validates(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "project" / "mapsync.yaml"
    assert main(["init", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == TEMPLATE
    config = load_config(target)
    assert config.salesforce.auth == "client_credentials"
    assert config.state.path == tmp_path / "project" / ".mapsync" / "state.db"
    target.write_text("mine", encoding="utf-8")
    assert main(["init", str(target)]) == 1
    assert "exists" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "mine"
    assert main(["init", "--force", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == TEMPLATE


def test_template_comments_cover_every_alternative() -> None:
    for word in ("client_credentials", "jwt", "password", "session", "one-to-many", "contract",
                 "postgresql://"):
        assert word in TEMPLATE


@pytest.mark.parametrize("value", ["pw\x01rd", "pw\nrd", "pw\x7f"])
def test_a_secret_with_a_control_character_is_named_not_shown(
        value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config(GOOD, Path("mapsync.yaml"))
    monkeypatch.setenv("SENDER_PW", value)
    with pytest.raises(ConfigError) as caught:
        config.intacct.sender_password.reveal()
    (diagnostic,) = caught.value.diagnostics
    text = str(caught.value)
    assert f"U+{ord(next(c for c in value if c < ' ' or c == chr(127))):04X}" in text
    assert "environment variable SENDER_PW holds the control character" in text
    assert diagnostic.line > 0
    assert "pw" not in text.replace("SENDER_PW", "")


def test_a_secret_file_keeps_its_tab_and_loses_its_final_newline(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "user.txt").write_text("s3\tcret\r\n", encoding="utf-8")
    config = parse_config(GOOD, tmp_path / "mapsync.yaml")
    assert config.intacct.user_password is not None
    assert config.intacct.user_password.reveal() == "s3\tcret"
