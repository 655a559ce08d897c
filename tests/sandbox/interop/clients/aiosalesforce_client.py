"""Run by tests/sandbox/interop: the community client `aiosalesforce`, unmodified. It accepts
only `https://<domain>.my.salesforce.com` base URLs; the test reaches the sandbox through
HTTPS_PROXY and SSL_CERT_FILE. Credentials come as JSON on standard input; what the client
answered goes to standard output as JSON."""

import asyncio
import json
import sys

import httpx
from aiosalesforce import Salesforce, SoapLogin


async def main() -> None:
    creds = json.load(sys.stdin)
    async with httpx.AsyncClient() as http:
        sf = Salesforce(http, base_url="https://mapsync-demo.my.salesforce.com",
                        auth=SoapLogin(creds["username"], creds["password"],
                                       creds["security_token"]), version="59.0")
        new_id = await sf.sobject.create("Account", {"Name": "Globex via aiosalesforce",
                                                     "BillingCity": "Lyon"})
        await sf.sobject.update("Account", new_id, {"BillingCity": "Paris"})
        out = {"created": new_id,
               "read": await sf.sobject.get("Account", new_id, fields=["Name", "BillingCity"]),
               "rows": [row async for row in sf.query("SELECT Id, Name FROM Account")]}
        await sf.sobject.delete("Account", new_id)
        out["after_delete"] = [row async for row in sf.query("SELECT Id FROM Account")]
    json.dump(out, sys.stdout)


asyncio.run(main())
