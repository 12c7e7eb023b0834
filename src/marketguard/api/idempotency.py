"""Honour ``Idempotency-Key`` on every POST: same key and body, same answer, once.

A pure ASGI middleware so it covers every route without each one opting in. The
key is claimed in its own short transaction before the route runs (a concurrent
retry sees ``pending`` and gets 409), and the answer is stored after it. Server
errors release the key so the client may retry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from marketguard.api.models import IdempotencyRecord
from marketguard.api.problems import PROBLEM_MEDIA_TYPE, TYPE_BASE
from marketguard.db import session_factory
from marketguard.timeutil import utcnow

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADER = b"idempotency-key"
MAX_KEY = 200
ABANDONED_AFTER = timedelta(minutes=5)


def _problem(status: int, title: str, detail: str) -> tuple[int, bytes]:
    body = {
        "type": TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
    }
    return status, orjson.dumps(body)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, database_url: str) -> None:
        self.app = app
        self.database_url = database_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY:
            status, payload = _problem(
                422, "Invalid input", f"Idempotency-Key must be 1 to {MAX_KEY} characters"
            )
            await _send_plain(send, status, payload)
            return
        body = await _read_body(receive)
        credential = headers.get(b"authorization", b"")
        scope_hash = hashlib.sha256(credential).hexdigest()
        request_hash = hashlib.sha256(
            scope["method"].encode()
            + b" "
            + scope["path"].encode()
            + b"\n"
            + scope.get("query_string", b"")
            + b"\n"
            + body
        ).hexdigest()
        verdict = await run_in_threadpool(self._claim, scope_hash, key, scope, request_hash)
        if verdict is not None:
            status, payload, content_type, replayed = verdict
            await _send_plain(send, status, payload, content_type, replayed=replayed)
            return
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replay, capture)
        finally:
            await run_in_threadpool(self._finish, scope_hash, key, captured)

    def _claim(
        self, scope_hash: str, key: str, scope: Scope, request_hash: str
    ) -> tuple[int, bytes, str, bool] | None:
        """Claim the key, or return the answer to give instead of running the route."""
        with session_factory(self.database_url)() as session:
            existing = session.scalars(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.scope == scope_hash, IdempotencyRecord.key == key
                )
            ).first()
            if existing is not None:
                if existing.request_hash != request_hash:
                    return (
                        *_problem(
                            422,
                            "Idempotency key reused",
                            "this Idempotency-Key was already used with a different request; "
                            "use a new key for a new request",
                        ),
                        PROBLEM_MEDIA_TYPE,
                        False,
                    )
                if existing.state == "done" and existing.status_code is not None:
                    return (
                        existing.status_code,
                        existing.body or b"",
                        existing.content_type or "application/json",
                        True,
                    )
                if utcnow() - existing.created_at < ABANDONED_AFTER:
                    return (
                        *_problem(
                            409,
                            "Request in progress",
                            "a request with this Idempotency-Key is still being processed; "
                            "retry shortly",
                        ),
                        PROBLEM_MEDIA_TYPE,
                        False,
                    )
                session.delete(existing)
                session.commit()
            session.add(
                IdempotencyRecord(
                    scope=scope_hash,
                    key=key,
                    method=scope["method"],
                    path=scope["path"],
                    request_hash=request_hash,
                    state="pending",
                    created_at=utcnow(),
                )
            )
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return (
                    *_problem(
                        409,
                        "Request in progress",
                        "a request with this Idempotency-Key is being processed; retry shortly",
                    ),
                    PROBLEM_MEDIA_TYPE,
                    False,
                )
        return None

    def _finish(self, scope_hash: str, key: str, captured: dict[str, Any]) -> None:
        with session_factory(self.database_url)() as session:
            match = (IdempotencyRecord.scope == scope_hash, IdempotencyRecord.key == key)
            status = int(captured["status"])
            if status >= 500:
                session.execute(delete(IdempotencyRecord).where(*match))
            else:
                record = session.scalars(select(IdempotencyRecord).where(*match)).first()
                if record is not None:
                    content_type = dict(captured["headers"]).get(b"content-type", b"")
                    record.state = "done"
                    record.status_code = status
                    record.body = captured["body"]
                    record.content_type = content_type.decode("latin-1") or None
            session.commit()


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _send_plain(
    send: Send,
    status: int,
    body: bytes,
    content_type: str = PROBLEM_MEDIA_TYPE,
    *,
    replayed: bool = False,
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
