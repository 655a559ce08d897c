"""Mutated mapsync.yaml files never make loading raise anything but ConfigError: every
outcome is a valid configuration or diagnostics that render in the three formats."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as strat

from mapsync.engine.config import ConfigError, load_config, preflight
from mapsync.engine.diagnostics import Diagnostic

GOOD = b"""\
version: 1
connections:
  intacct:
    sender_id: s
    sender_password_env: SENDER_PW
    company_id: c
    user_id: u
    user_password_file: user.txt
    timezone: America/New_York
    ca_bundle: ca.pem
    timeout_seconds: 30
  salesforce:
    auth: jwt
    client_id: cid
    username: sync@example.com
    private_key_file: key.pem
mappings: [Customer, Contact]
options:
  overlap_seconds: 300
  batch_sizes: {intacct_read: 1000}
state:
  path: var/state.db
"""
NOISE = strat.sampled_from([
    b"&a [1, 2]", b"*a", b"<<: *a", b"[", b"]", b"{", b"}", b":", b"- ", b"\n", b"\r", b"\r\n",
    b"\t", b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\xe2\x80\xa8",
    b"!!python/object:os.system",
    b"!!binary x", b"!!set {a}", b"!!int x", b"2021-02-30", b"9" * 5000, b"1e999", b".nan",
    b"-.inf", b'"\\0"', b'"\\ud800"', b"/dev/zero", b"fifo", b"Mars/Olympus", b"..", b"?",
    b"~", b"null", b"true", b"'", b'"', b"#", b"%YAML 1.1\n---\n", b"---", b"...",
    b"[" * 300, b"{a: " * 100, b"timezone: ", b"ca_bundle: ", b"_file: ", b"_env: ",
    b"HUNTER2SECRET", b"version: ", b"auth: ", b"12345678901234567890123456789012345678901234",
])


@strat.composite
def mutated(draw: strat.DrawFn) -> bytes:
    data = bytearray(GOOD)
    if draw(strat.booleans()):
        bomb = b"a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + b"".join(
            b"a%d: &a%d [%s]\n" % (i, i, b", ".join([b"*a%d" % (i - 1)] * 9))
            for i in range(1, draw(strat.integers(1, 12))))
        data[:0] = bomb if draw(strat.booleans()) else b""
    for _ in range(draw(strat.integers(1, 5))):
        at = draw(strat.integers(0, len(data)))
        action = draw(strat.sampled_from(["insert", "delete", "replace", "duplicate"]))
        if action == "insert":
            data[at:at] = draw(NOISE)
        elif action == "delete":
            del data[at:at + draw(strat.integers(1, 30))]
        elif action == "replace":
            data[at:at + draw(strat.integers(1, 8))] = draw(NOISE)
        else:
            data[at:at] = data[at:at + draw(strat.integers(1, 120))]
    return bytes(data)


def outcome(folder: Path, data: bytes) -> list[Diagnostic]:
    path = folder / "mapsync.yaml"
    path.write_bytes(data)
    try:
        preflight(load_config(path))
    except ConfigError as exc:
        return exc.diagnostics
    return []


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_configs_give_diagnostics_not_tracebacks(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "user.txt").write_text("secret\n", encoding="utf-8")
        (base / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
        (base / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\n", encoding="utf-8")
        found = outcome(base, data)
    assert all(isinstance(d, Diagnostic) and d.code and d.line >= 0 for d in found)
    error = ConfigError(found)
    assert json.loads(error.render("json")) == [d.to_dict() for d in error.diagnostics]
    assert error.render("github").count("::error ") == len(error.diagnostics)
