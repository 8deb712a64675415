"""`riskgate run`: every service embedded by default, or one against Kafka and Redis, under
gunicorn with an application factory per worker."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from riskgate.bootstrap import CONSUMING, bootstrap, home_database
from riskgate.config import SERVICES, Settings
from riskgate.entrypoints.cli.common import settings as read_settings
from riskgate.entrypoints.consumer_processes import ConsumerProcesses, serve
from riskgate.entrypoints.gunicorn_config import gunicorn_options, shared_metrics_dir
from riskgate.failpoints import SUPERVISOR_ENV
from riskgate.sample.ids import SAMPLE_YEAR
from riskgate.service_layer.gc_pause import settle_long_lived
from riskgate.service_layer.sample_year import SAMPLE_MARK, mark_sample, sample_wanted
from riskgate.service_layer.scheduler import run_embedded
from riskgate.service_layer.snapshot import restore_snapshot, save_snapshot, snapshots_usable
from riskgate.service_layer.tokens import one_per_role

if TYPE_CHECKING:
    from flask import Flask  # the HTTP app is imported by the command that serves it

log = logging.getLogger("riskgate")


class _Gunicorn(BaseApplication):
    """gunicorn with an application factory that runs in each worker (no import-time state),
    and, against Kafka, the services' consumers in processes of their own beside the workers
    (`ConsumerProcesses`, kept by the master)."""

    def __init__(
        self,
        factory: Callable[[], Flask],
        options: dict[str, Any],
        consumers: ConsumerProcesses | None = None,
    ) -> None:
        self._factory = factory
        self._options = options
        self._consumers = consumers
        os.environ[SUPERVISOR_ENV] = str(os.getpid())
        super().__init__()

    def run(self) -> None:
        if self._consumers is None:
            super().run()
            return
        try:
            _Arbiter(self, self._consumers).run()
        except RuntimeError as exc:  # as BaseApplication.run reports a bad configuration
            print(f"\nError: {exc}\n", file=sys.stderr)
            sys.exit(1)

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._factory()


class _Arbiter(Arbiter):
    """gunicorn's master, also keeping the consumer processes: started with the workers, each
    started again after its turn of the loop if it died, replaced with the workers on a reload
    (SIGHUP), and stopped with the workers."""

    def __init__(self, app: BaseApplication, consumers: ConsumerProcesses) -> None:
        self.consumers = consumers
        super().__init__(app)

    def manage_workers(self) -> None:
        super().manage_workers()
        self.consumers.keep()

    def handle_chld(self) -> None:
        self.consumers.reap()  # first: gunicorn's own reaping takes every child's exit
        super().handle_chld()

    handle_cld = handle_chld  # SIGCLD, the name gunicorn may find for SIGCHLD (as it does)

    def reload(self) -> None:
        super().reload()  # new workers, then the old ones stopped gracefully
        self.consumers.replace(self.cfg.graceful_timeout)

    def stop(self, graceful: bool = True) -> None:
        # one deadline for workers and consumers alike: gunicorn's graceful timeout, not twice
        deadline = time.monotonic() + (self.cfg.graceful_timeout if graceful else 2.0)
        self.consumers.stop()  # SIGTERM either way: a consumer stops within a poll
        super().stop(graceful)
        self.consumers.wait(deadline)


def _embedded_factory(
    settings: Settings, tokens: dict[str, str], with_sample: bool, keep_home: bool
) -> Callable[[], Flask]:
    snapshots = with_sample and keep_home and snapshots_usable(settings)

    def factory() -> Flask:
        from riskgate.entrypoints.http import create_app

        # An empty home is filled from a prepared snapshot before anything opens it.
        restored = (
            restore_snapshot(settings, SAMPLE_YEAR, home_database(settings)) if snapshots else None
        )
        system = bootstrap(settings, keep_home=keep_home)
        load = with_sample and restored is None and sample_wanted(system)
        fresh = load and system.store.get(SAMPLE_MARK) is None  # not a load cut short
        if restored is not None:
            system.loading.expect(restored.events)
            system.loading.finish()
        elif load:
            mark_sample(system, "loading")  # before the first request can post
            system.loading.begin()  # /readyz says 503 from the first request on
        elif with_sample:
            log.info("the home already holds events: the sample year is not loaded again")
        for token, role in tokens.items():
            system.tokens.add(token, role, holder=f"embedded:{role}")

        def loaded(accepted: Counter[str]) -> None:
            settle_long_lived()  # what the load left in memory stays: gc_pause.py
            if snapshots and fresh:
                save_snapshot(settings, SAMPLE_YEAR, home_database(settings), accepted)

        threading.Thread(
            target=run_embedded,
            args=(system,),
            kwargs={
                "load": load,
                "sweep_s": settings.sweep_s,
                "stop": threading.Event(),
                "on_loaded": loaded,
            },
            name="embedded-pipeline",
            daemon=True,
        ).start()
        app = create_app(system)
        settle_long_lived()  # what the worker made to start lives as long as it: gc_pause.py
        return app

    return factory


def _service_factory(settings: Settings, services: tuple[str, ...]) -> Callable[[], Flask]:
    def factory() -> Flask:
        from riskgate.entrypoints.http import create_app

        system = bootstrap(settings)
        # the consumers (and their sweeps) run in `riskgate consume` processes
        system.consumed_apart = tuple(s for s in services if s in CONSUMING)
        app = create_app(system, services)
        settle_long_lived()  # what the worker made to start lives as long as it: gc_pause.py
        return app

    return factory


@click.command()
@click.argument("service", required=False, type=click.Choice(SERVICES))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=8, show_default=True, type=int, help="threads per worker")
@click.option(
    "--sample/--no-sample",
    default=True,
    show_default=True,
    help="embedded mode: load the bundled sample year at start, into an empty home only",
)
@click.option(
    "--ephemeral",
    is_flag=True,
    help="embedded mode: keep everything in memory and write nothing under RISKGATE_HOME",
)
def run(
    service: str | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    sample: bool,
    ephemeral: bool,
) -> None:
    """Run every service (embedded by default), or one SERVICE against Kafka and Redis."""
    settings = read_settings()
    metrics_dir = shared_metrics_dir()  # may start this command again, with it set
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "timeout": 120,
        "control_socket_disable": True,  # several services on one host would share one socket path
        **gunicorn_options(settings),
    }
    if settings.embedded:
        if service is not None:
            raise click.ClickException(
                f"`riskgate run {service}` runs one service against Kafka and Redis: set "
                "KAFKA_BOOTSTRAP_SERVERS and REDIS_URL, or run `riskgate run` for the embedded default"
            )
        options["workers"] = 1  # one pipeline per home: a second would handle every event twice
        tokens = one_per_role()
        kept = "memory only (--ephemeral)" if ephemeral else f"{settings.home.resolve()}"
        with metrics_dir, _home_claimed(settings, ephemeral):
            click.echo(f"riskgate (embedded, no servers) on http://{host}:{port}")
            click.echo(f"state in {kept}")
            click.echo(f"site http://{host}:{port}/ (public) and http://{host}:{port}/console (staff)")
            for token, role in tokens.items():
                click.echo(f"token {role} {token}")
            sys.stdout.flush()
            _Gunicorn(_embedded_factory(settings, tokens, sample, not ephemeral), options).run()
    else:
        services = (service,) if service else SERVICES
        click.echo(
            f"riskgate {' '.join(services)} against Kafka {settings.kafka_bootstrap_servers} "
            f"and Redis {settings.redis_url} on http://{host}:{port}"
        )
        if "risk" in services:
            click.echo(f"site http://{host}:{port}/ (public) and http://{host}:{port}/console (staff)")
        with metrics_dir:
            consumers = ConsumerProcesses(services)
            _Gunicorn(_service_factory(settings, services), options, consumers).run()


@click.command(hidden=True)
@click.argument("services", nargs=-1, required=True, type=click.Choice(CONSUMING))
def consume(services: tuple[str, ...]) -> None:
    """Run SERVICES' consumers against Kafka and Redis until SIGTERM: the process that
    `riskgate run` starts for each consuming service, beside its HTTP workers."""
    settings = read_settings()
    if settings.embedded:
        raise click.ClickException(
            "`riskgate consume` reads Kafka and writes Redis: set KAFKA_BOOTSTRAP_SERVERS and "
            "REDIS_URL"
        )
    serve(settings, tuple(dict.fromkeys(services)))


@contextlib.contextmanager
def _home_claimed(settings: Settings, ephemeral: bool) -> Iterator[None]:
    """Hold RISKGATE_HOME for this run; the kernel frees it if the process dies."""
    if ephemeral:
        yield
        return
    settings.home.mkdir(parents=True, exist_ok=True)
    with (settings.home / "run.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(
                f"RISKGATE_HOME {settings.home}: another `riskgate run` is using it; stop it, "
                "or set RISKGATE_HOME to another directory"
            ) from None
        yield
