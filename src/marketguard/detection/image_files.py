"""Read image files whose names come from outside, without trusting the names.

Why: listing photos are named by callers (the gate API, a listings file) and
reference images by brand packs. Opened naively, a name such as ``/etc/passwd``,
``../../secrets.png`` or a symlink pointing out of the folder reads any file the
server can; ``/dev/zero`` is read without end (its size says 0) and a FIFO
blocks ``open`` until someone writes. So every name is confined to its folder
after symlinks are resolved (absolute names are refused outright), only regular
files are read (checked with ``fstat`` on the opened descriptor, so the file
cannot be swapped between check and read), the final component is opened with
``O_NOFOLLOW`` and ``O_NONBLOCK`` (a FIFO cannot block), and no more than the
byte cap plus one byte is ever read.

Messages are precise, for operators and for a brand's own pack import; the
gate shows callers one text for every refused photo (see ``image_match``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_BYTES = 30 * 1024 * 1024
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_PROC_FD = Path("/proc/self/fd")


class ImageError(Exception):
    """An image that cannot be examined; the message says why, for a person."""


class OutsideFolder(ImageError):
    """A name that is absolute or resolves outside the folder it must stay in."""


class FileMissing(ImageError):
    """A name that points at no file."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def confine(name: str | Path, root: str | Path) -> Path:
    """Return where ``name`` points under ``root``, symlinks resolved; refuse anything outside."""
    relative = Path(name)
    if relative.is_absolute():
        raise OutsideFolder("an absolute path is not allowed (names are relative to their folder)")
    try:
        folder = Path(root).resolve()
        target = (folder / relative).resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
        raise ImageError("cannot be resolved to a file") from None
    if not _inside(target, folder):
        raise OutsideFolder("resolves outside its folder")
    return target


def read_image_file(
    name: str | Path, *, root: str | Path | None = None, max_bytes: int = MAX_BYTES
) -> bytes:
    """Return the bytes of a regular file of at most ``max_bytes``, confined to ``root`` if given.

    Without ``root`` the path is trusted as to *where* it points (a reference path
    the platform stored itself) but is still read only if it is a regular file
    under the cap.
    """
    if root is not None:
        path = confine(name, root)
    else:
        try:
            path = Path(name).resolve()
        except (OSError, RuntimeError, ValueError):
            raise ImageError("cannot be resolved to a file") from None
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise FileMissing("file not found") from None
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", None):  # swapped for a symlink since resolving
            raise ImageError("is a symbolic link") from None
        raise ImageError(f"cannot be read: {exc.strerror or exc}") from None
    try:
        if root is not None:
            _check_opened(fd, Path(root).resolve())
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ImageError("is a folder, not an image file")
        if not stat.S_ISREG(info.st_mode):
            raise ImageError("is not a regular file (a device, a pipe or a socket)")
        if info.st_size > max_bytes:
            raise ImageError(f"file is over the {max_bytes}-byte limit")
        data = _read_at_most(fd, max_bytes + 1)
    except OSError as exc:
        raise ImageError(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise ImageError(f"file is over the {max_bytes}-byte limit")
    return data


def _check_opened(fd: int, folder: Path) -> None:
    """Refuse a file that left the folder between resolving and opening (Linux only)."""
    try:
        opened = Path(os.readlink(_PROC_FD / str(fd)))
    except OSError:
        return  # no /proc: the O_NOFOLLOW open is the remaining guard
    if not _inside(opened, folder):
        raise OutsideFolder("resolves outside its folder")


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
