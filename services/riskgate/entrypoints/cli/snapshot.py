"""`riskgate snapshot`: prepare the sample year's snapshot that lets `riskgate run` fill an
empty home in a second (service_layer/snapshot.py)."""

from __future__ import annotations

import click

from riskgate.entrypoints.cli.common import settings as read_settings
from riskgate.entrypoints.cli.progress import reporting
from riskgate.sample.ids import SAMPLE_YEAR
from riskgate.service_layer.snapshot import build_snapshot, find_snapshot, snapshots_usable


@click.group("snapshot")
def snapshot_group() -> None:
    """The prepared sample year that a new embedded home starts from."""


@snapshot_group.command("build")
@click.option("--force", is_flag=True, help="build it again even if a matching one is there")
def build(force: bool) -> None:
    """Load the sample year into a throwaway home and keep its snapshot in
    RISKGATE_SNAPSHOT_DIR (default RISKGATE_HOME/snapshots), for these rules and this riskgate.
    Nothing is done if a matching snapshot is there already."""
    settings = read_settings()
    if not snapshots_usable(settings):
        raise click.ClickException(
            "snapshots are for the embedded default: unset KAFKA_BOOTSTRAP_SERVERS, REDIS_URL "
            "and RISKGATE_FAILPOINTS"
        )
    found = find_snapshot(settings, SAMPLE_YEAR)
    if found is not None and not force:
        click.echo(f"snapshot of the sample year {SAMPLE_YEAR} already prepared: {found[0]}")
        return
    with reporting(f"snapshot: loading the sample year {SAMPLE_YEAR}") as progress:
        written = build_snapshot(settings, SAMPLE_YEAR, progress)
    if written is None:
        raise click.ClickException("the snapshot could not be written (see the log line above)")
    click.echo(f"snapshot of the sample year {SAMPLE_YEAR} written: {written}")
