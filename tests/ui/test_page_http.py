"""The configuration page over HTTP (no browser): access, CSRF, bad forms, saving rules."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mapsync.cli import main
from tests.ui.conftest import Demo, Page, hidden, make_demo, serve, session

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(page: Page) -> Iterator[httpx.Client]:
    c = session(page)
    try:
        yield c
    finally:
        c.close()


def snapshot(demo: Demo) -> dict[str, str]:
    files = {p.name: p.read_text("utf-8") for p in demo.rules.glob("*.map")}
    files["mapsync.yaml"] = demo.config.read_text("utf-8")
    return files


def test_without_the_token_or_with_a_wrong_or_used_one_the_page_is_forbidden(
    page: Page, client: httpx.Client
) -> None:
    with httpx.Client(base_url=page.url) as stranger:
        assert stranger.get("/mappings").status_code == 403
        assert stranger.get("/mappings?token=wrong").status_code == 403
        # The client fixture already redeemed the one-time token.
        assert stranger.get(f"/mappings?token={page.access.token}").status_code == 403
        assert stranger.get("/static/style.css").status_code == 403
        assert "mapsync ui" in stranger.get("/errors").text
    assert client.get("/mappings").status_code == 200


def test_a_form_without_its_csrf_token_is_refused(page: Page, client: httpx.Client) -> None:
    before = snapshot(page.demo)
    html = client.get("/mappings").text
    response = client.post("/mappings/save", data={"version": hidden(html, "version"),
                                                   "dir:Customer:17": "off"})
    assert response.status_code == 403
    response = client.post("/run/start", data={"kind": "sync", "csrf": "forged"})
    assert response.status_code == 403
    assert snapshot(page.demo) == before


@pytest.mark.parametrize(("field", "message"), [
    ("dir:Nope:1", "unknown mapping `Nope`"),
    ("dir:Customer:999", "mapping `Customer` has no field #999"),
    ("dir:Customer", "does not name a field"),
    ("colour", "unknown form field `colour`"),
    ("on:Nope", "unknown mapping `Nope`"),
    ("opt:nope", "unknown option `nope`"),
])
def test_an_unknown_mapping_or_field_is_a_400_and_nothing_is_written(
    page: Page, client: httpx.Client, field: str, message: str
) -> None:
    before = snapshot(page.demo)
    html = client.get("/mappings").text
    data = {"csrf": hidden(html, "csrf"), "version": hidden(html, "version"), "listed": "1",
            **{f"on:{n}": "on" for n in ("Customer", "Contact")}, field: "off"}
    response = client.post("/mappings/save", data=data)
    assert response.status_code == 400
    assert message in response.text.replace("&#96;", "`")
    assert snapshot(page.demo) == before


def test_a_save_after_the_file_changed_on_disk_is_refused(page: Page, client: httpx.Client) -> None:
    html = client.get("/mappings").text
    customers = page.demo.rules / "customers.map"
    original = customers.read_text("utf-8")
    customers.write_text(original + "# edited by hand\n", "utf-8")
    try:
        response = client.post("/mappings/save", data={
            "csrf": hidden(html, "csrf"), "version": hidden(html, "version"),
            "dir:Customer:17": "off", "action": "save"})
        assert response.status_code == 409
        assert "changed on disk" in response.text
        assert customers.read_text("utf-8") == original + "# edited by hand\n"
    finally:
        customers.write_text(original, "utf-8")


def test_an_option_is_saved_in_place_keeping_comments_and_validates(
    page: Page, client: httpx.Client
) -> None:
    config = page.demo.config
    original = config.read_text("utf-8")
    html = client.get("/mappings").text
    response = client.post("/mappings/save", data={
        "csrf": hidden(html, "csrf"), "version": hidden(html, "version"),
        "opt:price_source": "contract", "opt:overlap_seconds": "2", "action": "save"})
    assert response.status_code == 200, response.text
    edited = config.read_text("utf-8")
    try:
        assert edited.startswith(original.splitlines()[0])  # the header comment is kept
        assert edited.replace("  price_source: contract\n", "") == original
        assert "+  price_source: contract" in response.text
    finally:
        config.write_text(original, "utf-8")


def test_an_edit_that_does_not_validate_is_refused_with_its_diagnostics(
    tmp_path: Path,
) -> None:
    """A rule set with errors still opens the page, with its diagnostics; an edit of it
    that still does not validate is refused."""
    for demo in make_demo(tmp_path, records=1):
        customers = demo.rules / "customers.map"
        text = customers.read_text("utf-8")
        broken = text.replace("<-> BillingCity\n", "<-> BillingCitty\n")
        customers.write_text(broken, "utf-8")
        for page in serve(demo):
            c = session(page)
            try:
                html = c.get("/mappings").text
                assert 'id="diagnostics"' in html  # the page opens and shows them
                assert "customers.map" in html
                response = c.post("/mappings/save", data={
                    "csrf": hidden(html, "csrf"), "version": hidden(html, "version"),
                    "dir:Customer:17": "off", "action": "save"})
                assert response.status_code == 422
                assert "nothing was written" in response.text
                assert "BillingCitty" in response.text
            finally:
                c.close()
        assert customers.read_text("utf-8") == broken


def test_a_field_switched_off_changes_exactly_its_arrow(page: Page, client: httpx.Client) -> None:
    before = snapshot(page.demo)
    html = client.get("/mappings").text
    response = client.post("/mappings/save", data={
        "csrf": hidden(html, "csrf"), "version": hidden(html, "version"),
        "dir:Customer:17": "off", "action": "save"})
    assert response.status_code == 200, response.text
    after = snapshot(page.demo)
    customers = page.demo.rules / "customers.map"
    try:
        assert {k for k in before if before[k] != after[k]} == {"customers.map"}
        old, new = before["customers.map"], after["customers.map"]
        assert old.replace("DISPLAYCONTACT.URL1    <->", "DISPLAYCONTACT.URL1    off") == new
        done = subprocess.run([sys.executable, "-m", "mapsync", "validate", str(page.demo.rules)],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        customers.write_text(before["customers.map"], "utf-8")


def test_a_non_loopback_address_needs_an_explicit_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ui", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "--allow-remote" in err and "not a loopback address" in err


def test_a_mapping_switched_off_is_left_out_of_the_configured_list(
    page: Page, client: httpx.Client
) -> None:
    from mapsync.engine.config import load_config

    config = page.demo.config
    original = config.read_text("utf-8")
    html = client.get("/mappings").text
    names = re.findall(r'name="on:(\w+)"', html)
    assert "Contact" in names and len(names) > 10
    data = {"csrf": hidden(html, "csrf"), "version": hidden(html, "version"), "listed": "1",
            "action": "save", **{f"on:{n}": "on" for n in names if n != "Contact"}}
    try:
        assert client.post("/mappings/save", data=data).status_code == 200
        edited = config.read_text("utf-8")
        assert edited.startswith(original)  # one line added at the end, nothing else moved
        selected = load_config(config).mappings
        assert selected is not None and "Contact" not in selected
        assert set(selected) == set(names) - {"Contact"}
        html = client.get("/mappings").text
        data = {"csrf": hidden(html, "csrf"), "version": hidden(html, "version"),
                "listed": "1", "action": "save", **{f"on:{n}": "on" for n in names}}
        assert client.post("/mappings/save", data=data).status_code == 200
        assert config.read_text("utf-8") == original
    finally:
        config.write_text(original, "utf-8")


def test_a_failing_connection_test_shows_the_error_but_no_secret(
    page: Page, client: httpx.Client
) -> None:
    secret_file = page.demo.root / "secrets" / "intacct-user.txt"
    secret = secret_file.read_text("utf-8")
    secret_file.write_text("not-the-password\n", "utf-8")
    try:
        html = client.get("/connections").text
        assert "file " in html and secret.strip() not in html
        response = client.post("/connections/test", data={"csrf": hidden(html, "csrf"),
                                                         "system": "intacct"})
        assert response.status_code == 200
        assert "Connection failed" in response.text
        assert "not-the-password" not in response.text and secret.strip() not in response.text
        response = client.post("/connections/test", data={"csrf": hidden(html, "csrf"),
                                                         "system": "mainframe"})
        assert response.status_code == 400
    finally:
        secret_file.write_text(secret, "utf-8")


def test_a_conflict_policy_is_changed_in_place(page: Page, client: httpx.Client) -> None:
    before = snapshot(page.demo)
    html = client.get("/mappings").text
    form = {"csrf": hidden(html, "csrf"), "version": hidden(html, "version"), "action": "save"}
    response = client.post("/mappings/save", data={**form, "conflict:Customer": "sometimes"})
    assert response.status_code == 400 and "not a conflict policy" in response.text
    assert snapshot(page.demo) == before
    response = client.post("/mappings/save", data={**form, "conflict:Customer": "intacct"})
    customers = page.demo.rules / "customers.map"
    try:
        assert response.status_code == 200, response.text
        after = snapshot(page.demo)
        assert {k for k in before if before[k] != after[k]} == {"customers.map"}
        assert before["customers.map"].replace("    conflict newest\n", "    conflict intacct\n") \
            == after["customers.map"]
    finally:
        customers.write_text(before["customers.map"], "utf-8")


def test_a_request_for_another_host_name_is_refused(page: Page, client: httpx.Client) -> None:
    """A page on the loopback answers only to loopback names (no DNS rebinding)."""
    assert client.get("/mappings", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/mappings", headers={"Host": f"localhost:{page.server.port}"}) \
        .status_code == 200


@pytest.mark.parametrize(("accept", "heading", "label"), [
    ("de-DE,de;q=0.9", "Zuordnungen", "Kunden"),
    ("es", "Asignaciones", "Clientes"),
    ("fr-CA, en;q=0.5", "Correspondances", "Clients"),
])
def test_the_browser_language_chooses_the_page_and_rule_labels(
    client: httpx.Client, accept: str, heading: str, label: str
) -> None:
    html = client.get("/mappings", headers={"Accept-Language": accept}).text
    assert f"<h1>{heading}</h1>" in html
    assert f'<span class="mlabel">{label}</span>' in html
