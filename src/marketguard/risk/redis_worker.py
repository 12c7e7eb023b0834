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
from marketguard.risk.worker import StreamClock, Worker, WorkerConfig, message_time_ns


class SharedWorker(Worker):
    """Consume one partition together with any number of peers, state in Redis."""

    def __init__(
        self, ruleset: RuleSet, config: WorkerConfig, *, clock: StreamClock = message_time_ns
    ) -> None:
        if not config.redis_url:
            raise ConfigurationError("the shared worker needs a Redis URL (--redis)")
        try:
            self.client = redis.Redis.from_url(config.redis_url)
            self.client.ping()
        except (ValueError, redis.RedisError, OSError) as exc:
            raise ConfigurationError(f"cannot reach Redis at {config.redis_url}: {exc}") from None
        self.ruleset = ruleset
        self.config = config
        self.clock = clock
        self.shared: SharedEngine | None = None
        self.hwm = 0
        self.since_snapshot = 0
        self.last_snapshot = time.monotonic()
        self.snapshot_cost = 0.0
        self.stop = asyncio.Event()
        self.processed = 0
        self.marked: list[int] = []
        """Seqs of events this worker applied whose markers are not dropped yet."""

    @property
    def durable(self) -> str:
        """The consumer all workers of this partition share (distinct from in-process ones)."""
        return f"{self.config.durable}-shared"

    def restore(self) -> None:
        """Nothing to load: the state is in Redis."""

    def snapshot(self) -> None:
        """Nothing to write: every event's state change is already durable in Redis."""
        self.since_snapshot = 0

    def snapshot_due(self) -> bool:
        """Never: there is no snapshot."""
        return False

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
            clock=None,  # each event is judged by its message's stream time
            limits=config.limits,
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
        """Decide a batch, publish the decisions, ack the events, drop markers acked before."""
        assert self.shared is not None
        await self.forget_acked(js)
        items = [(msg.data, msg.metadata.sequence.stream) for msg in messages]
        applied = self.shared.decide_batch(items, [self.clock(msg) for msg in messages])
        pending = []
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
                self.marked.append(outcome.seq)
            pending.append(await js.publish_async(
                self.config.decisions_subject, orjson.dumps(outcome.decision), headers=headers))
        if pending:
            await asyncio.gather(*pending)
        for msg in messages:
            await msg.ack()

    async def forget_acked(self, js: Any) -> None:
        """Drop the markers of events below the consumer's ack floor.

        Why the floor and not each ack's reply: every event below the floor is
        acknowledged on the server and can never be delivered again, so its marker
        is no longer needed; one consumer-info request covers a whole batch. A
        marker above the floor (an ack in flight, or a neighbour's event still
        pending) waits for a later call, or for its TTL if this worker dies.
        """
        if not self.marked:
            return
        assert self.shared is not None
        info = await js.consumer_info(self.config.stream, self.durable)
        floor = info.ack_floor.stream_seq if info.ack_floor is not None else 0
        done = [seq for seq in self.marked if seq <= floor]
        if done:
            self.marked = [seq for seq in self.marked if seq > floor]
            self.shared.forget(done)

    async def finish(self, js: Any) -> None:
        """On a graceful stop: drop the markers of this worker's acked events."""
        for _ in range(20):
            await self.forget_acked(js)
            if not self.marked:
                return
            await asyncio.sleep(0.05)
