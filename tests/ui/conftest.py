"""A demo directory (both sandboxes, a copy of the standard rules, a mapsync.yaml) and the
configuration page served on it, for the page's tests."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mapsync.engine.commands.demo import write_config
from mapsync.engine.resources import rules_dir
from mapsync.engine.sandbox.launcher import Sandboxes
from mapsync.engine.ui import Access, Server, Settings, create_app


@dataclass
class Demo:
    """Running sandboxes and the files the page edits."""

    boxes: Sandboxes
    root: Path
    config: Path
    rules: Path


@dataclass
class Page:
    """The page served on a demo directory, and its one-time token."""

    demo: Demo
    server: Server
    access: Access

    @property
    def url(self) -> str:
        return self.server.url


def make_demo(root: Path, records: int = 10) -> Iterator[Demo]:
    """Sandboxes seeded with `records` customers, and a config using a copy of the rules."""
    rules = root / "rules"
    shutil.copytree(rules_dir(), rules)
    with Sandboxes(root / "sandboxes", records=records) as boxes:
        config = write_config(root, boxes.connection_info(), str(rules))
        yield Demo(boxes, root, config, rules)


def serve(demo: Demo) -> Iterator[Page]:
    """The page on 127.0.0.1 (a free port) until the test module ends."""
    access = Access()
    app = create_app(Settings(config=demo.config), access)
    server = Server(app, "127.0.0.1", 0)
    server.start()
    try:
        yield Page(demo, server, access)
    finally:
        server.stop()
        app.state.ui.jobs.wait(30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from make_demo(tmp_path_factory.mktemp("ui-demo"))


@pytest.fixture(scope="module")
def page(demo: Demo) -> Iterator[Page]:
    yield from serve(demo)


def session(page: Page) -> httpx.Client:
    """An HTTP client that redeemed the page's token (it holds the session cookie)."""
    client = httpx.Client(base_url=page.url, follow_redirects=True, timeout=30)
    response = client.get(f"/mappings?token={page.access.token}")
    assert response.status_code == 200
    return client


def hidden(html: str, name: str) -> str:
    """The value of a hidden form input."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden input {name}"
    return found.group(1)
