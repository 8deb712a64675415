"""The ingest API as an integrator calls it over HTTP (`riskgate publish`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class IngestUnavailable(RuntimeError):
    """The API refused the events or could not be reached; the message says which."""


def post_events(url: str, events: list[dict[str, Any]], token: str) -> dict[str, Any]:
    """POST a list of events to `url` (`…/v1/events`) as the integrator holding `token`;
    return the API's `{accepted, duplicates}` reply."""
    request = urllib.request.Request(
        url,
        data=json.dumps(events).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the user's own URL
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise IngestUnavailable(
            f"{url} answered {exc.code}: {exc.read().decode(errors='replace')}"
        ) from None
    except urllib.error.URLError as exc:
        raise IngestUnavailable(f"cannot reach {url}: {exc.reason}") from None
