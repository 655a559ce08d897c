"""POST composite/: several REST requests in one call.

"Executes a series of REST API requests in a single call ... The entire series of requests
counts as a single call toward your API limits": up to 25 subrequests, at most 5 of them
query or sObject Collections operations, each answered by `{body, httpHeaders,
httpStatusCode, referenceId}` in `compositeResponse`
(https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html;
response body: https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/
tooling_responses_composite_composite.htm). A request past a cap is answered, as a captured
answer shows, by one 400 entry `LIMIT_EXCEEDED` "The request can't contain more than 25
operations." (https://github.com/guardian/support-service-lambdas/pull/766); the wording for
the cap of 5 queries is modelled on it [uncertain].

The sandbox runs each subrequest through the org's own routes, in order and independently
(`allOrNone` false); `@{reference}` substitution between subrequests is not served. A
subrequest's `httpHeaders` go with it ("Request headers and their values to include with
the subrequest ... except for" Accept, Authorization and Content-Type, which it inherits:
Composite Request Body, https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/
api_tooling/tooling_requests_composite_composite.htm), such as a query's
`Sforce-Query-Options`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from mapsync.engine.sandbox.salesforce.errors import ApiError
from mapsync.engine.sandbox.salesforce.wire import Request, Response, json_response

MAX_SUBREQUESTS = 25
MAX_QUERIES = 5
# Operations (app.py route names) that count against MAX_QUERIES.
QUERY_OPERATIONS = ("query", "query_more", "collections.")
# Headers a subrequest takes from the composite request itself and may not set.
INHERITED = ("accept", "authorization", "content-type")

Dispatch = Callable[[Request], tuple[str, Response]]
Classify = Callable[[Request], str | None]


def answer(req: Request, classify: Classify, dispatch: Dispatch) -> Response:
    """The composite response for `req`: `classify` names a subrequest's operation (None
    when no route serves it), `dispatch` runs it and returns (operation, response)."""
    body = req.json()
    subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subrequests, list) or not subrequests:
        raise ApiError(400, "JSON_PARSER_ERROR", "compositeRequest must be a non-empty array")
    parsed = [_subrequest(item, req) for item in subrequests]
    if len(parsed) > MAX_SUBREQUESTS:
        return _limit(f"The request can’t contain more than {MAX_SUBREQUESTS} operations.")
    queries = sum(1 for sub, _ in parsed if _is_query(classify(sub)))
    if queries > MAX_QUERIES:
        return _limit(f"The request can’t contain more than {MAX_QUERIES} query or sObject "
                      "Collections operations.")
    results, records = [], 0
    for sub, reference in parsed:
        _operation, response = dispatch(sub)
        records += response.records
        results.append({
            "body": _json_body(response),
            "httpHeaders": {},
            "httpStatusCode": response.status,
            "referenceId": reference,
        })
    return json_response({"compositeResponse": results}, records=records)


def _subrequest(item: Any, outer: Request) -> tuple[Request, str]:
    if not isinstance(item, dict) or not isinstance(item.get("url"), str):
        raise ApiError(400, "JSON_PARSER_ERROR", "each subrequest needs a method and a url")
    method = str(item.get("method", "GET")).upper()
    reference = item.get("referenceId")
    if not isinstance(reference, str) or not reference:
        raise ApiError(400, "JSON_PARSER_ERROR", "each subrequest needs a referenceId")
    url = urlsplit(item["url"])
    body = item.get("body")
    payload = b"" if body is None else json.dumps(body).encode("utf-8")
    headers = {k: v for k, v in outer.headers.items() if k.lower() == "authorization"}
    extra = item.get("httpHeaders") or {}
    if not isinstance(extra, dict) or any(
        k.lower() in INHERITED for k in extra if isinstance(k, str)
    ):
        raise ApiError(400, "JSON_PARSER_ERROR", "httpHeaders must be an object without "
                       "Accept, Authorization or Content-Type")
    headers.update({str(k): str(v) for k, v in extra.items()})
    return Request(method, url.path, url.query, headers, payload), reference


def _is_query(operation: str | None) -> bool:
    return operation is not None and operation.startswith(QUERY_OPERATIONS)


def _json_body(response: Response) -> Any:
    if not response.body:
        return None
    try:
        return json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return response.body.decode("utf-8", "replace")


def _limit(message: str) -> Response:
    entry = {"body": [{"errorCode": "LIMIT_EXCEEDED", "message": message}], "httpHeaders": {},
             "httpStatusCode": 400, "referenceId": None}
    return json_response({"compositeResponse": [entry]})
