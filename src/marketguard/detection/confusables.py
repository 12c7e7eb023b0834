"""A curated table of letters that look like Latin letters, and how a character disguises.

Why: counterfeiters write brand names with Cyrillic, Greek or small-capital
letters that look Latin ("Асme" with a Cyrillic А and с) so exact-match filters
miss them. Unicode's full confusables list is large and maps many innocent
characters; this table keeps the look-alikes seen in marketplace abuse, keyed
on the exact character (upper and lower case apart, because Greek ``Η`` looks
like ``H`` while ``η`` looks like ``n``). Fullwidth and mathematical letters need
no entry: NFKC folds them.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# source character -> Latin look-alike (ASCII). Upper-case targets are lower-cased
# afterwards by case folding; they are written upper-case here for readability.
_PAIRS = {
    # Cyrillic capitals
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K",
    "М": "M", "О": "O", "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y", "Ү": "Y",
    "Ԁ": "D", "Һ": "H", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "l", "Ь": "b", "Г": "r", "Ё": "E",
    # Cyrillic small letters
    "а": "a", "в": "b", "с": "c", "е": "e", "ё": "e", "н": "h", "і": "i", "ї": "i",
    "ј": "j", "к": "k", "м": "m", "о": "o", "р": "p", "ѕ": "s", "т": "t", "х": "x",
    "у": "y", "ү": "y", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b",
    "г": "r", "п": "n", "и": "u", "ш": "w", "ө": "o", "ӧ": "o", "ҳ": "x", "ҝ": "k",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
    # Greek small letters
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u",
    "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c",
    "ϳ": "j",
    # Latin look-alikes: dotless i, script letters, small capitals, stroked letters
    "ı": "i", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ʟ": "l", "ɴ": "n", "ʀ": "r", "ꜱ": "s",
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v",
    "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d",
    "Đ": "D", "ħ": "h", "ŧ": "t", "ȷ": "j", "ƒ": "f", "ð": "d", "œ": "oe", "Œ": "OE",
    "æ": "ae", "Æ": "AE",
    # Armenian and Cherokee letters used as Latin
    "օ": "o", "ս": "u", "ո": "n", "ց": "g", "հ": "h", "Ꭺ": "A", "Ꮯ": "C", "Ꭼ": "E",
    "Ꮋ": "H", "Ꮶ": "K", "Ꮇ": "M", "Ꮲ": "P", "Ꭲ": "T",
}  # fmt: skip

CONFUSABLES: dict[str, str] = dict(_PAIRS)

# Marks that only decorate Latin-script letters (or select a glyph variant): dropped,
# so "Àcmé" and "A\u0301cme" read as "acme". Marks of other scripts are kept.
_DROPPED_MARK_RANGES = (
    (0x0300, 0x036F),  # combining diacritical marks
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
    (0xFE00, 0xFE0F),  # variation selectors
    (0xE0100, 0xE01EF),
)
# Characters that render as nothing and are used to split words invisibly.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_dropped_mark(char: str) -> bool:
    """Return whether ``char`` is a Latin diacritic or variation selector we drop."""
    code = ord(char)
    return any(low <= code <= high for low, high in _DROPPED_MARK_RANGES)


def is_invisible(char: str) -> bool:
    """Return whether ``char`` renders as nothing (format controls, fillers, blanks)."""
    if char in _INVISIBLE_LETTERS:
        return True
    category = unicodedata.category(char)
    return category in ("Cf", "Cc", "Co", "Cs") and not char.isspace()


@lru_cache(maxsize=8192)
def disguise_of(char: str) -> str | None:
    """Name the disguise a single original character uses, or ``None`` for plain text.

    Used to explain a match: ``homoglyph``, ``fullwidth`` (compatibility forms such as
    fullwidth or mathematical letters), ``zero_width`` or ``diacritics``.
    """
    if char.isascii():
        return "zero_width" if is_invisible(char) else None
    if char in CONFUSABLES:
        return "homoglyph"
    if is_invisible(char):
        return "zero_width"
    if is_dropped_mark(char):
        return "diacritics"
    if unicodedata.normalize("NFKC", char) != char:
        return "fullwidth"
    decomposed = unicodedata.normalize("NFD", char)
    if decomposed != char and any(is_dropped_mark(c) for c in decomposed):
        return "diacritics"
    return None
