"""Read text painted on listing photos (OCR), so it feeds the text signals.

Why: when titles and descriptions are policed, sellers move the incriminating
words into the picture ("REPLICA ACME" on the photo, a clean title). RapidOCR
(PP-OCR models run by onnxruntime; the models ship inside the wheel, nothing is
downloaded) reads them. Loading the models takes about a second and a read
about half a second per photo, so the engine is a lazily created singleton and
results are cached per image digest: the same photo uploaded a thousand times
is read once. OCR runs only in full scans, never in the fast gate.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from PIL import Image

OCR_VERSION = "rapidocr-onnxruntime/ppocrv4"
OCR_SIDE = 960  # photos are reduced to this before reading: large painted text survives


class OcrEngine:
    """RapidOCR behind a lock, with a bounded cache of text per image digest."""

    def __init__(
        self, *, min_confidence: float = 0.5, cache_size: int = 10_000, threads: int | None = None
    ) -> None:
        self.min_confidence = min_confidence
        self.threads = threads  # onnxruntime threads per model; None: all cores
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cache_size = cache_size
        self._engine: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._engine is None:
            from rapidocr_onnxruntime import RapidOCR  # heavy: imported on first use only

            options: dict[str, Any] = {"det_limit_side_len": OCR_SIDE, "det_limit_type": "max"}
            if self.threads is not None:
                options.update(intra_op_num_threads=self.threads, inter_op_num_threads=1)
            self._engine = RapidOCR(**options)
        return self._engine

    def cached(self, digest: str) -> str | None:
        """Return the text already read from the image with this digest, if any."""
        with self._lock:
            text = self._cache.get(digest)
            if text is not None:
                self._cache.move_to_end(digest)
            return text

    def read(self, image: Image.Image, digest: str = "") -> str:
        """Return the text on ``image``, one detected line per line (cached by digest)."""
        if digest:
            known = self.cached(digest)
            if known is not None:
                return known
        reduced = image
        if max(image.size) > OCR_SIDE:
            reduced = image.copy()
            reduced.thumbnail((OCR_SIDE, OCR_SIDE), Image.Resampling.BILINEAR)
        pixels = np.ascontiguousarray(np.asarray(reduced.convert("RGB"))[:, :, ::-1])  # BGR
        with self._lock:
            result, _ = self._load()(pixels, use_cls=False)
        lines = [str(item[1]) for item in result or () if float(item[2]) >= self.min_confidence]
        text = "\n".join(lines)
        if digest:
            with self._lock:
                self._cache[digest] = text
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return text


_shared: OcrEngine | None = None
_shared_lock = threading.Lock()


def shared_ocr_engine() -> OcrEngine:
    """Return the process-wide OCR engine (models load on its first read)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = OcrEngine()
        return _shared
