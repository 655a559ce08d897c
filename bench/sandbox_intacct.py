"""Records per second through the Intacct sandbox over HTTP (target: at least 5,000 each).

    python bench/sandbox_intacct.py [--records 20000] [--batches 50]

Measures readByQuery + readMore in pages of 1000 (all fields), `query` in pages of 2000,
and generic `create` of 100 customers per request (uniqueid on, session auth), each against
a fresh SQLite file. Prints one line per figure and its ratio to the target.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx
from lxml import etree

from mapsync.engine.sandbox.intacct import IntacctSandbox

TARGET = 5000.0
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def envelope(sandbox: IntacctSandbox, session: str, functions: str, uniqueid: bool) -> bytes:
    creds = sandbox.credentials
    return (
        '<?xml version="1.0" encoding="UTF-8"?><request><control>'
        f"<senderid>{creds.sender_id}</senderid><password>{creds.sender_password}</password>"
        f"<controlid>bench</controlid><uniqueid>{str(uniqueid).lower()}</uniqueid>"
        "<dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace></control>"
        f"<operation><authentication><sessionid>{session}</sessionid></authentication>"
        f"<content>{functions}</content></operation></request>"
    ).encode()


def post(client: httpx.Client, sandbox: IntacctSandbox, body: bytes) -> etree._Element:
    response = client.post(sandbox.url, content=body)
    response.raise_for_status()
    root = etree.fromstring(response.content, _PARSER)
    statuses = root.xpath("//result/status/text()")
    if statuses != ["success"] * len(statuses) or not statuses:
        raise SystemExit(f"unexpected answer: {response.text[:500]}")
    return root


def seed(sandbox: IntacctSandbox, count: int) -> float:
    rows = [
        {
            "CUSTOMERID": f"S{n:06d}",
            "NAME": f"Seeded customer {n}",
            "DISPLAYCONTACT.PRINTAS": f"Seeded {n}",
            "DISPLAYCONTACT.EMAIL1": f"c{n}@example.com",
            "DISPLAYCONTACT.MAILADDRESS.CITY": "Lyon",
            "CREDITLIMIT": n % 1000,
        }
        for n in range(count)
    ]
    start = time.perf_counter()
    sandbox.store.insert_many("CUSTOMER", rows)
    return count / (time.perf_counter() - start)


def read_pages(client: httpx.Client, sandbox: IntacctSandbox, session: str) -> tuple[float, int]:
    first = (
        '<function controlid="r"><readByQuery><object>CUSTOMER</object><fields>*</fields>'
        "<query>STATUS = 'T'</query><pagesize>1000</pagesize></readByQuery></function>"
    )
    start = time.perf_counter()
    root = post(client, sandbox, envelope(sandbox, session, first, False))
    seen = len(root.findall(".//data/customer"))
    result_id = root.xpath("string(//data/@resultId)")
    while result_id and root.xpath("string(//data/@numremaining)") != "0":
        more = (
            f'<function controlid="m"><readMore><resultId>{result_id}</resultId>'
            "</readMore></function>"
        )
        root = post(client, sandbox, envelope(sandbox, session, more, False))
        seen += len(root.findall(".//data/customer"))
    return seen / (time.perf_counter() - start), seen


def query_pages(client: httpx.Client, sandbox: IntacctSandbox, session: str, total: int) -> float:
    start = time.perf_counter()
    seen = 0
    for offset in range(0, total, 2000):
        body = (
            '<function controlid="q"><query><object>CUSTOMER</object><select>'
            "<field>RECORDNO</field><field>CUSTOMERID</field><field>NAME</field>"
            "<field>DISPLAYCONTACT.EMAIL1</field><field>WHENMODIFIED</field></select>"
            "<orderby><order><field>RECORDNO</field><ascending/></order></orderby>"
            f"<pagesize>2000</pagesize><offset>{offset}</offset></query></function>"
        )
        root = post(client, sandbox, envelope(sandbox, session, body, False))
        seen += len(root.findall(".//data/CUSTOMER"))
    return seen / (time.perf_counter() - start)


def create_batches(
    client: httpx.Client, sandbox: IntacctSandbox, session: str, batches: int
) -> float:
    start = time.perf_counter()
    for batch in range(batches):
        objects = "".join(
            f"<CUSTOMER><CUSTOMERID>B{batch:04d}-{n:03d}</CUSTOMERID><NAME>Batch {n}</NAME>"
            f"<DISPLAYCONTACT><PRINTAS>Batch {n}</PRINTAS><EMAIL1>b{n}@example.com</EMAIL1>"
            "<MAILADDRESS><CITY>Nantes</CITY></MAILADDRESS></DISPLAYCONTACT>"
            "<CREDITLIMIT>100.25</CREDITLIMIT></CUSTOMER>"
            for n in range(100)
        )
        body = f'<function controlid="create-{batch}"><create>{objects}</create></function>'
        post(client, sandbox, envelope(sandbox, session, body, True))
    return batches * 100 / (time.perf_counter() - start)


def report(label: str, rate: float) -> None:
    print(f"{label:<44} {rate:>10,.0f} records/s  ({rate / TARGET:.1f}x target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--batches", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        with (
            IntacctSandbox(Path(folder) / "bench.db") as sandbox,
            httpx.Client(timeout=120) as client,
        ):
            session = sandbox.open_session()
            report("seed (store.insert_many, no HTTP)", seed(sandbox, args.records))
            rate, seen = read_pages(client, sandbox, session)
            report(f"readByQuery/readMore, pages of 1000 ({seen})", rate)
            report(
                f"query, pages of 2000 ({args.records})",
                query_pages(client, sandbox, session, args.records),
            )
            report(
                f"create, 100 per request ({args.batches * 100})",
                create_batches(client, sandbox, session, args.batches),
            )
            print("calls:", sandbox.stats_snapshot()["calls"])


if __name__ == "__main__":
    main()
