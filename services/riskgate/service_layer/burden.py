"""Requested versus approved on-site days: the burden the gatekeeper saved.

Requested days are what every request asked for; approved days are what the
inspections that came out of them plan (a merged request adds nothing, a joint
inspection counts its days once, a rejected request none). Overrides count as
they leave the inspection.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

HEADER = ("by", "code", "requests", "requested_days", "inspections", "approved_days", "saved_days")


def burden_rows(
    requests: Iterable[Mapping[str, Any]],
    inspections: Iterable[Mapping[str, Any]],
    year: int | None = None,
) -> list[dict[str, Any]]:
    """One row per inspectorate and per body, then a national total, for requests received in
    `year` (default: all) and the inspections they led to."""
    chosen = [r for r in requests if year is None or str(r["received_at"]).startswith(str(year))]
    ids = {r["request_id"] for r in chosen}
    requested: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in chosen:
        for key in (("inspectorate", r["inspectorate"]), ("body", r["body"]), ("total", "all")):
            requested[key][0] += 1
            requested[key][1] += int(r["on_site_days"])
    approved: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for i in inspections:
        if i["status"] in ("cancelled", "declined") or not ids & set(i["request_ids"]):
            continue
        for key in (
            ("inspectorate", i["lead_inspectorate"]),
            ("body", i["body"]),
            ("total", "all"),
        ):
            approved[key][0] += 1
            approved[key][1] += int(i["on_site_days"])
    order = {"inspectorate": 0, "body": 1, "total": 2}
    rows = []
    for by, code in sorted({*requested, *approved}, key=lambda k: (order[k[0]], k[1])):
        asked, got = requested[(by, code)], approved[(by, code)]
        rows.append(
            {
                "by": by,
                "code": code,
                "requests": asked[0],
                "requested_days": asked[1],
                "inspections": got[0],
                "approved_days": got[1],
                "saved_days": asked[1] - got[1],
            }
        )
    return rows


def as_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV, with the HEADER columns in order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
