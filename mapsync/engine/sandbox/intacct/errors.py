"""The gateway's errors: numbers, texts and chains as the real service sends them.

Three levels (reference §2.2): control failures (`<errormessage>` under `<response>`, no
`<operation>`), authentication failures (under `<operation>`, no `<result>`), and function
failures (inside `<result>`). Errors come as chains: the specific one first, then generic
"Could not create X record!" entries. Texts follow captured responses where one exists;
where the real text is unknown (duplicate function controlid) the wording is ours and
says so plainly.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

XML_ERROR = "XL03000003"
AUTH_ERROR = "XL03000006"
ROLLED_BACK = "XL03000009"
BUSINESS_ERROR = "BL01001973"
DUPLICATE = "BL34000061"
BAD_QUERY = "DL02000001"
RATE_LIMIT = "GW-0010"
DUPLICATE_CONTROLID = "Duplicate function controlid"


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One `<error>` of an `<errormessage>` chain."""

    errorno: str
    description2: str = ""
    description: str = ""
    correction: str = ""

    def element(self, minimal: bool = False) -> etree._Element:
        """The `<error>` element; `minimal` keeps only errorno and description (gateway style)."""
        error = etree.Element("error")
        etree.SubElement(error, "errorno").text = self.errorno
        etree.SubElement(error, "description").text = self.description
        if not minimal:
            etree.SubElement(error, "description2").text = self.description2
            etree.SubElement(error, "correction").text = self.correction
        return error


Chain = tuple[ErrorItem, ...]


def errormessage(chain: Chain, minimal: bool = False) -> etree._Element:
    """An `<errormessage>` element holding `chain` in order."""
    element = etree.Element("errormessage")
    for item in chain:
        element.append(item.element(minimal))
    return element


class FunctionFailure(Exception):
    """A function failed; `chain` goes into its result after `data` (records written before)."""

    def __init__(self, chain: Chain, data: etree._Element | None = None) -> None:
        super().__init__(chain[0].description2 or chain[0].errorno)
        self.chain = chain
        self.data = data


class ControlFailure(Exception):
    """The whole request is refused at the control level."""

    def __init__(self, chain: Chain) -> None:
        super().__init__(chain[0].description2 or chain[0].errorno)
        self.chain = chain


def xml_errors(messages: list[str]) -> Chain:
    """XL03000003 for each libxml2 parse or schema message."""
    return tuple(ErrorItem(XML_ERROR, f"XML Parse schema error: {m}") for m in messages)


def schema_error(element: str, problem: str) -> Chain:
    """XL03000003 for a request that parses but breaks the request schema."""
    return xml_errors([f"Error 1871: Element '{element}': {problem}"])


def too_many_functions(count: int, cap: int) -> Chain:
    """Control failure for a request holding more functions than the sandbox's cap.

    Intacct documents no cap (intacct.md 2.5) [uncertain]: the cap and this wording are
    ours (`connectors/intacct/envelope.MAX_FUNCTIONS`, docs/quiet-runs.md), under the
    request-level XL03000003 of other malformed requests.
    """
    return xml_errors([f"{count} functions in one request: at most {cap} are accepted"])


def bad_sender() -> Chain:
    """Control failure for an unknown sender ID or wrong sender password."""
    return (ErrorItem(AUTH_ERROR, "Incorrect Intacct XML Partner ID or password."),)


def bad_policy(policy: str) -> Chain:
    """Control failure for an asynchronous policy id the company does not have."""
    return (ErrorItem(AUTH_ERROR, f"{policy} is not a valid transport policy."),)


def bad_login() -> Chain:
    """Authentication failure for a wrong user, company or password."""
    return (ErrorItem(AUTH_ERROR, "Sign-in information is incorrect"),)


def invalid_session() -> Chain:
    """Authentication failure for an unknown or expired session id."""
    return (ErrorItem(AUTH_ERROR, "Invalid session"),)


def rate_limited() -> Chain:
    """Gateway failure sent with HTTP 429."""
    return (ErrorItem(RATE_LIMIT, description="Rate limit exceeded. Please try again later."),)


def aborted() -> ErrorItem:
    """The error every result of a rolled-back transaction carries."""
    return ErrorItem(
        ROLLED_BACK,
        "The entire transaction in this operation has been rolled back due to an error.",
    )


def unknown_object(name: str) -> Chain:
    """An object name no catalog defines."""
    return (ErrorItem("Query Failed", f"Object definition {name} not found"),)


def bad_query(detail: str = "") -> Chain:
    """DL02000001: a query that cannot be run (syntax, unknown field, bad value format)."""
    text = "There was an error processing the request."
    return (ErrorItem(BAD_QUERY, f"{text} {detail}".strip(), description="Error"),)


def invalid_fields(names: str) -> Chain:
    """A `fields` list of read/readByName naming fields the object does not have."""
    return (ErrorItem(f"Invalid fields list {names}"),)


def readmore_failed(result_id: str) -> Chain:
    """readMore with a result id that does not exist (any more)."""
    return (
        ErrorItem(
            "readMore failed",
            f"Attempt to readMore with an invalid or expired resultId: {result_id}",
        ),
    )


def _write_chain(first: ErrorItem, label: str, verb: str) -> Chain:
    return (
        first,
        ErrorItem(BUSINESS_ERROR, f"Could not {verb} {label.lower()} record!"),
        ErrorItem(BUSINESS_ERROR, f"Error while saving the {label} info"),
    )


def duplicate(label: str, value: str, verb: str = "create") -> Chain:
    """BL34000061 chain for a record whose unique value already exists."""
    first = ErrorItem(
        DUPLICATE,
        f"Another {label} with the given value(s) {value}  already exists",
        correction="Use a unique value instead.",
    )
    return _write_chain(first, label, verb)


def invalid_record(label: str, detail: str, verb: str = "create", correction: str = "") -> Chain:
    """A record the business layer refuses (missing required field, bad value, unknown field)."""
    first = ErrorItem(BUSINESS_ERROR, detail, correction=correction)
    return _write_chain(first, label, verb)


# Intacct's names for the contact e-mail fields, as its error texts spell them.
_EMAIL_LABELS = {"EMAIL1": "Primary Email Address", "EMAIL2": "Secondary Email Address"}
BAD_FORMAT = "BL03000018"


def bad_emails(label: str, fields: list[tuple[str, str]], verb: str = "create") -> Chain:
    """BL03000018 for each (field, value) that is not an e-mail address, then the contact
    chain. Shape and texts as captured for a customer create (craibuc/PsIntacct,
    Tests/Public/New-Customer.Tests.ps1); the lines for other objects drop the display
    contact's part [inferred]."""
    first = tuple(
        ErrorItem(BAD_FORMAT, f"Illegal format for Contactversion : "
                  f"{_EMAIL_LABELS.get(name.rpartition('.')[2], name)} {value}.")
        for name, value in fields)
    contact = ("Validate contactversion record failed!", "Could not create contactversion record!",
               "Could not create ContactVersion record!", "Could not create Contact record!")
    owner = () if label.lower() == "contact" else (
        "Error While Saving the Display Contact", f"Could not {verb} {label} record!")
    return first + tuple(ErrorItem(BUSINESS_ERROR, text) for text in (*contact, *owner))


def missing_required(label: str, field_label: str, field: str, verb: str = "create") -> Chain:
    """A required field is absent or empty."""
    return invalid_record(
        label,
        f"Required field {field_label} ({field}) is missing",
        verb,
        correction=f"Provide a value for {field}.",
    )


def update_missing(object_name: str, field: str, value: str) -> Chain:
    """Update of a record that does not exist (errorno carries the text, as captured)."""
    return (ErrorItem(f"Cannot update non-existing {object_name} with {field}={value}."),)


def delete_missing(label: str, key: str) -> Chain:
    """Delete of a record that does not exist."""
    return (ErrorItem(BUSINESS_ERROR, f"Cannot find {label.lower()} with key '{key}' to delete."),)


def unsupported(detail: str) -> Chain:
    """A request the object does not allow (generic write of a legacy-only object)."""
    return (ErrorItem(BUSINESS_ERROR, detail),)


def duplicate_controlid(controlid: str) -> Chain:
    """uniqueid=true and this function controlid already executed and completed.

    The real wording is not public; this text says what happened and what to do.
    """
    return (
        ErrorItem(
            DUPLICATE_CONTROLID,
            f"The function with controlid '{controlid}' was already executed and completed; "
            "with uniqueid=true it is not run again.",
            correction="Read the record to learn its result, or send a new controlid.",
        ),
    )
