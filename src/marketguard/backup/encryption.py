"""The age layer: a backup encrypted to age recipients, readable with the stock ``age`` tool.

Why age (through pyrage): the whole file is encrypted, manifest included, so an
encrypted backup reveals nothing but its size; the operator decrypts it with
``age -d -i key.txt`` on any machine, without marketguard; and age authenticates
every 64 KiB chunk and the end of the stream, so a flipped byte or a cut-off file
fails decryption instead of yielding a damaged backup.
"""

from __future__ import annotations

from pathlib import Path

import pyrage

from marketguard.backup.errors import BackupDamaged, BackupError

_MAGIC = b"age-encryption.org/v1\n"
_ARMORED = b"-----BEGIN AGE ENCRYPTED FILE-----"


def parse_recipients(values: list[str]) -> list[pyrage.x25519.Recipient]:
    """Parse ``age1…`` recipients, naming the first malformed one."""
    recipients = []
    for value in values:
        text = value.strip()
        if not text.startswith("age1"):
            raise BackupError(
                f"--encrypt-to {value!r} is not an age recipient: expected a public key "
                "starting with age1 (as printed by `age-keygen`)"
            )
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(text))
        except pyrage.RecipientError as exc:
            raise BackupError(
                f"--encrypt-to {value!r} is not a valid age recipient ({exc})"
            ) from None
    return recipients


def load_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """Read an age identity file (``age-keygen`` output: comments and AGE-SECRET-KEY-1… lines)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackupError(f"identity file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"cannot read the identity file {path}: {exc}") from None
    identities = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise BackupError(
                f"{path} line {number} is not an age identity: expected AGE-SECRET-KEY-1… "
                "(the file `age-keygen -o key.txt` writes)"
            ) from None
    if not identities:
        raise BackupError(f"{path} holds no age identity (AGE-SECRET-KEY-1… line)")
    return identities


def is_encrypted(path: Path) -> bool:
    """Tell whether a file is age-encrypted (binary or ASCII-armored)."""
    with open(path, "rb") as f:
        start = f.read(len(_ARMORED))
    return start.startswith(_MAGIC) or start.startswith(_ARMORED)


def encrypt(source: Path, target: Path, recipients: list[pyrage.x25519.Recipient]) -> None:
    """Encrypt ``source`` into ``target`` (streamed: the backup is never held in memory)."""
    with open(source, "rb") as reader, open(target, "wb") as writer:
        pyrage.encrypt_io(reader, writer, recipients)


def decrypt(source: Path, target: Path, identities: list[pyrage.x25519.Identity]) -> None:
    """Decrypt ``source`` into ``target``; tell a wrong key from a damaged file.

    A header that fails shows as ``DecryptError``; a chunk that fails authentication
    (a changed byte, a missing end) surfaces from the stream as an ``OSError`` without
    an errno, unlike a failing disk.
    """
    with open(source, "rb") as reader, open(target, "wb") as writer:
        try:
            pyrage.decrypt_io(reader, writer, identities)
        except (pyrage.DecryptError, OSError) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:
                raise  # the disk, not the file: a real error of the system, shown as such
            if "no matching keys" in str(exc).lower():
                raise BackupError(
                    f"{source.name} is not encrypted to the given identity: pass the key of "
                    "a recipient it was encrypted to (--identity)"
                ) from None
            raise BackupDamaged(
                f"{source.name} cannot be decrypted ({exc}): the encrypted file was changed "
                "or cut short"
            ) from None
