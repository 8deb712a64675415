"""Benchmark: server time of the pages on the national sample year, and their weight.

Loads the bundled sample year as `riskgate run` does (SQLite under a fresh home, or memory
with --store memory), then times, in interleaved rounds through Flask's test client: the home
page, the area page of the area with the most flags, and the gatekeeper's queue (signed in);
beside them, the JSON assessment of the same area (`GET /v1/areas/{code}/assessment`) as the
reference. Prints each one's median and the page weight (HTML + the one stylesheet).
Targets: an area page under 100 ms; a page's HTML and CSS under 200 KB.

Usage: .venv/bin/python bench/pages.py [--rounds 15] [--store sqlite|memory]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask.testing import FlaskClient

from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from riskgate.service_layer.sample_year import run_year

RULES = Path(__file__).resolve().parents[1] / "rules"
YEAR = 2009
CSS = "/static/site/govuk/govuk-frontend.min.css"


def timed(client: FlaskClient, path: str) -> tuple[float, int]:
    """Milliseconds to answer `path` and the bytes of the answer."""
    start = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed, len(response.data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(rules_dir=RULES, home=Path(tmp) / "home")
        started = time.perf_counter()
        system = bootstrap(settings, keep_home=args.store == "sqlite")
        run_year(system, YEAR)
        print(f"sample year {YEAR} loaded ({args.store}) in {time.perf_counter() - started:.0f} s")
        app = create_app(system)
        client = app.test_client()
        flagged = max(
            system.reference.areas,
            key=lambda code: (
                sum(bool(j.get("flag")) for j in system.risk.assessment(code, YEAR).values()),
                code,
            ),
        )
        token = system.tokens.create("gatekeeper", holder="bench:gatekeeper")
        with client.session_transaction() as session:
            session["token"] = token
        paths = {
            "home": "/",
            f"area page {flagged}": f"/areas/{flagged}?year={YEAR}",
            "gatekeeper queue": "/console/queue",
            "reference: JSON assessment": f"/v1/areas/{flagged}/assessment?year={YEAR}",
        }
        css = len(client.get(CSS).data)
        times: dict[str, list[float]] = {name: [] for name in paths}
        sizes: dict[str, int] = {}
        for path in paths.values():  # warm up once
            timed(client, path)
        for _ in range(args.rounds):
            for name, path in paths.items():
                elapsed, size = timed(client, path)
                times[name].append(elapsed)
                sizes[name] = size
        print(f"{args.rounds} interleaved rounds; stylesheet {css / 1000:.0f} KB")
        for name in paths:
            weight = (
                ""
                if name.startswith("reference")
                else (
                    f"; HTML {sizes[name] / 1000:.0f} KB + CSS = {(sizes[name] + css) / 1000:.0f} KB"
                )
            )
            print(f"{name}: median {statistics.median(times[name]):.1f} ms{weight}")


if __name__ == "__main__":
    main()
