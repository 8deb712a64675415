"""Benchmark: how long the embedded default takes to load the bundled sample year.

Prints the seconds `load_sample` takes (what `riskgate run` does in the background
at start: ingest, bus, risk, citizens, gatekeeper, work) on the memory adapters
(`riskgate run --ephemeral`) and on the SQLite files under a fresh RISKGATE_HOME
(`riskgate run`), with the size of the home afterwards.

Usage: .venv/bin/python bench/embedded.py [--only memory|sqlite]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.service_layer.sample_year import load_sample

RULES = Path(__file__).resolve().parents[1] / "rules"


def seconds_to_load(home: Path | None) -> tuple[float, int]:
    """Seconds to load the sample year; events accepted."""
    settings = Settings(rules_dir=RULES, home=home or Path("unused"))
    start = time.perf_counter()
    system = bootstrap(settings, keep_home=home is not None)
    accepted = load_sample(system).total()
    return time.perf_counter() - start, accepted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=("memory", "sqlite"))
    only = parser.parse_args().only
    if only != "sqlite":
        elapsed, accepted = seconds_to_load(None)
        print(f"memory (--ephemeral): {accepted} events in {elapsed:.1f} s")
    if only != "memory":
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            elapsed, accepted = seconds_to_load(home)
            size = sum(f.stat().st_size for f in home.rglob("*") if f.is_file())
            print(
                f"sqlite (RISKGATE_HOME): {accepted} events in {elapsed:.1f} s; "
                f"home {size / 1e6:.0f} MB"
            )


if __name__ == "__main__":
    main()
