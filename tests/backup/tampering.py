"""Ways a backup file gets damaged or swapped, each a function of (original bytes) -> bytes."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable

import orjson


def members(data: bytes) -> tuple[bytes, str, bytes]:
    """Return the manifest bytes, the payload's member name and the payload bytes."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        manifest, payload = tar.getmembers()
        raw = tar.extractfile(manifest).read()  # type: ignore[union-attr]
        body = tar.extractfile(payload).read()  # type: ignore[union-attr]
    return raw, payload.name, body


def payload_offset(data: bytes) -> int:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        return tar.getmembers()[1].offset_data


def rebuild(manifest: bytes, name: str, payload: bytes) -> bytes:
    """Write a well-formed archive holding these members (as an attacker with tar would)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, body in (("manifest.json", manifest), (name, payload)):
            info = tarfile.TarInfo(member)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return out.getvalue()


def flip_payload_byte(data: bytes) -> bytes:
    at = payload_offset(data) + 4096 + 17  # inside the database, past its header page
    return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1:]


def truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def edit_row_count(data: bytes) -> bytes:
    raw, name, payload = members(data)
    manifest = orjson.loads(raw)
    table = next(t for t, n in manifest["tables"].items() if n)
    manifest["tables"][table] -= 1
    return rebuild(orjson.dumps(manifest), name, payload)


def swap_payload_and_digest(data: bytes) -> bytes:
    """Change the payload and write its new digest and size into the manifest."""
    import hashlib

    raw, name, payload = members(data)
    changed = payload[:-1] + bytes([payload[-1] ^ 1])
    manifest = orjson.loads(raw)
    manifest["payload"]["sha256"] = hashlib.sha256(changed).hexdigest()
    return rebuild(orjson.dumps(manifest), name, changed)


def drop_signature(data: bytes) -> bytes:
    raw, name, payload = members(data)
    manifest = orjson.loads(raw)
    del manifest["signature"]
    return rebuild(orjson.dumps(manifest), name, payload)


DAMAGE: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "flipped payload byte": (flip_payload_byte, "the payload was changed"),
    "truncated": (truncate, "cut short"),
    "edited row count": (edit_row_count, "does not match its signature"),
    "payload and digest swapped": (swap_payload_and_digest, "does not match its signature"),
    "signature removed": (drop_signature, "carries no signature"),
}
