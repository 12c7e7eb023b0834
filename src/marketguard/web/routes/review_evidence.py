"""Turn a held listing's stored evidence into what the review page shows.

Why a module of its own: the scan decision keeps its evidence as records
(signal, detail, weight, data); a reviewer needs them regrouped — each matched
official photo beside the listing's photo, the matched words marked in the
title and description, the text read from the photos, the price against the
MSRP — without the page trusting any stored path (photos are served by number
and id through routes that check the role).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marketguard.catalog.models import Listing

TEXT_FIELDS = ("title", "description")


@dataclass(frozen=True)
class PhotoPair:
    """A listing photo (by position) and the reference image it matched."""

    listing_photo: int | None
    ref_id: str
    kind: str
    distance: int | None
    detail: str


@dataclass
class Segment:
    """A run of text, marked when a signal matched it."""

    text: str
    marked: bool = False
    why: str = ""


@dataclass
class ReviewEvidence:
    """Everything the held-listing page shows about one decision."""

    pairs: list[PhotoPair] = field(default_factory=list)
    text: dict[str, list[Segment]] = field(default_factory=dict)
    photo_text: list[str] = field(default_factory=list)
    price: list[str] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)


def _spans(reasons: list[dict[str, Any]], name: str, text: str) -> list[tuple[int, int, str]]:
    """Character ranges of ``text`` (field ``name``) that a signal matched."""
    spans: list[tuple[int, int, str]] = []
    for reason in reasons:
        data = reason.get("data") or {}
        signal = str(reason.get("signal", ""))
        for hit in data.get("hits") or []:  # brand names and model numbers, with offsets
            start, end = hit.get("start"), hit.get("end")
            if (hit.get("field") == name and isinstance(start, int) and isinstance(end, int)
                    and 0 <= start < end <= len(text)):
                spans.append((start, end, f"{signal}: {hit.get('term', '')}"))
        if data.get("field") == name and data.get("text"):  # red-flag terms: the snippet
            snippet = str(data["text"])
            at = text.lower().find(snippet.lower())
            if at >= 0:
                spans.append((at, at + len(snippet), f"{signal}: {data.get('term', '')}"))
    return sorted(spans)


def mark(text: str, spans: list[tuple[int, int, str]]) -> list[Segment]:
    """Split ``text`` into plain and marked segments (overlapping spans merge)."""
    segments: list[Segment] = []
    at = 0
    for start, end, why in spans:
        if end <= at:
            continue
        start = max(start, at)
        if start > at:
            segments.append(Segment(text[at:start]))
        if segments and segments[-1].marked and start == at:
            segments[-1].text += text[start:end]
            if why not in segments[-1].why:
                segments[-1].why += f"; {why}"
        else:
            segments.append(Segment(text[start:end], True, why))
        at = end
    if at < len(text):
        segments.append(Segment(text[at:]))
    return segments


def gather(listing: Listing, reasons: list[dict[str, Any]]) -> ReviewEvidence:
    """Regroup a decision's evidence records for the review page."""
    found = ReviewEvidence(reasons=reasons)
    images = list(listing.images or [])
    for reason in reasons:
        data = reason.get("data") or {}
        signal = reason.get("signal")
        if signal == "image_match" and data.get("ref_id"):
            path = data.get("path")
            position = images.index(path) if path in images else None
            found.pairs.append(PhotoPair(position, str(data["ref_id"]), str(data.get("kind", "")),
                                         data.get("distance"), str(reason.get("detail", ""))))
        if signal == "price":
            found.price.append(str(reason.get("detail", "")))
        snippets = [h.get("text") for h in data.get("hits") or []
                    if h.get("field") == "image_text"]
        if data.get("field") == "image_text":
            snippets.append(data.get("text"))
        found.photo_text += [str(s) for s in snippets if s and str(s) not in found.photo_text]
    for name in TEXT_FIELDS:
        text = str(getattr(listing, name) or "")
        found.text[name] = mark(text, _spans(reasons, name, text))
    return found
