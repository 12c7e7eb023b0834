"""The detector: compiled knowledge plus signals plus policy, checking listings.

Why: the expensive work (normalising every brand term, building the automaton
and the fuzzy index, loading reference hashes into faiss) happens once, when a
detector is built for a knowledge version; checking a listing then costs
well under a millisecond for text, price and seller signals. Build a new
detector when brands, references or the policy change; the versions it records
with each decision say which one decided.

Two modes share one code path:
- the *gate* (``ocr=False``), run before a listing goes live: text, photos'
  hashes, price, seller behaviour;
- the *full scan* (``ocr=True``) also reads text painted on photos.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from marketguard.detection.context import DetectorSetup, ImageResult, ScanContext
from marketguard.detection.evidence import Decision, Evidence
from marketguard.detection.image_files import read_image_file
from marketguard.detection.image_hash import (
    HASH_SIDE,
    MAX_PIXELS,
    MIN_QUALITY,
    ImageError,
    ImageHash,
    decode_image,
    hash_image,
)
from marketguard.detection.image_index import ImageMatch, ReferenceIndex
from marketguard.detection.knowledge import (
    BrandKnowledge,
    CategoryPriceStats,
    ListingInput,
    ReferenceImage,
    SellerContext,
    knowledge_digest,
)
from marketguard.detection.ocr import OCR_SIDE, OcrEngine, shared_ocr_engine
from marketguard.detection.policy import Policy
from marketguard.detection.registry import Signal, SignalRegistry, default_registry
from marketguard.detection.scorer import decide
from marketguard.detection.text_match import TextIndex
from marketguard.detection.text_normalize import NORMALISER_VERSION, normalise

if TYPE_CHECKING:
    from marketguard.detection.model import DetectionModel

DETECTOR_VERSION = "1"
log = logging.getLogger(__name__)

_index_cache: OrderedDict[str, TextIndex] = OrderedDict()
_index_lock = threading.Lock()


def text_index_for(knowledge: Sequence[BrandKnowledge], digest: str) -> TextIndex:
    """Return the compiled text index for a knowledge version (built once, kept for reuse)."""
    with _index_lock:
        index = _index_cache.get(digest)
        if index is None:
            index = TextIndex(knowledge)
            _index_cache[digest] = index
            while len(_index_cache) > 4:
                _index_cache.popitem(last=False)
        return index


class Detector:
    """Checks listings against brand knowledge and reference images under a policy."""

    def __init__(
        self,
        knowledge: Sequence[BrandKnowledge],
        references: Sequence[ReferenceImage] = (),
        policy: Policy | None = None,
        model: DetectionModel | None = None,
        *,
        registry: SignalRegistry | None = None,
        ocr_engine: OcrEngine | None = None,
        category_prices: Mapping[str, CategoryPriceStats] | None = None,
        max_image_pixels: int = MAX_PIXELS,
        image_cache_size: int = 50_000,
    ) -> None:
        self.policy = policy or Policy()
        self.model = model
        digest = knowledge_digest(knowledge, references)
        knowledge = tuple(knowledge)
        self.setup = DetectorSetup(
            knowledge=knowledge,
            brands={b.brand_id: b for b in knowledge},
            text_index=text_index_for(knowledge, digest),
            reference_index=ReferenceIndex(references),
            policy=self.policy,
        )
        self.signals: list[Signal] = (registry or default_registry()).build(self.setup)
        self.versions: dict[str, str | None] = {
            "detector": DETECTOR_VERSION,
            "normaliser": NORMALISER_VERSION,
            "knowledge": digest,
            "policy": self.policy.digest(),
            "signals": ",".join(s.name for s in self.signals),
            "model": model.version if model is not None else None,
        }
        self._ocr = ocr_engine
        self._category_prices = {normalise(k): v for k, v in (category_prices or {}).items()}
        self._max_pixels = max_image_pixels
        self._hashes: OrderedDict[str, ImageHash] = OrderedDict()  # by file digest
        self._hashes_lock = threading.Lock()
        self._hash_cache_size = image_cache_size

    def check(
        self,
        listing: ListingInput,
        seller_context: SellerContext | None = None,
        *,
        ocr: bool = False,
        images: bool = True,
        price_stats: CategoryPriceStats | None = None,
    ) -> Decision:
        """Check one listing; ``ocr`` reads photo text (slow), ``images`` hashes photos."""
        examined = self._examine_images(listing, ocr=ocr) if images else ()
        if price_stats is None and listing.category and self._category_prices:
            price_stats = self._category_prices.get(normalise(listing.category))
        context = ScanContext(self.setup, listing, seller_context, examined, price_stats)
        evidence: list[Evidence] = []
        for signal in self.signals:
            try:
                evidence.extend(signal.evaluate(context))
            except Exception as exc:  # a faulty plugin must not stop the scan
                log.exception(
                    "detection signal %s failed on listing %s", signal.name, listing.listing_id
                )
                detail = f"signal failed: {type(exc).__name__}: {exc}"
                evidence.append(Evidence(signal.name, detail, 0.0, error=True))
        probability = None
        if self.model is not None:
            probability = self.model.predict(listing, evidence)
        return decide(
            context,
            evidence,
            versions=self.versions,
            model_probability=probability,
            model_version=self.model.version if self.model is not None else None,
        )

    def check_batch(
        self,
        listings: Iterable[ListingInput],
        seller_contexts: Mapping[str, SellerContext] | None = None,
        *,
        ocr: bool = False,
        images: bool = True,
    ) -> list[Decision]:
        """Check listings in order; ``seller_contexts`` maps seller id to its context.

        Python's cyclic garbage collector is paused for the batch: checking creates
        no reference cycles, and collections would otherwise rescan the compiled
        knowledge (hundreds of thousands of objects) again and again.
        """
        contexts = seller_contexts or {}
        paused = gc.isenabled()
        gc.disable()
        try:
            return [
                self.check(listing, contexts.get(listing.seller_id), ocr=ocr, images=images)
                for listing in listings
            ]
        finally:
            if paused:
                gc.enable()

    def _examine_images(self, listing: ListingInput, *, ocr: bool) -> tuple[ImageResult, ...]:
        results = []
        for position, path in enumerate(listing.image_paths, start=1):
            try:
                results.append(self._examine(position, path, listing.image_root, ocr=ocr))
            except ImageError as exc:
                # The precise cause is for operators only: callers get one text for
                # every refused photo, so the gate is no oracle for the server's files.
                log.warning(
                    "listing %s: photo %d %r refused: %s", listing.listing_id, position, path, exc
                )
                results.append(ImageResult(position, path, error=str(exc)))
        return tuple(results)

    def _examine(self, position: int, path: str, root: str | None, *, ocr: bool) -> ImageResult:
        data = read_image_file(path, root=root)
        digest = hashlib.sha256(data).hexdigest()
        with self._hashes_lock:
            hashed = self._hashes.get(digest)
        if hashed is None:
            image = decode_image(data, max_pixels=self._max_pixels, side=HASH_SIDE)
            hashed = hash_image(image, digest)
            with self._hashes_lock:
                self._hashes[digest] = hashed
                if len(self._hashes) > self._hash_cache_size:
                    self._hashes.popitem(last=False)
        matches: tuple[ImageMatch, ...] = ()
        if hashed.quality >= MIN_QUALITY:
            threshold = self.policy.image_max_distance
            matches = tuple(self.setup.reference_index.search(hashed.pdq, threshold))
        text, ocr_error = "", None
        if ocr:
            engine = self._ocr or shared_ocr_engine()
            known = engine.cached(digest)
            if known is not None:
                text = known
            else:
                try:
                    image = decode_image(data, max_pixels=self._max_pixels, side=OCR_SIDE)
                    text = engine.read(image, digest)
                except ImageError:
                    raise
                except Exception as exc:  # the OCR runtime failing is reported, not raised
                    log.exception("OCR failed on %s", path)
                    ocr_error = f"{type(exc).__name__}: {exc}"
        return ImageResult(position, path, hashed, None, matches, text, ocr_error)
