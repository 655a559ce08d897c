"""Logins through simple-salesforce: SOAP (username + password + token), OAuth password and
client-credentials grants, their failures, and re-login after a session ends."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from mapsync.engine.sandbox.salesforce import SalesforceSandbox


def test_soap_login(box: SalesforceSandbox, http: requests.Session) -> None:
    creds = box.credentials
    sf = Salesforce(username=creds.username, password=creds.password,
                    security_token=creds.security_token, domain=box.login_domain,
                    version="59.0", session=http)
    assert sf.sf_instance == f"127.0.0.1:{box.port}"
    assert sf.query("SELECT COUNT() FROM Account")["done"] is True


def test_soap_login_failure(box: SalesforceSandbox, http: requests.Session) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(username=box.credentials.username, password="wrong", security_token="",
                   domain=box.login_domain, version="59.0", session=http)
    assert caught.value.code == "INVALID_LOGIN"
    assert "Invalid username, password, security token" in caught.value.auth_message


def test_soap_login_refuses_entities(box: SalesforceSandbox, http: requests.Session) -> None:
    body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<x>&e;</x>')
    reply = http.post(f"{box.login_url}/services/Soap/u/59.0", data=body,
                      headers={"Content-Type": "text/xml", "SOAPAction": "login"})
    assert reply.status_code == 500
    assert b"sf:exceptionCode" in reply.content and b"root:" not in reply.content


def test_oauth_password_grant(box: SalesforceSandbox, http: requests.Session) -> None:
    creds = box.credentials
    sf = Salesforce(username=creds.username, password=creds.password,
                    consumer_key=creds.client_id, consumer_secret=creds.client_secret,
                    domain=box.login_domain, version="59.0", session=http)
    assert sf.sf_instance == f"127.0.0.1:{box.port}"
    assert sf.Account.describe()["name"] == "Account"


def test_oauth_client_credentials(box: SalesforceSandbox, http: requests.Session) -> None:
    creds = box.credentials
    sf = Salesforce(consumer_key=creds.client_id, consumer_secret=creds.client_secret,
                    domain=box.login_domain, version="59.0", session=http)
    assert sf.limits()["DailyApiRequests"]["Max"] > 0


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password", "client_id": "x", "client_secret": "y"},
         "invalid_client_id"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
    ],
)
def test_oauth_errors(box: SalesforceSandbox, http: requests.Session, form: dict[str, str],
                      error: str) -> None:
    reply = http.post(f"{box.login_url}/services/oauth2/token", data=form)
    assert reply.status_code == 400 and reply.json()["error"] == error


def test_oauth_bad_password(box: SalesforceSandbox, http: requests.Session) -> None:
    creds = box.credentials
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(username=creds.username, password="nope", consumer_key=creds.client_id,
                   consumer_secret=creds.client_secret, domain=box.login_domain,
                   version="59.0", session=http)
    assert caught.value.code == "invalid_grant"


def test_token_body_shape(box: SalesforceSandbox, http: requests.Session) -> None:
    creds = box.credentials
    reply = http.post(f"{box.login_url}/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": creds.client_id,
        "client_secret": creds.client_secret})
    body = reply.json()
    assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at",
                         "signature"}
    assert body["instance_url"] == box.instance_url and body["token_type"] == "Bearer"


def test_relogin_after_the_session_ends(box: SalesforceSandbox, http: requests.Session) -> None:
    creds = box.credentials
    sf = Salesforce(username=creds.username, password=creds.password, security_token="",
                    domain=box.login_domain, version="59.0", session=http)
    first = sf.session_id
    box.app.sessions.end(first)  # as the `expire` fault or a timeout would
    assert sf.query("SELECT COUNT() FROM Account")["done"] is True
    assert sf.session_id != first
