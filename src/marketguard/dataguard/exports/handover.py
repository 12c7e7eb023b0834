"""Encrypt a hand-over to a vendor in the age format, streaming, with no plaintext on disk.

Why age (pyrage): vendors decrypt with the standard ``age`` tool and their own
X25519 identity; we only ever hold their public recipient. Why a pull reader:
``pyrage.encrypt_io`` reads its plaintext from a file-like object, so the export
is produced batch by batch as the encryptor asks for more, and neither the whole
plaintext nor any part of it is written anywhere but into the encryptor.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import BinaryIO

import pyrage
from pyrage import x25519

from marketguard.errors import InvalidInput

MAX_RECIPIENT = 200


def parse_recipient(text: str, *, field: str = "age_recipient") -> x25519.Recipient:
    """Parse an age X25519 recipient (``age1…``) or raise a 422 naming the field."""
    value = (text or "").strip()
    if not value.startswith("age1") or len(value) > MAX_RECIPIENT:
        raise InvalidInput(
            f"{field} must be an age X25519 recipient (age1…, as printed by age-keygen), "
            f"got {_shown(value)}"
        )
    try:
        return x25519.Recipient.from_str(value)
    except pyrage.RecipientError as exc:
        raise InvalidInput(
            f"{field} is not a valid age recipient ({exc}): {_shown(value)}"
        ) from None


def _shown(value: str) -> str:
    return repr(value if len(value) <= 24 else value[:20] + "...")


class Spool(io.RawIOBase):
    """A write-only buffer the export writes into and the encryptor drains."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.buffer += data
        return len(data)


class PullReader(io.RawIOBase):
    """A readable stream whose bytes are produced on demand by ``produce`` steps.

    ``steps`` advances the export by one batch each time it is pulled, writing
    into ``spool``; ``read(n)`` pulls until ``n`` bytes are ready or it ends.
    """

    def __init__(self, spool: Spool, steps: Iterator[None]) -> None:
        super().__init__()
        self.spool = spool
        self.steps = steps
        self.done = False
        self.offset = 0
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        buffer = self.spool.buffer
        want = size if size is not None and size >= 0 else None
        while not self.done and (want is None or len(buffer) - self.offset < want):
            try:
                next(self.steps)
            except StopIteration:
                self.done = True
            except BaseException as exc:  # noqa: B036 - re-raised by encrypt_stream
                self.error, self.done = exc, True
                return b""
        end = len(buffer) if want is None else min(len(buffer), self.offset + want)
        chunk = bytes(buffer[self.offset : end])
        self.offset = end
        if self.offset > 1 << 20:  # drop what was handed over, now and then
            del buffer[: self.offset]
            self.offset = 0
        return chunk


def encrypt_stream(
    produce: Callable[[BinaryIO], Iterator[None]],
    out: BinaryIO,
    recipient: x25519.Recipient,
) -> None:
    """Encrypt what ``produce`` writes (batch by batch) to ``recipient`` into ``out``."""
    spool = Spool()
    reader = PullReader(spool, produce(spool))  # type: ignore[arg-type]
    try:
        pyrage.encrypt_io(reader, out, [recipient])
    except pyrage.EncryptError as exc:
        if reader.error is None:
            raise RuntimeError(f"age encryption failed: {exc}") from exc
    if reader.error is not None:  # the export failed while the encryptor pulled from it
        raise reader.error
