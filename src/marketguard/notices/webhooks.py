"""Signed webhooks for rights holders: registration, an outbox, a retrying deliverer.

Each event a rights holder may track becomes one outbox row per registered
endpoint, written in the same transaction as the change it reports (so no event
is lost and none is sent for a change that rolled back). The deliverer claims
due rows, POSTs them signed with HMAC-SHA256 over ``timestamp.body``
(``Marketguard-Signature: t=<unix seconds>,v1=<hex>``), and retries failures with
exponential backoff until ``webhook_max_attempts``, after which a row is dead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import SYSTEM, Principal
from marketguard.config import Settings
from marketguard.errors import InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.notices.models import Webhook, WebhookDelivery
from marketguard.notices.settings import NoticeSettings
from marketguard.timeutil import format_rfc3339, utcnow
from marketguard.uow import unit_of_work

SIGNATURE_HEADER = "Marketguard-Signature"
LOCALHOST_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_HOOKS = "marketguard.notices.webhooks"  # session.info: active webhook ids by brand
MAX_WEBHOOKS_PER_BRAND = 5


def secret_for(secret_key: str, webhook: Webhook) -> str:
    """Derive a webhook's signing secret from the platform key (never stored)."""
    mac = hmac.new(
        secret_key.encode(), f"webhook:{webhook.id}:{webhook.salt}".encode(), hashlib.sha256
    ).digest()
    return "whsec_" + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the ``Marketguard-Signature`` header value for a body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """Check a signature header as a receiver should (constant time, fresh timestamp)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _check_url(url: str, *, allow_private: bool) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(
            "the webhook URL must be an absolute http(s) URL",
            errors=[{"field": "url", "reason": "use https://host/path"}],
        )
    if parts.username or parts.password:
        raise InvalidInput(
            "the webhook URL must not carry credentials",
            errors=[{"field": "url", "reason": "remove user:password@"}],
        )
    try:
        parts.port  # noqa: B018 (reading it validates it)
    except ValueError:
        raise InvalidInput(
            "the webhook URL has an invalid port",
            errors=[{"field": "url", "reason": "use a port from 1 to 65535"}],
        ) from None
    if not allow_private:
        _, refused = resolve_public(parts.hostname, unresolvable_ok=True)
        if refused:
            raise InvalidInput(
                f"the webhook URL is refused: {refused}; webhooks are delivered only to "
                "public internet addresses",
                errors=[{"field": "url", "reason": refused}],
            )
    return url.strip()


def _non_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, private, link-local (cloud metadata), unspecified, reserved, multicast..."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def resolve_public(host: str, *, unresolvable_ok: bool = False) -> tuple[list[str], str | None]:
    """Resolve ``host``; return its addresses, or why it is not a public target.

    With ``unresolvable_ok`` a name that does not resolve is not a reason (no addresses).
    """
    name = host.strip("[]").rstrip(".").lower()
    if name in LOCALHOST_NAMES or name.endswith(".localhost"):
        return [], f"{host} is a localhost name"
    try:
        literal = ipaddress.ip_address(name)
    except ValueError:
        literal = None
    if literal is not None:
        if _non_public(literal):
            return [], f"{host} is not a public address"
        return [str(literal)], None
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        return [], None if unresolvable_ok else f"cannot resolve {host} ({exc})"
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for text in addresses:
        if _non_public(ipaddress.ip_address(text.split("%", 1)[0])):
            return [], f"{host} resolves to a non-public address ({text})"
    return addresses, None


def register(
    session: Session, *, actor: Principal, brand_id: str, url: str, secret_key: str,
    now: datetime | None = None, allow_private: bool = False,
) -> tuple[Webhook, str]:
    """Register an endpoint for a brand; return it and its secret (shown once).

    Loopback, private, link-local (cloud metadata) and other non-public targets are
    refused, by address or by what the host name resolves to, unless ``allow_private``
    (``MARKETGUARD_WEBHOOK_ALLOW_PRIVATE``, for tests and closed networks). A name that
    does not resolve yet is accepted; delivery checks the address again every time.
    """
    checked = _check_url(url, allow_private=allow_private)
    active = session.scalars(
        select(Webhook).where(Webhook.brand_id == brand_id, Webhook.revoked_at.is_(None))
    ).all()
    if len(active) >= MAX_WEBHOOKS_PER_BRAND:
        raise InvalidInput(f"a brand may register at most {MAX_WEBHOOKS_PER_BRAND} webhooks")
    webhook = Webhook(
        id=new_id("whk"),
        brand_id=brand_id,
        url=checked,
        salt=secrets.token_hex(16),
        created_at=now or utcnow(),
    )
    session.add(webhook)
    session.flush()
    session.info.pop(_HOOKS, None)
    audit.record(
        session,
        actor=actor.actor,
        action="webhook.register",
        object_type="webhook",
        object_id=webhook.id,
        after={"brand_id": brand_id, "url": checked},
    )
    return webhook, secret_for(secret_key, webhook)


def revoke(
    session: Session, *, actor: Principal, brand_id: str | None, webhook_id: str
) -> Webhook:
    """Stop deliveries to an endpoint (``brand_id`` None: any brand, for staff)."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or (brand_id is not None and webhook.brand_id != brand_id):
        raise NotFound(f"no webhook {webhook_id!r} visible to this token")
    if webhook.revoked_at is None:
        webhook.revoked_at = utcnow()
        session.info.pop(_HOOKS, None)
        audit.record(
            session,
            actor=actor.actor,
            action="webhook.revoke",
            object_type="webhook",
            object_id=webhook.id,
        )
    return webhook


def enqueue(
    session: Session, *, brand_id: str, event_type: str, data: dict[str, Any], now: datetime
) -> int:
    """Write one outbox row per active endpoint of the brand; return how many."""
    transaction = id(session.get_transaction())
    cached = session.info.get(_HOOKS)
    if cached is None or cached[0] != transaction:  # valid for one transaction only
        cached = session.info[_HOOKS] = (transaction, {})
    cache: dict[str, list[str]] = cached[1]
    hooks = cache.get(brand_id)
    if hooks is None:  # one lookup per brand per unit of work
        hooks = cache[brand_id] = list(session.scalars(
            select(Webhook.id).where(Webhook.brand_id == brand_id, Webhook.revoked_at.is_(None))
        ))
    if not hooks:
        return 0
    event_id = new_id("evt")
    body = orjson.dumps(
        {"id": event_id, "type": event_type, "created_at": format_rfc3339(now), "data": data}
    )
    for hook_id in hooks:
        session.add(
            WebhookDelivery(
                id=new_id("dlv"),
                webhook_id=hook_id,
                event_id=event_id,
                event_type=event_type,
                body=body,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(hooks)


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0


def _pinned(url: str) -> tuple[str, dict[str, str], dict[str, Any]] | str:
    """Resolve a delivery URL once and aim at that checked address (no DNS rebinding).

    Returns the URL with the host replaced by its public address, the ``Host`` header
    and the TLS server name (so the certificate is still checked against the name),
    or the reason the target is refused.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    addresses, refused = resolve_public(host)
    if refused or not addresses:
        return f"refused: {refused or f'{host} has no address'}"
    address = ipaddress.ip_address(addresses[0])
    shown = f"[{address}]" if address.version == 6 else str(address)
    netloc = shown + (f":{parts.port}" if parts.port else "")
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=netloc).geturl(), {"Host": host_header}, {"sni_hostname": host}


def _backoff(settings: NoticeSettings, attempts: int) -> float:
    seconds = settings.webhook_backoff.total_seconds() * (2 ** max(attempts - 1, 0))
    return min(seconds, settings.webhook_backoff_max.total_seconds())


def deliver_due(
    settings: Settings,
    *,
    policy: NoticeSettings,
    now: datetime | None = None,
    limit: int = 100,
    client: httpx.Client | None = None,
) -> DeliveryReport:
    """Send every due delivery once (claim, send outside any transaction, record)."""
    moment = now or utcnow()
    lease = timedelta(seconds=policy.webhook_timeout_s * 2 + 30)
    claimed: list[tuple[str, str, bytes, str, str, int]] = []
    key = settings.secret_key.get_secret_value()
    with unit_of_work(settings) as session:
        rows = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= moment)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            webhook = session.get(Webhook, row.webhook_id)
            row.attempts += 1
            row.next_attempt_at = moment + lease
            if webhook is None or webhook.revoked_at is not None:
                row.status = "dead"
                row.last_error = "the webhook was revoked"
                continue
            secret = secret_for(key, webhook)
            claimed.append(
                (row.id, webhook.url, row.body, secret, row.event_type, row.attempts)
            )
    report = DeliveryReport()
    own = client is None
    http = client or httpx.Client(timeout=policy.webhook_timeout_s, follow_redirects=False)
    try:
        outcomes = [
            (row_id, attempts, _send(http, policy, url, body, secret, event_type, row_id, moment,
                                     allow_private=settings.webhook_allow_private))
            for row_id, url, body, secret, event_type, attempts in claimed
        ]
    finally:
        if own:
            http.close()
    with unit_of_work(settings) as session:
        for row_id, attempts, (code, error) in outcomes:
            found = session.get(WebhookDelivery, row_id)
            if found is None:
                continue
            row = found
            row.last_status_code = code
            row.last_error = error
            if error is None:
                row.status = "delivered"
                row.delivered_at = moment
                report.delivered += 1
            elif attempts >= policy.webhook_max_attempts:
                row.status = "dead"
                report.dead += 1
                audit.record(
                    session,
                    actor=SYSTEM.actor,
                    action="webhook.dead",
                    object_type="webhook_delivery",
                    object_id=row.id,
                    reason=f"gave up after {attempts} attempts: {error}",
                )
            else:
                row.next_attempt_at = moment + timedelta(seconds=_backoff(policy, attempts))
                report.retried += 1
    return report


def _send(
    http: httpx.Client,
    policy: NoticeSettings,
    url: str,
    body: bytes,
    secret: str,
    event_type: str,
    delivery_id: str,
    moment: datetime,
    *,
    allow_private: bool,
) -> tuple[int | None, str | None]:
    """POST one delivery; return (status code, error or None when accepted)."""
    extensions: dict[str, Any] = {}
    pinned_headers: dict[str, str] = {}
    if not allow_private:  # check the address now, and send to exactly that address
        pinned = _pinned(url)
        if isinstance(pinned, str):
            return None, pinned
        url, pinned_headers, extensions = pinned
    timestamp = int(moment.timestamp())
    headers = {
        **pinned_headers,
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        "Marketguard-Event": event_type,
        "Marketguard-Delivery": delivery_id,
        "User-Agent": "marketguard-webhooks/1",
    }
    try:
        answer = http.post(url, content=body, headers=headers, timeout=policy.webhook_timeout_s,
                           extensions=extensions)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= answer.status_code < 300:
        return answer.status_code, None
    return answer.status_code, f"HTTP {answer.status_code}"


def deliveries_of(session: Session, *, webhook_id: str) -> list[WebhookDelivery]:
    """Return a webhook's deliveries, newest first (for the portal and tests)."""
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )
    return list(session.scalars(stmt))
