"""Reading brand packs from disk: YAML or JSON, one file or a folder of them.

A pack's images are read with the gate's safe reader: confined to the pack's own
folder (no absolute paths, no ``..`` or symlinks leading out), regular files
only, at most 20 MiB, so importing a pack cannot make the platform read, hash
and keep any other file of the server.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import orjson
import yaml
from PIL import Image, UnidentifiedImageError
from pydantic import ValidationError

from marketguard.brands.schemas import BrandPackIn
from marketguard.detection.image_files import (
    FileMissing,
    ImageError,
    OutsideFolder,
    confine,
    read_image_file,
)
from marketguard.errors import InvalidInput
from marketguard.ingest import RecordError, describe_validation

PACK_SUFFIXES = (".yaml", ".yml", ".json")
MAX_IMAGE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class LoadedImage:
    relative: str
    path: Path
    sha256: str


@dataclass(frozen=True)
class LoadedPack:
    """A validated pack with its images resolved relative to its own file."""

    source: Path
    pack: BrandPackIn
    images: dict[str, LoadedImage]


def pack_files(path: Path) -> list[Path]:
    """Return the pack files at ``path`` (the file itself, or every pack in a folder)."""
    if not path.exists():
        raise InvalidInput(f"brand pack not found: {path}")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in PACK_SUFFIXES and p.is_file())
    if not files:
        raise InvalidInput(f"no brand packs (*.yaml, *.yml, *.json) in folder {path}")
    return files


def load_pack(path: Path) -> LoadedPack | RecordError:
    """Parse and validate one pack file, checking that every image exists and opens."""
    try:
        raw = path.read_bytes()
        data = orjson.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (yaml.YAMLError, orjson.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return RecordError(str(path), line, f"not valid {path.suffix[1:].upper()}: {reason}")
    if not isinstance(data, dict):
        return RecordError(str(path), None, "a brand pack must be a mapping with a 'brand' key")
    try:
        pack = BrandPackIn.model_validate(data)
    except ValidationError as exc:
        return RecordError(str(path), None, describe_validation(exc))
    images: dict[str, LoadedImage] = {}
    for product in pack.products:
        for relative in product.images:
            loaded = _load_image(path.parent, relative)
            if isinstance(loaded, str):
                return RecordError(str(path), None, f"product {product.name!r}: {loaded}")
            images[relative] = loaded
    return LoadedPack(path, pack, images)


def _load_image(base: Path, relative: str) -> LoadedImage | str:
    """Read one reference image, confined to the pack's folder, and check that it opens."""
    where = "(paths are relative to the pack file)"
    try:
        image_path = confine(relative, base)
        data = read_image_file(relative, root=base, max_bytes=MAX_IMAGE_BYTES)
    except OutsideFolder:
        return f"image {relative!r} is outside the pack folder {where}"
    except FileMissing:
        return f"image {relative!r} not found {where}"
    except ImageError as exc:
        return f"image {relative!r} cannot be used: {exc}"
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        return f"image {relative!r} cannot be read as an image ({exc})"
    return LoadedImage(relative, image_path, hashlib.sha256(data).hexdigest())
