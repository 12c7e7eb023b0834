"""Text normalisation that undoes the disguises counterfeiters use on brand names.

Why: a filter that looks for "acme" misses "ＡＣＭＥ", "Асme" (Cyrillic letters),
"4cme" (leetspeak), "a.c.m.e", "ac\u200bme" (a zero-width space) and "Àcmé". We
fold all of them to the same canonical form, character by character, so every
folded character still points at its place in the original text (to quote what
matched, and to say which disguise was used).

Steps, per character (cached, so each distinct character costs once):
Unicode NFKC (fullwidth, mathematical and ligature forms), case folding, the
curated look-alike table in :mod:`confusables`, and removal of Latin diacritics,
repeated to a fixed point. Invisible characters (zero-width spaces and joiners,
soft hyphens, fillers) become an in-word marker that is later dropped, so they
never split a word; every other non-letter, non-digit is a separator.

Then, per token: words spelled out as single characters ("a c m e", "A.C.M.E")
are joined, and leetspeak (4→a, 3→e, 0→o, 1→i, 5→s, 7→t, @→a, $→s) is decoded in
tokens that are mostly Latin letters with a few of those digits or symbols, so
"n1ke" becomes "nike" while "sm45", "iphone15" and "10pcs" stay as written.
Chinese, Japanese and Korean characters are tokens of their own (those scripts do
not separate words with spaces).

:func:`normalise` is idempotent: normalising its output changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from marketguard.detection.confusables import CONFUSABLES, is_dropped_mark, is_invisible

NORMALISER_VERSION = "1"

MARK = "\x00"  # in-word marker left by invisible characters, dropped from tokens
LEET = {"4": "a", "3": "e", "0": "o", "1": "i", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_SYMBOLS = "@$"

_CJK_RANGES = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0002fa1f"
)
_TOKEN_RE = re.compile(f"[{_CJK_RANGES}]|[^ {_CJK_RANGES}]+")
_CJK_RE = re.compile(f"[{_CJK_RANGES}]")
_DIGIT_RUN_RE = re.compile(r"[0-9]{2,}")


def _step(char: str) -> str:
    """Apply one folding step to a single character (identity when none applies)."""
    if char in CONFUSABLES:
        return CONFUSABLES[char]
    nfkc = unicodedata.normalize("NFKC", char)
    if nfkc != char:
        return nfkc
    folded = char.casefold()
    if folded != char:
        return folded
    decomposed = unicodedata.normalize("NFD", char)
    if decomposed != char:
        stripped = "".join(c for c in decomposed if not is_dropped_mark(c))
        if stripped != char:
            return stripped
    return char


def _expand(char: str, depth: int = 0) -> str:
    """Fold ``char`` until every character of the result folds to itself."""
    stepped = _step(char)
    if stepped == char or depth > 6:
        return char
    return "".join(_expand(c, depth + 1) for c in stepped)


def _fold_char(char: str) -> str:
    """Return what one original character becomes in the folded text."""
    if char.isspace():
        return " "
    if is_invisible(char) or is_dropped_mark(char):
        return MARK
    out = []
    for c in _expand(char):
        if c.isspace():
            out.append(" ")
        elif is_invisible(c):
            out.append(MARK)
        elif is_dropped_mark(c):
            continue
        elif c.isalnum() or c in _LEET_SYMBOLS or unicodedata.category(c)[0] == "M":
            out.append(c)
        else:
            out.append(" ")
    return "".join(out) or MARK


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that computes and remembers each character's folding."""

    def __missing__(self, code: int) -> str:
        value = _fold_char(chr(code))
        self[code] = value
        return value


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Fold every character (see module docs); tokens and joining come later."""
    return text.translate(_TABLE)


def folded_origins(text: str) -> list[int]:
    """Map each index of ``fold(text)`` to the index of the original character."""
    origins: list[int] = []
    for index, char in enumerate(text):
        origins.extend([index] * len(_TABLE[ord(char)]))
    return origins


class Token(NamedTuple):
    """A word of the folded text (a named tuple: millions are made per second).

    ``literal`` keeps digits as written (model numbers); ``canon`` has leetspeak
    decoded. ``start``/``end`` index the folded text. ``joined`` says the word was
    spelled out in single characters; ``leet`` that leetspeak was decoded.
    """

    start: int
    end: int
    literal: str
    canon: str
    joined: bool = False
    leet: bool = False


_new_token = tuple.__new__  # builds a Token without the Python-level constructor (hot path)


def _core(raw: str) -> str:
    return raw.replace(MARK, "").replace("@", "").replace("$", "")


def _is_single(core: str) -> bool:
    return len(core) == 1 and core.isascii() and core.isalnum()


def _decode(raw: str, start: int, end: int, joined: bool) -> Token:
    if raw.isalpha() and raw.isascii():  # the common case: a plain word
        return Token(start, end, raw, raw, joined, False)
    cleaned = raw.replace(MARK, "")
    literal = cleaned.replace("@", "").replace("$", "")
    letters = sum(1 for c in cleaned if "a" <= c <= "z")
    leet_chars = sum(1 for c in cleaned if c in LEET)
    if (
        letters >= 2
        and leet_chars
        and letters + leet_chars == len(cleaned)
        and not any(set(run) != {"0"} for run in _DIGIT_RUN_RE.findall(cleaned))
    ):
        canon = "".join(LEET.get(c, c) for c in cleaned)
        return Token(start, end, literal, canon, joined, True)
    return Token(start, end, literal, literal, joined, False)


def _flush(run: list[tuple[int, int, str]], tokens: list[Token]) -> None:
    """Emit a run of single-character words: joined when three or more ("a c m e")."""
    if len(run) >= 3:
        tokens.append(_decode("".join(item[2] for item in run), run[0][0], run[-1][1], True))
    else:
        tokens.extend(_decode(text, start, end, False) for start, end, text in run)
    run.clear()


def tokens_of_folded(folded: str) -> list[Token]:
    """Split folded text into tokens, joining spelled-out words and decoding leetspeak."""
    tokens: list[Token] = []
    run: list[tuple[int, int, str]] = []
    if _CJK_RE.search(folded) is None:  # the common case: a plain split is enough
        position = 0
        for text in folded.split(" "):
            end = position + len(text)
            if text:
                if text.isalpha() and text.isascii() and len(text) > 1:  # a plain word
                    if run:
                        _flush(run, tokens)
                    tokens.append(_new_token(Token, (position, end, text, text, False, False)))
                else:
                    core = _core(text)
                    if core and _is_single(core):
                        run.append((position, end, text))
                    elif core:
                        if run:
                            _flush(run, tokens)
                        tokens.append(_decode(text, position, end, False))
            position = end + 1
    else:
        for match in _TOKEN_RE.finditer(folded):
            text = match.group()
            core = _core(text)
            if core and _is_single(core):
                run.append((match.start(), match.end(), text))
            elif core:
                if run:
                    _flush(run, tokens)
                tokens.append(_decode(text, match.start(), match.end(), False))
    if run:
        _flush(run, tokens)
    return tokens


def tokenize(text: str) -> list[Token]:
    """Fold ``text`` and split it into tokens."""
    return tokens_of_folded(fold(text))


def normalise(text: str) -> str:
    """Return the canonical form of ``text``: folded, de-disguised words joined by spaces."""
    return " ".join(token.canon for token in tokenize(text))


def skeleton(canon: str) -> str:
    """Collapse letters that disguise as each other after decoding (``l`` and ``i``).

    "1" decodes to "i" but is also written for "l", and a capital I is read as an l;
    both sides of a comparison are reduced this way so either reading matches.
    """
    return canon.replace("l", "i")


def has_cjk(text: str) -> bool:
    """Return whether ``text`` contains Chinese, Japanese or Korean characters."""
    return _CJK_RE.search(text) is not None
