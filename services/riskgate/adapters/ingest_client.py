"""The ingest API as an integrator calls it over HTTP (`riskgate publish`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any

from riskgate import limits

# What one POST carries at most, under the server's default body limit (RISKGATE_MAX_BODY_BYTES,
# 1 MiB) with room to spare: an LAA agreement alone may be a quarter of it.
POST_BYTES = limits.MAX_BODY_BYTES * 3 // 4


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


def bounded_batches(
    events: Iterable[dict[str, Any]], max_events: int, max_bytes: int = POST_BYTES
) -> Iterator[list[dict[str, Any]]]:
    """The events in order, in lists of at most `max_events` whose JSON stays under
    `max_bytes` (an event larger on its own goes alone, for the server to refuse by name)."""
    batch: list[dict[str, Any]] = []
    size = 2  # the list's brackets
    for event in events:
        encoded = len(json.dumps(event).encode()) + 2  # and its separator
        if batch and (len(batch) >= max_events or size + encoded > max_bytes):
            yield batch
            batch, size = [], 2
        batch.append(event)
        size += encoded
    if batch:
        yield batch
