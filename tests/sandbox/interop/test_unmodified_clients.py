"""Clients written by others, run unmodified against the sandboxes.

They only know the real services' host names, so each runs in a subprocess with standard
environment variables only: HTTPS_PROXY names a local CONNECT tunnel (connect_tunnel.py) that
carries `api.intacct.com:443` and `mapsync-demo.my.salesforce.com:443` to the sandboxes, which
serve TLS with a trustme certificate for those names; REQUESTS_CA_BUNDLE / SSL_CERT_FILE
trust that CA. No hosts-file edit, no patch of the client.

- `sageintacctsdk` 1.28.1 (PyPI, MIT, fylein/sageintacct-sdk-py): signs in, creates a
  customer, lists customers with its default field list (`get_all`), reads, updates, looks
  up CUSTOMER's fields, lists contacts, and gets the captured bad e-mail error chain.
- `aiosalesforce` 0.6.2 (PyPI, MIT): SOAP login, sObject create/update/get/delete and a
  SOQL query.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from connect_tunnel import ConnectTunnel

from mapsync.engine.sandbox.intacct import IntacctSandbox
from mapsync.engine.sandbox.salesforce import SalesforceSandbox
from mapsync.engine.schema.coverage import read_field_list

CLIENTS = Path(__file__).parent / "clients"
LISTS = Path(__file__).resolve().parents[2] / "fixtures" / "fieldlists"
INTACCT_HOST = "api.intacct.com"
SALESFORCE_HOST = "mapsync-demo.my.salesforce.com"
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "CURL_CA_BUNDLE",
                   "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA(organization_name="mapsync interop test CA")


def _context(ca: trustme.CA, host: str) -> Any:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(host).configure_cert(context)
    return context


@pytest.fixture
def intacct(tmp_path: Path, ca: trustme.CA) -> Iterator[IntacctSandbox]:
    with IntacctSandbox(tmp_path / "intacct.db", tls=_context(ca, INTACCT_HOST)) as sandbox:
        yield sandbox


@pytest.fixture
def salesforce(tmp_path: Path, ca: trustme.CA) -> Iterator[SalesforceSandbox]:
    with SalesforceSandbox(tmp_path / "salesforce.db",
                           tls=_context(ca, SALESFORCE_HOST)) as sandbox:
        yield sandbox


@pytest.fixture
def tunnel(intacct: IntacctSandbox, salesforce: SalesforceSandbox) -> Iterator[ConnectTunnel]:
    intacct_port = int(intacct.base_url.rsplit(":", 1)[1])
    with ConnectTunnel({f"{INTACCT_HOST}:443": intacct_port,
                        f"{SALESFORCE_HOST}:443": salesforce.port}) as running:
        yield running


def run_client(script: str, tunnel: ConnectTunnel, ca: trustme.CA, tmp_path: Path,
               credentials: dict[str, str]) -> dict[str, Any]:
    """Run one client script with only standard variables pointing it at the tunnel."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    env = {k: v for k, v in os.environ.items() if k.upper() not in PROXY_VARIABLES}
    env |= {"HTTPS_PROXY": tunnel.url, "REQUESTS_CA_BUNDLE": str(bundle),
            "SSL_CERT_FILE": str(bundle)}
    done = subprocess.run([sys.executable, str(CLIENTS / script)], input=json.dumps(credentials),
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_sageintacctsdk_lists_creates_and_reads_customers(
        tunnel: ConnectTunnel, ca: trustme.CA, tmp_path: Path, intacct: IntacctSandbox) -> None:
    intacct.store.insert("CUSTOMER", {"CUSTOMERID": "C-0", "NAME": "Seeded",
                                      "DISPLAYCONTACT.PRINTAS": "Seeded"})
    out = run_client("sageintacct_client.py", tunnel, ca, tmp_path,
                     intacct.credentials.as_dict())
    assert tunnel.tunnelled and set(tunnel.tunnelled) == {f"{INTACCT_HOST}:443"}
    assert out["created"]["status"] == "success"
    assert out["count"] == 2
    default_fields = read_field_list(LISTS / "intacct-CUSTOMER-sageintacctsdk.txt")[0]
    assert [list(row) for row in out["all"]] == [default_fields] * 2
    assert sorted(row["CUSTOMERID"] for row in out["all"]) == ["C-0", "SDK-1"]
    mine = next(row for row in out["all"] if row["CUSTOMERID"] == "SDK-1")
    assert (mine["NAME"], mine["STATUS"], mine["ONHOLD"]) == ("Acme via SDK", "active", "false")
    assert out["one"]["customer"]["DISPLAYCONTACT"]["EMAIL1"] == "ap@acme.example"
    assert out["after_update"]["customer"] == {"CUSTOMERID": "SDK-1", "NAME": "Acme Renamed"}
    assert intacct.store.list("CUSTOMER")[-1]["NAME"] == "Acme Renamed"
    looked_up = {f["ID"] for f in out["lookup"]["Type"]["Fields"]["Field"]}
    assert set(default_fields) <= looked_up
    assert out["contacts"] == []
    assert out["bad_email"]["kind"] == "WrongParamsError"
    assert out["bad_email"]["detail"]["error"][0]["errorno"] == "BL03000018"


def test_aiosalesforce_creates_reads_queries_and_deletes_accounts(
        tunnel: ConnectTunnel, ca: trustme.CA, tmp_path: Path,
        salesforce: SalesforceSandbox) -> None:
    out = run_client("aiosalesforce_client.py", tunnel, ca, tmp_path,
                     salesforce.credentials.as_dict())
    assert set(tunnel.tunnelled) == {f"{SALESFORCE_HOST}:443"}
    assert out["read"]["Name"] == "Globex via aiosalesforce"
    assert out["read"]["BillingCity"] == "Paris"
    assert [row["Id"] for row in out["rows"]] == [out["created"]]
    assert out["after_delete"] == []


def test_the_tunnel_refuses_hosts_it_does_not_route(tunnel: ConnectTunnel) -> None:
    import socket

    port = int(tunnel.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 403")
    assert tunnel.refused == ["example.com:443"]
