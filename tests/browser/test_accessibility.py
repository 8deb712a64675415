"""axe-core (axe-playwright-python's bundled copy) on every page template, in Chromium: no
serious or critical violation on any of them, including the error pages and a form showing
its errors."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import Site, screenshot
from tests.browser.planted import HAMPSHIRE, SANDWELL
from tests.browser.test_journeys import sign_in

BLOCKING = {"serious", "critical"}


def blocking_violations(page: Page) -> list[str]:
    """Each serious or critical violation on the page: rule id, impact and where."""
    results: Any = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def check(page: Page, url: str, found: dict[str, list[str]], expected_status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == expected_status, (url, response)
    if problems := blocking_violations(page):
        found[url] = problems


def test_every_page_template_has_no_serious_or_critical_accessibility_violation(
    page: Page, site: Site
) -> None:
    found: dict[str, list[str]] = {}
    system = site.planted.system
    public = [
        "/",
        "/?q=sandwell",
        f"/areas/{SANDWELL}",
        f"/areas/{SANDWELL}/indicators/73",
        "/how-we-judge",
        "/downloads",
        "/console",
    ]
    for path in public:
        check(page, site.url + path, found)
    check(page, f"{site.url}/no-such-page", found, expected_status=404)

    sign_in(page, site, "gatekeeper")
    decision = system.gatekeeper.decisions()[0]["decision_id"]
    for path in ("/console/queue", f"/console/decisions/{decision}", "/console/programme",
                 f"/console/bodies/{HAMPSHIRE}/burden"):  # fmt: skip
        check(page, site.url + path, found)
    check(page, f"{site.url}/console/work", found, expected_status=403)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, site, "inspectorate:audit_commission")
    check(page, f"{site.url}/console/work", found)
    check(page, f"{site.url}/console/work/{site.planted.blackout_inspection}", found)
    page.get_by_label("First on-site day").fill("2010-03-29")
    page.get_by_role("button", name="Schedule").click()  # the refusal, with the error summary
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # waits for the answer
    if problems := blocking_violations(page):
        found["refused schedule"] = problems

    page.get_by_role("button", name="Sign out").click()

    sign_in(page, site, "inspectorate:ofsted")
    check(page, f"{site.url}/console/triage", found)
    page.get_by_role("button", name="Decline").first.click()  # no reason: the error summary
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # waits for the answer
    if problems := blocking_violations(page):
        found["triage decline without a reason"] = problems

    page.get_by_role("button", name="Sign out").click()

    sign_in(page, site, f"council:{SANDWELL}")
    check(page, f"{site.url}/console/council?year=2009", found)
    page.get_by_label("Why the flag on children and young people is wrong").fill("Restated")
    page.get_by_role("button", name="Challenge the flag").first.click()  # outside the window
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # waits for the answer
    if problems := blocking_violations(page):
        found["challenge outside the window"] = problems
    screenshot(page, "council-challenge-outside-window")

    assert found == {}
