"""How counterfeit listings hide the brand name from text filters.

Each function takes the brand name and returns a spelling that a person still
reads as the brand but an exact-match filter misses: look-alike letters from other
scripts, digits for letters, inserted spaces or invisible characters, a dropped
or doubled letter, or counterfeit vocabulary in another language.
"""

from __future__ import annotations

import random

DISGUISES = (
    "plain",
    "homoglyph",
    "leetspeak",
    "spaced",
    "misspelled",
    "multilingual",
    "stolen_photo",
    "text_in_image",
    "price_only",
    "model_number",
)

# Latin letter -> look-alikes from Cyrillic and Greek.
HOMOGLYPHS: dict[str, tuple[str, ...]] = {
    "a": ("а",),
    "c": ("с",),
    "e": ("е",),
    "i": ("і",),
    "j": ("ј",),
    "o": ("о", "ο"),
    "p": ("р",),
    "s": ("ѕ",),
    "x": ("х",),
    "y": ("у",),
    "v": ("ν",),
    "u": ("υ",),
    "A": ("А", "Α"),
    "B": ("В", "Β"),
    "C": ("С",),
    "E": ("Е", "Ε"),
    "H": ("Н", "Η"),
    "I": ("І", "Ι"),
    "K": ("К", "Κ"),
    "M": ("М", "Μ"),
    "N": ("Ν",),
    "O": ("О", "Ο"),
    "P": ("Р", "Ρ"),
    "S": ("Ѕ",),
    "T": ("Т", "Τ"),
    "X": ("Х", "Χ"),
    "Y": ("У", "Υ"),
    "Z": ("Ζ",),
}
LEET: dict[str, str] = {
    "a": "4",
    "e": "3",
    "i": "1",
    "o": "0",
    "s": "5",
    "t": "7",
    "l": "1",
    "b": "8",
    "g": "9",
}
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u00ad", "\u2060")
COUNTERFEIT_WORDS = (
    "replica",
    "1:1",
    "AAA",
    "AAA+",
    "mirror quality",
    "super copy",
    "copy",
    "top replica",
    "fake",
    "knockoff",
)
SOFT_HINTS = (
    "same as original",
    "AAA quality",
    "1:1 quality",
    "mirror quality",
    "not original box",
    "unbranded version",
)
MULTILINGUAL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "zh": (
        (
            "高仿 {brand} {product} 原单",
            "{brand} {product} 复刻版 一比一",
            "A货 {brand} {product}",
            "{brand} {product} 精仿 原单品质",
        ),
        ("高仿原单品质，一比一复刻，支持验货。", "复刻版，做工精细，与正品无差别。"),
    ),
    "es": (
        (
            "Réplica {brand} {product} calidad AAA",
            "{brand} {product} imitación perfecta",
            "{brand} {product} copia 1:1",
        ),
        ("Réplica de alta calidad, idéntica al original.", "Imitación premium, envío rápido."),
    ),
    "fr": (
        (
            "{brand} {product} réplique 1:1",
            "Copie {brand} {product} qualité supérieure",
            "{brand} {product} imitation parfaite",
        ),
        ("Réplique de haute qualité, identique à l'original.",),
    ),
    "de": (
        (
            "{brand} {product} Nachahmung Top-Qualität",
            "{brand} {product} Replik 1:1",
            "{brand} {product} Kopie wie Original",
        ),
        ("Hochwertige Nachahmung, wie das Original.", "Perfekte Kopie, schneller Versand."),
    ),
    "it": (
        ("{brand} {product} replica imitazione perfetta", "Imitazione {brand} {product}"),
        ("Replica di alta qualità, identica all'originale.",),
    ),
}


def homoglyph(name: str, rng: random.Random) -> str:
    """Swap 1–2 letters for look-alikes from Cyrillic or Greek."""
    spots = [i for i, ch in enumerate(name) if ch in HOMOGLYPHS]
    if not spots:
        return name[0] + "\u0435" + name[1:]  # a Cyrillic 'е' squeezed in
    chars = list(name)
    for index in rng.sample(spots, min(len(spots), rng.randint(1, 2))):
        chars[index] = rng.choice(HOMOGLYPHS[chars[index]])
    return "".join(chars)


def leetspeak(name: str, rng: random.Random) -> str:
    """Write 1–3 letters as digits (a→4, e→3, o→0...)."""
    spots = [i for i, ch in enumerate(name) if ch.lower() in LEET]
    chars = list(name)
    for index in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
        chars[index] = LEET[chars[index].lower()]
    return "".join(chars)


def spaced(name: str, rng: random.Random) -> str:
    """Break the name with spaces, punctuation or invisible characters."""
    style = rng.randint(0, 4)
    if style == 0:
        return " ".join(name)
    if style == 1:
        return rng.choice((".", "-", "*", "_")).join(name)
    if style == 2:
        cut = rng.randint(1, len(name) - 1)
        return f"{name[:cut]}{rng.choice((' ', '-', '. '))}{name[cut:]}"
    if style == 3:
        spots = rng.sample(range(1, len(name)), min(len(name) - 1, rng.randint(1, 3)))
        chars = list(name)
        for spot in sorted(spots, reverse=True):
            chars.insert(spot, rng.choice(INVISIBLE))
        return "".join(chars)
    return " ".join(name.upper())


def misspelled(name: str, rng: random.Random) -> str:
    """Drop, double or swap one letter (never the first)."""
    while True:
        index = rng.randint(1, len(name) - 1)
        style = rng.randint(0, 2)
        if style == 0:
            result = name[:index] + name[index + 1 :]
        elif style == 1:
            result = name[:index] + name[index] + name[index:]
        else:
            index = min(index, len(name) - 2)
            result = name[:index] + name[index + 1] + name[index] + name[index + 2 :]
        if name.lower() not in result.lower():
            return result


def disguise_name(disguise: str, name: str, rng: random.Random) -> str:
    """Return the brand name as a listing using ``disguise`` would spell it."""
    transform = {
        "homoglyph": homoglyph,
        "leetspeak": leetspeak,
        "spaced": spaced,
        "misspelled": misspelled,
    }.get(disguise)
    return transform(name, rng) if transform else name


def multilingual(brand: str, product: str, rng: random.Random) -> tuple[str, str, str]:
    """Return ``(title, description, language)`` with foreign counterfeit vocabulary."""
    language = rng.choice(sorted(MULTILINGUAL))
    titles, descriptions = MULTILINGUAL[language]
    title = rng.choice(titles).format(brand=brand, product=product)
    return title, rng.choice(descriptions), language
