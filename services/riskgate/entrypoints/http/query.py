"""An unknown query parameter is refused, in one place for every operation: 400 naming it.

The parameters an operation takes are the ones `/openapi.json` declares for it (its
query schema's fields and, on a list, `page` and `page_size`), so the document and the
check never disagree. Paths the document does not describe (`/docs`, its assets, the
document itself) are not checked.
"""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Api
from flask_smorest.spec.plugins import FlaskPlugin

from riskgate.entrypoints.http.errors import abort

API = "riskgate.api"  # the app's flask-smorest Api, in app.extensions
_DECLARED = "riskgate.query_parameters"
Declared = dict[tuple[str, str], frozenset[str]]


def declared_query_parameters(api: Api) -> Declared:
    """Per (OpenAPI path, METHOD): the query parameters the document declares."""
    declared: Declared = {}
    for path, item in api.spec.to_dict()["paths"].items():
        shared = [p for p in item.get("parameters", []) if p.get("in") == "query"]
        for method, operation in item.items():
            if method == "parameters":
                continue
            parameters = shared + operation.get("parameters", [])
            names = frozenset(p["name"] for p in parameters if p.get("in") == "query")
            declared[(path, method.upper())] = names
    return declared


def _declared_here() -> frozenset[str] | None:
    """The query parameters of the operation this request matched, None if undocumented."""
    declared: Declared | None = current_app.extensions.get(_DECLARED)
    if declared is None:  # built once, after every blueprint has been registered
        declared = declared_query_parameters(current_app.extensions[API])
        current_app.extensions[_DECLARED] = declared
    if request.url_rule is None:
        return None
    path = FlaskPlugin.flaskpath2openapi(request.url_rule.rule)
    method = "GET" if request.method == "HEAD" else request.method
    return declared.get((path, method))


def refuse_unknown_query_parameters() -> None:
    """before_request: 400 naming each query parameter the operation does not declare."""
    if not request.args:
        return
    declared = _declared_here()
    if declared is None:
        return
    unknown = sorted(set(request.args) - declared)
    if unknown:
        takes = ", ".join(sorted(declared)) or "no query parameters"
        reason = f"not a query parameter of {request.method} {request.path}; it takes: {takes}"
        abort(
            400,
            message=f"unknown query parameter: {', '.join(unknown)}",
            errors={name: [reason] for name in unknown},
        )
