"""The runtime of one service: what it consumes, emits, schedules and serves, wired once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from aiokafka.producer import AIOKafkaProducer
from fastapi import APIRouter
from sqlalchemy import text

from radar_schemas.topics import topic_for

from .clock import Clock, SystemClock
from .consumer import ConsumerLoop
from .db import Database
from .kafka import ProducerHandle, ensure_topics, topic_partitions
from .outbox import OutboxRelay, purge_published
from .routing import Routes
from .scheduler import Job, Scheduler
from .settings import RuntimeSettings
from .unit_of_work import UnitOfWork, unit_of_work

if TYPE_CHECKING:
    from .auth.access import Access
    from .migrations import Migrations

log = logging.getLogger(__name__)


class Worker(Protocol):
    """A service's own background loop (e.g. a delivery worker); the runtime starts it
    once the database and broker are reached and stops it before the consumer."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class ServiceSpec:
    """What a service declares; the runtime supplies everything else."""

    name: str
    # Its tables' revisions; the runtime's own tables are migrated with them.
    migrations: Migrations | None = None
    # The event types it consumes and what applies each; its topics follow from them.
    routes: Routes | None = None
    # The event types it publishes (through its outbox, or directly as ingest does).
    emits: tuple[str, ...] = ()
    jobs: Sequence[Job] = ()
    workers: Sequence[Worker] = ()
    routers: Sequence[APIRouter] = field(default_factory=tuple)
    uses_database: bool = True
    producer_options: dict[str, Any] = field(default_factory=dict)
    # Who may call its routes; None only for ingest, which checks its own source keys.
    access: Access | None = None

    @property
    def consumes(self) -> tuple[str, ...]:
        return self.routes.topics if self.routes is not None else ()

    @property
    def produces(self) -> tuple[str, ...]:
        return tuple(sorted({topic_for(event_type) for event_type in self.emits}))


async def _migrate_auth(spec: ServiceSpec) -> None:
    from .migrations import AUTH, migrate

    assert spec.access is not None
    await migrate(spec.access.tokens.db, AUTH)


class Runtime:
    """The infrastructure of one service process: database, producer, consumer loop,
    outbox relay, scheduler and workers. Made before the service's own parts (which
    may hold it), started with the service's spec."""

    def __init__(self, settings: RuntimeSettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.spec: ServiceSpec | None = None
        self.db: Database | None = None
        self.producers: ProducerHandle | None = None
        self.consumer: ConsumerLoop | None = None
        self.relay: OutboxRelay | None = None
        self.scheduler: Scheduler | None = None
        self.workers: list[Worker] = []
        self.started = asyncio.Event()
        self._boot_task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------

    async def start(self, spec: ServiceSpec) -> None:
        """Start in the background: the HTTP server answers /healthz at once and
        /readyz turns true when the database and broker have been reached."""
        self.spec = spec
        if spec.uses_database:
            self.db = Database(
                self.settings.database_url,
                self.settings.db_schema,
                pool_size=self.settings.db_pool_size,
            )
        self.producers = ProducerHandle(self.settings, **spec.producer_options)
        self._boot_task = asyncio.create_task(self._boot(spec), name=f"{spec.name}-boot")

    async def wait_started(self, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while not self.started.is_set():
                if self._boot_task is not None and self._boot_task.done():
                    self._boot_task.result()  # re-raises what stopped the boot
                await asyncio.sleep(0.05)

    async def _boot(self, spec: ServiceSpec) -> None:
        await self._retrying("database migration", lambda: self._migrate(spec))
        if spec.access is not None:
            await self._retrying("token registry migration", lambda: _migrate_auth(spec))
        await self._retrying("topic creation", lambda: self._create_topics(spec))
        assert self.producers is not None
        await self._retrying("producer start", self.producers.start)
        if self.db is not None:
            self.relay = OutboxRelay(
                service=spec.name,
                db=self.db,
                producers=self.producers,
                poll_seconds=self.settings.outbox_poll_seconds,
            )
            await self.relay.start()
            self.scheduler = Scheduler(
                service=spec.name,
                db=self.db,
                clock=self.clock,
                jobs=[*self._maintenance_jobs(), *spec.jobs],
                tick_seconds=self.settings.scheduler_tick_seconds,
            )
            await self.scheduler.start()
        if spec.routes is not None and self.db is not None:
            self.consumer = ConsumerLoop(
                settings=self.settings,
                db=self.db,
                producers=self.producers,
                clock=self.clock,
                topics=spec.consumes,
                handler=spec.routes.apply,
            )
            await self._retrying("consumer start", self.consumer.start)
        for worker in spec.workers:
            await worker.start()
            self.workers.append(worker)
        self.started.set()
        log.info("service started", extra={"service": spec.name})

    async def _retrying(self, what: str, step: Callable[[], Any]) -> None:
        delay = 0.5
        while True:
            try:
                await step()
                return
            except Exception as exc:
                log.warning(f"{what} failed; retrying", extra={"error": repr(exc), "in": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _migrate(self, spec: ServiceSpec) -> None:
        if self.db is not None:
            # Imported here: Alembic takes ~0.4 s to load, for services with a database only.
            from .migrations import migrate

            await migrate(self.db, spec.migrations)

    async def _create_topics(self, spec: ServiceSpec) -> None:
        if self.settings.create_topics:
            await ensure_topics(
                self.settings.kafka_bootstrap_servers,
                topic_partitions(self.settings, {*spec.consumes, *spec.produces}),
                replication_factor=self.settings.replication_factor,
            )

    def _maintenance_jobs(self) -> list[Job]:
        db = self.db
        assert db is not None

        async def purge_processed(_: object) -> None:
            # Older than any replay the broker's retention allows.
            async with db.sessions() as session, session.begin():
                await session.execute(
                    text(
                        "DELETE FROM processed_events "
                        "WHERE processed_at < now() - interval '14 days'"
                    )
                )

        async def purge_outbox(_: object) -> None:
            await purge_published(db)

        return [
            Job("purge-processed-events", timedelta(days=1), purge_processed),
            Job("purge-published-outbox", timedelta(hours=1), purge_outbox),
        ]

    async def stop(self) -> None:
        """Stop fetching, finish the batch in hand, publish the outbox, flush the producer."""
        if self._boot_task is not None and not self._boot_task.done():
            self._boot_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._boot_task
        for component in (*reversed(self.workers), self.consumer, self.scheduler, self.relay):
            if component is not None:
                with contextlib.suppress(Exception):
                    await component.stop()
        if self.producers is not None:
            with contextlib.suppress(Exception):
                await self.producers.stop()
        if self.spec is not None and self.spec.access is not None:
            with contextlib.suppress(Exception):
                await self.spec.access.close()
        if self.db is not None:
            await self.db.dispose()

    # -- for handlers, jobs and routes ------------------------------------------

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        if self.db is None:
            raise RuntimeError("the runtime has not started its database")
        async with unit_of_work(self.db, self.clock, self.settings.topic) as uow:
            yield uow

    async def readiness(self) -> dict[str, bool]:
        checks: dict[str, bool] = {"started": self.started.is_set()}
        if self.db is not None:
            checks["database"] = await self.db.ping()
        checks["broker"] = await self._broker_reachable()
        if self.spec is not None and self.spec.routes is not None:
            checks["partitions_assigned"] = self.consumer is not None and self.consumer.ready
        return checks

    @property
    def producer(self) -> AIOKafkaProducer | None:
        """The producer to publish with now (it is replaced if it breaks for good)."""
        return self.producers.current if self.producers is not None else None

    async def _broker_reachable(self) -> bool:
        if self.producer is None or not self.started.is_set():
            return False
        try:
            async with asyncio.timeout(2):
                return bool(await self.producer.client.fetch_all_metadata())
        except Exception:
            return False
