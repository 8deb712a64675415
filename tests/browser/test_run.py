"""`riskgate run` prints the site's address beside the tokens and serves the pages: a staff
member signs in over real HTTP with a printed token (cookie session, CSRF token from the form)."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_embedded_restart import Embedded


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Embedded]:
    run = Embedded(tmp_path / "home", tmp_path / "run.log", "--no-sample", "--ephemeral")
    try:
        yield run
    finally:
        run.stop()


def test_riskgate_run_prints_the_sites_address_and_a_printed_token_signs_in(
    running: Embedded,
) -> None:
    [line] = [line for line in running.output().splitlines() if line.startswith("site ")]
    assert line == f"site {running.url}/ (public) and {running.url}/console (staff)"

    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    home = browser.open(f"{running.url}/").read().decode()
    assert "Local area risk assessments" in home
    form = browser.open(f"{running.url}/console").read().decode()
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert found, form
    data = urllib.parse.urlencode(
        {"csrf_token": found.group(1), "token": running.tokens["gatekeeper"]}
    ).encode()
    queue = browser.open(f"{running.url}/console", data=data)
    assert queue.url == f"{running.url}/console/queue"
    assert "Signed in as embedded:gatekeeper" in queue.read().decode()
