"""The personal data recognizers: each kind found, look-alikes left alone, masks safe."""

from __future__ import annotations

import pytest

from marketguard.dataguard.pii import (
    KINDS,
    BlankSpacyNlpEngine,
    PiiAnalyzer,
    PiiKind,
    mask,
    shared_analyzer,
    suggested_level,
)
from tests.dataguard.labelled import labelled_set

PHONE, EMAIL, IP = PiiKind.PHONE, PiiKind.EMAIL, PiiKind.IP_ADDRESS
CARD, IBAN, ADDRESS = PiiKind.PAYMENT_CARD, PiiKind.IBAN, PiiKind.POSTAL_ADDRESS


@pytest.fixture(scope="module")
def analyzer() -> PiiAnalyzer:
    return shared_analyzer()


FOUND = [
    # phones: Presidio's regional formats and the international forms sellers use
    (PHONE, "Call me on +49 151 23456767 today", "+49 151 23456767"),
    (PHONE, "WhatsApp +86 138 0013 8000", "+86 138 0013 8000"),
    (PHONE, "whatsapp:+8613800138000", "+8613800138000"),
    (PHONE, "0086 138 0013 8000", "0086 138 0013 8000"),
    (PHONE, "+1 (415) 555-2671", "+1 (415) 555-2671"),
    (PHONE, "+1 415.555.2671", "+1 415.555.2671"),
    (PHONE, "Tel. +49 (0) 151 2345 6767", "+49 (0) 151 2345 6767"),
    (PHONE, "+44 20 7946 0958", "+44 20 7946 0958"),
    (PHONE, "Tel: 030 1234567", "030 1234567"),
    (PHONE, "tel-030 1234567", "030 1234567"),
    (PHONE, "call 07911 123456", "07911 123456"),
    (PHONE, "微信：13800138000", "13800138000"),
    (PHONE, "WeChat 138 0013 8000", "138 0013 8000"),
    (PHONE, "+４９ １５１ ２３４５６７６７", "+49 151 23456767"),  # full-width digits
    # e-mail, checked against the bundled public suffix list
    (EMAIL, "write to jane.doe@example.com please", "jane.doe@example.com"),
    (EMAIL, "bob+shop@mail.co.uk", "bob+shop@mail.co.uk"),
    (EMAIL, "kontakt@händler.de", "kontakt@händler.de"),
    (EMAIL, "mail jane.doe(at)example.com", "jane.doe(at)example.com"),
    (EMAIL, "bob at gmail dot com", "bob at gmail dot com"),
    # IP addresses
    (IP, "login from 192.168.1.20, then", "192.168.1.20"),
    (IP, "10.0.0.1", "10.0.0.1"),
    (IP, "ipv6 2001:db8::1 seen", "2001:db8::1"),
    # payment cards (Luhn) and IBANs (ISO 7064 checksum)
    (CARD, "card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111"),
    (CARD, "5555-5555-5555-4444", "5555-5555-5555-4444"),
    (CARD, "378282246310005", "378282246310005"),
    (IBAN, "IBAN DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
    (IBAN, "GB82WEST12345698765432", "GB82WEST12345698765432"),
    (IBAN, "FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606"),
    # postal addresses in several languages, and postcodes
    (ADDRESS, "ship to 221B Baker Street, London", "221B Baker Street"),
    (ADDRESS, "1600 Amphitheatre Parkway", "1600 Amphitheatre Parkway"),
    (ADDRESS, "4 Privet Drive, Little Whinging", "4 Privet Drive, Little"),
    (ADDRESS, "Abholung: Hauptstraße 12", "Hauptstraße 12"),
    (ADDRESS, "Berliner Str. 5a", "Berliner Str. 5a"),
    (ADDRESS, "12 rue de la Paix", "12 rue de la Paix"),
    (ADDRESS, "Via Roma 10, Milano", "Via Roma 10"),
    (ADDRESS, "Calle de Alcalá 20", "Calle de Alcalá 20"),
    (ADDRESS, "Keizersgracht 123", "Keizersgracht 123"),
    (ADDRESS, "北京市朝阳区建国路88号", "北京市朝阳区建国路88号"),
    (ADDRESS, "東京都港区六本木6-10-1", "東京都港区六本木6-10-1"),
    (ADDRESS, "216 main street", "216 main street"),
    (ADDRESS, "London NW1 6XE", "NW1 6XE"),
    (ADDRESS, "Mountain View, CA 94043", "Mountain View, CA 94043"),
    (ADDRESS, "D-10115 Berlin", "D-10115 Berlin"),
    (ADDRESS, "address: 10115 Berlin", "10115 Berlin"),
]


@pytest.mark.parametrize(("kind", "text", "expected"), FOUND)
def test_when_text_holds_personal_data_then_it_is_found(
    analyzer: PiiAnalyzer, kind: PiiKind, text: str, expected: str
) -> None:
    matches = analyzer.find(text)
    assert [(m.kind, m.text) for m in matches] == [(kind, expected)], matches
    assert matches[0].recognizer and matches[0].score >= 0.4


LOOK_ALIKES = [
    "Invalid card 4111 1111 1111 1112",  # fails the Luhn check
    "IBAN DE89 3704 0044 0532 0130 01",  # wrong checksum
    "GB82WEST12345698765431",
    "firmware version 1.2.3.4.5",  # a version string, not an IP address
    "update to build 10.0.19041.1",
    "version 2.0.1.7 released",
    "price 1,299.00 EUR, was 1.499,00 €",
    "only 12 999 Ft",
    "Acme SM-45 backpack, model SM45",
    "order 4155552671 shipped",
    "Order #20240115001",
    "SKU 2345678901",
    "device dev-12345692",
    "EAN 4006381333931",
    "ISBN 978-3-16-148410-0",
    "made 2024-01-15 at 10:30:45",
    "2024-01-15T10:00:00Z",
    "12000 mAh power bank, 5V 2.1A",
    "Size 42 EU / 8 UK, 30 x 20 x 10 cm",
    "1 TB Hard Drive",
    "Set of 2 Street Style Sneakers",
    "Platz 1 der Bestseller",
    "4 wheel road bike, 21 speed",
    "13800138000",  # an 11-digit number without a contact word
    "user@localhost",
    "a@b.c",
    "time 12:30",
    "shipped via DHL in 2 days",
    "look at example.com for the size chart",
    "we meet at noon dot",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_when_text_only_looks_like_personal_data_then_nothing_is_found(
    analyzer: PiiAnalyzer, text: str
) -> None:
    assert analyzer.find(text) == []


def test_when_data_overlaps_then_the_strongest_kind_wins(analyzer: PiiAnalyzer) -> None:
    matches = analyzer.find("pay to DE89 3704 0044 0532 0130 00 or call +49 151 23456767")
    assert [m.kind for m in matches] == [IBAN, PHONE]


def test_when_field_name_gives_context_then_weak_matches_count(analyzer: PiiAnalyzer) -> None:
    assert analyzer.find("10115 Berlin") == []
    assert [m.kind for m in analyzer.find("10115 Berlin", context=["address"])] == [ADDRESS]
    assert [m.kind for m in analyzer.find("13800138000", context=["mobile"])] == [PHONE]


def test_when_kinds_are_restricted_then_only_those_are_reported(analyzer: PiiAnalyzer) -> None:
    text = "jane@example.com, 4111 1111 1111 1111, 192.168.1.20"
    assert {m.kind for m in analyzer.find(text, (EMAIL,))} == {EMAIL}
    assert analyzer.kinds_in(text) == {EMAIL, CARD, IP}


MASKS = [
    (PHONE, "+49 151 23456767", "+49 1** ******67"),
    (PHONE, "0086 138 0013 8000", "0086 1** **** **00"),
    (EMAIL, "jane.doe@example.com", "j***.***@e******.com"),
    (IP, "192.168.1.20", "192.***.*.**"),
    (CARD, "4111 1111 1111 1111", "**** **** **** 1111"),
    (IBAN, "DE89 3704 0044 0532 0130 00", "DE** **** **** **** **** 00"),
    (ADDRESS, "221B Baker Street", "**** B**** S*****"),
    (PHONE, "1234", "***4"),
    (EMAIL, "a@b.io", "*@*.io"),
]


@pytest.mark.parametrize(("kind", "raw", "masked"), MASKS)
def test_when_masked_then_most_characters_are_hidden(kind: PiiKind, raw: str, masked: str) -> None:
    assert mask(kind, raw) == masked
    if kind is not EMAIL:  # whose top-level domain is shown whole
        shown = sum(1 for a, b in zip(raw, masked, strict=True) if a == b and a.isalnum())
        assert shown < max(sum(c.isalnum() for c in raw) / 2, 1)


def test_levels_follow_formats_section_7() -> None:
    assert suggested_level([]) is None
    assert suggested_level([PHONE, EMAIL]) == 3
    assert suggested_level([ADDRESS, IBAN]) == 4
    assert {kind: info.level for kind, info in KINDS.items()} == {
        PHONE: 3, EMAIL: 3, IP: 3, CARD: 4, IBAN: 4, ADDRESS: 3,
    }  # fmt: skip


def test_the_nlp_engine_is_a_blank_pipeline() -> None:
    engine = BlankSpacyNlpEngine()
    artifacts = engine.process_text("Call me on +49 151 23456767", "en")
    assert engine.nlp is not None and engine.nlp["en"].pipe_names == []
    assert artifacts.lemmas[:2] == ["call", "me"]
    assert artifacts.entities == []


# Floors under what the labelled set measures (phone 0.98/0.97, every other kind 1.0/1.0
# when written): the set is generated next to the recognizers, so it guards against
# regressions rather than proving field accuracy.
PRECISION_FLOOR = {PHONE: 0.95, EMAIL: 0.97, IP: 0.97, CARD: 0.97, IBAN: 0.97, ADDRESS: 0.93}
RECALL_FLOOR = {PHONE: 0.93, EMAIL: 0.95, IP: 0.97, CARD: 0.97, IBAN: 0.97, ADDRESS: 0.93}


def test_on_the_labelled_set_precision_and_recall_stay_above_their_floors(
    analyzer: PiiAnalyzer,
) -> None:
    examples = labelled_set()
    true_pos = dict.fromkeys(PiiKind, 0)
    false_pos, false_neg = dict(true_pos), dict(true_pos)
    for example in examples:
        found = analyzer.kinds_in(example.text)
        for kind in PiiKind:
            if kind == example.kind:
                if kind in found:
                    true_pos[kind] += 1
                else:
                    false_neg[kind] += 1
            elif kind in found:
                false_pos[kind] += 1
    for kind in PiiKind:
        precision = true_pos[kind] / max(true_pos[kind] + false_pos[kind], 1)
        recall = true_pos[kind] / max(true_pos[kind] + false_neg[kind], 1)
        assert precision >= PRECISION_FLOOR[kind], (kind, precision)
        assert recall >= RECALL_FLOOR[kind], (kind, recall)
    assert sum(e.kind is None for e in examples) >= 500  # look-alikes outnumber each kind
