"""The stream worker on Redis state: any number of workers per partition, exactly once.

Why a second worker: the in-process worker owns its partition alone and makes
restarts exact with snapshots plus replay. Once state lives in Redis, several
workers can share one partition's durable consumer (a queue group) and keys
that span partitions; restarts are then made exact per event instead (see
:mod:`marketguard.risk.shared`): each event's state change and its marker are
one Lua script, a redelivered event finds its marker and gets its first
decision again, and a marker is dropped only once the event's ack is confirmed
by the server.

Decisions go to ``<prefix>.decisions.<p>`` with ``Nats-Msg-Id = <p>:<seq>`` (so
a decision published twice is stored once) and the headers ``Mg-Event-Seq`` and
``Mg-Commit`` (the event's place in the serial order Redis applied; replaying
the events in that order through one engine gives the same decisions).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import redis

from marketguard.errors import ConfigurationError
from marketguard.risk.model import RuleSet
from marketguard.risk.shared import SharedEngine
from marketguard.risk.worker import Worker, WorkerConfig


class SharedWorker(Worker):
    """Consume one partition together with any number of peers, state in Redis."""

    def __init__(self, ruleset: RuleSet, config: WorkerConfig) -> None:
        if not config.redis_url:
            raise ConfigurationError("the shared worker needs a Redis URL (--redis)")
        try:
            self.client = redis.Redis.from_url(config.redis_url)
            self.client.ping()
        except (ValueError, redis.RedisError, OSError) as exc:
            raise ConfigurationError(f"cannot reach Redis at {config.redis_url}: {exc}") from None
        self.ruleset = ruleset
        self.config = config
        self.shared: SharedEngine | None = None
        self.hwm = 0
        self.since_snapshot = 0
        self.last_snapshot = time.monotonic()
        self.stop = asyncio.Event()
        self.processed = 0

    @property
    def durable(self) -> str:
        """The consumer all workers of this partition share (distinct from in-process ones)."""
        return f"{self.config.durable}-shared"

    def restore(self) -> None:
        """Nothing to load: the state is in Redis."""

    def snapshot(self) -> None:
        """Nothing to write: every event's state change is already durable in Redis."""
        self.since_snapshot = 0

    async def subscribe(self, js: Any) -> Any:
        """Create the shared consumer once (never recreated: peers may be using it) and bind."""
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
        from nats.js.errors import NotFoundError

        config = self.config
        info = await js.stream_info(config.stream)
        # markers name the stream incarnation: sequences restart if it is recreated
        tag = f"{config.stream}@{info.created.timestamp() if info.created else 0}"
        self.shared = SharedEngine(
            self.ruleset,
            self.client,
            namespace=config.namespace,
            scope=f"{config.stream}:p{config.partition}",
            tag=tag,
        )
        try:
            await js.consumer_info(config.stream, self.durable)
        except NotFoundError:
            await js.add_consumer(config.stream, ConsumerConfig(
                durable_name=self.durable,
                filter_subject=config.events_subject,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=config.ack_wait,
                max_ack_pending=config.batch * 16,
                deliver_policy=DeliverPolicy.ALL,
            ))
        return await js.pull_subscribe_bind(self.durable, stream=config.stream)

    async def handle(self, js: Any, messages: list[Any]) -> None:
        """Decide a batch, publish decisions, confirm acks, then drop the events' markers."""
        assert self.shared is not None
        items = [(msg.data, msg.metadata.sequence.stream) for msg in messages]
        applied = self.shared.decide_batch(items)
        publishes = []
        for outcome in applied:
            self.processed += 1
            if outcome.decision is None:
                continue
            headers = {
                "Nats-Msg-Id": f"{self.config.partition}:{outcome.seq}",
                "Mg-Event-Seq": str(outcome.seq),
            }
            if outcome.commit is not None:
                headers["Mg-Commit"] = str(outcome.commit)
            publishes.append(js.publish(
                self.config.decisions_subject, orjson.dumps(outcome.decision), headers=headers))
        if publishes:
            await asyncio.gather(*publishes)
        acks = await asyncio.gather(
            *(msg.ack_sync() for msg in messages), return_exceptions=True)
        confirmed = [
            outcome.seq for outcome, ack in zip(applied, acks, strict=True)
            if outcome.commit is not None and not isinstance(ack, BaseException)
        ]
        # an unconfirmed ack may come back: its marker stays and answers the redelivery
        self.shared.forget(confirmed)

