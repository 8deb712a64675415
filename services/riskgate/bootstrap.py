"""The one place that chooses adapters and wires them into the services."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskgate import failpoints, topics
from riskgate.adapters.bus import Bus, MemoryBus
from riskgate.adapters.durable_engine import engine_for
from riskgate.adapters.policy_file import live_policies
from riskgate.adapters.sqlite_bus import SqliteBus
from riskgate.adapters.sqlite_store import SqliteStore
from riskgate.adapters.store import MemoryStore, Store
from riskgate.config import SERVICES, Settings
from riskgate.domain.calendar import bank_holidays
from riskgate.domain.reference import Reference, load_reference
from riskgate.domain.rules import RuleSet
from riskgate.entrypoints.consumer import ConsumerLoop
from riskgate.schemas import set_known_indicators
from riskgate.service_layer.citizens import CitizensService
from riskgate.service_layer.citizens_config import CitizensConfigSource
from riskgate.service_layer.clock import Clock
from riskgate.service_layer.common import BodyRegistry
from riskgate.service_layer.gatekeeper import GatekeeperService
from riskgate.service_layer.ingest import IngestService
from riskgate.service_layer.loading import LoadProgress
from riskgate.service_layer.peer_comparison import PeerComparison
from riskgate.service_layer.producers import Producers
from riskgate.service_layer.risk import RiskService, RulesSource
from riskgate.service_layer.tokens import Tokens
from riskgate.service_layer.work import WorkService

log = logging.getLogger(__name__)


def _fired(ruleset: RuleSet, observation: dict[str, Any]) -> list[str]:
    return engine_for(ruleset).fired(observation)


@dataclass
class System:
    """Everything one riskgate process runs, wired to its adapters."""

    settings: Settings
    bus: Bus
    store: Store
    reference: Reference
    ingest: IngestService
    risk: RiskService
    gatekeeper: GatekeeperService
    work: WorkService
    citizens: CitizensService
    tokens: Tokens
    rules: RulesSource
    producers: Producers
    clock: Clock
    peers: PeerComparison  # when the risk service compares areas with their peers
    loops: dict[str, ConsumerLoop] = field(default_factory=dict)
    loading: LoadProgress = field(default_factory=LoadProgress)  # the sample year's, for /readyz
    # services whose consumers run in processes of their own (`riskgate run` against Kafka):
    # /readyz and /metrics ask about them across processes (entrypoints/consumer_processes.py)
    consumed_apart: tuple[str, ...] = ()

    def handler_for(self, service: str) -> Callable[[dict[str, Any]], None]:
        return {
            "risk": self.risk.handle,
            "gatekeeper": self.gatekeeper.handle,
            "work": self.work.handle,
            "citizens": self.citizens.handle,
        }[service]

    def consumer(self, service: str) -> ConsumerLoop:
        """The consumer loop of one service, created on first use."""
        if service not in self.loops:
            group = f"{self.settings.consumer_group_prefix}-{service}"
            keyed_by_area = SUBSCRIPTIONS[service] == topics.EVENT_TOPICS
            self.loops[service] = ConsumerLoop(
                service,
                self.bus.subscribe(group, SUBSCRIPTIONS[service]),
                self.handler_for(service),
                self.bus.publisher(),
                area_of=self.area_of_event if keyed_by_area else None,
                producer_check=self.producers.refusal if keyed_by_area else None,
                # Validated once where they entered: integrators produce only to the events
                # topic, and only with Kafka (embedded, ingest is the one way in).
                trusted=self.settings.embedded or not keyed_by_area,
                # The risk service, the gatekeeper and the citizens' desk commit a poll as one
                # batch (the gatekeeper holding each body's lock until the batch is stored).
                batch=getattr(self, service).poll_batch if service in BATCHED else None,
                prefetch=self._prefetch(service),
                acts_on=self.citizens.ACTS_ON if service == "citizens" else None,
            )
        return self.loops[service]

    def _prefetch(self, service: str) -> Callable[[list[dict[str, Any]]], None] | None:
        """What reads a poll's events ahead, in one round trip. The gatekeeper's only whether
        the requests its triage holds were handled before: a decision reads a body's register
        under the body's lock, fresh. None in memory, where a read is as cheap asked alone as
        with the poll's."""
        if not getattr(self.store, "prefetch_pays", True):
            return None
        return {
            "risk": self.risk.prefetch,
            "citizens": self.citizens.prefetch,
            "gatekeeper": self.gatekeeper.prefetch,
        }.get(service)

    def area_of_event(self, event: dict[str, Any]) -> str | None:
        """The area an event is keyed by, as ingest keys it (None for a body not known yet)."""
        if event["type"] == "body.registered":
            return str(event["payload"]["area"])
        return self.ingest.area_of(event["body"])

    def pump(self, services: tuple[str, ...] = ("risk", "citizens", "gatekeeper", "work")) -> int:
        """Run the consumers until none has anything left (the embedded mode's scheduler)."""
        total = 0
        while True:
            handled = sum(self.consumer(s).run_once(timeout_s=0) for s in services)
            total += handled
            if handled == 0:
                return total

    def start_consumers(
        self, services: tuple[str, ...], stop: threading.Event
    ) -> list[threading.Thread]:
        """Run the given services' consumer loops in daemon threads until `stop` is set."""
        # The working-day calendar's first use imports England's from the holidays package
        # (about 40 ms of CPU): done now, not in the first poll that counts a deadline.
        bank_holidays(dt.date.today().year)
        threads = []
        for service in services:
            loop = self.consumer(service)
            # the risk service makes the peer comparison when it has caught up
            on_idle = self.peers.run_due if service == "risk" else None
            thread = threading.Thread(
                target=loop.run_forever,
                args=(stop, on_idle),
                name=f"consumer-{service}",
                daemon=True,
            )
            thread.start()
            threads.append(thread)
        return threads


# The services whose consumers commit a poll as one batch.
BATCHED = ("risk", "gatekeeper", "citizens")
SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "risk": topics.EVENT_TOPICS,
    "gatekeeper": (topics.REQUESTS, topics.JUDGEMENTS),
    "work": topics.WORK_TOPICS,
    "citizens": topics.EVENT_TOPICS,
}
CONSUMING = tuple(s for s in SERVICES if s in SUBSCRIPTIONS)


def bootstrap(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    store: Store | None = None,
    keep_home: bool = False,
) -> System:
    """Build a System: Kafka and Redis when configured; embedded, SQLite files under
    `settings.home` when `keep_home` (what `riskgate run` does), else memory (tests, and the
    commands that replay a year into a throwaway system)."""
    settings = settings or Settings.from_env()
    if settings.embedded and keep_home:  # one file: the bus's log and the store share its WAL
        bus = SqliteBus(home_database(settings)) if bus is None else bus
        store = SqliteStore(home_database(settings)) if store is None else store
    if store is None:
        if settings.embedded:
            store = MemoryStore()
        else:
            from riskgate.adapters.redis_store import RedisStore

            assert settings.redis_url
            store = RedisStore(settings.redis_url)
    if bus is None:
        if settings.embedded:
            bus = MemoryBus()
        else:
            from riskgate.adapters.attestation import Attestation
            from riskgate.adapters.kafka_bus import KafkaBus

            assert settings.kafka_bootstrap_servers
            bus = KafkaBus(
                settings.kafka_bootstrap_servers,
                settings.kafka_partitions,
                settings.kafka_replication,
                # ingest's events, validated once, are not validated again by each consumer
                attestation=Attestation.kept_in(store, topics.EVENT_TOPICS),
            )
    failpoints.arm(settings.failpoints)
    bus.ensure_topics(topics.ALL_TOPICS)
    reference = load_reference()
    set_known_indicators(reference.indicators)
    publisher = bus.publisher()
    rules = RulesSource(settings.rules_dir, settings.rules_reload_s)
    bodies = BodyRegistry(store, reference)
    clock = Clock(store, settings.embedded, settings.today)
    risk = RiskService(store, publisher, reference, rules, _fired)
    system = System(
        settings=settings,
        bus=bus,
        store=store,
        reference=reference,
        ingest=IngestService(store, publisher, bodies),
        risk=risk,
        gatekeeper=GatekeeperService(
            store,
            publisher,
            live_policies(settings.rules_dir, settings.rules_reload_s),
            clock=clock,
        ),
        work=WorkService(store),
        citizens=CitizensService(
            store,
            publisher,
            CitizensConfigSource(settings.rules_dir, settings.rules_reload_s),
            rules,  # live: a routing change reaches escalations as it reaches the risk service
            BodyRegistry(store, reference),
            clock,
        ),
        tokens=Tokens(store),
        rules=rules,
        producers=Producers(store, bodies.placed_in, embedded=settings.embedded),
        clock=clock,
        peers=PeerComparison(risk, store, settings.peers_quiet_s),
    )
    return system


def home_database(settings: Settings) -> Path:
    """The embedded default's one SQLite file: topics, consumer positions, state and tokens."""
    return settings.home / "riskgate.sqlite3"


def token_registry(settings: Settings) -> Tokens:
    """The tokens `riskgate tokens create` adds to: Redis when configured, else the embedded
    home's SQLite file, where a running `riskgate run` sees them at once."""
    if settings.embedded:
        return Tokens(SqliteStore(home_database(settings)))
    from riskgate.adapters.redis_store import RedisStore

    assert settings.redis_url
    return Tokens(RedisStore(settings.redis_url))
