"""A real browser (Debian's chromium, driven by Playwright) against nodes served on loopback."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "Tri lipe u Prijedoru 2026"


@pytest.fixture(scope="session")
def browser():
    if shutil.which(CHROMIUM) is None:
        pytest.skip("chromium is not installed: `make test` installs it (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


class Person:
    """One person at one node, in a browser context of their own (their own cookies)."""

    def __init__(self, browser, member, username):
        self.member = member
        self.context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.username = username

    def sign_in(self):
        self.page.goto(self.member.url + "/login")
        self.page.fill("#username", self.username)
        self.page.fill("#password", PASSWORD)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_url("**/dashboard")
        return self

    def go(self, path):
        self.page.goto(self.member.url + path)
        return self.page

    def close(self):
        self.context.close()


def page_federation(root, ids=("BA", "RS")):
    """Nodes serving their pages on loopback, the demo's people with PASSWORD, login unthrottled."""
    from tests import workflow

    return workflow.build(root, ids, password=PASSWORD, settings={"EXCHANGE_LOGIN_ATTEMPTS_PER_MINUTE": "1000"})
