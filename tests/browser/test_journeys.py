"""The journeys people make through the pages, in headless Chromium: a visitor reads a red
flag, a gatekeeper overrides a decision, an inspectorate is refused a blackout date and then
schedules a valid one, and a form error shows the GOV.UK error summary."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import Site, screenshot
from tests.browser.planted import JUSTIFICATION, SANDWELL


def sign_in(page: Page, site: Site, role: str) -> None:
    page.goto(f"{site.url}/console")
    page.get_by_label("Your token").fill(site.planted.tokens[role])
    page.get_by_role("button", name="Sign in").click()


def test_a_visitor_searches_for_an_area_and_reads_its_red_flag_with_reason_and_evidence(
    page: Page, site: Site
) -> None:
    page.goto(site.url)
    page.get_by_label("Search for an area by name or code").fill("sandw")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-count")).to_contain_text("1 area found")
    page.get_by_role("link", name="Sandwell").click()

    expect(page).to_have_url(f"{site.url}/areas/{SANDWELL}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sandwell")
    theme = page.locator("#theme-children_and_young_people")
    expect(theme.locator(".govuk-tag")).to_have_text("Red flag")
    expect(theme).to_contain_text("Worse than the floor for two consecutive quarters")
    expect(theme).to_contain_text("published floor in at least two consecutive quarters")
    evidence = theme.get_by_role("table")
    expect(evidence).to_contain_text("2009-Q2")
    expect(evidence).to_contain_text("51.0")
    expect(evidence).to_contain_text("2009-Q3")
    expect(evidence).to_contain_text("49.5")
    expect(page.locator("svg[role=img]").first).to_be_visible()  # the chart beside its table
    screenshot(page, "visitor-red-flag")


def test_a_gatekeeper_overrides_a_decision_and_sees_it_beside_the_original(
    page: Page, site: Site
) -> None:
    decision = next(
        d
        for d in site.planted.system.gatekeeper.decisions()
        if d["request_id"] == site.planted.override_request
    )
    sign_in(page, site, "gatekeeper")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inspection requests and decisions")
    row = page.get_by_role("row").filter(has_text="care for older people")
    expect(row).to_contain_text("GK-APPROVE")
    row.get_by_role("link", name=re.compile("^Approved")).click()
    expect(page).to_have_url(f"{site.url}/console/decisions/{decision['decision_id']}")

    page.get_by_label("Reject: cancel the inspection").check()
    page.get_by_label("Justification").fill(JUSTIFICATION)
    page.get_by_role("button", name="Record the override").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("override is recorded")
    original = page.locator("#original")
    expect(original).to_contain_text("Approved")
    expect(original).to_contain_text("GK-APPROVE")
    overrides = page.locator("#overrides")
    expect(overrides).to_contain_text("Approved → Rejected")
    expect(overrides).to_contain_text(JUSTIFICATION)
    expect(overrides).to_contain_text("planted:gatekeeper")
    screenshot(page, "gatekeeper-override")
    [override] = site.planted.system.gatekeeper.overrides(decision["decision_id"])
    assert (override["outcome"], override["overridden_by"]) == ("rejected", "planted:gatekeeper")


def test_an_inspectorate_is_refused_a_blackout_date_then_schedules_a_valid_one(
    page: Page, site: Site
) -> None:
    sign_in(page, site, "inspectorate:audit_commission")
    expect(page.get_by_role("heading", level=1)).to_have_text("Work for Audit Commission")
    page.get_by_role("link", name=SANDWELL).click()
    expect(page.locator("#status")).to_have_text("accepted")

    page.get_by_label("First on-site day").fill("2010-03-29")
    page.get_by_label("On-site working days").fill("3")
    page.get_by_role("button", name="Schedule").click()

    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("the gatekeeper refuses this schedule")
    expect(refusal).to_contain_text("GK-BLACKOUT")
    expect(refusal).to_contain_text("pre-election period")
    expect(page.get_by_label("First on-site day")).to_have_value("2010-03-29")
    screenshot(page, "inspectorate-blackout-refused")

    page.get_by_label("First on-site day").fill("2010-05-10")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("now scheduled")
    expect(page.locator("#on-site")).to_contain_text("10 May 2010 to 12 May 2010")
    screenshot(page, "inspectorate-scheduled")
    inspection: Any = site.planted.system.gatekeeper.inspection(site.planted.blackout_inspection)
    assert (inspection["status"], inspection["on_site_start"]) == ("scheduled", "2010-05-10")


def test_a_form_error_shows_the_error_summary_naming_the_field_and_keeps_what_was_typed(
    page: Page, site: Site
) -> None:
    decision = site.planted.system.gatekeeper.decisions()[0]
    sign_in(page, site, "gatekeeper")
    page.goto(f"{site.url}/console/decisions/{decision['decision_id']}")
    page.get_by_label("Justification").fill("too short")
    page.get_by_role("button", name="Record the override").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name="Select approve or reject")).to_have_attribute(
        "href", "#outcome"
    )
    expect(
        summary.get_by_role("link", name="Enter a justification of 10 to 2000 characters")
    ).to_have_attribute("href", "#justification")
    expect(page.get_by_label("Justification")).to_have_value("too short")
    expect(page).to_have_title("Error: " + page.title().removeprefix("Error: "))
    assert page.title().startswith("Error: ")
    screenshot(page, "form-error-summary")
    assert site.planted.system.gatekeeper.overrides(decision["decision_id"]) == []


def test_an_inspectorate_declines_a_triggered_request_in_triage_with_a_reason(
    page: Page, site: Site
) -> None:
    waiting = next(
        r
        for r in site.planted.system.gatekeeper.triage.items("ofsted")
        if r["rule_ids"] == ["IND-FLOOR-2Q"]
    )
    sign_in(page, site, "inspectorate:ofsted")
    page.get_by_role("link", name="Triage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage for Ofsted")
    section = page.locator("section", has_text=waiting["request_id"])
    expect(section).to_contain_text("IND-FLOOR-2Q")

    section.get_by_role("button", name="Decline").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Enter why you decline the work")).to_have_attribute(
        "href", "#reason"
    )
    screenshot(page, "triage-reason-missing")

    page.get_by_label(f"Why you decline {waiting['request_id']}").fill(
        "Known and managed: the council's recovery plan is in place"
    )
    page.locator("section", has_text=waiting["request_id"]).get_by_role(
        "button", name="Decline"
    ).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is declined")
    expect(page.locator("main section")).not_to_contain_text(waiting["request_id"])
    [record] = site.planted.system.gatekeeper.triage.items("ofsted", "declined")
    assert record["decline_reason"].startswith("Known and managed")
