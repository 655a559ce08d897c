// Starts `mapsync lsp` (diagnostics, completion, hover, go-to-definition) for .map files.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const config = vscode.workspace.getConfiguration("mapsync");
  const server = {
    command: config.get("server.command", "mapsync"),
    args: config.get("server.args", ["lsp"]),
  };
  client = new LanguageClient("mapsync", "mapsync", server, {
    documentSelector: [{ scheme: "file", language: "mapsync" }],
  });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
