"""The protocol side of `mapsync lsp`: pygls over standard input and output.

Each handler turns LSP positions and URIs into paths and 0-based lines, asks
`analysis.Workspace`, and turns the answer back into lsprotocol types. Diagnostics are
published on open, on every change (as you type) and on save.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.lsp.analysis import Suggestion, Workspace

KINDS = {"field": types.CompletionItemKind.Field, "object": types.CompletionItemKind.Class,
         "mapping": types.CompletionItemKind.Reference,
         "step": types.CompletionItemKind.Function}


def build(workspace: Workspace | None = None) -> LanguageServer:
    """A language server for `.map` files, its handlers registered."""
    server = LanguageServer("mapsync", "0.1.0")
    state = workspace or Workspace()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        _publish(ls, state, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        _publish(ls, state, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        _publish(ls, state, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        state.texts.pop(_path(params.text_document.uri), None)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[" ", "|"]))
    def completion(ls: LanguageServer, params: types.CompletionParams) -> types.CompletionList:
        path = _sync(ls, state, params.text_document.uri)
        found = state.complete(path, params.position.line, params.position.character)
        return types.CompletionList(is_incomplete=False, items=[_item(s) for s in found])

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
        path = _sync(ls, state, params.text_document.uri)
        text = state.hover(path, params.position.line, params.position.character)
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value=text))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: LanguageServer,
                   params: types.DefinitionParams) -> types.Location | None:
        path = _sync(ls, state, params.text_document.uri)
        spot = state.definition(path, params.position.line, params.position.character)
        if spot is None:
            return None
        return types.Location(uri=from_fs_path(str(spot.path)) or "", range=types.Range(
            start=types.Position(line=spot.line, character=spot.column),
            end=types.Position(line=spot.line, character=spot.end_column)))

    return server


def _path(uri: str) -> Path:
    return Path(to_fs_path(uri) or uri).resolve()


def _sync(ls: LanguageServer, state: Workspace, uri: str) -> Path:
    """Copy the editor's buffer of `uri` into the workspace; its path."""
    path = _path(uri)
    state.texts[path] = ls.workspace.get_text_document(uri).source
    return path


def _publish(ls: LanguageServer, state: Workspace, uri: str) -> None:
    path = _sync(ls, state, uri)
    found = [_diagnostic(d) for d in state.diagnostics(path)]
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=found))


def _diagnostic(d: Diagnostic) -> types.Diagnostic:
    line, column = max(d.line - 1, 0), max(d.column - 1, 0)
    end_line, end_column = (d.end[0] - 1, d.end[1] - 1) if d.end else (line, column + 1)
    if (end_line, end_column) <= (line, column):
        end_line, end_column = line, column + 1
    message = d.message + "".join(f"\nhint: {h}" for h in d.hints)
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=line, character=column),
                          end=types.Position(line=end_line, character=end_column)),
        message=message, code=d.code, source="mapsync",
        severity=types.DiagnosticSeverity.Error if d.severity == "error"
        else types.DiagnosticSeverity.Warning)


def _item(s: Suggestion) -> types.CompletionItem:
    return types.CompletionItem(label=s.label, detail=s.detail, kind=KINDS.get(s.kind))


def serve(*_: Any) -> None:
    """Serve the protocol on standard input and output until the client exits."""
    build().start_io()
