"""Request bodies parsed within the limits (`riskgate.limits`), refused in the one error shape;
lists answered a bounded page at a time.

A body over RISKGATE_MAX_BODY_BYTES is 413, chunked or not; JSON that is malformed,
nested too deep or not valid Unicode is 400 naming the field: every request body is
parsed by `limits.loads_bounded`, by Flask and by webargs alike. A list view decorated
with `blueprint.paginate(Page)` answers `page` and `page_size` (at most MAX_PAGE_SIZE)
with flask-smorest's `X-Pagination` metadata and an RFC 8288 `Link` header.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import urlencode

from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Blueprint, Page
from flask_smorest.pagination import PaginationMetadataSchema
from marshmallow import ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from riskgate import limits
from riskgate.entrypoints.http.errors import abort


def refuse_json(error: ValueError) -> NoReturn:
    """A request body that is not acceptable JSON: 400 naming the field and the reason."""
    if isinstance(error, limits.LimitExceeded):
        field, reason = error.field, error.message
    elif isinstance(error, json.JSONDecodeError):
        field = "body"
        reason = f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
    else:
        field, reason = "body", str(error)
    abort(400, message=f"invalid {field}: {reason}", errors={field: [reason]})


class BoundedJSON(DefaultJSONProvider):
    """Flask's JSON with bounded parsing: depth is checked before json.loads can recurse."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return limits.loads_bounded(s)


class BoundedRequest(Request):
    def get_data(self, *args: Any, **kwargs: Any) -> Any:
        """The body; a chunked one over MAX_CONTENT_LENGTH is refused (413), never cut short."""
        data = super().get_data(*args, **kwargs)
        limit = self.max_content_length
        if limit is not None and self.content_length is None and len(data) >= limit:
            # werkzeug stops reading a chunked body at the limit without saying so; a read
            # past the limit raises RequestEntityTooLarge
            self.stream.read(1)
        return data

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # not a JSON content type
            return super().on_json_loading_failed(e)
        refuse_json(e)


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # a malformed query is the caller's error, as for bodies

    def _raw_load_json(self, req: Request) -> Any:
        """The JSON body, parsed with the same bounds as every other (webargs' own is not)."""
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing  # as webargs: an empty body is no body
        try:
            return limits.loads_bounded(data)
        except ValueError as exc:
            refuse_json(exc)

    def handle_error(
        self,
        error: ValidationError,
        req: Any,
        schema: Any,
        *,
        error_status_code: int | None,
        error_headers: Mapping[str, str] | None,
    ) -> NoReturn:
        """Validation errors in the one error shape, with a message naming the fields."""
        where = (
            next(iter(error.messages), "request") if isinstance(error.messages, dict) else "request"
        )
        fields_ = (
            error.messages.get(where, error.messages) if isinstance(error.messages, dict) else {}
        )
        names = ", ".join(sorted(fields_)) if isinstance(fields_, dict) else where
        abort(
            error_status_code or self.DEFAULT_VALIDATION_STATUS,
            message=f"invalid {where}: {names}",
            errors=error.messages,
            headers=error_headers,
        )


# A page of a list: 50 items unless asked, never more than 500 (a local setting: riskgate's
# default, so that no answer grows with the register).
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
LINK_DESCRIPTION = (
    'RFC 8288 links to the `first`, `prev`, `next` and `last` pages, e.g. '
    '`<http://host/v1/decisions?page=2&page_size=50>; rel="next"`'
)

__all__ = ["MAX_PAGE_SIZE", "PAGE_SIZE", "BoundedBlueprint", "Page"]


def this_url_with(name: str, value: str) -> str:
    """This request's URL with the query parameter `name` set to `value`, the others kept."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k != name]
    return f"{request.base_url}?{urlencode([*query, (name, value)])}"


def page_links(page: int, last_page: int) -> str:
    """The `Link` header for page `page` of `last_page`: this URL with only `page` changed."""
    rels = {"first": 1, "prev": page - 1, "next": page + 1, "last": last_page}
    links = [
        f'<{this_url_with("page", str(number))}>; rel="{rel}"'
        for rel, number in rels.items()
        if 1 <= number <= last_page
    ]
    return ", ".join(links)


class BoundedBlueprint(Blueprint):
    """A blueprint whose query and body arguments are parsed within the limits, and whose
    paginated lists are bounded and linked."""

    ARGUMENTS_PARSER = _Parser()
    PAGINATION_ARGUMENTS_PARSER = ARGUMENTS_PARSER  # a bad page is 400 in the one shape
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": PAGE_SIZE, "max_page_size": MAX_PAGE_SIZE}  # fmt: skip

    def _set_pagination_metadata(self, page_params: Any, result: Any, headers: Any) -> Any:
        """flask-smorest's `X-Pagination` metadata, and the `Link` header beside it."""
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        last_page = -(-page_params.item_count // page_params.page_size)
        links = page_links(page_params.page, last_page)
        if links:
            headers["Link"] = links
        return result, headers

    def _document_pagination_metadata(self, spec: Any, resp_doc: dict[str, Any]) -> None:
        """The two headers; `X-Pagination` is JSON, so declared by its content, not a schema
        (which OpenAPI would read as comma-separated values)."""
        if "PaginationMetadata" not in spec.components.schemas:
            spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
        metadata = {"$ref": "#/components/schemas/PaginationMetadata"}
        resp_doc.setdefault("headers", {}).update(
            {
                self.PAGINATION_HEADER_NAME: {
                    "description": "The page's metadata, as JSON",
                    "content": {"application/json": {"schema": metadata}},
                },
                "Link": {"description": LINK_DESCRIPTION, "schema": {"type": "string"}},
            }
        )
