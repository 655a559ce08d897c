"""The cap on functions per request (ours: Intacct documents none): the sandbox refuses a
larger request at the control level, the client never builds one, and both caps agree."""

from __future__ import annotations

import pytest
from intacct_wire import Wire, errornos, fn

from mapsync.engine.connectors.intacct import envelope
from mapsync.engine.sandbox.intacct import gateway

QUERY = ("<query><select><field>RECORDNO</field></select><object>CUSTOMER</object>"
         "<pagesize>1</pagesize></query>")


def functions(count: int) -> str:
    return "".join(fn(QUERY, f"q{n}") for n in range(count))


def test_the_client_and_the_sandbox_keep_the_same_cap() -> None:
    assert envelope.MAX_FUNCTIONS == gateway.MAX_FUNCTIONS == 200


def test_a_request_at_the_cap_runs_every_function(wire: Wire) -> None:
    results = wire.results(functions(gateway.MAX_FUNCTIONS))
    assert len(results) == gateway.MAX_FUNCTIONS
    assert {r.findtext("status") for r in results} == {"success"}


def test_one_function_more_is_a_control_failure(wire: Wire) -> None:
    root = wire.call(functions(gateway.MAX_FUNCTIONS + 1))
    assert root.findtext("control/status") == "failure"
    assert root.find("operation") is None
    assert errornos(root) == ["XL03000003"]
    assert "at most 200" in (root.findtext("errormessage/error/description2") or "")


def test_the_client_refuses_to_build_a_larger_request() -> None:
    sender = envelope.SenderCredentials("sender", "pw")
    many = [envelope.Function(f"q{n}", envelope.query("CUSTOMER", ["RECORDNO"]), "query")
            for n in range(envelope.MAX_FUNCTIONS + 1)]
    with pytest.raises(ValueError, match="at most 200"):
        envelope.build_request(sender, "session", many, controlid="c", uniqueid=False)
