"""`mapsync lsp` through its protocol: a pygls client starts `python -m mapsync lsp` over
stdio, opens and edits a copy of the standard rules, and asks for diagnostics, completion,
hover and go-to-definition, as an editor would."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from mapsync.engine.resources import rules_dir

WAIT = 60.0  # seconds an answer may take on a busy machine; never slept, only a ceiling
T = TypeVar("T")


class Editor:
    """A language client that remembers the diagnostics the server published."""

    def __init__(self) -> None:
        self.client = LanguageClient("mapsync-tests", "1")
        self.published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.put_nowait(params)

    async def start(self, root: Path) -> None:
        await self.client.start_io(sys.executable, "-m", "mapsync", "lsp")
        await self.answer(self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(root)))))
        self.client.initialized(types.InitializedParams())

    async def answer(self, request: Awaitable[T]) -> T:
        return await asyncio.wait_for(request, WAIT)

    async def diagnostics_of(self, uri: str) -> list[types.Diagnostic]:
        while True:
            params = await self.answer(self.published.get())
            if params.uri == uri:
                return list(params.diagnostics)

    async def stop(self) -> None:
        await self.answer(self.client.shutdown_async(None))
        self.client.exit(None)
        await self.client.stop()


def at(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def position_of(text: str, needle: str, offset: int = 0) -> types.Position:
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return at(line, index - (text.rfind("\n", 0, index) + 1))


def session(tmp_path: Path, body: Callable[[Editor, Path], Awaitable[None]]) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)

    async def run() -> None:
        editor = Editor()
        await editor.start(folder)
        try:
            await body(editor, folder)
        finally:
            await editor.stop()

    asyncio.run(run())


def open_file(editor: Editor, path: Path, text: str) -> str:
    uri = from_fs_path(str(path)) or ""
    editor.client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="mapsync", version=1,
                                             text=text)))
    return uri


def test_diagnostics_as_you_type(tmp_path: Path) -> None:
    async def body(editor: Editor, folder: Path) -> None:
        path = folder / "customers.map"
        good = path.read_text("utf-8")
        bad = good.replace("<-> BillingCity", "<-> BilingCity")
        uri = open_file(editor, path, bad)
        found = await editor.diagnostics_of(uri)
        assert [(d.code, d.range.start.line + 1) for d in found] == [("unknown-field", 35)]
        assert found[0].source == "mapsync"
        assert "did you mean `BillingCity`?" in found[0].message
        start = position_of(bad, "BilingCity")
        assert found[0].range.start == start
        editor.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=good)]))
        assert await editor.diagnostics_of(uri) == []

    session(tmp_path, body)


def test_syntax_error_is_a_diagnostic(tmp_path: Path) -> None:
    async def body(editor: Editor, folder: Path) -> None:
        uri = open_file(editor, folder / "scratch.map", "mapping Scratch {\n    NAME <-> \n")
        found = await editor.diagnostics_of(uri)
        assert len(found) == 1 and found[0].code and found[0].range.start.line == 1

    session(tmp_path, body)


def test_completion_hover_and_definition(tmp_path: Path) -> None:
    async def body(editor: Editor, folder: Path) -> None:
        path = folder / "customers.map"
        text = path.read_text("utf-8")
        uri = open_file(editor, path, text)
        await editor.diagnostics_of(uri)
        document = types.TextDocumentIdentifier(uri=uri)

        right = position_of(text, "<-> BillingCity", 4)
        done = await editor.answer(editor.client.text_document_completion_async(
            types.CompletionParams(text_document=document, position=right)))
        assert isinstance(done, types.CompletionList)
        items = {i.label: i for i in done.items}
        assert "BillingCity" in items and "Intacct_ID__c" in items and "NAME" not in items
        assert items["BillingCity"].kind == types.CompletionItemKind.Field

        left = position_of(text, "    NAME  ", 4)
        done = await editor.answer(editor.client.text_document_completion_async(
            types.CompletionParams(text_document=document, position=left)))
        assert isinstance(done, types.CompletionList)
        labels = {i.label for i in done.items}
        assert {"NAME", "CUSTOMERID", "DISPLAYCONTACT.MAILADDRESS.CITY"} <= labels

        shown = await editor.answer(editor.client.text_document_hover_async(types.HoverParams(
            text_document=document, position=position_of(text, "    NAME  ", 5))))
        assert shown is not None and isinstance(shown.contents, types.MarkupContent)
        assert "**CUSTOMER.NAME** (Intacct field)" in shown.contents.value
        assert "- required: yes" in shown.contents.value and "- type: `" in shown.contents.value
        assert "- label: " in shown.contents.value

        found = await editor.answer(editor.client.text_document_definition_async(
            types.DefinitionParams(text_document=document,
                                   position=position_of(text, "ref ARTerm", 5))))
        assert isinstance(found, types.Location)
        target = (folder / "managed_lists.map").read_text("utf-8")
        assert found.uri == from_fs_path(str(folder / "managed_lists.map"))
        assert found.range.start == position_of(target, "managed ARTerm", 8)

    session(tmp_path, body)


def test_object_names_complete_after_intacct(tmp_path: Path) -> None:
    async def body(editor: Editor, folder: Path) -> None:
        text = "mapping Scratch {\n    intacct CUST\n}\n"
        uri = open_file(editor, folder / "scratch.map", text)
        await editor.diagnostics_of(uri)
        done = await editor.answer(editor.client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri),
                                   position=at(1, 16))))
        assert isinstance(done, types.CompletionList)
        labels = {i.label for i in done.items}
        assert {"CUSTOMER", "CONTACT", "ITEM"} <= labels and "Account" not in labels

    session(tmp_path, body)


SNAPSHOT = {
    "intacct/CUSTOMER.json": {"system": "intacct", "object": "CUSTOMER", "label": "Customer",
                              "origin": "declared", "fields": {"REGION": {
                                  "type": "picklist", "label": "Sales region",
                                  "values": ["North", "South"], "custom": True}}},
    "salesforce/Account.json": {"system": "salesforce", "object": "Account", "label": "Account",
                                "origin": "declared", "fields": {"Region__c": {
                                    "type": "picklist", "label": "Region", "custom": True,
                                    "values": ["North", "South"]}}},
    "salesforce/Site__c.json": {"system": "salesforce", "object": "Site__c", "label": "Site",
                                "origin": "declared", "custom": True,
                                "fields": {"Name": {"type": "string", "label": "Site name"}}},
}


def test_the_rule_sets_schema_snapshot_completes_hovers_and_checks(tmp_path: Path) -> None:
    """The same overlay `validate` uses: `schema/` beside the rules folder adds the org's own
    fields and objects to completion, hover and diagnostics; an edit to it is seen."""
    import json

    async def body(editor: Editor, folder: Path) -> None:
        for name, document in SNAPSHOT.items():
            target = folder.parent / "schema" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(document, indent=2), "utf-8")
        path = folder / "customers.map"
        text = path.read_text("utf-8").replace(
            "    NAME  ", "    REGION <-> Region__c\n    NAME  ", 1)
        uri = open_file(editor, path, text)
        assert await editor.diagnostics_of(uri) == []
        document = types.TextDocumentIdentifier(uri=uri)

        async def labels(position: types.Position) -> set[str]:
            done = await editor.answer(editor.client.text_document_completion_async(
                types.CompletionParams(text_document=document, position=position)))
            assert isinstance(done, types.CompletionList)
            return {i.label for i in done.items}

        assert {"REGION", "NAME"} <= await labels(position_of(text, "REGION <->", 2))
        assert {"Region__c", "BillingCity"} <= await labels(position_of(text, "Region__c", 3))
        scratch = open_file(editor, folder / "scratch.map", "mapping S {\n    salesforce Si\n}\n")
        await editor.diagnostics_of(scratch)
        done = await editor.answer(editor.client.text_document_completion_async(
            types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=scratch),
                                   position=at(1, 17))))
        assert isinstance(done, types.CompletionList)
        assert "Site__c" in {i.label for i in done.items}

        shown = await editor.answer(editor.client.text_document_hover_async(types.HoverParams(
            text_document=document, position=position_of(text, "REGION <->", 1))))
        assert shown is not None and isinstance(shown.contents, types.MarkupContent)
        assert "**CUSTOMER.REGION** (Intacct field)" in shown.contents.value
        assert "- label: Sales region" in shown.contents.value
        assert "- values: `North`, `South`" in shown.contents.value

        (folder.parent / "schema" / "salesforce" / "Account.json").unlink()
        editor.client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=document))
        gone = await editor.diagnostics_of(uri)
        assert [(d.code, d.range.start == position_of(text, "Region__c")) for d in gone] == [
            ("unknown-field", True)]
        assert "schema/salesforce/Account.json" in gone[0].message

    session(tmp_path, body)
