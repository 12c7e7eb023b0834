"""Procedural product photos and the edits counterfeiters make to stolen ones.

Why procedural: the project ships no photo data set, and perceptual-hash matching
needs images that are (a) genuinely different from product to product and (b)
recognisable after the usual edits. Each image is a seeded mix of a gradient, a
low-frequency texture, random shapes and a logo badge with the brand's name, so
two products' hashes are far apart while a cropped, rotated or re-encoded copy
stays close to its original.
"""

from __future__ import annotations

import colorsys
import io
import random
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

OFFICIAL_SIZE = 400
LISTING_SIZE = 384
RGB = tuple[int, int, int]


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Return Pillow's bundled font at ``size`` pixels (no system fonts needed)."""
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=8)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / np.float32(size)
    return yy, xx


def palette(seed: int) -> list[RGB]:
    """Return five harmonious colours for ``seed`` (a product keeps its palette)."""
    rng = random.Random(seed)
    hue = rng.random()
    colours: list[RGB] = []
    for offset in (0.0, 0.08, 0.5, 0.33, 0.92):
        r, g, b = colorsys.hsv_to_rgb(
            (hue + offset + rng.uniform(-0.03, 0.03)) % 1.0,
            rng.uniform(0.35, 0.95),
            rng.uniform(0.35, 0.98),
        )
        colours.append((int(r * 255), int(g * 255), int(b * 255)))
    return colours


def _background(rng: np.random.Generator, colours: list[RGB], size: int) -> Image.Image:
    """A gradient, a low-frequency texture and a periodic pattern, as an RGBA image.

    Everything here is smooth, so it is computed at a quarter of the pixels and
    scaled up: the background is the costly part of every photo.
    """
    full = size
    size = size // 2
    yy, xx = _grid(size)
    angle = rng.uniform(0, 2 * np.pi)
    t = xx * np.float32(np.cos(angle)) + yy * np.float32(np.sin(angle))
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    c1 = np.array(colours[0], dtype=np.float32)
    c2 = np.array(colours[1], dtype=np.float32)
    pixels = c1 + (c2 - c1) * t[..., None]
    cells = int(rng.integers(3, 8))
    coarse = (rng.random((cells, cells, 3)) * 255).astype(np.uint8)
    low = np.asarray(
        Image.fromarray(coarse).resize((size, size), Image.Resampling.BICUBIC), dtype=np.float32
    )
    pixels += (low - 128.0) * np.float32(rng.uniform(0.5, 0.9))
    frequency = np.float32(rng.uniform(4, 13))
    pattern = int(rng.integers(3))
    if pattern == 0:
        wave = np.sin(frequency * (xx * np.float32(np.sin(angle)) - yy * np.float32(np.cos(angle))))
    elif pattern == 1:
        cx, cy = rng.random(2).astype(np.float32)
        wave = np.sin(frequency * np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2))
    else:
        wave = np.sin(frequency * xx) * np.sin(frequency * yy)
    pixels += wave[..., None] * np.float32(rng.uniform(10, 30))
    small = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return small.resize((full, full), Image.Resampling.BILINEAR).convert("RGBA")


def _shapes(image: Image.Image, rng: np.random.Generator, colours: list[RGB], count: int) -> None:
    """Draw translucent polygons, ellipses and bars on ``image`` in place."""
    size = image.width
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(count):
        colour = colours[int(rng.integers(len(colours)))]
        fill = (*colour, int(rng.integers(110, 230)))
        kind = int(rng.integers(3))
        if kind == 0:
            corners = int(rng.integers(3, 8))
            points = [(float(x), float(y)) for x, y in rng.integers(-40, size + 40, (corners, 2))]
            draw.polygon(points, fill=fill)
        elif kind == 1:
            x, y = rng.integers(-40, size, 2)
            w, h = rng.integers(size // 8, size // 2, 2)
            draw.ellipse((int(x), int(y), int(x + w), int(y + h)), fill=fill)
        else:
            x, y = rng.integers(-20, size, 2)
            w = int(rng.integers(size // 3, size))
            h = int(rng.integers(8, size // 6))
            box = (int(x), int(y), int(x + w), int(y + h))
            draw.rounded_rectangle(box, radius=h // 2, fill=fill)
    image.alpha_composite(layer)


def _item(image: Image.Image, rng: np.random.Generator, colours: list[RGB]) -> None:
    """Draw the 'product' itself: a large solid shape with a highlight."""
    size = image.width
    draw = ImageDraw.Draw(image)
    margin = int(size * rng.uniform(0.14, 0.26))
    box = (margin, int(margin * 0.8), size - margin, size - int(margin * 1.1))
    if rng.random() < 0.5:
        draw.rounded_rectangle(
            box,
            radius=int(size * 0.08),
            fill=(*colours[2], 255),
            outline=(*colours[4], 255),
            width=6,
        )
    else:
        draw.ellipse(box, fill=(*colours[2], 255), outline=(*colours[4], 255), width=6)
    inner = int(size * 0.1)
    draw.ellipse(
        (box[0] + inner, box[1] + inner, box[0] + inner * 3, box[1] + inner * 3),
        fill=(*colours[3], 255),
    )


def _badge(image: Image.Image, rng: np.random.Generator, colours: list[RGB], text: str) -> None:
    """Draw a logo-like badge with ``text`` (the brand's mark on the product)."""
    size = image.width
    draw = ImageDraw.Draw(image)
    face = font(int(size * rng.uniform(0.06, 0.085)))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=face)
    w, h = int(right - left) + 24, int(bottom - top) + 16
    x = int(rng.integers(size // 10, max(size // 10 + 1, size - w - size // 10)))
    y = int(size * rng.uniform(0.55, 0.78))
    dark = sum(colours[0]) > 380
    ink = (20, 20, 24, 255) if not dark else (245, 245, 240, 255)
    paper = (245, 242, 235, 255) if not dark else (25, 25, 30, 255)
    draw.rounded_rectangle((x, y, x + w, y + h), radius=h // 3, fill=paper, outline=ink, width=3)
    draw.text((x + 12 - left, y + 8 - top), text, font=face, fill=ink)
    r = h // 2
    mark = (x - 2 * r - 6, y, x - 6, y + 2 * r)
    draw.ellipse(mark, fill=(*colours[4], 255), outline=ink, width=3)
    draw.text((x - r - 6, y + r), text[:1], font=font(max(10, r)), fill=ink, anchor="mm")


def render_product(seed: int, brand: str, view: int, size: int = OFFICIAL_SIZE) -> Image.Image:
    """Render view ``view`` of the product with ``seed``: same palette, new layout per view."""
    colours = palette(seed)
    rng = np.random.default_rng([seed, view])
    image = _background(rng, colours, size)
    _shapes(image, rng, colours, int(rng.integers(4, 9)))
    _item(image, rng, colours)
    _shapes(image, rng, colours, int(rng.integers(1, 3)))
    _badge(image, rng, colours, brand)
    return image.convert("RGB")


def render_generic(seed: int, size: int = LISTING_SIZE) -> Image.Image:
    """Render an unbranded goods photo: no logo, its own palette."""
    colours = palette(seed)
    rng = np.random.default_rng([seed, 99])
    image = _background(rng, colours, size)
    _shapes(image, rng, colours, int(rng.integers(3, 7)))
    _item(image, rng, colours)
    return image.convert("RGB")


def render_knockoff(product_seed: int, variant: int, brand: str) -> Image.Image:
    """Render a counterfeiter's own photo: the product's colours and logo, another layout."""
    colours = palette(product_seed)
    rng = np.random.default_rng([product_seed, 1000 + variant])
    image = _background(rng, colours, LISTING_SIZE)
    _shapes(image, rng, colours, int(rng.integers(2, 6)))
    _item(image, rng, colours)
    _badge(image, rng, colours, brand)
    return image.convert("RGB")


OVERLAY_TEXTS: tuple[str, ...] = (
    "HOT SALE",
    "Free shipping",
    "best-deal-store",
    "NEW 2026",
    "Top seller",
    "-70%",
)


def disguise_photo(
    image: Image.Image, rng: random.Random, *, edits: int | None = None
) -> tuple[Image.Image, list[str]]:
    """Apply 2–4 of the edits used to evade image matching; return the image and their names.

    Edits: crop (at most 10% in total), rotate (at most 5 degrees), mirror, colour
    shift, resize, a small text overlay and a lossy re-encode.
    """
    names = ["crop", "rotate", "mirror", "colour", "resize", "overlay", "reencode"]
    chosen = set(rng.sample(names, edits if edits is not None else rng.randint(2, 4)))
    done: list[str] = []
    w, h = image.size
    if "crop" in chosen:
        fractions = [rng.uniform(0.0, 0.05) for _ in range(4)]
        box = (
            int(w * fractions[0]),
            int(h * fractions[1]),
            w - int(w * fractions[2]),
            h - int(h * fractions[3]),
        )
        image = image.crop(box)
        done.append(f"crop:{max(fractions[0] + fractions[2], fractions[1] + fractions[3]):.3f}")
    if "rotate" in chosen:
        angle = rng.choice((-1, 1)) * rng.uniform(1.0, 5.0)
        image = image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255))
        done.append(f"rotate:{angle:.2f}")
    if "mirror" in chosen:
        image = ImageOps.mirror(image)
        done.append("mirror")
    if "colour" in chosen:
        saturation, brightness = rng.uniform(0.7, 1.35), rng.uniform(0.85, 1.15)
        image = ImageEnhance.Color(image).enhance(saturation)
        image = ImageEnhance.Brightness(image).enhance(brightness)
        done.append(f"colour:{saturation:.2f}/{brightness:.2f}")
    if "resize" in chosen:
        scale = rng.uniform(0.55, 0.9)
        size = (max(64, int(image.width * scale)), max(64, int(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
        done.append(f"resize:{scale:.2f}")
    if "overlay" in chosen:
        image = image.copy()
        draw = ImageDraw.Draw(image)
        text = rng.choice(OVERLAY_TEXTS)
        face = font(max(12, image.width // 22))
        x, y = rng.randint(6, image.width // 3), rng.choice((6, image.height - image.width // 14))
        draw.text(
            (x, y), text, font=face, fill=(255, 255, 255), stroke_width=2, stroke_fill=(200, 20, 20)
        )
        done.append(f"overlay:{text}")
    if "reencode" in chosen:
        quality = rng.randint(35, 70)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        buffer.seek(0)
        with Image.open(buffer) as reloaded:
            image = reloaded.convert("RGB")
        done.append(f"reencode:{quality}")
    return image, done


def paint_banner(image: Image.Image, text: str, rng: random.Random) -> Image.Image:
    """Paint ``text`` on the photo in large, clear letters that OCR can read.

    One word a line on a white panel: OCR engines tend to run words on a single
    line together ("REPLICAKIVORA"), while stacked lines come back as words.
    """
    image = image.copy()
    draw = ImageDraw.Draw(image)
    w, h = image.size
    words = text.split()
    size = max(20, w // 7)
    while size > 20:
        boxes = [draw.textbbox((0, 0), word, font=font(size)) for word in words]
        wide = max(box[2] - box[0] for box in boxes)
        tall = sum(box[3] - box[1] for box in boxes) + size // 3 * (len(words) - 1)
        if wide <= w * 0.86 and tall <= h * 0.45:
            break
        size -= 2
    face = font(size)
    boxes = [draw.textbbox((0, 0), word, font=face) for word in words]
    gap = size // 3
    block_w = int(max(box[2] - box[0] for box in boxes))
    block_h = int(sum(box[3] - box[1] for box in boxes)) + gap * (len(words) - 1)
    y = rng.choice((int(h * 0.05), (h - block_h) // 2, int(h * 0.95) - block_h - 16))
    x = (w - block_w) // 2
    draw.rectangle((x - 14, y - 10, x + block_w + 14, y + block_h + 10), fill=(255, 255, 255))
    for word, (left, top, right, bottom) in zip(words, boxes, strict=True):
        line_x = (w - int(right - left)) // 2
        draw.text((line_x - left, y - top), word, font=face, fill=(10, 10, 10))
        y += int(bottom - top) + gap
    return image


def save_png(image: Image.Image, path: Path) -> None:
    """Save a lossless official image (fast compression: the simulation is time-bound)."""
    image.save(path, "PNG", compress_level=1)


def save_jpeg(image: Image.Image, path: Path, quality: int = 82) -> None:
    """Save a listing photo as JPEG (deterministic for a given Pillow and libjpeg)."""
    image.save(path, "JPEG", quality=quality)
