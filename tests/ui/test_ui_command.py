"""`mapsync ui` as a command: the address it prints, and a page that opens without a valid
configuration (showing what is wrong) and will not rewrite the shipped rules."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mapsync.engine.ui import Access, Server, Settings, create_app
from tests.ui.conftest import hidden

pytestmark = pytest.mark.e2e


def test_the_command_prints_a_one_time_address_on_the_loopback(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mapsync", "ui", "-c", str(tmp_path / "mapsync.yaml"),
         "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.match(r"mapsync ui: open (http://127\.0\.0\.1:\d+)/\?token=(\S+)$", line)
        assert found, line
        base, token = found.groups()
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/mappings").status_code == 403
            opened = client.get(f"/mappings?token={token}", follow_redirects=True)
            assert opened.status_code == 200 and "No configuration file" in opened.text
            assert client.get("/errors").status_code == 200
    finally:
        process.terminate()
        process.wait(30)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    """The page on a configuration that does not validate (an inline secret)."""
    config = tmp_path / "mapsync.yaml"
    config.write_text("version: 1\nconnections:\n  intacct:\n    sender_password: hunter2\n",
                      "utf-8")
    access = Access()
    server = Server(create_app(Settings(config=config), access), "127.0.0.1", 0)
    server.start()
    client = httpx.Client(base_url=server.url, follow_redirects=True, timeout=30)
    try:
        assert client.get(f"/connections?token={access.token}").status_code == 200
        yield client, config
    finally:
        client.close()
        server.stop()


def test_a_configuration_with_problems_opens_and_shows_them_without_the_secret(
    bare: tuple[httpx.Client, Path],
) -> None:
    client, config = bare
    html = client.get("/connections").text
    assert 'id="config-issues"' in html and "sender_password" in html
    assert "hunter2" not in html
    assert client.get("/run").status_code == 200


def test_the_shipped_rules_are_shown_but_not_rewritten(bare: tuple[httpx.Client, Path]) -> None:
    from mapsync.engine.resources import rules_dir

    client, _ = bare
    shipped = (rules_dir() / "customers.map").read_text("utf-8")
    html = client.get("/mappings").text
    assert "shipped with mapsync" in html
    response = client.post("/mappings/save", data={
        "csrf": hidden(html, "csrf"), "version": hidden(html, "version"),
        "dir:Customer:17": "off", "action": "save"})
    assert response.status_code == 422
    assert "--rules DIR" in response.text
    assert (rules_dir() / "customers.map").read_text("utf-8") == shipped
