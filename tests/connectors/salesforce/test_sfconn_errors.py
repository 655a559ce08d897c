"""Every Salesforce error body in tests/fixtures maps to the right typed error."""

from __future__ import annotations

import pytest
import requests
from sfconn_support import LOGIN, RecordedTransport, Reply, fixture_bytes, fixture_json
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from mapsync.engine.connectors.salesforce import UsernamePassword, errors
from mapsync.engine.connectors.salesforce.auth import login
from mapsync.engine.connectors.salesforce.collections import outcome
from mapsync.engine.errors import (
    AuthenticationError,
    DuplicateRecord,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ServerFault,
    SessionExpired,
    SyncError,
    TransientError,
    ValidationFailed,
)


def test_invalid_session_body_is_session_expired() -> None:
    body = fixture_json("error-INVALID_SESSION_ID.json")
    exc = SalesforceExpiredSession("https://x/services/data/v59.0/query/", 401, "query", body)
    error = errors.from_exception(exc, operation="query")
    assert type(error) is SessionExpired
    assert error.code == "INVALID_SESSION_ID"
    assert error.message == "Session expired or invalid"
    assert error.transient and error.system == "salesforce" and error.operation == "query"


def test_collections_duplicates_detected_maps_per_record() -> None:
    results = fixture_json("collections-create-DUPLICATES_DETECTED.json")
    first, second = (outcome(r, operation="create Contact", record={"n": i}) for i, r in
                     enumerate(results))
    assert not first.ok and type(first.error) is DuplicateRecord
    assert first.error.code == "DUPLICATES_DETECTED"
    assert first.error.message == "Use one of these records?"
    assert first.error.record == {"n": 0}
    assert second.ok and second.record_id == "003RM0000068xVCYAY" and second.error is None


def test_collections_all_or_none_rollback_is_transient_for_the_innocent_record() -> None:
    results = fixture_json("collections-create-ALL_OR_NONE_ROLLED_BACK.json")
    culprit, innocent = (outcome(r, operation="create", record=None) for r in results)
    assert type(culprit.error) is DuplicateRecord
    assert type(innocent.error) is TransientError
    assert innocent.error.code == "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def test_collections_success_fixture() -> None:
    results = fixture_json("collections-create-success.json")
    assert [outcome(r, operation="c", record=None).record_id for r in results] == [
        "001RM000003oLnnYAE", "003RM0000068xV6YAI"
    ]


def test_upsert_300_multiple_choices_is_duplicate() -> None:
    body = fixture_json("upsert-300-multiple-choices.json")
    exc = SalesforceMoreThanOneRecord("https://x/sobjects/Whizbang/Ext__c/1", 300, "up", body)
    error = errors.from_exception(exc, operation="upsert Whizbang", record={"Ext__c": "1"})
    assert type(error) is DuplicateRecord
    assert error.code == "MULTIPLE_CHOICES"
    assert "/services/data/v23.0/sobjects/Whizbang/foo" in error.message
    assert error.record == {"Ext__c": "1"}


def test_soap_login_fault_is_authentication_error(transport: RecordedTransport) -> None:
    transport.on("POST", r"/services/Soap/u/", Reply(500, fixture_bytes(
        "soap-login-fault-INVALID_LOGIN.xml"), {"Content-Type": "text/xml"}))
    http = requests.Session()
    http.mount("https://", transport)
    creds = UsernamePassword("user@example.com", "s3cret-pass", "TOKEN123")
    with pytest.raises(AuthenticationError) as caught:
        login(creds, http, login_url=LOGIN)
    error = caught.value
    assert error.code == "INVALID_LOGIN"
    assert error.message == "Invalid username, password, security token; or user locked out."
    assert "s3cret" not in str(error) and "TOKEN123" not in str(error)
    sent = transport.requests[0].body
    assert isinstance(sent, bytes) and b"<urn:password>s3cret-passTOKEN123</urn:password>" in sent


@pytest.mark.parametrize(
    ("exc_cls", "status", "body", "expected", "code"),
    [
        (SalesforceMalformedRequest, 400,
         [{"errorCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [Name]",
           "fields": ["Name"]}], ValidationFailed, "REQUIRED_FIELD_MISSING"),
        (SalesforceMalformedRequest, 400,
         [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access"}],
         TransientError, "UNABLE_TO_LOCK_ROW"),
        (SalesforceMalformedRequest, 400,
         [{"errorCode": "MALFORMED_QUERY", "message": "unexpected token: FROM"}],
         ValidationFailed, "MALFORMED_QUERY"),
        (SalesforceRefusedRequest, 403,
         [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}],
         LimitExceeded, "REQUEST_LIMIT_EXCEEDED"),
        (SalesforceRefusedRequest, 403,
         [{"errorCode": "REQUEST_LIMIT_EXCEEDED",
           "message": "ConcurrentPerOrgLongTxn Limit exceeded."}],
         RateLimited, "REQUEST_LIMIT_EXCEEDED"),
        (SalesforceRefusedRequest, 403,
         [{"errorCode": "INSUFFICIENT_ACCESS", "message": "no"}], PermissionDenied,
         "INSUFFICIENT_ACCESS"),
        (SalesforceRefusedRequest, 403, "Forbidden", PermissionDenied, "HTTP_403"),
        (SalesforceResourceNotFound, 404,
         [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
         NotFound, "NOT_FOUND"),
        (SalesforceResourceNotFound, 404,
         [{"errorCode": "ENTITY_IS_DELETED", "message": "entity is deleted"}],
         NotFound, "ENTITY_IS_DELETED"),
        (SalesforceMalformedRequest, 400,
         [{"errorCode": "INVALID_TYPE", "message": "sObject type 'Foo' is not supported."}],
         NotFound, "INVALID_TYPE"),
        (SalesforceGeneralError, 429, "Too Many Requests", RateLimited, "HTTP_429"),
        (SalesforceGeneralError, 500,
         [{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred"}],
         ServerFault, "UNKNOWN_EXCEPTION"),
        (SalesforceGeneralError, 503, "<html><body>Service Unavailable</body></html>",
         ServerFault, "HTTP_503"),
        (SalesforceGeneralError, 524, "<html>timeout</html>", TransientError, "HTTP_524"),
        (SalesforceMalformedRequest, 400, "<html><body>Bad Request</body></html>", ProtocolError,
         "HTTP_400"),
    ],
)
def test_http_errors_map_by_code_then_status(
    exc_cls: type[Exception], status: int, body: object, expected: type[SyncError], code: str
) -> None:
    exc = exc_cls("https://x/y", status, "y", body)  # type: ignore[call-arg]
    error = errors.from_exception(exc, operation="op")
    assert type(error) is expected
    assert error.code == code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("REQUIRED_FIELD_MISSING", ValidationFailed),
        ("DUPLICATE_VALUE", DuplicateRecord),
        ("INVALID_FIELD", ValidationFailed),
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", ValidationFailed),
        ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ValidationFailed),
        ("STRING_TOO_LONG", ValidationFailed),
        ("ENTITY_IS_DELETED", NotFound),
        ("UNABLE_TO_LOCK_ROW", TransientError),
        ("INVALID_SESSION_ID", SessionExpired),
        ("ALL_OR_NONE_OPERATION_ROLLED_BACK", TransientError),
        ("INSUFFICIENT_ACCESS_OR_READONLY", PermissionDenied),
        ("SOMETHING_NEW", SyncError),
    ],
)
def test_record_status_codes(code: str, expected: type[SyncError]) -> None:
    error = errors.record_error(
        {"statusCode": code, "message": "m", "fields": ["Name", "Phone"]}, operation="upsert"
    )
    assert type(error) is expected
    assert error.field == "Name" and error.details == ("Phone",)


def test_bulk_error_cell() -> None:
    error = errors.bulk_error(
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --", operation="bulk"
    )
    assert type(error) is ValidationFailed
    assert error.code == "REQUIRED_FIELD_MISSING"
    assert error.message == "Required fields are missing: [Name]"
    assert error.field == "Name"
    lock = errors.bulk_error("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access:--",
                             operation="bulk")
    assert type(lock) is TransientError and lock.field is None


def test_requests_failures() -> None:
    assert type(errors.from_exception(requests.ConnectionError("reset"), operation="q")) is (
        ServerFault
    )
    assert type(errors.from_exception(requests.Timeout("slow"), operation="q")) is ServerFault
    truncated = errors.from_exception(requests.exceptions.ChunkedEncodingError("x"), operation="q")
    assert type(truncated) is ProtocolError and truncated.code == "TRUNCATED"
    tls = errors.from_exception(requests.exceptions.SSLError("bad cert"), operation="q")
    assert type(tls) is ProtocolError and tls.code == "TLS"
    not_json = errors.from_exception(
        requests.exceptions.JSONDecodeError("Expecting value", "<html>oops</html>", 0),
        operation="q",
    )
    assert type(not_json) is ProtocolError and "<html>oops</html>" in not_json.message


def test_foreign_bugs_are_not_swallowed() -> None:
    with pytest.raises(KeyError):
        errors.from_exception(KeyError("x"), operation="q")


def test_every_error_of_a_400_body_is_kept() -> None:
    body = [
        {"errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Phone must have 10 digits",
         "fields": ["Phone"]},
        {"errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Region is required",
         "fields": []},
    ]
    exc = SalesforceMalformedRequest("https://x/y", 400, "y", body)
    error = errors.from_exception(exc, operation="upsert")
    assert type(error) is ValidationFailed
    assert error.field == "Phone"
    assert "Phone must have 10 digits" in str(error)
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION: Region is required" in str(error)
    assert error.details == ("FIELD_CUSTOM_VALIDATION_EXCEPTION: Region is required",)


def test_every_error_of_a_failed_record_is_in_its_message() -> None:
    error = errors.record_errors(
        [{"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "first", "fields": []},
         {"statusCode": "REQUIRED_FIELD_MISSING", "message": "second", "fields": ["Name"]}],
        operation="upsert",
    )
    assert error.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert error.message == "first; REQUIRED_FIELD_MISSING: second"


def test_an_html_page_is_a_protocol_error_even_on_404() -> None:
    page = "<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>"
    exc = SalesforceResourceNotFound("https://x/y", 404, "y", page)
    error = errors.from_exception(exc, operation="get")
    assert type(error) is ProtocolError
    assert error.code == "HTTP_404" and "Not Found" in error.message


def test_an_xml_error_body_gives_its_code() -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><Errors>'
        "<Error><errorCode>NOT_FOUND</errorCode>"
        "<message>The requested resource does not exist</message></Error>"
        "<Error><errorCode>INVALID_FIELD</errorCode><message>No such column</message>"
        "<fields>Foo__c</fields></Error></Errors>"
    )
    missing = errors.from_exception(
        SalesforceResourceNotFound("https://x/y", 404, "y", body), operation="get"
    )
    assert type(missing) is NotFound and missing.code == "NOT_FOUND"
    assert missing.message == (
        "The requested resource does not exist; INVALID_FIELD: No such column"
    )
    invalid = errors.from_exception(
        SalesforceMalformedRequest(
            "https://x/y", 400, "y",
            "<Errors><Error><errorCode>INVALID_FIELD</errorCode><message>bad</message>"
            "<fields>Foo__c</fields></Error></Errors>",
        ),
        operation="query",
    )
    assert type(invalid) is ValidationFailed
    assert invalid.code == "INVALID_FIELD" and invalid.field == "Foo__c"
