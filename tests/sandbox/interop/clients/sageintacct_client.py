"""Run by tests/sandbox/interop: the community SDK `sageintacctsdk`, unmodified, as its README
shows it used. It only knows https://api.intacct.com/ia/xml/xmlgw.phtml; the test reaches the
sandbox through HTTPS_PROXY and REQUESTS_CA_BUNDLE. Credentials come as JSON on standard
input; what the SDK answered goes to standard output as JSON."""

import json
import sys

from sageintacctsdk import SageIntacctSDK


def main() -> None:
    creds = json.load(sys.stdin)
    sdk = SageIntacctSDK(sender_id=creds["sender_id"], sender_password=creds["sender_password"],
                         user_id=creds["user_id"], company_id=creds["company_id"],
                         user_password=creds["user_password"])
    out = {"created": sdk.customers.post({
        "CUSTOMERID": "SDK-1", "NAME": "Acme via SDK",
        "DISPLAYCONTACT": {"PRINTAS": "Acme via SDK", "EMAIL1": "ap@acme.example"}})}
    out["count"] = sdk.customers.count()
    out["all"] = sdk.customers.get_all()
    out["one"] = sdk.customers.get(field="CUSTOMERID", value="SDK-1")
    record_no = out["created"]["data"]["customer"]["RECORDNO"]
    out["updated"] = sdk.customers.update({"RECORDNO": record_no, "NAME": "Acme Renamed"})
    out["after_update"] = sdk.customers.get(field="CUSTOMERID", value="SDK-1",
                                            fields=["CUSTOMERID", "NAME"])
    out["lookup"] = sdk.customers.get_lookup()
    out["contacts"] = sdk.contacts.get_all()
    try:
        sdk.customers.post({"CUSTOMERID": "SDK-2", "NAME": "Bad mail",
                            "DISPLAYCONTACT": {"PRINTAS": "Bad mail", "EMAIL1": "@nowhere"}})
        out["bad_email"] = None
    except Exception as error:  # the SDK's WrongParamsError carries the error chain
        out["bad_email"] = {"kind": type(error).__name__, "detail": error.response}
    json.dump(out, sys.stdout)


main()
