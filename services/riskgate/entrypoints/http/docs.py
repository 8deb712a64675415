"""The API reference at `/docs`: flask-smorest's Swagger UI page, with Swagger UI's files served
from the copy vendored inside the package (`static/swagger-ui`, refreshed by `make swagger-ui`),
so that the page loads nothing from the internet."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, request

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
ASSETS_DIR = Path(__file__).parent / "static" / "swagger-ui"

docs_assets = Blueprint(
    "docs-assets", __name__, static_folder=ASSETS_DIR, static_url_path=ASSETS_PATH
)

# flask-smorest's settings for its Swagger UI page, pointed at the vendored files
SWAGGER_UI_CONFIG = {
    "OPENAPI_SWAGGER_UI_PATH": DOCS_PATH.lstrip("/"),
    "OPENAPI_SWAGGER_UI_URL": f"{ASSETS_PATH}/",
    # no validator badge: Swagger UI would send the document to validator.swagger.io
    "OPENAPI_SWAGGER_UI_CONFIG": {"deepLinking": True, "validatorUrl": None},
}
# The page may load and call only this server: a browser refuses anything from elsewhere.
# (flask-smorest's page starts Swagger UI from an inline script.)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


def confine_docs(response: Response) -> Response:
    """after_request: the reference page may load nothing from another origin."""
    if request.path == DOCS_PATH:
        response.headers["Content-Security-Policy"] = DOCS_POLICY
    return response
