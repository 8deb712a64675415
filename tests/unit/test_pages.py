"""The pages' refusals through Flask's test client: unknown pages are HTML 404s while the
API keeps its JSON errors, a missing session goes to sign-in, a wrong role gets a 403 page,
a stale CSRF token is refused, and the pages fetch nothing from another site."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate.service_layer import cycle
from tests.browser.planted import SANDWELL, plant


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    """The planted year's app (a red flag, decisions, work) with a token per role."""
    planted = plant(tmp_path)
    planted.app.extensions["test.tokens"] = planted.tokens
    return planted.app.test_client()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: FlaskClient, role: str) -> None:
    token = client.application.extensions["test.tokens"][role]
    page = client.get("/console").get_data(as_text=True)
    response = client.post("/console", data={"csrf_token": csrf_of(page), "token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_an_unknown_page_is_an_html_404_and_an_unknown_api_path_keeps_the_json_error(
    client: FlaskClient,
) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "Page not found" in page.get_data(as_text=True)

    api = client.get("/v1/no/such/route")
    assert api.status_code == 404
    assert api.mimetype == "application/json"
    assert api.get_json()["code"] == 404

    assert client.get("/areas/E99999999").status_code == 404  # not an area: a page's 404
    assert "Page not found" in client.get("/areas/E99999999").get_data(as_text=True)


def test_a_console_page_without_a_session_goes_to_the_sign_in_page(client: FlaskClient) -> None:
    response = client.get("/console/queue")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console?next=/console/queue"
    assert "Sign in to the staff console" in client.get("/console").get_data(as_text=True)


def test_a_wrong_role_sees_a_403_page(client: FlaskClient) -> None:
    sign_in(client, "inspectorate:ofsted")
    response = client.get("/console/queue")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "You cannot see this page" in html
    assert "needs gatekeeper" in html


def test_a_token_that_cannot_sign_in_is_named_in_the_error_summary(client: FlaskClient) -> None:
    page = client.get("/console").get_data(as_text=True)
    response = client.post("/console", data={"csrf_token": csrf_of(page), "token": "wrong"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert 'href="#token"' in html
    assert "This token cannot sign in" in html

    page = client.get("/console").get_data(as_text=True)
    integrator = client.application.extensions["test.tokens"]["integrator"]
    response = client.post("/console", data={"csrf_token": csrf_of(page), "token": integrator})
    assert response.status_code == 400
    assert "has no console pages" in response.get_data(as_text=True)


def test_a_stale_csrf_token_is_refused_and_nothing_is_overridden(client: FlaskClient) -> None:
    sign_in(client, "gatekeeper")
    system = client.application.extensions["riskgate"]
    response = client.post(
        "/console/sign-out", data={"csrf_token": "stale-or-forged"}, follow_redirects=False
    )
    assert response.status_code == 400
    assert client.get("/console/queue").status_code == 200  # still signed in

    decision = system.gatekeeper.decisions()[0]["decision_id"]
    refused = client.post(
        f"/console/decisions/{decision}",
        data={"csrf_token": "stale", "outcome": "rejected", "justification": "long enough text"},
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "The form had expired or was not sent from this site" in html
    assert "long enough text" in html  # what was typed is kept
    assert system.gatekeeper.overrides() == []


def test_a_revoked_token_ends_the_session(client: FlaskClient) -> None:
    sign_in(client, "gatekeeper")
    system = client.application.extensions["riskgate"]
    token = client.application.extensions["test.tokens"]["gatekeeper"]
    system.tokens.revoke(system.tokens.record_of(token)[1].id)
    assert client.get("/console/queue").status_code == 302


def test_how_we_judge_lists_every_rule_in_force_with_its_criterion(client: FlaskClient) -> None:
    system = client.application.extensions["riskgate"]
    html = client.get("/how-we-judge").get_data(as_text=True)
    for rule in system.rules.current().rules:
        assert f'id="{rule.id}"' in html
        assert rule.criterion.split()[0] in html


def test_the_pages_fetch_nothing_from_another_site(client: FlaskClient) -> None:
    for path in ("/", f"/areas/{SANDWELL}", "/how-we-judge", "/console"):
        html = client.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"]*)"', html):
            assert url.startswith(("/", "#")), (path, url)
        css = client.get("/static/site/govuk/govuk-frontend.min.css").get_data(as_text=True)
        assert all(u.startswith("/assets/") for u in re.findall(r"url\(([^)]*)\)", css))


def test_every_console_form_without_a_session_goes_to_sign_in_unread(client: FlaskClient) -> None:
    app = client.application
    forms = [
        rule.build({arg: "x1" for arg in rule.arguments})[1]  # type: ignore[index]
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
        and rule.rule.startswith("/console/")
        and rule.endpoint != "console.sign_out"
    ]
    assert len(forms) >= 5, forms  # override, accept, decline, schedule, complete
    answers = {path: client.post(path, data={"justification": "x" * 50}) for path in forms}
    assert {p: a.status_code for p, a in answers.items()} == {p: 302 for p in forms}
    assert all(a.headers["Location"].startswith("/console?next=") for a in answers.values())


def test_an_area_page_shows_its_calls_for_action_with_their_next_deadline(
    client: FlaskClient,
) -> None:
    system = client.application.extensions["riskgate"]
    [case] = system.citizens.calls_for_action(SANDWELL)
    assert case["next_due"]
    day = date.fromisoformat(case["next_due"])

    html = client.get(f"/areas/{SANDWELL}?year=2009").get_data(as_text=True)

    assert "SMBC-CCFA-2010-001" in html
    assert f"{day.day} {day:%B %Y}" in html
    assert "cllr-5b21" not in html  # the councillor's reference is not the public's


def floor_request(system: Any) -> dict[str, Any]:
    """The request the red flag on NI 73 raised, waiting in Ofsted's triage."""
    waiting = system.gatekeeper.triage.items("ofsted")
    return next(r for r in waiting if r["rule_ids"] == ["IND-FLOOR-2Q"])


def test_triage_lists_the_inspectorates_requests_and_confirms_and_declines_them(
    client: FlaskClient,
) -> None:
    system = client.application.extensions["riskgate"]
    waiting = floor_request(system)
    sign_in(client, "inspectorate:ofsted")

    page = client.get("/console/triage")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert waiting["request_id"] in html
    assert "IND-FLOOR-2Q" in html
    assert 'href="/console/triage"' in html  # in the console's navigation

    declined = client.post(
        f"/console/triage/{waiting['request_id']}/decline",
        data={"csrf_token": csrf_of(html), "reason": ""},
    )
    assert declined.status_code == 400  # the reason is mandatory
    assert 'href="#reason"' in declined.get_data(as_text=True)
    assert waiting in system.gatekeeper.triage.items("ofsted")

    done = client.post(
        f"/console/triage/{waiting['request_id']}/confirm", data={"csrf_token": csrf_of(html)}
    )
    assert done.status_code == 302
    assert waiting not in system.gatekeeper.triage.items("ofsted")
    [record] = system.gatekeeper.triage.items("ofsted", "confirmed")
    assert record["by"] == "planted:inspectorate:ofsted"  # who acted is recorded

    again = client.post(
        f"/console/triage/{waiting['request_id']}/decline",
        data={"csrf_token": csrf_of(html), "reason": "Already known and managed"},
    )
    assert again.status_code == 409
    shown = again.get_data(as_text=True)
    assert "govuk-error-summary" in shown
    assert "its state is confirmed" in shown


def test_triage_is_only_the_owning_inspectorates(client: FlaskClient) -> None:
    system = client.application.extensions["riskgate"]
    waiting = floor_request(system)
    sign_in(client, "inspectorate:audit_commission")
    html = client.get("/console/triage").get_data(as_text=True)
    assert waiting["request_id"] not in html

    refused = client.post(
        f"/console/triage/{waiting['request_id']}/confirm", data={"csrf_token": csrf_of(html)}
    )
    assert refused.status_code == 403
    assert "owning inspectorate" in refused.get_data(as_text=True)
    assert waiting in system.gatekeeper.triage.items("ofsted")

    client.post("/console/sign-out", data={"csrf_token": csrf_of(html)})
    sign_in(client, "gatekeeper")
    assert client.get("/console/triage").status_code == 403


def test_a_council_sees_its_draft_flags_and_a_challenge_outside_the_window_names_its_dates(
    client: FlaskClient,
) -> None:
    sign_in(client, f"council:{SANDWELL}")
    page = client.get("/console/council?year=2009")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Draft flags for Sandwell, 2009" in html
    assert "IND-FLOOR-2Q" in html
    assert 'action="/console/council/challenges/children_and_young_people?year=2009"' in html
    assert 'href="/console/council"' in html  # in the console's navigation

    refused = client.post(
        "/console/council/challenges/children_and_young_people?year=2009",
        data={"csrf_token": csrf_of(html), "reason": "Q3 was restated", "evidence": ""},
    )
    assert refused.status_code == 409
    shown = refused.get_data(as_text=True)
    assert "govuk-error-summary" in shown
    assert "outside the challenge window for 2009: 2009-11-01 to 2009-11-30" in shown
    assert "Q3 was restated" in shown  # what was typed is kept
    assert cycle.challenges(client.application.extensions["riskgate"], SANDWELL, 2009) == []


def test_a_council_challenges_a_draft_flag_in_the_window(tmp_path: Path) -> None:
    planted = plant(tmp_path, today=date(2009, 11, 16))
    planted.app.extensions["test.tokens"] = planted.tokens
    client = planted.app.test_client()
    sign_in(client, f"council:{SANDWELL}")
    html = client.get("/console/council?year=2009").get_data(as_text=True)
    url = "/console/council/challenges/children_and_young_people?year=2009"

    bad = client.post(url, data={"csrf_token": csrf_of(html), "reason": "", "evidence": "nope"})
    assert bad.status_code == 400
    shown = bad.get_data(as_text=True)
    assert 'href="#reason"' in shown and 'href="#evidence"' in shown
    assert "&#39;nope&#39; is not an event id" in shown

    evidence = "3f2b1c9e-8d4a-4e6b-9c1d-2a5f7e8b0c13"
    done = client.post(
        url, data={"csrf_token": csrf_of(html), "reason": "Q3 was restated", "evidence": evidence}
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    [made] = cycle.challenges(planted.system, SANDWELL, 2009)
    assert (made["reason"], made["evidence"], made["by"]["role"]) == (
        "Q3 was restated", [evidence], f"council:{SANDWELL}",
    )  # fmt: skip
    assert "Q3 was restated" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_council_pages_are_only_a_councils(client: FlaskClient) -> None:
    sign_in(client, "inspectorate:ofsted")
    assert client.get("/console/council").status_code == 403


def test_an_area_page_shows_its_laa_targets_direction_of_travel_ladder_and_downloads(
    client: FlaskClient,
) -> None:
    system = client.application.extensions["riskgate"]
    review = client.get(f"/v1/areas/{SANDWELL}/laa?year=2009").get_json()
    [target] = review["targets"]  # the local target is not the public's
    assessment = client.get(f"/v1/areas/{SANDWELL}/assessment?year=2009").get_json()
    travel = assessment["organisations"][SANDWELL]["direction_of_travel"]

    html = client.get(f"/areas/{SANDWELL}?year=2009").get_data(as_text=True)

    laa = html[html.index('id="laa"') : html.index('id="ladder"')]
    assert "NI 73" in laa and "NI 4" not in laa
    assert f"{target['gap']} ({target['gap_pct']}%)" in laa
    assert f">{target['status']}" in laa and target["status"] == "behind"
    assert "behind the trajectory 2 quarter(s) running" in laa
    assert "Direction of Travel" in html
    assert f"{travel['score']}: {travel['label']}" in html  # beside Use of Resources
    assert travel["reason"] in html
    # Sandwell's falling NI 73 scores its Direction of Travel 1, which opens a ladder case.
    [case] = client.get(f"/v1/areas/{SANDWELL}/ladder").get_json()
    assert (case["body"], case["theme"], travel["score"]) == (SANDWELL, "direction_of_travel", 1)
    ladder = html[html.index('id="ladder"') : html.index("Indicators behind the flags")]
    assert "Sandwell" in ladder and "not yet taken" in ladder
    assert 'href="/v1/exports/2009/judgements.csv"' in html
    assert 'href="/downloads"' in html

    downloads = client.get("/downloads").get_data(as_text=True)
    this_year = system.clock.today().year
    for name in ("judgements", "indicators", "laa", "decisions"):
        for link in (f"/v1/exports/2009/{name}.csv", f"/v1/exports/2009/{name}.json",
                     f"/v1/exports/{this_year}/{name}.dictionary.json"):  # fmt: skip
            assert f'href="{link}"' in downloads
            assert client.get(link).status_code == 200, link
