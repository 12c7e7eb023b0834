"""The stream worker: decide events from NATS JetStream, one partition per worker.

Why this design (see docs/risk.md, "The stream worker"):

* Events go to ``<prefix>.events.<p>`` where ``p = crc32(user_id) % N``, so each
  user's events reach one worker, in order, and its velocity state stays local.
* The events stream is the log. A worker keeps state in process and writes a
  snapshot (feature windows, latest ts, enrichment state) together with the
  stream sequence of the last event it covers, the high-water mark (hwm).
* On start a worker loads its snapshot and (re)creates its durable pull consumer
  to deliver from ``hwm + 1``; events after the snapshot are replayed through the
  same deterministic engine, so a killed worker loses no event and a restarted
  one counts nothing twice.
* Decisions go to ``<prefix>.decisions.<p>`` with ``Nats-Msg-Id = <p>:<seq>``;
  a replayed event's decision is byte-identical and JetStream drops the duplicate
  (within the decisions stream's duplicate window). Events are acked only after
  their decision is stored, with explicit acks.
* Each event is judged against its message's stream time (the stream's clock),
  not the wall clock: "ahead" (FORMATS §5) then depends only on the stream, so
  a replayed or redelivered event is decided exactly as the first time.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from marketguard.errors import ConfigurationError
from marketguard.risk.engine import Engine
from marketguard.risk.features import MemoryStore
from marketguard.risk.model import RuleSet, TimeLimits
from marketguard.risk.series import encode_key, normalize

DUPLICATE_WINDOW_S = 3600.0
EVENTS_MAX_AGE_S = 7 * 86400.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
StreamClock = Callable[[Any], int]
"""Returns the time a stream message is judged by, in nanoseconds since the epoch."""


def message_time_ns(msg: Any) -> int:
    """Return a JetStream message's stream time (when the stream stored it), in ns.

    The same on every delivery of the message, so it is a deterministic clock.
    """
    moment: datetime = msg.metadata.timestamp
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


@dataclass
class WorkerConfig:
    """Where a worker reads, writes and keeps its snapshots."""

    nats_url: str = "nats://127.0.0.1:4222"
    partition: int = 0
    partitions: int = 1
    state_dir: Path = Path("risk-state")
    stream: str = "MG_RISK"
    prefix: str = "mg.risk"
    batch: int = 256
    snapshot_every: int = 2000
    snapshot_seconds: float = 5.0
    idle_exit: float | None = None
    redis_url: str | None = None
    """When set, state lives in Redis and any number of workers may share a partition."""
    namespace: str = "mg:risk"
    ack_wait: float = 30.0
    """Seconds before an unacked event goes to another worker (shared mode)."""
    fetch_timeout: float = 0.5
    """How long one pull waits for events; also how fast a stop request is noticed."""
    limits: TimeLimits = field(default_factory=TimeLimits)
    """How far ``ts`` may lead the stream's clock; how far one event moves the watermark."""

    @property
    def events_subject(self) -> str:
        return f"{self.prefix}.events.{self.partition}"

    @property
    def decisions_subject(self) -> str:
        return f"{self.prefix}.decisions.{self.partition}"

    @property
    def durable(self) -> str:
        return f"risk-{self.stream}-p{self.partition}"

    @property
    def snapshot_path(self) -> Path:
        return self.state_dir / f"{self.stream}-p{self.partition}.json"


def partition_of(event: Any, partitions: int) -> int:
    """Return the partition of an event: a stable hash of ``user_id`` (else ``event_id``)."""
    key = None
    if isinstance(event, dict):
        key = event.get("user_id")
        if key is None:
            key = event.get("event_id")
    if key is None:
        return 0
    text = encode_key(key if type(key) is str else normalize(key))
    return zlib.crc32(text.encode("utf-8")) % partitions


async def ensure_streams(js: Any, config: WorkerConfig) -> None:
    """Create the events and decisions streams when missing."""
    from nats.js.api import StreamConfig
    from nats.js.errors import NotFoundError

    specs = [
        (config.stream, f"{config.prefix}.events.*", None),
        (config.stream + "_DECISIONS", f"{config.prefix}.decisions.*", DUPLICATE_WINDOW_S),
    ]
    for name, subject, window in specs:
        try:
            await js.stream_info(name)
        except NotFoundError:
            await js.add_stream(StreamConfig(
                name=name, subjects=[subject], max_age=EVENTS_MAX_AGE_S,
                duplicate_window=window or 120.0,
            ))


async def publish_events(js: Any, lines: list[bytes], config: WorkerConfig) -> list[int]:
    """Publish raw JSONL events to their partitions; return their stream sequences."""
    sequences = []
    for raw in lines:
        try:
            event = orjson.loads(raw)
        except orjson.JSONDecodeError:
            event = None
        part = partition_of(event, config.partitions)
        ack = await js.publish(f"{config.prefix}.events.{part}", raw)
        sequences.append(ack.seq)
    return sequences


class Snapshot:
    """Atomic JSON snapshots of a worker's state and its high-water mark."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        try:
            payload = orjson.dumps(data)
        except TypeError:  # integers beyond 64 bits: fall back to the exact stdlib encoder
            payload = json.dumps(data).encode("utf-8")
        with temp.open("wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)


class Worker:
    """Consume one partition, decide, publish decisions, snapshot state."""

    def __init__(
        self, ruleset: RuleSet, config: WorkerConfig, *, clock: StreamClock = message_time_ns
    ) -> None:
        self.ruleset = ruleset
        self.config = config
        self.clock = clock
        self.store = MemoryStore()
        self.engine = Engine(ruleset, self.store, clock=None, limits=config.limits)
        self.snapshots = Snapshot(config.snapshot_path)
        self.hwm = 0
        self.since_snapshot = 0
        self.last_snapshot = time.monotonic()
        self.snapshot_cost = 0.0
        self.stop = asyncio.Event()
        self.processed = 0

    def restore(self) -> None:
        """Load the snapshot, if any: feature state, the watermark and the hwm."""
        data = self.snapshots.load()
        if not data:
            return
        self.store.restore(data["store"])
        self.hwm = int(data["hwm"])
        max_ts = self.store.get_meta("max_ts")
        self.engine.max_ts = int(max_ts) if max_ts is not None else None

    def snapshot(self) -> None:
        """Write state and hwm atomically (called between batches only)."""
        started = time.monotonic()
        self.engine.sync_state()
        self.snapshots.save({
            "hwm": self.hwm,
            "rules_version": self.ruleset.version,
            "partition": self.config.partition,
            "store": self.store.snapshot(),
        })
        self.since_snapshot = 0
        self.last_snapshot = time.monotonic()
        self.snapshot_cost = self.last_snapshot - started

    def snapshot_due(self) -> bool:
        """True when a snapshot is due: by count or age, but at most 10% of the time.

        Why the cap: a snapshot writes the whole state, so with millions of live
        keys it takes seconds; spacing snapshots at least ten times their own cost
        apart bounds that overhead while small states still snapshot as configured.
        """
        if not self.since_snapshot:
            return False
        age = time.monotonic() - self.last_snapshot
        if age < 10 * self.snapshot_cost:
            return False
        return (self.since_snapshot >= self.config.snapshot_every
                or age > self.config.snapshot_seconds)

    async def subscribe(self, js: Any) -> Any:
        """(Re)create the durable consumer so delivery starts right after the hwm."""
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
        from nats.js.errors import NotFoundError

        try:
            await js.delete_consumer(self.config.stream, self.config.durable)
        except NotFoundError:
            pass
        consumer = ConsumerConfig(
            durable_name=self.config.durable,
            filter_subject=self.config.events_subject,
            ack_policy=AckPolicy.ALL,
            ack_wait=60.0,
            max_ack_pending=self.config.batch * 4,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if self.hwm else DeliverPolicy.ALL,
            opt_start_seq=self.hwm + 1 if self.hwm else None,
        )
        await js.add_consumer(self.config.stream, consumer)
        return await js.pull_subscribe_bind(self.config.durable, stream=self.config.stream)

    async def handle(self, js: Any, messages: list[Any]) -> None:
        """Decide a batch in order, publish the decisions, then ack the events.

        Decisions are published asynchronously and awaited together (one stored
        acknowledgement each); the events are then acked with one ack of the last
        message, which the consumer's ack-all policy applies to the whole batch.
        """
        pending = []
        for msg in messages:
            seq = msg.metadata.sequence.stream
            if seq <= self.hwm:
                continue  # already covered by the snapshot: never count twice
            self.engine.at(self.clock(msg))
            decision = self.engine.decide_line(msg.data, seq)
            self.hwm = seq
            self.processed += 1
            self.since_snapshot += 1
            if decision is None:
                continue
            headers = {"Nats-Msg-Id": f"{self.config.partition}:{seq}", "Mg-Event-Seq": str(seq)}
            pending.append(await js.publish_async(
                self.config.decisions_subject, orjson.dumps(decision), headers=headers))
        if pending:
            await asyncio.gather(*pending)
        if messages:
            await messages[-1].ack()

    async def run(self) -> None:
        """Consume until stopped (or idle for ``idle_exit`` seconds)."""
        import nats
        try:
            client = await nats.connect(self.config.nats_url, connect_timeout=5)
        except Exception as exc:  # nats raises several kinds for an unreachable server
            where = self.config.nats_url
            raise ConfigurationError(f"cannot reach NATS at {where}: {exc}") from None
        try:
            js = client.jetstream()
            await ensure_streams(js, self.config)
            self.restore()
            subscription = await self.subscribe(js)
            idle_since = time.monotonic()
            idle_exit = self.config.idle_exit
            while not self.stop.is_set():
                try:
                    messages = await subscription.fetch(
                        self.config.batch, timeout=self.config.fetch_timeout)
                except TimeoutError:  # nats raises its subclass or this base class
                    messages = []
                if messages:
                    await self.handle(js, messages)
                    idle_since = time.monotonic()
                elif idle_exit and time.monotonic() - idle_since > idle_exit:
                    break
                if self.snapshot_due():
                    self.snapshot()
            await self.finish(js)
        finally:
            await client.close()

    async def finish(self, js: Any) -> None:
        """On a graceful stop: write a final snapshot."""
        if self.since_snapshot:
            self.snapshot()


async def run_worker(ruleset: RuleSet, config: WorkerConfig) -> None:
    """Run a worker until SIGINT/SIGTERM (graceful: a final snapshot is written).

    With ``config.redis_url`` the worker keeps its state in Redis (shared mode).
    """
    worker: Worker
    if config.redis_url:
        from marketguard.risk.redis_worker import SharedWorker

        worker = SharedWorker(ruleset, config)
    else:
        worker = Worker(ruleset, config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, worker.stop.set)
        except (NotImplementedError, RuntimeError):  # not in the main thread
            pass
    await worker.run()


def main(argv: list[str] | None = None) -> None:
    """``python -m marketguard.risk.worker``: the same options as ``risk worker``."""
    import argparse

    from marketguard.risk.validator import load_rules

    parser = argparse.ArgumentParser(description="marketguard risk stream worker")
    parser.add_argument("--rules", required=True)
    parser.add_argument("--partition", type=int, default=0)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--nats-url", default=os.environ.get("MARKETGUARD_NATS_URL"))
    parser.add_argument("--state-dir", default="risk-state")
    parser.add_argument("--stream", default="MG_RISK")
    parser.add_argument("--prefix", default="mg.risk")
    parser.add_argument("--snapshot-every", type=int, default=2000)
    parser.add_argument("--idle-exit", type=float, default=None)
    parser.add_argument("--redis", default=os.environ.get("MARKETGUARD_REDIS_URL"))
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--namespace", default="mg:risk")
    parser.add_argument("--ack-wait", type=float, default=30.0)
    args = parser.parse_args(argv)
    from marketguard.config import get_settings

    config = WorkerConfig(
        nats_url=args.nats_url or "nats://127.0.0.1:4222",
        partition=args.partition,
        partitions=args.partitions,
        state_dir=Path(args.state_dir),
        stream=args.stream,
        prefix=args.prefix,
        snapshot_every=args.snapshot_every,
        idle_exit=args.idle_exit,
        redis_url=None if args.in_process else args.redis or None,
        namespace=args.namespace,
        ack_wait=args.ack_wait,
        limits=get_settings().risk_time_limits,
    )
    asyncio.run(run_worker(load_rules(args.rules), config))


if __name__ == "__main__":
    main()
