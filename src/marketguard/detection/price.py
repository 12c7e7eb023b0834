"""Signal: a price far below what the genuine product costs, or far below its category.

Why: genuine goods rarely sell new at a fraction of their list price, so "15% of
MSRP" next to a brand name is one of the clearest marks of a fake. Prices are
compared in one currency using the static reference rates below. They are
deliberately fixed, approximate mid-market rates (January 2025), not live
quotes: a cheapness test needs the order of magnitude, not today's cent, and a
decision must replay the same tomorrow. A currency missing from the table gives
error evidence rather than a guess.

The category check compares a price with the category's median using the median
absolute deviation (robust to the outliers a marketplace is full of).
"""

from __future__ import annotations

from marketguard.detection.context import DetectorSetup, ScanContext
from marketguard.detection.evidence import Evidence
from marketguard.detection.knowledge import ListingInput, ProductKnowledge
from marketguard.detection.text_analysis import category_in
from marketguard.money import MINOR_UNITS

FX_TABLE_DATE = "2025-01"
# Euros per one unit of each currency (approximate reference rates, see module docs).
FX_TO_EUR: dict[str, float] = {
    "EUR": 1.0, "USD": 0.96, "GBP": 1.19, "CHF": 1.06, "CNY": 0.131, "JPY": 0.0062,
    "HKD": 0.123, "TWD": 0.029, "KRW": 0.00066, "SGD": 0.71, "INR": 0.0112, "AUD": 0.60,
    "NZD": 0.54, "CAD": 0.67, "MXN": 0.047, "BRL": 0.16, "SEK": 0.087, "NOK": 0.085,
    "DKK": 0.134, "PLN": 0.235, "CZK": 0.0398, "HUF": 0.00244, "RON": 0.201, "BGN": 0.511,
    "TRY": 0.027, "AED": 0.26, "SAR": 0.256, "ILS": 0.27, "ZAR": 0.052, "THB": 0.028,
    "MYR": 0.215, "IDR": 0.000059, "PHP": 0.0165, "VND": 0.000038, "UAH": 0.023,
}  # fmt: skip

# (ratio to MSRP at or below which, weight): cheaper is more suspicious.
MSRP_BANDS = ((0.2, 0.6), (0.35, 0.45), (0.5, 0.3), (0.7, 0.1))
BRAND_LEVEL_FACTOR = 0.6  # no product named: compared with the brand's cheapest in category
MIN_CATEGORY_COUNT = 30
CATEGORY_BANDS = ((-3.5, 0.2), (-2.5, 0.1))  # robust z-score at or below which, weight


class CurrencyError(ValueError):
    """A currency the reference table does not hold."""


def to_eur(amount: int, currency: str) -> float:
    """Convert minor units of ``currency`` to euros using the reference table."""
    currency = currency.upper()
    rate = FX_TO_EUR.get(currency)
    if rate is None or currency not in MINOR_UNITS:
        raise CurrencyError(
            f"no reference exchange rate for {currency!r} "
            f"(the table holds {len(FX_TO_EUR)} currencies, rates of {FX_TABLE_DATE})"
        )
    return amount / 10 ** MINOR_UNITS[currency] * rate


def money(amount: int, currency: str) -> str:
    """Format minor units for people: ``2900 EUR`` -> ``29.00 EUR``."""
    exponent = MINOR_UNITS.get(currency, 2)
    return f"{amount / 10**exponent:.{exponent}f} {currency}"


def _band(value: float, bands: tuple[tuple[float, float], ...]) -> float:
    for limit, weight in bands:
        if value <= limit:
            return weight
    return 0.0


class PriceSignal:
    """Compares the price with the MSRP of the product it claims and with its category."""

    name = "price"

    def __init__(self, setup: DetectorSetup) -> None:
        self.setup = setup

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        """Return MSRP evidence per brand involved, and category evidence if stats were given."""
        listing = context.listing
        if listing.price_amount is None or not listing.price_currency:
            return []
        try:
            price_eur = to_eur(listing.price_amount, listing.price_currency)
        except CurrencyError as exc:
            detail = f"price {listing.price_amount} {listing.price_currency} not compared: {exc}"
            return [Evidence(self.name, detail, 0.0, error=True)]
        out = []
        for brand_id in context.involved_brand_ids():
            evidence = self._msrp(context, brand_id, price_eur)
            if evidence is not None:
                out.append(evidence)
        category = self._category(context, listing)
        if category is not None:
            out.append(category)
        return out

    def _msrp(self, context: ScanContext, brand_id: str, price_eur: float) -> Evidence | None:
        listing = context.listing
        brand = self.setup.brands[brand_id]
        named = [p for p in context.products_for(brand_id) if p.msrp_amount and p.msrp_currency]
        factor = 1.0
        product: ProductKnowledge | None = named[0] if named else None
        if product is None:
            same = [
                p for p in brand.products
                if p.msrp_amount and p.msrp_currency
                and category_in(listing.category, [p.category] if p.category else []) is not False
            ]  # fmt: skip
            if not same:
                return None
            product = min(same, key=lambda p: self._eur_or_inf(p))
            factor = BRAND_LEVEL_FACTOR
        assert product.msrp_amount is not None and product.msrp_currency is not None
        try:
            msrp_eur = to_eur(product.msrp_amount, product.msrp_currency)
        except CurrencyError as exc:
            detail = f"MSRP of {product.name!r} not compared: {exc}"
            return Evidence(self.name, detail, 0.0, brand_id, product.product_id, error=True)
        if msrp_eur <= 0:
            return None
        ratio = price_eur / msrp_eur
        price_text = money(listing.price_amount or 0, listing.price_currency or "")
        msrp_text = money(product.msrp_amount, product.msrp_currency)
        basis = f"MSRP {msrp_text} of {product.name!r}"
        if factor != 1.0:
            basis = f"lowest MSRP in the category, {msrp_text} of {product.name!r}"
        detail = f"{ratio:.0%} of MSRP ({price_text} vs {basis})"
        weight = _band(ratio, MSRP_BANDS) * factor
        data = {"ratio": round(ratio, 4), "product_level": factor == 1.0}
        return Evidence(self.name, detail, weight, brand_id, product.product_id, data=data)

    @staticmethod
    def _eur_or_inf(product: ProductKnowledge) -> float:
        try:
            return to_eur(product.msrp_amount or 0, product.msrp_currency or "")
        except CurrencyError:
            return float("inf")

    def _category(self, context: ScanContext, listing: ListingInput) -> Evidence | None:
        stats = context.price_stats
        if stats is None or stats.count < MIN_CATEGORY_COUNT or stats.mad_amount <= 0:
            return None
        try:
            price = to_eur(listing.price_amount or 0, listing.price_currency or "")
            median = to_eur(round(stats.median_amount), stats.currency)
            mad = to_eur(round(stats.mad_amount), stats.currency)
        except CurrencyError as exc:
            return Evidence(self.name, f"category prices not compared: {exc}", 0.0, error=True)
        if mad <= 0:
            return None
        z = (price - median) / (1.4826 * mad)
        weight = _band(z, CATEGORY_BANDS)
        if weight == 0.0:
            return None
        detail = (
            f"price {abs(z):.1f} robust deviations below the median of category "
            f"{stats.category!r} ({money(round(stats.median_amount), stats.currency)})"
        )
        return Evidence(self.name, detail, weight, data={"robust_z": round(z, 3)})
