"""Safe image loading and PDQ perceptual hashing, for listing photos and references.

Why: counterfeit listings reuse the brand's own product photos, re-encoded,
resized, mirrored, recoloured or with a price banner painted on. PDQ (the hash
platforms use to share image hashes) survives those; we hash listing photos and
compare them with the brand's reference images.

PDQ does *not* survive cropping or rotation well: on our generated test images a
5% crop moves a hash about 60 bits and a 3° rotation about 40, while unrelated
images sit 90+ bits apart. So each reference image is indexed with variants: its
7 flips and quarter turns, a grid of crops (0, 2.5, 5, 7.5 and 10% off each side,
at most 10% per axis: 224 crops) and rotations of ±2° and ±4°. A photo cropped or
rotated within those bounds then lies within the match threshold of one variant
(measured figures are in ``docs/detection.md``). Images are reduced to 128 pixels
before hashing: PDQ works on a 64×64 reduction anyway, and hashing is 15 times
faster than at 512 pixels with the same robustness on our measurements.

Loading never trusts the file: files are read by :mod:`.image_files` (confined to
their folder, regular files only, a byte limit), a pixel limit is checked before
decoding (decompression bombs), and every decoder failure becomes an
:class:`ImageError` with a readable reason, so one bad photo never stops a batch.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

from marketguard.detection.image_files import ImageError, read_image_file

HASH_SIDE = 128  # images are reduced to this before hashing (PDQ itself works at 64×64)
VARIANT_SIDE = 512  # reference variants are cut at this size, then reduced
MAX_PIXELS = 40_000_000  # default pixel limit: larger images are refused before decoding
MIN_QUALITY = 50  # PDQ quality below this means a near-featureless image; never matched

# Image.Transpose operations giving the 7 non-identity dihedral transforms.
DIHEDRAL = (
    (Image.Transpose.ROTATE_90, "rotated 90°"),
    (Image.Transpose.ROTATE_180, "rotated 180°"),
    (Image.Transpose.ROTATE_270, "rotated 270°"),
    (Image.Transpose.FLIP_TOP_BOTTOM, "flipped vertically"),
    (Image.Transpose.FLIP_LEFT_RIGHT, "mirrored"),
    (Image.Transpose.TRANSPOSE, "transposed"),
    (Image.Transpose.TRANSVERSE, "transversed"),
)
_CROP_STEPS = (0.0, 0.025, 0.05, 0.075, 0.1)
CROP_VARIANTS: tuple[tuple[float, float, float, float], ...] = tuple(
    (left, right, top, bottom)
    for left in _CROP_STEPS
    for right in _CROP_STEPS
    for top in _CROP_STEPS
    for bottom in _CROP_STEPS
    if left + right <= 0.1 + 1e-9 and top + bottom <= 0.1 + 1e-9
)[1:]  # the first is no crop at all
ROTATION_VARIANTS = (-4.0, -2.0, 2.0, 4.0)
VARIANT_LABELS: tuple[str, ...] = (
    tuple(label for _, label in DIHEDRAL)
    + tuple(
        "cropped " + "/".join(f"{f * 100:g}%" for f in crop) + " (left/right/top/bottom)"
        for crop in CROP_VARIANTS
    )
    + tuple(f"rotated {angle:+g}°" for angle in ROTATION_VARIANTS)
)


@dataclass(frozen=True, slots=True)
class ImageHash:
    """The PDQ hash of one image with the facts needed to explain a match."""

    digest: str
    pdq: bytes
    quality: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ReferenceHashes:
    """A reference image's hash plus its variants, in :data:`VARIANT_LABELS` order."""

    pdq: bytes
    quality: int
    variants: tuple[bytes, ...]


def decode_image(
    data: bytes, *, max_pixels: int = MAX_PIXELS, side: int | None = None
) -> Image.Image:
    """Decode image bytes to RGB, checking the pixel count before any pixel is decoded.

    ``side`` lets JPEG decoding skip detail that hashing would throw away anyway.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: Image.Image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(
                    f"{width}×{height} pixels is over the limit of {max_pixels} "
                    "(refused as a possible decompression bomb)"
                )
            if side is not None and isinstance(image, JpegImageFile):
                image.draft("RGB", (side, side))
            image.load()
            image = ImageOps.exif_transpose(image)
        except ImageError:
            raise
        except UnidentifiedImageError:
            raise ImageError("not an image in a format we read") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageError(f"refused as a possible decompression bomb: {exc}") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageError(f"cannot be decoded: {exc}") from None
        except Exception as exc:  # a decoder bug must not stop the batch
            raise ImageError(f"cannot be decoded ({type(exc).__name__}: {exc})") from None
    if image.width == 0 or image.height == 0:
        raise ImageError("has no pixels")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return image.convert("RGB")


def _pdq(image: Image.Image) -> tuple[bytes, int]:
    pixels = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    vector, quality = pdqhash.compute(pixels)
    return np.packbits(vector.astype(np.uint8)).tobytes(), int(quality)


def _reduce(image: Image.Image, side: int = HASH_SIDE) -> Image.Image:
    if max(image.size) <= side:
        return image
    reduced = image.copy()
    reduced.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return reduced


def hash_image(image: Image.Image, digest: str = "") -> ImageHash:
    """Return the PDQ hash of a decoded RGB image."""
    pdq, quality = _pdq(_reduce(image))
    return ImageHash(digest, pdq, quality, image.width, image.height)


def hash_image_bytes(data: bytes, *, max_pixels: int = MAX_PIXELS) -> ImageHash:
    """Decode and hash image bytes; raises :class:`ImageError` for bad images."""
    digest = hashlib.sha256(data).hexdigest()
    return hash_image(decode_image(data, max_pixels=max_pixels, side=HASH_SIDE), digest)


def reference_hashes(
    source: bytes | str | Path, *, crops: bool = True, max_pixels: int = MAX_PIXELS
) -> ReferenceHashes:
    """Hash a reference image with all its variants (about a tenth of a second per image).

    Run once when a brand pack is imported; store ``pdq`` and ``variants`` with the
    reference so the detector never decodes reference images at start-up.
    ``crops=False`` keeps only the 7 rotations and flips (for very large catalogues).
    """
    data = source if isinstance(source, bytes) else read_image_file(source)
    # Variants are cut from a finer copy and then reduced, as a cropped photo would be.
    full = _reduce(decode_image(data, max_pixels=max_pixels, side=VARIANT_SIDE), VARIANT_SIDE)
    image = _reduce(full)
    pdq, quality = _pdq(image)
    # Flips and quarter turns are hashed directly rather than derived from the DCT
    # (pdqhash.compute_dihedral): after downscaling the derived ones drift 20-30 bits.
    variants = [_pdq(image.transpose(method))[0] for method, _ in DIHEDRAL]
    if crops:
        width, height = full.size
        for left, right, top, bottom in CROP_VARIANTS:
            box = (
                round(width * left), round(height * top),
                width - round(width * right), height - round(height * bottom),
            )  # fmt: skip
            variants.append(_pdq(_reduce(full.crop(box)))[0])
        for angle in ROTATION_VARIANTS:
            rotated = full.rotate(
                angle, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255)
            )
            variants.append(_pdq(_reduce(rotated))[0])
    return ReferenceHashes(pdq, quality, tuple(variants))


def hamming(a: bytes, b: bytes) -> int:
    """Return the number of differing bits between two hashes of equal length."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def variant_label(index: int, count: int) -> str:
    """Name variant ``index`` of a reference with ``count`` variants (0 is the image itself)."""
    if index == 0:
        return "original"
    if index <= len(DIHEDRAL) or count == len(VARIANT_LABELS):
        return VARIANT_LABELS[index - 1]
    return f"variant {index}"
