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
MAX_PACK_BYTES = 5 * 1024 * 1024
# YAML aliases let a small file stand for an enormous document ("billion laughs").
# A pack rarely needs any; these budgets refuse one before it is ever expanded.
MAX_ALIASES = 100
# Nodes plus scalar characters of the document with every alias written out. An
# alias-free pack under MAX_PACK_BYTES always fits (each node or character costs
# at least one byte of the file).
MAX_EXPANDED_SIZE = 2 * MAX_PACK_BYTES


class _PackRefused(Exception):
    """A pack refused before it was built: too many aliases, too big expanded, too deep."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class _BudgetLoader(yaml.SafeLoader):
    """A safe loader that stops composing once the pack uses too many aliases."""

    def __init__(self, stream: bytes) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _PackRefused(
                    f"the pack uses more than {MAX_ALIASES} YAML aliases (*name); "
                    "write the values out instead",
                    mark.line + 1,
                )
        return super().compose_node(parent, index)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expanded_size(root: yaml.Node) -> None:
    """Measure the document as if every alias were written out, without building it."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            own = 1 + (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)
            size = own + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_EXPANDED_SIZE:
                raise _PackRefused(
                    "the pack expands (through YAML aliases) to more than "
                    f"{MAX_EXPANDED_SIZE:,} nodes and characters; write the values out "
                    "instead of repeating anchors",
                    node.start_mark.line + 1,
                )
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise _PackRefused(
                "the pack refers to itself through a YAML alias (a recursive anchor)",
                node.start_mark.line + 1,
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _load_yaml(raw: bytes) -> object:
    """Parse YAML safely, refusing alias bombs and recursion before anything is built."""
    loader = _BudgetLoader(raw)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_expanded_size(root)
        return loader.construct_document(root)
    finally:
        loader.dispose()


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
    size = path.stat().st_size
    if size > MAX_PACK_BYTES:
        return RecordError(
            str(path), None,
            f"the pack file is {size:,} bytes; the limit is {MAX_PACK_BYTES // 1_048_576} MiB "
            "(images are separate files and do not count)",
        )  # fmt: skip
    try:
        raw = path.read_bytes()
        data = orjson.loads(raw) if path.suffix.lower() == ".json" else _load_yaml(raw)
    except _PackRefused as exc:
        return RecordError(str(path), exc.line, f"refused: {exc.reason}")
    except RecursionError:
        return RecordError(str(path), None, "refused: the pack is nested too deeply")
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
