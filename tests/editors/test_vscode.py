"""The VS Code extension folder starts `mapsync lsp` for `.map` files with the project's
TextMate grammar."""

from __future__ import annotations

import json
from pathlib import Path

from mapsync.cli import build_parser

EDITORS = Path(__file__).resolve().parents[2] / "editors"
EXTENSION = EDITORS / "vscode"


def manifest() -> dict[str, object]:
    data: dict[str, object] = json.loads((EXTENSION / "package.json").read_text("utf-8"))
    return data


def test_the_extension_claims_map_files_and_starts_the_server() -> None:
    contributes = manifest()["contributes"]
    assert isinstance(contributes, dict)
    (language,) = contributes["languages"]
    assert language["id"] == "mapsync" and language["extensions"] == [".map"]
    assert (EXTENSION / language["configuration"]).is_file()
    settings = contributes["configuration"]["properties"]
    assert settings["mapsync.server.command"]["default"] == "mapsync"
    assert settings["mapsync.server.args"]["default"] == ["lsp"]
    main = EXTENSION / str(manifest()["main"])
    assert "vscode-languageclient/node" in main.read_text("utf-8")
    assert "lsp" in build_parser(["lsp"]).parse_args(["lsp"]).command


def test_the_extension_ships_the_same_grammar() -> None:
    contributes = manifest()["contributes"]
    assert isinstance(contributes, dict)
    (grammar,) = contributes["grammars"]
    assert grammar["scopeName"] == "source.mapsync"
    shipped = (EXTENSION / grammar["path"]).read_text("utf-8")
    assert shipped == (EDITORS / "textmate" / "mapsync.tmLanguage.json").read_text("utf-8")
