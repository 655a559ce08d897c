"""The configuration page in a real browser: Debian's Chromium driven by Playwright.

Screenshots (light and dark, 1280x800 and 390x844) are written to `artifacts/ui/` at the
root of the repository; the path is printed. Skipped when /usr/bin/chromium is missing
(`.ci/run` installs it); Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import Page

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "ui"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
TOO_LONG = "Consolidated " * 10  # 130 characters: Intacct's customer NAME holds 100
TIMEOUT = 60_000

if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium "
                "(apt-get install chromium; .ci/run installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")


@pytest.fixture(scope="module")
def tab(page: Page) -> Iterator[Any]:
    """One browser tab that opened the page with its one-time token."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {ARTIFACTS}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800},
                                      locale="en-US")
        context.set_default_timeout(TIMEOUT)
        view = context.new_page()
        view.goto(f"{page.url}/mappings?token={page.access.token}")
        try:
            yield view
        finally:
            context.close()
            browser.close()


def shoot(view: Any, name: str) -> None:
    """Screenshots of the current page in both schemes and both sizes."""
    for scheme in ("light", "dark"):
        view.emulate_media(color_scheme=scheme)
        for size, (width, height) in SIZES.items():
            view.set_viewport_size({"width": width, "height": height})
            view.screenshot(path=str(ARTIFACTS / f"{name}-{scheme}-{size}.png"))
    view.emulate_media(color_scheme="light")
    view.set_viewport_size({"width": 1280, "height": 800})


def wait_done(view: Any) -> None:
    sync_api.expect(view.locator("#progress")).to_have_attribute(
        "data-state", "done", timeout=TIMEOUT)


def test_the_page_opens_on_the_demo_directory(tab: Any, page: Page) -> None:
    tab.goto(f"{page.url}/mappings")
    sync_api.expect(tab.locator("h1")).to_have_text("Mappings")
    customer = tab.locator("#m-Customer")
    sync_api.expect(customer.locator(".mlabel")).to_have_text("Customers")
    assert "Customer" in tab.url or tab.locator("#m-Customer").count() == 1
    shoot(tab, "mappings")
    tab.goto(f"{page.url}/connections")
    tab.click("#conn-salesforce button")
    result = tab.locator("#conn-salesforce .result")
    sync_api.expect(result).to_contain_text("Connected")
    sync_api.expect(result).to_contain_text("api usage")
    tab.click("#conn-intacct button")
    sync_api.expect(tab.locator("#conn-intacct .result")).to_contain_text("mapsync-demo")
    text = tab.locator("#conn-salesforce").inner_text()
    assert "file secrets/salesforce-client-secret.txt" in text.replace(
        str(page.demo.root) + "/", "")
    secret = (page.demo.root / "secrets" / "salesforce-client-secret.txt").read_text().strip()
    assert secret not in tab.content()
    shoot(tab, "connections")


def test_a_field_switched_off_is_saved_as_exactly_that_token(tab: Any, page: Page) -> None:
    customers = page.demo.rules / "customers.map"
    original = customers.read_text("utf-8")
    tab.goto(f"{page.url}/mappings")
    tab.locator("#m-Customer").evaluate("e => { e.open = true; }")
    tab.select_option("select[aria-label='Customer DISPLAYCONTACT.FAX']", "off")  # not locked
    tab.click("#save")
    sync_api.expect(tab.locator("#saved")).to_be_visible()
    sync_api.expect(tab.locator("#diff")).to_contain_text("DISPLAYCONTACT.FAX     off Fax")
    shoot(tab, "saved")
    edited = customers.read_text("utf-8")
    try:
        changed = [(a, b) for a, b in zip(original.splitlines(), edited.splitlines(),
                                          strict=True) if a != b]
        assert changed == [("    DISPLAYCONTACT.FAX     <-> Fax",
                            "    DISPLAYCONTACT.FAX     off Fax")]
        assert len(edited) == len(original)
        done = subprocess.run([sys.executable, "-m", "mapsync", "validate",
                               str(page.demo.rules)], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        customers.write_text(original, "utf-8")


def test_a_locked_field_cannot_be_changed(tab: Any, page: Page) -> None:
    customers = page.demo.rules / "customers.map"
    original = customers.read_text("utf-8")
    tab.goto(f"{page.url}/mappings")
    tab.locator("#m-Customer").evaluate("e => { e.open = true; }")
    name = tab.locator("select[name='dir:Customer:0']")  # NAME: Intacct requires it
    sync_api.expect(name).to_be_disabled()
    row = tab.locator("#m-Customer tr.locked").first
    sync_api.expect(row).to_contain_text("required by Intacct")
    # Force the control open, as a hand-made request would, and save: refused.
    name.evaluate("e => { e.disabled = false; e.value = 'off'; }")
    tab.click("#save")
    sync_api.expect(tab.locator("#refused")).to_contain_text("locked")
    assert customers.read_text("utf-8") == original


def test_plan_then_sync_with_live_progress_history_and_reconcile(tab: Any, page: Page) -> None:
    tab.goto(f"{page.url}/run")
    tab.click("#run-plan")
    wait_done(tab)
    sync_api.expect(tab.locator("#summary")).to_contain_text("Customer")
    assert tab.locator(".samples li").count() > 0
    shoot(tab, "plan")
    tab.click("#run-sync")
    wait_done(tab)
    sync_api.expect(tab.locator("#job-result")).to_contain_text("0 failed")
    tab.goto(f"{page.url}/run")
    sync_api.expect(tab.locator("#history")).to_contain_text("sync")
    sync_api.expect(tab.locator("#history")).to_contain_text("ok")
    shoot(tab, "run")
    tab.goto(f"{page.url}/reconcile")
    tab.click("#run-reconcile")
    sync_api.expect(tab.locator("#reconcile-verdict")).to_contain_text(
        "Both sides are in step", timeout=TIMEOUT)
    sync_api.expect(tab.locator("#reconcile-table")).to_contain_text("Customer")
    shoot(tab, "reconcile")


def test_an_error_is_shown_with_its_rule_and_replayed(tab: Any, page: Page) -> None:
    store = page.demo.boxes.salesforce.store
    bad = store.insert("Account", {"Name": TOO_LONG, "BillingCity": "Oslo"})
    tab.goto(f"{page.url}/run")
    tab.click("#run-sync")
    wait_done(tab)
    tab.goto(f"{page.url}/errors")
    item = tab.locator(".error-item").first
    sync_api.expect(item).to_contain_text("Customer")
    sync_api.expect(item).to_contain_text("customers.map:15")
    sync_api.expect(item).to_contain_text("ValidationFailed")
    sync_api.expect(item).to_contain_text(bad)
    shoot(tab, "errors")
    store.update("Account", bad, {"Name": "Consolidated Fjords"})
    item.locator("input[type=checkbox]").check()
    tab.click("#replay-selected")
    sync_api.expect(tab.locator("#no-errors")).to_be_visible(timeout=TIMEOUT)
    sync_api.expect(tab.locator("#replay-result")).to_contain_text("Synced: 1")


def test_the_page_switches_to_french(tab: Any, page: Page) -> None:
    tab.goto(f"{page.url}/mappings")
    tab.select_option("#lang-select", "fr")
    sync_api.expect(tab.locator("h1")).to_have_text("Correspondances")
    sync_api.expect(tab.locator("#m-Customer .mlabel")).to_have_text("Clients")
    sync_api.expect(tab.locator("#m-Customer")).to_contain_text("Ville de facturation")
    sync_api.expect(tab.locator("nav")).to_contain_text("Connexions")
    shoot(tab, "mappings-fr")
    tab.select_option("#lang-select", "en")
    sync_api.expect(tab.locator("h1")).to_have_text("Mappings")
