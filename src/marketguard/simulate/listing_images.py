"""Render the listing photos the listing plans ask for.

Shared photos are rendered once; photos of one listing alone are grouped by the
image they derive from, so each official photo is drawn once per group rather
than once per listing. Every photo depends only on its own seeds, so the order
of work never changes a byte.
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from PIL import Image

from marketguard.simulate import images
from marketguard.simulate.listings import ImagePlan, Listing
from marketguard.simulate.rng import opaque, stage_seed
from marketguard.simulate.writer import Progress


def assign_paths(seed: int, listings: list[Listing]) -> dict[str, ImagePlan]:
    """Name every photo (relative to ``listings.jsonl``); return the shared ones by key."""
    shared: dict[str, ImagePlan] = {}
    for listing in listings:
        for number, plan in enumerate(listing.images, start=1):
            if plan.shared_key is None:
                plan.path = f"img/{listing.listing_id}-{number}.jpg"
                continue
            first = shared.setdefault(plan.shared_key, plan)
            plan.path = first.path or f"img/s-{opaque(seed, plan.shared_key)}.jpg"
            first.path = plan.path
    return shared


def _base(plan: ImagePlan, seed: int) -> Image.Image:
    if plan.source == "generic":
        return images.render_generic(stage_seed(seed, f"generic:{plan.seed}") & 0xFFFFFFFF)
    if plan.source == "official":
        return images.render_product(plan.seed, plan.brand, plan.view)
    return images.render_knockoff(plan.seed, plan.view, plan.brand)


def _finish(base: Image.Image, plan: ImagePlan) -> Image.Image:
    """Apply the plan's edits and banner to ``base``; record what was done on the plan."""
    image = base
    rng = random.Random(plan.edit_seed)
    if plan.edits:
        image, done = images.disguise_photo(image, rng)
        plan.transforms = done
    if plan.banner:
        image = images.paint_banner(image, plan.banner, rng)
        plan.transforms = [*plan.transforms, f"banner:{plan.banner}"]
    return image


def _render_group(seed: int, group: list[ImagePlan], folder: Path) -> int:
    """Render photos sharing one base image: draw the base once, then edit and save each."""
    base = _base(group[0], seed)
    for plan in group:
        images.save_jpeg(_finish(base, plan), folder / plan.path, plan.quality)
    return len(group)


def render_all(seed: int, listings: list[Listing], folder: Path, progress: Progress) -> int:
    """Render every photo into ``folder`` (the listings file's folder); return how many.

    Groups run on a small thread pool: Pillow and numpy release the GIL while they
    draw, resize and encode, and each photo depends only on its plan.
    """
    shared = assign_paths(seed, listings)
    own = [p for listing in listings for p in listing.images if p.shared_key is None]
    work: list[ImagePlan] = list(shared.values()) + own
    work.sort(key=lambda p: (p.source, p.seed, p.brand, p.view, p.path))
    groups: list[list[ImagePlan]] = []
    for plan in work:
        key = (plan.source, plan.seed, plan.brand, plan.view)
        if (
            groups
            and (groups[-1][0].source, groups[-1][0].seed, groups[-1][0].brand, groups[-1][0].view)
            == key
        ):
            groups[-1].append(plan)
        else:
            groups.append([plan])
    (folder / "img").mkdir(parents=True, exist_ok=True)
    total = len(work)
    progress("listing images", 0, total)
    done = 0
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_render_group, seed, group, folder) for group in groups]
        for future in as_completed(futures):
            done += future.result()
            progress("listing images", done, total)
    for listing in listings:
        for plan in listing.images:
            if plan.shared_key is not None:
                plan.transforms = []
    return total
