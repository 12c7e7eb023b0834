"""Exactly-once decisions over feature state shared in Redis by many workers.

Why a script per event: when several workers share windows, an event's
lateness check, window updates, window reads, enrichment state and an
idempotency marker must change together, or a crash or a neighbour's write in
between would lose an event, count one twice or make a decision that no serial
order of the events explains. So each accepted event is applied by one Lua
script that, atomically:

1. returns the stored outcome when the event's marker exists (a redelivery:
   the same decision is rebuilt and nothing is counted twice);
2. checks lateness against the watermark shared by every worker of the scope,
   and moves it by at most the step (``TimeLimits.max_step_ns``); an event
   beyond the step trims no window, since later events may still read them;
3. verifies the enrichment state the worker read is unchanged (compare and set;
   on a conflict the worker recomputes the event);
4. applies the window and enrichment writes, reads every window the event's
   rules may read, takes the next commit number and stores all of it under the
   event's marker.

The rules themselves run in Python twice around the script: once to learn what
the event writes (feature values are not known yet, so reads answer 0), once to
decide with the values the script returned. Decisions therefore equal a serial
run of the events in commit order, whatever the number of workers. An event
ahead of the clock (the message's stream time, or the API's wall clock) is
refused before the script, like an invalid one: it depends on nothing shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from math import fsum
from typing import Any

import orjson
import redis

from marketguard.risk.engine import Clock, Decision, Engine, late_decision, wall_clock
from marketguard.risk.model import LATE_NS, RuleSet, TimeLimits
from marketguard.risk.redis_store import RedisStore, pad, unpad
from marketguard.risk.series import encode_key, normalize
from marketguard.risk.timestamps import parse_ts
from marketguard.risk.txstore import TxStore

MARKER_TTL_S = 7 * 86400.0
"""How long an event's marker lives if its ack is never confirmed (the stream's max age)."""
_DAY_MS = 86_400_000
_MAX_RETRIES = 1000

_SCRIPT = """
local function plus(a, hi, lo)
  -- a padded 22-digit time plus hi * 1e11 + lo, exactly (halves fit a double)
  local h = tonumber(string.sub(a, 1, 11)) + hi
  local l = tonumber(string.sub(a, 12)) + lo
  if l >= 100000000000 then
    l = l - 100000000000
    h = h + 1
  end
  return string.format('%011d%011d', h, l)
end
local stored = redis.call('GET', KEYS[1])
if stored then return {'dup', stored} end
local ttl, ts, late_at, blob = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local cur = redis.call('HGET', KEYS[2], 'max_ts_lex')
if cur and late_at < cur then
  local out = {'late', tostring(redis.call('INCR', KEYS[3])), cur, blob}
  redis.call('SET', KEYS[1], cjson.encode(out), 'PX', ttl)
  return out
end
local ops = cjson.decode(ARGV[5])
for _, o in ipairs(ops) do
  local op, key = o[1], KEYS[o[2]]
  if op == 'M' then
    if tostring(redis.call('SISMEMBER', key, o[3])) ~= o[4] then
      return {'retry'}
    end
  elseif op == 'G' then
    local v = redis.call('GET', key)
    if o[4] == '1' then
      if v then return {'retry'} end
    elseif v ~= o[3] then
      return {'retry'}
    end
  end
end
local jump = false
if not cur then
  redis.call('HSET', KEYS[2], 'max_ts_lex', ts)
elseif ts > cur then
  local far = plus(cur, tonumber(ARGV[6]), tonumber(ARGV[7]))
  if ts > far then
    redis.call('HSET', KEYS[2], 'max_ts_lex', far)
    jump = true
  else
    redis.call('HSET', KEYS[2], 'max_ts_lex', ts)
  end
end
local out = {'ok', tostring(redis.call('INCR', KEYS[3])), cur or '', blob}
for _, o in ipairs(ops) do
  local op, key = o[1], KEYS[o[2]]
  if op == 'S' then
    redis.call('SADD', key, o[3])
  elseif op == 'T' then
    redis.call('SET', key, o[3])
  elseif op == 'A' then
    redis.call('ZADD', key, 0, o[3])
    if not jump then redis.call('ZREMRANGEBYLEX', key, '-', o[4]) end
    redis.call('PEXPIRE', key, o[5])
  elseif op == 'C' then
    out[#out + 1] = tostring(redis.call('ZLEXCOUNT', key, o[3], o[4]))
  elseif op == 'D' or op == 'U' then
    local seen, count, values = {}, 0, {}
    for _, m in ipairs(redis.call('ZRANGEBYLEX', key, o[3], o[4])) do
      local v = string.match(m, '^[^:]*:[^:]*:(.*)$')
      if op == 'U' then
        values[#values + 1] = v
      elseif not seen[v] then
        seen[v] = true
        count = count + 1
      end
    end
    out[#out + 1] = op == 'U' and table.concat(values, ',') or tostring(count)
  end
end
redis.call('SET', KEYS[1], cjson.encode(out), 'PX', ttl)
return out
"""


@dataclass
class Applied:
    """The outcome of one stream message: its decision and commit number (None if stateless)."""

    seq: int
    decision: Decision | None
    commit: int | None = None


@dataclass
class _Pending:
    seq: int
    event: dict[str, Any]
    ts: int
    limit: int
    """The engine's clock limit when the event was planned (the replay must agree)."""
    keys: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)


class _Recorder:
    """Wraps the engine's enricher to keep the enriched event (its keys drive reads)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.last: dict[str, Any] | None = None

    def apply(self, event: dict[str, Any], ts: int) -> dict[str, Any]:
        out: dict[str, Any] = self.inner.apply(event, ts)
        self.last = out
        return out


class SharedEngine:
    """Decide stream messages against state shared in Redis, exactly once each."""

    def __init__(
        self,
        ruleset: RuleSet,
        client: redis.Redis,
        *,
        namespace: str = "mg:risk",
        scope: str = "default",
        tag: str = "stream",
        marker_ttl_s: float = MARKER_TTL_S,
        clock: Clock | None = wall_clock,
        limits: TimeLimits | None = None,
    ) -> None:
        self.base = RedisStore(client=client, namespace=namespace, scope=scope)
        self.store = TxStore(self.base)
        self.engine = Engine(ruleset, self.store, clock=clock, limits=limits)
        step_hi, step_lo = divmod(self.engine.step, 10**11)
        self.step_args = [str(step_hi), str(step_lo)]
        self.recorder: _Recorder | None = None
        if self.engine.enricher is not None:
            self.recorder = self.engine.enricher = _Recorder(self.engine.enricher)
        self.client = client
        self.script = client.register_script(_SCRIPT)
        self.marker_prefix = f"{namespace}:applied:{tag}:"
        self.meta_key = f"{namespace}:meta:{scope}"
        self.commit_key = f"{namespace}:commit:{scope}"
        self.marker_ttl_ms = str(int(marker_ttl_s * 1000))
        self.ruleset = ruleset

    def decide_batch(
        self, items: Sequence[tuple[bytes | str, int]], times: Sequence[int] | None = None
    ) -> list[Applied]:
        """Decide messages ``(data, stream seq)`` in order; line numbers are the seqs.

        ``times``: each message's stream time in nanoseconds, the clock it is
        judged by (so a redelivery is judged the same); without it, the
        engine's clock.

        Without enrichment the batch's scripts go in one pipelined round trip
        (each script is still atomic on its own); with enrichment each event reads
        state first, so events go one at a time.
        """
        out: list[Applied] = []
        pending: list[tuple[int, _Pending]] = []
        for position, (raw, seq) in enumerate(items):
            if times is not None:
                self.engine.at(times[position])
            planned = self._plan(raw, seq)
            if isinstance(planned, _Pending):
                if self.recorder is not None:
                    out.append(self._apply_one(raw, planned))
                    continue
                pending.append((len(out), planned))
                out.append(Applied(seq, None))
            else:
                out.append(Applied(seq, planned))
        if pending:
            pipe = self.client.pipeline(transaction=False)
            for _, item in pending:
                self.script(keys=item.keys, args=item.args, client=pipe)
            for (position, item), result in zip(pending, pipe.execute(), strict=True):
                out[position] = self._finish(item, result)
        return out

    def forget(self, seqs: Sequence[int]) -> None:
        """Drop the markers of events whose acks are confirmed (they cannot come back)."""
        keys = [f"{self.marker_prefix}{seq}" for seq in seqs]
        for start in range(0, len(keys), 1000):
            self.client.unlink(*keys[start : start + 1000])

    def _apply_one(self, raw: bytes | str, item: _Pending) -> Applied:
        for _ in range(_MAX_RETRIES):
            result = self.script(keys=item.keys, args=item.args)
            if result[0] != b"retry":
                return self._finish(item, result)
            planned = self._plan(raw, item.seq)  # another worker changed what we read
            assert isinstance(planned, _Pending)
            item = planned
        raise RuntimeError(f"event at seq {item.seq}: enrichment state kept changing")

    def _plan(self, raw: bytes | str, seq: int) -> Decision | None | _Pending:
        """Run the rules once to learn the event's writes; stateless errors end here."""
        store, engine = self.store, self.engine
        store.reset()
        store.replaying = False
        engine.max_ts = None
        try:
            event = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return engine.decide_line(raw, seq)
        if type(event) is not dict:
            return engine.decide_line(raw, seq)
        if self.recorder is not None:
            self.recorder.last = None
        decision = engine.decide(event, seq)
        if "error" in decision:
            return decision
        ts = parse_ts(event["ts"])
        assert ts is not None
        item = _Pending(seq, event, ts, engine.limit)
        self._build(item)
        return item

    def _build(self, item: _Pending) -> None:
        """Turn the captured plan into the script's keys and arguments."""
        store, base = self.store, self.base
        keys = [self.marker_prefix + str(item.seq), self.meta_key, self.commit_key]
        index: dict[str, int] = {}

        def slot(name: str) -> int:
            found = index.get(name)
            if found is None:
                keys.append(name)
                found = index[name] = len(keys)
            return found

        ops: list[tuple[str, int, str, str, str]] = []
        for op, name, a, b in store.checks:
            ops.append((op, slot(name), a, b, ""))
        for op, name, a in store.writes:
            ops.append((op, slot(name), a, "", ""))
        for fid, key, ts, value in store.adds:
            feat = self.engine.ruleset.features[fid]
            keep = LATE_NS + feat.window_ns
            store.counter += 1
            if feat.kind == "count":
                encoded = ""
            elif feat.kind == "sum":
                encoded = repr(value)
            else:
                encoded = encode_key(value if type(value) is str else normalize(value))
            member = f"{pad(ts)}:{store.uid}{store.counter:x}:{encoded}"
            ttl = str(2 * keep // 1_000_000 + 7 * _DAY_MS)
            ops.append(("A", slot(base.key(fid, key)), member, "(" + pad(ts - keep) + ";", ttl))
        enriched = self.recorder.last if self.recorder is not None else item.event
        reads: list[int] = []
        runner = self.engine.runners.get(item.event["type"]) if type(
            item.event["type"]) is str else None
        for fid in runner.plan.reads if runner is not None and enriched is not None else ():
            feat = self.engine.ruleset.features[fid]
            key = enriched.get(feat.by) if enriched is not None else None
            if key is None:
                continue
            code = {"count": "C", "distinct": "D", "sum": "U"}[feat.kind]
            low, high = "[" + pad(item.ts - feat.window_ns) + ";", "(" + pad(item.ts) + ";"
            ops.append((code, slot(base.key(fid, key)), low, high, ""))
            reads.append(fid)
        blob = orjson.dumps({"a": store.answers, "r": reads}).decode()
        late_at = pad(item.ts + LATE_NS)
        item.keys = keys
        item.args = [self.marker_ttl_ms, pad(item.ts), late_at, blob, orjson.dumps(ops),
                     *self.step_args]

    def _finish(self, item: _Pending, result: list[Any]) -> Applied:
        """Rebuild the decision from the script's answer (first run or redelivery)."""
        if result[0] == b"dup":
            fields = orjson.loads(result[1])
        else:
            fields = [part.decode() for part in result]
        status, commit, latest, blob = fields[:4]
        if status == "late":
            found = late_decision(item.event["event_id"], item.seq, item.ts, unpad(latest))
            return Applied(item.seq, found, int(commit))
        recorded = orjson.loads(blob)
        store = self.store
        store.reset()
        store.answers = recorded["a"]
        for fid, text in zip(recorded["r"], fields[4:], strict=True):
            store.results[fid] = _value(self.engine.ruleset.features[fid].kind, text)
        store.replaying = True
        self.engine.max_ts = None
        self.engine.limit = item.limit  # accepted when planned: accepted again
        try:
            decision = self.engine.decide(item.event, item.seq)
        finally:
            store.replaying = False
        return Applied(item.seq, decision, int(commit))


def _value(kind: str, text: str) -> int | float:
    """Turn a script result into the feature's value (sums exactly, as the memory store)."""
    if kind != "sum":
        return int(text)
    numbers: list[int | float] = []
    for part in text.split(",") if text else ():
        try:
            numbers.append(int(part))
        except ValueError:
            numbers.append(float(part))
    if any(type(n) is float for n in numbers):
        return fsum(numbers)
    return sum(numbers)
