"""Register the built-in signals, through the same hook an outside plugin provides.

A plugin package declares, in its own ``pyproject.toml``::

    [project.entry-points."marketguard.detection_signals"]
    my_signal = "my_package.signals:register"

where ``register(registry)`` calls ``registry.register(name, factory)`` exactly
as below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marketguard.detection.authorization import AuthorizationSignal
from marketguard.detection.brand_text import BrandTextSignal
from marketguard.detection.contact_details import ContactDetailsSignal
from marketguard.detection.counterfeit_terms import CounterfeitTermsSignal
from marketguard.detection.image_match import ImageMatchSignal
from marketguard.detection.price import PriceSignal
from marketguard.detection.seller import SellerSignal
from marketguard.detection.seller_status import SellerStatusSignal

if TYPE_CHECKING:
    from marketguard.detection.registry import SignalRegistry


def register(registry: SignalRegistry) -> None:
    """Add the built-in signals: text, vocabulary, photos, price, seller, authorisation,
    status, contact."""
    registry.register(BrandTextSignal.name, BrandTextSignal)
    registry.register(CounterfeitTermsSignal.name, CounterfeitTermsSignal)
    registry.register(ImageMatchSignal.name, ImageMatchSignal)
    registry.register(PriceSignal.name, PriceSignal)
    registry.register(SellerSignal.name, SellerSignal)
    registry.register(AuthorizationSignal.name, AuthorizationSignal)
    registry.register(SellerStatusSignal.name, SellerStatusSignal)
    registry.register(ContactDetailsSignal.name, ContactDetailsSignal)
