"""Envelope, control, authentication and sessions, driven over HTTP with hand-written XML."""

from __future__ import annotations

from intacct_wire import Clock, Wire, errornos, fn, parse

from mapsync.engine.sandbox.intacct import IntacctSandbox

READ = "<readByQuery><object>CUSTOMER</object><query></query></readByQuery>"


def test_bad_sender_is_a_control_failure(wire: Wire) -> None:
    root = parse(wire.post(wire.envelope(wire.operation(fn(READ)), sender_password="nope")).content)
    assert root.findtext("control/status") == "failure"
    assert root.find("operation") is None
    assert errornos(root) == ["XL03000006"]
    assert "Partner ID or password" in (root.findtext("errormessage/error/description2") or "")


def test_bad_login_is_an_authentication_failure(wire: Wire) -> None:
    root = wire.call(fn(READ), auth=wire.login(password="wrong"))
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.findtext("operation/authentication/userid") == wire.creds.user_id
    assert root.find("operation/result") is None
    assert root.findtext("operation/errormessage/error/description2") == (
        "Sign-in information is incorrect"
    )
    assert "wrong" not in wire.post(wire.envelope(wire.operation(fn(READ)))).text


def test_getapisession_returns_a_session_and_this_endpoint(wire: Wire) -> None:
    result = wire.one("<getAPISession/>")
    assert result.findtext("status") == "success"
    session_id = result.findtext("data/api/sessionid") or ""
    assert session_id.endswith("..")
    assert result.findtext("data/api/endpoint") == wire.sandbox.url
    used = wire.one(READ, auth=wire.session(session_id))
    assert used.findtext("status") == "success"


def test_getapisession_at_an_entity_echoes_the_location(wire: Wire) -> None:
    result = wire.one("<getAPISession><locationid>East</locationid></getAPISession>")
    session_id = result.findtext("data/api/sessionid") or ""
    assert result.findtext("data/api/locationid") == "East"
    root = wire.call(fn(READ), auth=wire.session(session_id))
    assert root.findtext("operation/authentication/locationid") == "East"


def test_unknown_session_is_invalid(wire: Wire) -> None:
    root = wire.call(fn(READ), auth=wire.session("nosuchsession.."))
    auth = root.find("operation/authentication")
    assert auth is not None
    assert auth.findtext("status") == "failure"
    assert auth.findtext("userid") == "" and auth.findtext("companyid") == ""
    assert errornos(root) == ["XL03000006"]


def test_session_expiry_slides_with_each_call(
    wire: Wire, sandbox: IntacctSandbox, clock: Clock
) -> None:
    session_id = sandbox.open_session()
    for _ in range(3):
        clock.advance(minutes=50)  # timeout is one hour: each call pushes it out again
        assert wire.one(READ, auth=wire.session(session_id)).findtext("status") == "success"
    clock.advance(minutes=61)
    root = wire.call(fn(READ), auth=wire.session(session_id))
    assert root.findtext("operation/authentication/status") == "failure"


def test_sessiontimeout_is_reported_one_timeout_ahead(wire: Wire, clock: Clock) -> None:
    root = wire.call(fn(READ))
    auth = root.find("operation/authentication")
    assert auth is not None
    assert auth.findtext("sessiontimestamp") == "2026-03-01T09:30:00+00:00"
    assert auth.findtext("sessiontimeout") == "2026-03-01T10:30:00+00:00"


def test_several_operations_and_functions_answer_in_order(wire: Wire) -> None:
    first = wire.operation(fn(READ, "a") + fn("<inspect><object>*</object></inspect>", "b"))
    second = wire.operation(fn(READ, "c"), auth=wire.login(password="bad"))
    third = wire.operation(fn(READ, "d"))
    root = parse(wire.post(wire.envelope(first + second + third)).content)
    operations = root.findall("operation")
    assert len(operations) == 3
    assert [r.findtext("controlid") for r in operations[0].findall("result")] == ["a", "b"]
    assert [r.findtext("function") for r in operations[0].findall("result")] == [
        "readByQuery",
        "inspect",
    ]
    assert operations[1].findtext("authentication/status") == "failure"
    assert operations[2].findtext("result/controlid") == "d"


def test_control_values_are_echoed(wire: Wire) -> None:
    root = wire.call(fn(READ), uniqueid="true")
    control = root.find("control")
    assert control is not None
    assert [c.tag for c in control] == ["status", "senderid", "controlid", "uniqueid", "dtdversion"]
    assert control.findtext("controlid") == "req-1"
    assert control.findtext("uniqueid") == "true"


def test_includewhitespace_false_gives_compact_xml(wire: Wire) -> None:
    body = wire.envelope(
        wire.operation(fn(READ)), extra_control="<includewhitespace>false</includewhitespace>"
    )
    text = wire.post(body).text
    assert "\n  <control>" not in text
    assert parse(text.encode()).findtext("control/status") == "success"


def test_malformed_xml_is_xl03000003_with_position(wire: Wire) -> None:
    body = wire.envelope(wire.operation(fn(READ))).replace(b"</query>", b"</querx>")
    response = wire.post(body)
    assert response.status_code == 200
    root = parse(response.content)
    assert root.findtext("control/status") == "failure"
    assert root.findtext("control/senderid") == wire.creds.sender_id
    assert set(errornos(root)) == {"XL03000003"}
    text = root.findtext("errormessage/error/description2") or ""
    assert text.startswith(
        "XML Parse schema error: Fatal Error 76: Opening and ending tag mismatch"
    )
    assert "Line: 1, column:" in text


def test_empty_and_garbage_bodies_never_crash(wire: Wire) -> None:
    for body in (b"", b"   ", b"\x00\xff\xfe", b"<request>", b"not xml at all"):
        root = parse(wire.post(body).content)
        assert root.findtext("control/status") == "failure"
        assert errornos(root)[0] == "XL03000003"


def test_entity_expansion_is_refused(wire: Wire) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE request [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<request><control><senderid>&c;</senderid></control></request>"
    )
    root = parse(wire.post(bomb).content)
    assert root.findtext("control/status") == "failure"
    assert errornos(root) == ["XL03000003"]
    assert b"aaaaaaaaaa" not in wire.post(bomb).content


def test_external_entities_are_not_read(wire: Wire) -> None:
    attack = (
        b'<?xml version="1.0"?><!DOCTYPE request [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<request><control><senderid>&x;</senderid><controlid>c</controlid></control></request>"
    )
    response = wire.post(attack)
    assert b"root:" not in response.content
    assert errornos(parse(response.content)) == ["XL03000003"]


def test_undeclared_entity_is_a_parse_error(wire: Wire) -> None:
    body = wire.envelope(wire.operation(fn(READ))).replace(b"CUSTOMER", b"&custom;")
    root = parse(wire.post(body).content)
    assert errornos(root)[0] == "XL03000003"


def test_schema_errors_are_control_failures(wire: Wire) -> None:
    cases = [
        wire.operation("<function><inspect><object>*</object></inspect></function>"),
        wire.operation(fn("<frobnicate/>")),
        wire.operation(fn("<readByQuery><object>CUSTOMER</object></readByQuery>")),
        "<operation><content>" + fn(READ) + "</content></operation>",
        "",
    ]
    for operations in cases:
        root = parse(wire.post(wire.envelope(operations)).content)
        assert root.findtext("control/status") == "failure", operations
        assert errornos(root)[0] == "XL03000003"


def test_async_policy_is_refused(wire: Wire) -> None:
    body = wire.envelope(wire.operation(fn(READ)), extra_control="<policyid>nope</policyid>")
    root = parse(wire.post(body).content)
    assert root.findtext("control/status") == "failure"
    assert "not a valid transport policy" in (root.findtext(".//description2") or "")


def test_responses_are_text_xml(wire: Wire) -> None:
    response = wire.post(wire.envelope(wire.operation(fn(READ))))
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_other_paths_are_404(wire: Wire) -> None:
    assert wire.client.post(wire.sandbox.base_url + "/nope", content=b"x").status_code == 404
    assert wire.client.get(wire.sandbox.url).status_code == 404
