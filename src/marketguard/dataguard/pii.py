"""Find personal data in free text: phones, e-mail and IP addresses, cards, IBANs, addresses.

Why this shape: Presidio's recognizers (phone numbers through libphonenumber, e-mail,
IP, Luhn-checked cards, checksum-checked IBANs) are the best-tested open ones, and
every result says which recognizer found it and with what score. They run here on a
*blank* spaCy pipeline (a tokenizer, nothing trained) wrapped in a small NLP engine,
so no model package is needed and nothing is downloaded at run time: Presidio's
default engine would fetch ``en_core_web_lg``, and its e-mail check would fetch the
public suffix list (ours reads the snapshot tldextract ships). Presidio is weak where
sellers write contact data their way (``+49 (0) 151 …``, ``微信 138 0013 8000``) and
has no postal address recognizer, so two of ours join it; a look-alike filter drops
numbers after an identifier cue ("order #", "SKU") and dotted quads inside version
strings. The whole code base shares one analyzer (:func:`shared_analyzer`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import phonenumbers
import regex
import spacy
import tldextract
from presidio_analyzer import (
    AnalysisExplanation,
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
)

LANGUAGE = "en"
ACCEPT_SCORE = 0.4  # a result below this (after context) is not reported
MAX_TEXT = 20_000  # characters of one value examined; the rest is ignored
CATEGORY = "personal"


class PiiKind(StrEnum):
    """A kind of personal data the analyzer finds."""

    PHONE = "phone"
    EMAIL = "email"
    IP_ADDRESS = "ip_address"
    PAYMENT_CARD = "payment_card"
    IBAN = "iban"
    POSTAL_ADDRESS = "postal_address"


@dataclass(frozen=True, slots=True)
class KindInfo:
    """Presidio's entity name for a kind, how to name it in a sentence, its data level."""

    entity: str
    label: str
    level: int  # FORMATS §7: 3 confidential, 4 secret


KINDS: dict[PiiKind, KindInfo] = {
    PiiKind.PHONE: KindInfo("PHONE_NUMBER", "a phone number", 3),
    PiiKind.EMAIL: KindInfo("EMAIL_ADDRESS", "an e-mail address", 3),
    PiiKind.IP_ADDRESS: KindInfo("IP_ADDRESS", "an IP address", 3),
    PiiKind.PAYMENT_CARD: KindInfo("CREDIT_CARD", "a payment card number", 4),
    PiiKind.IBAN: KindInfo("IBAN_CODE", "an IBAN", 4),
    PiiKind.POSTAL_ADDRESS: KindInfo("POSTAL_ADDRESS", "a postal address", 3),
}
_BY_ENTITY = {info.entity: kind for kind, info in KINDS.items()}


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One piece of personal data found in a text, and who found it with what score."""

    kind: PiiKind
    start: int
    end: int
    text: str
    score: float
    recognizer: str

    @property
    def masked(self) -> str:
        """Return the match with most characters replaced by ``*`` (safe to show)."""
        return mask(self.kind, self.text)


def mask(kind: PiiKind, value: str) -> str:
    """Return ``value`` with most letters and digits replaced by ``*``, separators kept.

    Phones keep their first three and last two digits (``+49 1** *** **67``), cards
    their last four, IBANs the country and the last two, IP addresses their first
    group, e-mail addresses the first letter of each part and the top-level domain,
    addresses the first letter of each word. Of each masked part fewer than half of the
    letters and digits are kept (an e-mail address's top-level domain is shown whole).
    """
    if kind is PiiKind.EMAIL and "@" in value:
        local, _, domain = value.rpartition("@")
        host, dot, tld = domain.rpartition(".")
        return f"{_keep(local, 1, 0)}@{_keep(host, 1, 0)}{dot}{tld}" if dot else _keep(value, 1, 0)
    if kind is PiiKind.POSTAL_ADDRESS:
        return re.sub(r"\w+", lambda m: _keep(m.group(), 1 if m.group().isalpha() else 0, 0), value)
    head, tail = {
        PiiKind.PHONE: (5 if value.startswith("00") else 3, 2),
        PiiKind.PAYMENT_CARD: (0, 4),
        PiiKind.IBAN: (2, 2),
        PiiKind.IP_ADDRESS: (len(re.split(r"[.:]", value, maxsplit=1)[0]), 0),
    }.get(kind, (1, 1))
    return _keep(value, head, tail)


def _keep(value: str, head: int, tail: int) -> str:
    """Mask every letter and digit but the first ``head`` and last ``tail`` (under half)."""
    positions = [i for i, c in enumerate(value) if c.isalnum()]
    while head + tail > (len(positions) - 1) // 2 and head + tail > 0:
        head, tail = (head - 1, tail) if head >= tail else (head, tail - 1)
    shown = set(positions[:head]) | set(positions[len(positions) - tail :] if tail else ())
    return "".join(c if i in shown or not c.isalnum() else "*" for i, c in enumerate(value))


class BlankSpacyNlpEngine(NlpEngine):
    """Presidio's NLP engine over ``spacy.blank``: tokens and lower-cased words, no model.

    Presidio uses the tokens only to find context words ("phone", "iban") near a
    match; nothing here is trained, loaded from disk or downloaded.
    """

    def __init__(self, languages: Sequence[str] = (LANGUAGE,)) -> None:
        self.languages = list(languages)
        self.nlp: dict[str, Any] | None = None

    def load(self) -> None:
        """Build the blank pipelines (a tokenizer per language)."""
        self.nlp = {lang: spacy.blank(lang) for lang in self.languages}

    def is_loaded(self) -> bool:
        """Return whether :meth:`load` ran."""
        return self.nlp is not None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """Tokenize ``text``; the lower-cased token stands in for a lemma."""
        if self.nlp is None:
            self.load()
        assert self.nlp is not None
        doc = self.nlp[language](text)
        return NlpArtifacts(
            entities=[],
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lower_ for token in doc],
            nlp_engine=self,
            language=language,
            scores=[],
        )

    def process_batch(
        self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1,
        **kwargs: Any,
    ) -> Iterator[tuple[str, NlpArtifacts]]:  # fmt: skip
        """Tokenize many texts."""
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        """Return whether spaCy lists ``word`` as a stop word."""
        if self.nlp is None:
            self.load()
        assert self.nlp is not None
        return bool(self.nlp[language].vocab[word].is_stop)

    def is_punct(self, word: str, language: str) -> bool:
        """Return whether ``word`` is punctuation."""
        if self.nlp is None:
            self.load()
        assert self.nlp is not None
        return bool(self.nlp[language].vocab[word].is_punct)

    def get_supported_entities(self) -> list[str]:
        """Return no entities: a blank pipeline recognizes none."""
        return []

    def get_supported_languages(self) -> list[str]:
        """Return the languages this engine tokenizes."""
        return list(self.languages)


# tldextract's default fetches the public suffix list over the network (and caches
# it under $HOME); with no URLs and no cache it reads the snapshot it ships.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, checking the domain against the bundled suffix list."""

    def validate_result(self, pattern_text: str) -> bool:
        """Return whether the address ends in a known public suffix (``.com``, ``.co.uk``)."""
        return _SUFFIXES(pattern_text).fqdn != ""


class SpelledEmailRecognizer(EntityRecognizer):
    """E-mail addresses spelled out to slip past filters: ``jane(at)example.com``, ``bob at
    gmail dot com``. A plain " at " counts only with a spelled-out " dot " as well, and
    the domain must end in a known public suffix.
    """

    SPELLED = re.compile(
        r"(?i)(?<![\w.+-])([\w.+-]{1,64})\s*(\(at\)|\[at\]|\{at\}|\s+at\s+)\s*"
        r"([\w-]{1,63}(?:\s*(?:\.|\(dot\)|\[dot\]|\s+dot\s+)\s*[\w-]{1,63}){1,3})(?![\w-])"
    )
    DOT = re.compile(r"(?i)\s*(?:\(dot\)|\[dot\]|\s+dot\s+)\s*|\s*\.\s*")

    def __init__(self) -> None:
        super().__init__(
            supported_entities=["EMAIL_ADDRESS"], name="SpelledEmailRecognizer",
            supported_language=LANGUAGE, context=["email", "mail"],
        )  # fmt: skip

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Return spelled-out addresses whose domain ends in a public suffix."""
        results = []
        for match in self.SPELLED.finditer(text):
            user, at, domain = match.groups()
            plain_at = at.strip().lower() == "at"
            if plain_at and not re.search(r"(?i)\sdot\s", domain):
                continue
            address = f"{user}@{self.DOT.sub('.', domain)}"
            if _SUFFIXES(address).suffix == "" or _SUFFIXES(address).domain == "":
                continue
            explanation = AnalysisExplanation(
                recognizer=type(self).__name__, original_score=0.6,
                textual_explanation=f"spelled-out e-mail address {mask(PiiKind.EMAIL, address)}",
            )  # fmt: skip
            results.append(RecognizerResult(
                "EMAIL_ADDRESS", match.start(), match.end(), 0.6, explanation,
                {RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                 RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
            ))  # fmt: skip
        return results


_VERSION_CUE = re.compile(
    r"(?i)(?:\bversion|\bver\.?|\bv|\bfirmware|\bfw|\bbuild|\brelease|\brev\.?|\bos|"
    r"\bandroid|\bios)\s*:?\s*$"
)


class StrictIpRecognizer(IpRecognizer):
    """Presidio's IP recognizer without version strings (``1.2.3.4.5``, ``firmware 2.0.1.7``)."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:  # fmt: skip
        """Return IP addresses that are not part of a longer dotted number or a version."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in results if not _looks_like_version(text, r.start, r.end)]


def _looks_like_version(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 16) : start], text[end : end + 2]
    dotted = before.endswith(".") or (after[:1] == "." and after[1:2].isdigit())
    return dotted or bool(_VERSION_CUE.search(before))


_PHONE_CUES = re.compile(
    r"(?i)(?:phone|tel|mobile|call|contact|whats\s?app|wechat|weixin|\bvx|\bwx|telegram|viber|"
    r"telefon|handy|portable|móvil|cellulare|微信|手机|电话|联系)"
)


class SellerPhoneRecognizer(EntityRecognizer):
    """Phone numbers as sellers write them, checked with libphonenumber.

    International forms: ``+86 138 0013 8000``, ``0049 (0)151 2345 6767``,
    ``+1 (415) 555-2671``, ``+44-20-7946-0958`` (score 0.7). Chinese mobiles
    without a prefix (``13800138000``) look like any 11-digit number, so they score
    0.3 and count only next to a contact word ("WeChat", "手机", "tel").
    """

    INTERNATIONAL = re.compile(
        r"(?<![0-9A-Za-z+.,])(?:\+|00)\s?[1-9](?:[ \t./-]{0,2}(?:\(0\)|\(\d{1,5}\)|\d)){6,17}"
    )
    CN_MOBILE = re.compile(r"(?<![0-9A-Za-z+.,-])1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z])")
    CONTEXT = ["phone", "tel", "mobile", "call", "contact", "whatsapp", "wechat"]

    def __init__(self) -> None:
        super().__init__(
            supported_entities=["PHONE_NUMBER"], name="SellerPhoneRecognizer",
            supported_language=LANGUAGE, context=self.CONTEXT,
        )  # fmt: skip

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Return valid phone numbers in the international and Chinese mobile forms."""
        results = []
        for match in self.INTERNATIONAL.finditer(text):
            end = _valid_prefix_end(match.group(), None)
            if end:
                results.append(self._result(match.start(), match.start() + end, 0.7, "+CC"))
        for match in self.CN_MOBILE.finditer(text):
            if _valid_prefix_end(match.group(), "CN") == len(match.group()):
                cue = _PHONE_CUES.search(text[max(0, match.start() - 24) : match.start()])
                results.append(self._result(match.start(), match.end(), 0.6 if cue else 0.3, "CN"))
        return results

    def _result(self, start: int, end: int, score: float, form: str) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=type(self).__name__, original_score=score,
            textual_explanation=f"valid {form} phone number (libphonenumber)",
        )  # fmt: skip
        return RecognizerResult(
            "PHONE_NUMBER", start, end, score, explanation,
            {RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
             RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
        )  # fmt: skip


def _valid_prefix_end(candidate: str, region: str | None) -> int:
    """Return where the longest valid number starting the candidate ends (0: none).

    Trailing digit groups are dropped one by one ("+49 151 23456767 2 pcs").
    """
    ends = [m.end() for m in re.finditer(r"\d+\)?", candidate)]
    for end in reversed(ends):
        digits = re.sub(r"\D", "", candidate[:end].replace("(0)", ""))
        if not 7 <= len(digits) <= 15:
            continue
        number = "+" + digits.removeprefix("00") if region is None else digits
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return end
    return 0


_NAME = r"(?:[A-Z][a-z'’.-]+\s+){1,4}"
_NOT_A_COUNT = r"(?!(?i:pcs|pack|pieces?|sets?|pairs?|seasons?|speed|way|wheels?|ports?|inch|cm|mm|kg|gb|tb|mah|years?|months?|days?|hours?|units?|items?)\b)"  # noqa: E501
_EN_STREET = r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Terrace|Crescent|Highway|Hwy|Parkway|Pkwy)"  # noqa: E501
_EN_WEAK = r"(?:Drive|Dr|Way|Court|Ct|Place|Pl|Close|Square|Sq|Row|Mews|Gardens|Grove)"
_GLUED = r"(?:straße|strasse|str\.|gasse|weg|allee|platz|damm|chaussee|straat|laan|gracht|plein|vej|gade|gatan|vägen|veien|katu|ulica|utca)"  # noqa: E501
_SPLIT = r"(?:Straße|Strasse|Str\.|Gasse|Weg|Allee|Platz|Damm|Chaussee)"
_ROMANCE = r"(?:Calle|C/|Avenida|Avda\.|Plaza|Paseo|Carrer|Rambla|Via|Viale|Piazza|Corso|Largo|Rua|Travessa|Praça)"  # noqa: E501
_US_STATES = "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"  # noqa: E501
_CJK = r"[\u4e00-\u9fff]"


class PostalAddressRecognizer(PatternRecognizer):
    """Street addresses and postcodes in English, German, Dutch, Nordic, Romance and Chinese.

    A street needs a house number next to a street word ("221B Baker Street",
    "Hauptstraße 12", "12 rue de la Paix", "Via Roma 10", "中山路100号"); weak
    street words ("Drive", "Way", "Place") also need a town after a comma, so
    "1 TB Hard Drive" is no address. A bare postcode and town ("10115 Berlin")
    counts only near a context word ("address", "PLZ") or in an address field.
    """

    PATTERNS = [
        Pattern("street (en)", rf"\b\d{{1,5}}[A-Za-z]?\s+{_NOT_A_COUNT}{_NAME}{_EN_STREET}\b\.?", 0.6),  # noqa: E501
        Pattern("street and town (en)", rf"\b\d{{1,5}}[A-Za-z]?\s+{_NOT_A_COUNT}{_NAME}{_EN_WEAK}\b\.?,\s*[A-Z][a-z]+", 0.6),  # noqa: E501
        Pattern("street, lower case (en)", rf"\b\d{{1,5}}[a-z]?\s+{_NOT_A_COUNT}(?:[a-z]+\s+){{1,2}}(?:street|avenue|boulevard)\b", 0.5),  # noqa: E501
        Pattern("street (de, nl, nordic)", rf"\b[A-ZÄÖÜÅØ][\wäöüßåø-]*?{_GLUED}\s*\d{{1,4}}\s?[a-z]?\b", 0.6),  # noqa: E501
        Pattern("street, two words (de)", rf"\b[A-ZÄÖÜ][a-zäöüß]+\s+{_SPLIT}\s*\d{{1,4}}\s?[a-z]?\b", 0.6),  # noqa: E501
        Pattern("street (fr)", r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|boulevard|chemin|allée|allee|impasse|quai)\s+(?:(?i:de la|de|du|des|la|le|les)\s+|[dl]['’])*[\w'’-]+", 0.6),  # noqa: E501
        Pattern("street with article (fr)", r"\b\d{1,4},?\s+(?i:avenue|place|route|cours)\s+(?i:de la|de|du|des|d['’])\s*[A-ZÉ][\w'’-]+", 0.6),  # noqa: E501
        Pattern("street (es, it, pt)", rf"\b{_ROMANCE}\s+(?:(?:de|del|de la|di|della|dei|do|da|dos|das)\s+)*[A-ZÁÉÍÓÚÀÈ][a-záéíóúàèìòùç'’-]+(?:\s+[A-ZÁÉÍÓÚ][a-záéíóúàèìòùç'’-]+){{0,3}},?\s*(?:n[º°.]?\s*)?\d{{1,4}}\b", 0.6),  # noqa: E501
        Pattern("street (zh)", rf"{_CJK}{{1,15}}(?:路|街|大道|巷|弄|胡同)\s*\d{{1,5}}\s*号", 0.7),
        Pattern("block and house (ja)", rf"{_CJK}{{1,5}}(?:都|道|府|県|市){_CJK}{{1,10}}(?:区|市|町|村){_CJK}{{0,8}}\d{{1,3}}(?:[-−]\d{{1,4}}){{1,2}}", 0.6),  # noqa: E501
        Pattern("district (zh)", rf"{_CJK}{{2,6}}(?:省|自治区)?{_CJK}{{1,6}}市{_CJK}{{1,8}}(?:区|县)", 0.5),  # noqa: E501
        Pattern("postcode (uk)", r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s\d[ABD-HJLNP-UW-Z]{2}\b", 0.5),
        Pattern("town, state and zip (us)", rf"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+){{0,2}},\s(?:{_US_STATES})\s\d{{5}}(?:-\d{{4}})?\b", 0.6),  # noqa: E501
        Pattern("postcode with country (eu)", r"\b(?:D|A|CH|F|NL|B|L|DK|S|N|FI|PL|CZ|I|E|P)-\d{4,5}\s+[A-ZÄÖÜÉ][a-zäöüßé]+", 0.5),  # noqa: E501
        Pattern("postcode and town", r"\b\d{4,5}\s+[A-ZÄÖÜÉ][a-zäöüßéè]+(?:[ -](?:am|an|im|sur|de|en)[ -][A-Z][a-z]+)?\b", 0.2),  # noqa: E501
    ]  # fmt: skip
    CONTEXT = ["address", "adresse", "anschrift", "zip", "postcode", "postal", "plz",
               "dirección", "indirizzo", "endereço", "地址", "abholung"]  # fmt: skip

    def __init__(self) -> None:
        super().__init__(
            supported_entity="POSTAL_ADDRESS", name="PostalAddressRecognizer",
            patterns=self.PATTERNS, context=self.CONTEXT, supported_language=LANGUAGE,
            global_regex_flags=re.MULTILINE,
        )  # fmt: skip


_ID_CUE = re.compile(  # what comes before a number that is an identifier, not a phone or card
    r"(?i)(?:\b(?:order|invoice|sku|ean|upc|isbn|gtin|asin|mpn|ref|reference|item|model|part|"
    r"art|artikel|serial|s/n|tracking|lot|batch|barcode|product|transaction|bestell|"
    r"iban|account|acct|konto|bic|swift)"
    r"(?:[\s.-]*(?:no|nr|number|id|code|nummer))?\.?\s*[:#-]?\s*#?|#"
    r"|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){0,7} ?"  # the start of an account number
    r"|\b(?!tel|phone|mobil|handy|fax|call|whats|wechat)[A-Za-z]{1,12}[-_/])\s*$"  # dev-12345678
)
_ADDRESS_SHAPE = regex.compile(
    "|".join(f"(?:{p.regex})" for p in PostalAddressRecognizer.PATTERNS), regex.MULTILINE
)
_SPELLED_AT = re.compile(r"(?i)\(at\)|\[at\]|\{at\}|\sat\s")
_NO_DIGITS = str.maketrans("", "", "0123456789")
_IBAN_SHAPE = re.compile(r"[A-Za-z]{2}\d{2}")
_NOT_PHONES = re.compile(  # dates, times and IPv4 addresses: digit runs that are no phone
    r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?|\d\d:\d\d(?::\d\d)?"
    r"|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"
)
_DIGIT_RUN = re.compile(r"\d(?:[ ()./-]{0,3}\d){6}")


def _phone_shaped(text: str) -> bool:
    """Return whether seven digits follow each other, dates, times and IPv4 addresses aside."""
    return bool(_DIGIT_RUN.search(_NOT_PHONES.sub(" ", text)))


def _candidate_kinds(text: str, kinds: Iterable[PiiKind]) -> list[PiiKind]:
    """Return the kinds whose cheapest precondition the text meets (no recognizer runs)."""
    digits = len(text) - len(text.translate(_NO_DIGITS))
    wanted = []
    for kind in kinds:
        if (
            (kind is PiiKind.PHONE and digits >= 7 and _phone_shaped(text))
            or (kind is PiiKind.EMAIL and ("@" in text or _SPELLED_AT.search(text)))
            or (kind is PiiKind.IP_ADDRESS and digits >= 4 and ("." in text or ":" in text))
            or (kind is PiiKind.PAYMENT_CARD and digits >= 12)
            or (kind is PiiKind.IBAN and digits >= 4 and _IBAN_SHAPE.search(text))
            or (kind is PiiKind.POSTAL_ADDRESS and _ADDRESS_SHAPE.search(text))
        ):
            wanted.append(kind)
    return wanted


class PiiAnalyzer:
    """Presidio's analyzer with our recognizers on a blank spaCy pipeline, offline."""

    def __init__(
        self,
        phone_regions: Sequence[str] = PhoneRecognizer.DEFAULT_SUPPORTED_REGIONS,
        *,
        cache_size: int = 4096,
    ) -> None:
        recognizers: list[EntityRecognizer] = [
            PhoneRecognizer(supported_regions=tuple(phone_regions)),
            SellerPhoneRecognizer(),
            OfflineEmailRecognizer(),
            SpelledEmailRecognizer(),
            StrictIpRecognizer(),
            CreditCardRecognizer(),
            IbanRecognizer(),
            PostalAddressRecognizer(),
        ]
        registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[LANGUAGE])
        self.recognizers = [type(r).__name__ for r in recognizers]
        self.engine = AnalyzerEngine(
            registry=registry, nlp_engine=BlankSpacyNlpEngine(), supported_languages=[LANGUAGE]
        )
        self._find = lru_cache(maxsize=cache_size)(self._analyze)

    def find(
        self, text: str, kinds: Iterable[PiiKind] = tuple(PiiKind), *, context: Sequence[str] = ()
    ) -> list[PiiMatch]:
        """Return the personal data of ``kinds`` in ``text``, in order, without overlaps.

        ``context`` words (a field's name: "phone", "address") raise the score of
        matches that need them. Only the first :data:`MAX_TEXT` characters are read;
        text is NFKC-normalised first, so full-width digits (``１３８``) count. Recent
        answers are cached: data files repeat values.
        """
        return list(self._find(text[:MAX_TEXT], tuple(kinds), tuple(context)))

    def _analyze(
        self, text: str, kinds: tuple[PiiKind, ...], context: tuple[str, ...]
    ) -> tuple[PiiMatch, ...]:
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        wanted = _candidate_kinds(text, kinds)
        if not wanted:
            return ()
        results = self.engine.analyze(
            text, LANGUAGE, entities=[KINDS[k].entity for k in wanted],
            context=list(context) or None, score_threshold=ACCEPT_SCORE,
            return_decision_process=True,  # else Presidio deep-copies every result
        )  # fmt: skip
        matches = []
        for result in results:
            kind = _BY_ENTITY[result.entity_type]
            if kind in (PiiKind.PHONE, PiiKind.PAYMENT_CARD):
                if _ID_CUE.search(text[max(0, result.start - 24) : result.start]):
                    continue
            name = (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY)
            matches.append(
                PiiMatch(kind, result.start, result.end, text[result.start : result.end],
                         float(result.score), str(name or kind))
            )  # fmt: skip
        return tuple(_without_overlaps(matches))

    def kinds_in(self, text: str, kinds: Iterable[PiiKind] = tuple(PiiKind)) -> set[PiiKind]:
        """Return which kinds of personal data ``text`` holds."""
        return {match.kind for match in self.find(text, kinds)}


def _without_overlaps(matches: list[PiiMatch]) -> list[PiiMatch]:
    """Keep the strongest (then longest) of overlapping matches; return them in text order."""
    kept: list[PiiMatch] = []
    for match in sorted(matches, key=lambda m: (-m.score, m.start - m.end, m.start)):
        if all(match.end <= k.start or match.start >= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


@lru_cache(maxsize=1)
def shared_analyzer() -> PiiAnalyzer:
    """Return the process-wide analyzer (built on first use: Presidio and spaCy load once)."""
    return PiiAnalyzer()


def suggested_level(kinds: Iterable[PiiKind]) -> int | None:
    """Return the FORMATS §7 level a field holding these kinds needs (None: nothing found)."""
    levels = [KINDS[kind].level for kind in kinds]
    return max(levels) if levels else None
