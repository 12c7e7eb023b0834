"""A labelled set of listing and record texts: personal data of each kind, and look-alikes.

Generated from a seed, so the set is the same on every run. Positives put one piece
of personal data in ordinary listing or record text; negatives are the text that
trips naive recognizers: prices, model numbers, dates and times, order ids, EANs,
versions, measurements, and cards and IBANs whose checksum fails.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from marketguard.dataguard.pii import PiiKind


@dataclass(frozen=True)
class Example:
    text: str
    kind: PiiKind | None  # None: no personal data in the text


SENTENCES = [
    "Brand new backpack, never used. {}",
    "{} - contact for details",
    "Ships within 2 days. {} Thanks!",
    "Original box included, 30 day returns ({})",
    "Seller note: {}",
    "{}",
]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


_DE_MOBILE = ["151", "152", "157", "160", "162", "170", "171", "172", "176", "178", "179"]
_CN_MOBILE = ["135", "138", "139", "150", "159", "186", "187"]


def _phone(rng: random.Random) -> str:
    style = rng.randrange(8)
    if style == 0:  # German mobile
        return f"+49 {rng.choice(_DE_MOBILE)} {_digits(rng, 8)}"
    if style == 1:  # Chinese mobile, international
        return f"+86 {rng.choice(_CN_MOBILE)} {_digits(rng, 4)} {_digits(rng, 4)}"
    if style == 2:  # US, several layouts
        area, exchange = rng.choice(["212", "415", "646", "303", "512"]), rng.randint(200, 999)
        line = _digits(rng, 4)
        return rng.choice([f"+1 ({area}) {exchange}-{line}", f"+1 {area} {exchange} {line}",
                           f"+1-{area}-{exchange}-{line}"])  # fmt: skip
    if style == 3:  # UK mobile
        return f"+44 7{rng.choice('45789')}{_digits(rng, 2)} {_digits(rng, 6)}"
    if style == 4:  # French mobile, 00 prefix
        return f"0033 6 {rng.randint(10, 59)} " + " ".join(_digits(rng, 2) for _ in range(3))
    if style == 5:  # German with trunk prefix in brackets
        return f"+49 (0) {rng.choice(_DE_MOBILE)} {_digits(rng, 4)} {_digits(rng, 4)}"
    if style == 6 and rng.random() < 0.3:  # national formats of regions Presidio does not try
        return rng.choice([f"tel 6{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}",
                           f"cell 3{rng.randint(20, 49)} {_digits(rng, 3)} {_digits(rng, 4)}"])
    if style == 6:  # Chinese mobile next to a contact word
        return f"微信 {rng.choice(_CN_MOBILE)}{_digits(rng, 8)}"
    return f"WhatsApp +86{rng.choice(['138', '159', '186'])}{_digits(rng, 8)}"


def _email(rng: random.Random) -> str:
    if rng.random() < 0.1:  # spelled out to dodge filters
        return rng.choice(["jane.doe(at)example.com", "bob at gmail dot com"])
    user = rng.choice(["jane.doe", "bob", "li.wei88", "m.mueller", "shop-owner", "x_y"])
    domain = rng.choice(["example.com", "gmail.com", "shop.co.uk", "web.de", "qq.com", "163.com"])
    return f"{user}{rng.randint(1, 99)}@{domain}"


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return f"2001:db8:{rng.randint(1, 9999):x}::{rng.randint(1, 255):x}"
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _luhn_digit(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _card(rng: random.Random, *, valid: bool = True) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("37", 15)])
    body = prefix + _digits(rng, length - len(prefix) - 1)
    check = _luhn_digit(body)
    number = body + (check if valid else str((int(check) + rng.randint(1, 9)) % 10))
    if length == 16 and rng.random() < 0.5:
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


def _iban(rng: random.Random, *, valid: bool = True) -> str:
    country, bban = rng.choice([
        ("DE", _digits(rng, 18)),
        ("GB", "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + _digits(rng, 14)),
        ("FR", _digits(rng, 23)),
        ("NL", "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + _digits(rng, 10)),
    ])  # fmt: skip
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    if not valid:
        check = (check + rng.randint(1, 90)) % 97 + 2
    iban = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _address(rng: random.Random) -> str:
    n = rng.randint(1, 240)
    return rng.choice([
        f"{n} {rng.choice(['Baker', 'High', 'Market', 'Oak Hill'])} {rng.choice(['Street', 'Road', 'Avenue', 'Lane'])}",  # noqa: E501
        f"{n} Privet Drive, {rng.choice(['Springfield', 'Reading'])}",
        f"{rng.choice(['Haupt', 'Bahnhof', 'Linden', 'Goethe'])}{rng.choice(['straße', 'str.', 'weg', 'allee'])} {n}",  # noqa: E501
        f"Berliner Straße {n}{rng.choice(['', 'a'])}",
        f"{n} rue {rng.choice(['de la Paix', 'Victor Hugo', 'du Bac'])}",
        f"Via {rng.choice(['Roma', 'Garibaldi', 'Dante'])} {n}",
        f"Calle {rng.choice(['Mayor', 'de Alcalá', 'Serrano'])} {n}",
        f"{rng.choice(['中山', '建国', '人民'])}路{n}号",
        f"{rng.choice(['Palo Alto', 'Austin'])}, {rng.choice(['CA', 'TX'])} {rng.randint(10000, 99999)}",  # noqa: E501
        f"London {rng.choice(['NW1 6XE', 'SW1A 1AA', 'EC1A 1BB'])}",
        f"{n} {rng.choice(['main', 'elm', 'park'])} street",  # lower case
        f"{rng.choice(['東京都港区六本木', '大阪市北区梅田'])}{rng.randint(1, 9)}-{rng.randint(1, 20)}-{rng.randint(1, 30)}",  # noqa: E501
    ])  # fmt: skip


def _look_alike(rng: random.Random) -> str:
    return rng.choice([
        f"Price {rng.randint(1, 9)},{rng.randint(100, 999)}.{rng.randint(10, 99)} EUR",
        f"only {rng.randint(10, 999)}.{rng.randint(10, 99)} USD incl. VAT",
        f"Model SM-{rng.randint(10, 99)}, also fits SM{rng.randint(10, 99)}",
        f"Order #{_digits(rng, 11)}",
        f"order {rng.choice(['212', '415'])}{_digits(rng, 7)} shipped",
        f"SKU {_digits(rng, 10)}",
        f"EAN {_digits(rng, 13)}",
        f"made {rng.randint(2015, 2025)}-0{rng.randint(1, 9)}-{rng.randint(10, 28)}",
        f"listed {rng.randint(2015, 2025)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:3{rng.randint(0, 9)}:00Z",  # noqa: E501
        f"firmware {rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 9)}",  # noqa: E501
        f"version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 999)}",  # noqa: E501
        f"{rng.randint(5, 30)}000 mAh, {rng.randint(3, 20)}V {rng.randint(1, 3)}.{rng.randint(0, 9)}A",  # noqa: E501
        f"{rng.randint(10, 99)} x {rng.randint(10, 99)} x {rng.randint(5, 40)} cm, {rng.randint(1, 9)}.{rng.randint(0, 9)} kg",  # noqa: E501
        f"card number {_card(rng, valid=False)} (test data)",
        f"IBAN {_iban(rng, valid=False)}",
        f"{rng.randint(1, 8)} TB Hard Drive",
        f"Set of {rng.randint(2, 6)} Street Style Sneakers",
        f"{rng.randint(2, 4)} wheel road bike, {rng.randint(7, 27)} speed",
        f"ready at {rng.randint(10, 23)}:{rng.randint(10, 59)}",
        f"{rng.randint(1000, 9999)} reviews, {rng.randint(1, 5)}.{rng.randint(0, 9)} stars",
        f"ISBN 978-{rng.randint(0, 9)}-{rng.randint(10, 99)}-{_digits(rng, 6)}-{rng.randint(0, 9)}",
        f"ships from {rng.randint(10000, 99999)} Units warehouse",
        f"Item {rng.randint(1, 9)} of {rng.randint(10, 99)}, pack of {rng.randint(10, 500)}",
        f"fits {rng.randint(2010, 2019)}-{rng.randint(2020, 2025)} models",
        f"tracking 1Z{_digits(rng, 3)}AA{_digits(rng, 10)}",
        f"tracking {' '.join(_digits(rng, 4) for _ in range(5))} {_digits(rng, 2)}",
        f"Art.-Nr. {_digits(rng, 8)}",
        f"SN: {rng.choice('ABCDEFGH')}{_digits(rng, 11)}",
        f"{rng.randint(100, 999)}{rng.choice(['ml', 'g', 'W'])} Pro Max {rng.randint(10, 16)} case",
        f"{rng.randint(1, 4)} Place Settings, dishwasher safe",
        f"Room {rng.randint(100, 999)}, {rng.randint(2, 9)}th floor",
        f"Ref. {_digits(rng, 10)} / {_digits(rng, 6)}",
    ])  # fmt: skip


MAKERS = {
    PiiKind.PHONE: _phone,
    PiiKind.EMAIL: _email,
    PiiKind.IP_ADDRESS: _ip,
    PiiKind.PAYMENT_CARD: _card,
    PiiKind.IBAN: _iban,
    PiiKind.POSTAL_ADDRESS: _address,
}


def labelled_set(seed: int = 7, per_kind: int = 60, negatives: int = 600) -> list[Example]:
    """Return ``per_kind`` positives of every kind and ``negatives`` look-alikes, shuffled."""
    rng = random.Random(seed)
    examples = [
        Example(rng.choice(SENTENCES).format(make(rng)), kind)
        for kind, make in MAKERS.items()
        for _ in range(per_kind)
    ]
    examples += [
        Example(rng.choice(SENTENCES).format(_look_alike(rng)), None) for _ in range(negatives)
    ]
    rng.shuffle(examples)
    return examples
