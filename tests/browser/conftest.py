"""A real browser on the pages: Debian's Chromium (`make chromium`) driven by Playwright, on
the planted system served over HTTP from a thread, with the consumers pumped as the embedded
run pumps them. Screenshots go to tests/artifacts/ (ignored by git)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser.planted import Planted, plant
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass
class Site:
    planted: Planted
    url: str  # http://127.0.0.1:PORT


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The planted system's app on a free loopback port, its consumers pumped in a thread."""
    planted = plant(tmp_path)
    server = make_server("127.0.0.1", 0, planted.app, threaded=True)
    stop = threading.Event()

    def pump() -> None:
        while not stop.wait(0.05):
            planted.system.pump()

    threads = [
        threading.Thread(target=server.serve_forever, daemon=True),
        threading.Thread(target=pump, daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        yield Site(planted, f"http://127.0.0.1:{server.server_port}")
    finally:
        stop.set()
        server.shutdown()
        for thread in threads:
            thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make chromium` (Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context (no cookies) and page."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: object, name: str) -> Path:
    """Save the whole page as tests/artifacts/<name>.png, the journey's artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
