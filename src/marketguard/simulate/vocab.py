"""The words, places and prices the simulated marketplace is made of.

Every brand here is invented. Some brand names are ordinary words ("Harbor",
"Cobalt") on purpose: a listing for cobalt blue paint is not a counterfeit, and
the detectors must learn that.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BrandSeed:
    """An invented brand: its name, home category, a non-Latin alias, its currency."""

    name: str
    category: str
    nonlatin: str | None = None
    common_word: bool = False
    currency: str = "EUR"
    holder_suffix: str = "GmbH"
    jurisdiction: str = "EU"


BRAND_SEEDS: tuple[BrandSeed, ...] = (
    BrandSeed("Veltrano", "bags", "ヴェルトラノ", holder_suffix="S.r.l."),
    BrandSeed("Kivora", "watches", "キヴォラ", holder_suffix="SA"),
    BrandSeed("Aurelis", "jewelry", "奥瑞丽", holder_suffix="SAS"),
    BrandSeed("Brixa", "shoes", currency="USD", holder_suffix="Inc.", jurisdiction="US"),
    BrandSeed("Solenne", "cosmetics", "索兰妮", holder_suffix="SAS"),
    BrandSeed("Fjellborg", "apparel", holder_suffix="AS"),
    BrandSeed(
        "Orbit",
        "electronics",
        "オービット",
        common_word=True,
        currency="USD",
        holder_suffix="Inc.",
        jurisdiction="US",
    ),
    BrandSeed(
        "Harbor",
        "eyewear",
        common_word=True,
        currency="GBP",
        holder_suffix="Ltd",
        jurisdiction="GB",
    ),
    BrandSeed(
        "Saffron",
        "cosmetics",
        common_word=True,
        holder_suffix="Ltd",
        currency="GBP",
        jurisdiction="GB",
    ),
    BrandSeed("Kestrel", "sports", common_word=True),
    BrandSeed("Cobalt", "kitchen", common_word=True),
    BrandSeed("Quillon", "stationery", holder_suffix="SAS"),
    BrandSeed(
        "Zephyra",
        "electronics",
        "泽菲拉",
        holder_suffix="Co., Ltd.",
        jurisdiction="CN",
        currency="CNY",
    ),
    BrandSeed("Lumetta", "home", "ルメッタ", holder_suffix="S.r.l."),
    BrandSeed("Castellan", "watches", holder_suffix="AG"),
    BrandSeed(
        "Yumeko", "cosmetics", "ゆめこ", currency="JPY", holder_suffix="K.K.", jurisdiction="JP"
    ),
    BrandSeed(
        "Longwei", "home", "龙威", currency="CNY", holder_suffix="Co., Ltd.", jurisdiction="CN"
    ),
    BrandSeed("Astrelle", "bags", holder_suffix="SAS"),
    BrandSeed("Ondine", "apparel", holder_suffix="SAS"),
    BrandSeed("Torvane", "tools", holder_suffix="AB"),
    BrandSeed("Merion", "sports", currency="USD", holder_suffix="LLC", jurisdiction="US"),
    BrandSeed("Nivalis", "apparel", "尼瓦利斯", holder_suffix="AG"),
)

# Unrelated goods whose titles use a common-word brand name: honest, not infringing.
COMMON_WORD_USES: dict[str, tuple[tuple[str, str], ...]] = {
    "Orbit": (
        ("Solar system orbit model kit for kids", "toys"),
        ("Orbit trainer tennis ball on a string", "sports"),
        ("Planetary orbit poster, A2", "art"),
    ),
    "Harbor": (
        ("Harbor view at dusk, canvas print 60x40", "art"),
        ("Harbor seal plush toy 30 cm", "toys"),
        ("Harbor lighthouse jigsaw puzzle 1000 pieces", "toys"),
    ),
    "Saffron": (
        ("Saffron threads 2 g, grade I, from La Mancha", "grocery"),
        ("Saffron rice seasoning mix", "grocery"),
        ("Saffron yellow linen tablecloth", "home"),
    ),
    "Kestrel": (
        ("Kestrel bird print, vintage engraving", "art"),
        ("Kestrel nest box for gardens", "garden"),
        ("Wooden kestrel figurine, hand carved", "home"),
    ),
    "Cobalt": (
        ("Cobalt blue acrylic paint 250 ml", "art"),
        ("Cobalt glass bud vase set of 3", "home"),
        ("Cobalt drill bits set, 19 pieces HSS-Co", "tools"),
    ),
}


@dataclass(frozen=True)
class Category:
    """A product category: what is sold in it and what it usually costs (EUR cents)."""

    nouns: tuple[str, ...]
    msrp_low: int
    msrp_high: int


CATEGORIES: dict[str, Category] = {
    "bags": Category(
        ("tote bag", "backpack", "crossbody bag", "wallet", "duffel bag", "card holder"),
        8_000,
        60_000,
    ),
    "watches": Category(
        ("automatic watch", "chronograph", "dive watch", "dress watch", "pilot watch"),
        15_000,
        250_000,
    ),
    "jewelry": Category(("necklace", "bracelet", "ring", "earrings", "pendant"), 9_000, 120_000),
    "shoes": Category(("sneakers", "running shoes", "loafers", "boots", "slides"), 7_000, 30_000),
    "apparel": Category(
        ("down jacket", "rain shell", "hoodie", "fleece vest", "ski pants"), 4_000, 45_000
    ),
    "cosmetics": Category(
        ("eau de parfum 50 ml", "face serum", "lipstick", "moisturiser", "eye palette"),
        2_500,
        15_000,
    ),
    "electronics": Category(
        (
            "wireless headphones",
            "earbuds",
            "bluetooth speaker",
            "portable charger",
            "smart speaker",
        ),
        4_000,
        40_000,
    ),
    "eyewear": Category(
        ("sunglasses", "aviator sunglasses", "reading glasses", "sports glasses"), 9_000, 35_000
    ),
    "sports": Category(
        ("cycling helmet", "golf driver", "bike gloves", "tennis racket", "water bottle"),
        3_000,
        50_000,
    ),
    "kitchen": Category(
        ("chef knife", "santoku knife", "knife set", "paring knife", "bread knife"), 5_000, 40_000
    ),
    "stationery": Category(
        ("fountain pen", "rollerball pen", "ballpoint pen", "notebook"), 3_000, 60_000
    ),
    "home": Category(
        ("table lamp", "floor lamp", "pendant light", "tea set", "teapot"), 4_000, 50_000
    ),
    "tools": Category(
        ("cordless drill", "multi-tool", "wrench set", "impact driver"), 5_000, 30_000
    ),
}

SERIES: tuple[str, ...] = (
    "Aria",
    "Nova",
    "Summit",
    "Atlas",
    "Luna",
    "Vega",
    "Terra",
    "Echo",
    "Pulse",
    "Nomad",
    "Solstice",
    "Drift",
    "Halo",
    "Riviera",
    "Meridian",
    "Cascade",
    "Zenith",
    "Corsa",
    "Alto",
    "Mistral",
    "Sierra",
    "Polaris",
    "Fable",
    "Lyra",
    "Oslo",
    "Vento",
    "Marin",
)
SERIES_SUFFIXES: tuple[str, ...] = ("", "", "", " 2", " Pro", " X", " 45", " Mini", " Sport")

COLOURS: tuple[str, ...] = (
    "black",
    "white",
    "navy",
    "red",
    "green",
    "beige",
    "grey",
    "brown",
    "pink",
    "blue",
    "olive",
    "silver",
    "gold",
)
ADJECTIVES: tuple[str, ...] = (
    "Classic",
    "Handmade",
    "Vintage",
    "Minimalist",
    "Lightweight",
    "Waterproof",
    "Everyday",
    "Compact",
    "Soft",
    "Durable",
    "Large",
    "Slim",
)

REPLICA_UNBRANDED: tuple[tuple[str, str], ...] = (
    ("Replica vintage map poster, Europe 1850", "art"),
    ("Replica Roman denarius coin, museum reproduction", "collectibles"),
    ("Replica 1920s candlestick telephone, working", "home"),
    ("Replica antique globe 30 cm", "home"),
    ("Replica fossil trilobite cast for classrooms", "collectibles"),
    ("Replica ship model kit, 18th-century frigate", "toys"),
    ("Replica Edison filament bulbs, set of 4", "home"),
    ("Replica medieval sword, decorative wall piece", "collectibles"),
    ("Replica dinosaur skull, resin, 1:2 scale", "collectibles"),
)

NOMINATIVE: dict[str, tuple[str, ...]] = {
    "electronics": (
        "Silicone case compatible with {brand} {series} {noun}",
        "Replacement ear cushions for {brand} {series}",
        "USB-C charging cable for {brand} {series} {noun}",
    ),
    "watches": (
        "20 mm leather strap compatible with {brand} {series} watches",
        "Screen protector for {brand} {model}",
    ),
    "bags": (
        "Organizer insert for {brand} {series} {noun}, fits perfectly",
        "Dust bag for {brand} bags (not made by {brand})",
    ),
    "eyewear": (
        "Hard case for {brand} {series} {noun}",
        "Replacement lenses for {brand} {model}, polarized",
    ),
}
NOMINATIVE_DEFAULT: tuple[str, ...] = (
    "Protective cover compatible with {brand} {series} {noun}",
    "Storage case for {brand} {series} {noun} (not made by {brand})",
    "Care kit suitable for {brand} {noun}",
)

# (country code, buyer weight, seller weight, calling code, first IP octets)
COUNTRIES: tuple[tuple[str, int, int, str, tuple[int, ...]], ...] = (
    ("DE", 22, 20, "49", (31, 46, 77, 91)),
    ("FR", 16, 12, "33", (37, 78, 90)),
    ("IT", 11, 9, "39", (79, 87, 93)),
    ("ES", 10, 8, "34", (80, 83, 88)),
    ("NL", 6, 5, "31", (82, 84, 145)),
    ("PL", 6, 5, "48", (83, 89, 178)),
    ("GB", 8, 7, "44", (51, 81, 86)),
    ("US", 6, 6, "1", (23, 64, 98)),
    ("AT", 3, 3, "43", (62, 77, 194)),
    ("BE", 3, 3, "32", (81, 91, 109)),
    ("SE", 2, 2, "46", (78, 81, 155)),
    ("PT", 2, 2, "351", (85, 89, 188)),
    ("JP", 1, 2, "81", (60, 106, 126)),
    ("CN", 1, 8, "86", (36, 59, 113)),
    ("HK", 0, 3, "852", (42, 103, 112)),
    ("TR", 1, 3, "90", (78, 85, 176)),
    ("BR", 1, 0, "55", (177, 179, 187)),
    ("IN", 1, 1, "91", (49, 103, 117)),
)
RING_COUNTRIES: tuple[str, ...] = ("CN", "CN", "HK", "TR", "CN", "DE", "IT", "PL")
HOSTING_OCTETS: tuple[int, ...] = (5, 45, 104, 138, 146, 167, 185, 193)

CURRENCY_PER_EUR: dict[str, float] = {
    "EUR": 1.0,
    "USD": 1.08,
    "GBP": 0.85,
    "CNY": 7.8,
    "JPY": 160.0,
}
ZERO_DECIMAL = frozenset({"JPY"})

EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com",
    "outlook.com",
    "web.de",
    "gmx.de",
    "yahoo.fr",
    "orange.fr",
    "libero.it",
    "hotmail.com",
    "icloud.com",
    "proton.me",
    "t-online.de",
    "wp.pl",
)
DISPOSABLE_DOMAINS: tuple[str, ...] = ("dropmail.top", "burnbox.click", "inboxkit.xyz")
PROMO_CODES: tuple[str, ...] = ("WELCOME10", "SPRING15", "FREESHIP", "APP5")
REFUND_REASONS: tuple[str, ...] = (
    "item_not_received",
    "not_as_described",
    "damaged",
    "changed_mind",
)
