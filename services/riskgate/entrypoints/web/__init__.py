"""The pages people read: the public site at `/` and the staff console at `/console`, in the
GOV.UK Design System (govuk-frontend's built assets, vendored under `static/govuk`, and
govuk-frontend-jinja's macros). Server-rendered, no JavaScript needed; the views call the
same service-layer use cases as the JSON API."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import generate_csrf
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.exceptions import HTTPException

from riskgate.bootstrap import System
from riskgate.entrypoints.http.errors import PAGE_ERRORS
from riskgate.entrypoints.web.console import console
from riskgate.entrypoints.web.council_pages import council_pages
from riskgate.entrypoints.web.gatekeeper_pages import gatekeeper_pages
from riskgate.entrypoints.web.inspectorate_pages import inspectorate_pages
from riskgate.entrypoints.web.site import site
from riskgate.entrypoints.web.triage_pages import triage_pages
from riskgate.entrypoints.web.vocabulary import register_filters

ERROR_TITLES = {
    400: "There is a problem with the request",
    403: "You cannot see this page",
    404: "Page not found",
    405: "This page does not take that method",
    413: "What you sent is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def register_pages(app: Flask, system: System) -> None:
    """Serve the site and the console on `app`; errors off the API's paths become HTML pages
    (through the API's page hook, `errors.PAGE_ERRORS`), while the API's keep the one JSON
    error shape."""
    app.config.update(
        SECRET_KEY=system.settings.secret_key or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=3600,
    )
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("riskgate.entrypoints.web", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    register_filters(app)
    app.jinja_env.globals["csrf_token"] = generate_csrf  # the sign-out button's token
    for blueprint in (
        site,
        console,
        gatekeeper_pages,
        inspectorate_pages,
        triage_pages,
        council_pages,
    ):
        app.register_blueprint(blueprint)

    def answer(error: HTTPException) -> Any:
        status = error.code or 500
        page = render_template(
            "error.html",
            status=status,
            title=ERROR_TITLES.get(status, "There is a problem"),
            description=error.description if status in (400, 403, 429) else None,
        )
        return page, status, error.get_headers() if status in (405, 429) else {}

    app.extensions[PAGE_ERRORS] = answer
