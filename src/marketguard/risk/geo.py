"""Built-in geography for enrichment: country centroids, ISO codes, postal formats.

Why built in: nothing is downloaded at run time, and enrichment must be
deterministic, so a small fixed table ships with the code. Centroids are rough
(about a degree) — good enough to tell Germany from China, not Bonn from Köln.
"""

from __future__ import annotations

import ipaddress
import math
import re

_CENTROIDS = """
US 39.8 -98.6|CA 56.1 -106.3|MX 23.6 -102.6|BR -14.2 -51.9|AR -38.4 -63.6|CL -35.7 -71.5
CO 4.6 -74.3|PE -9.2 -75.0|VE 6.4 -66.6|CU 21.5 -77.8|GB 55.4 -3.4|IE 53.4 -8.2|FR 46.2 2.2
DE 51.2 10.5|ES 40.5 -3.7|PT 39.4 -8.2|IT 41.9 12.6|NL 52.1 5.3|BE 50.5 4.5|LU 49.8 6.1
CH 46.8 8.2|AT 47.5 14.6|PL 51.9 19.1|CZ 49.8 15.5|SK 48.7 19.7|HU 47.2 19.5|RO 45.9 25.0
BG 42.7 25.5|GR 39.1 21.8|SE 60.1 18.6|NO 60.5 8.5|FI 61.9 25.7|DK 56.3 9.5|EE 58.6 25.0
LV 56.9 24.6|LT 55.2 23.9|UA 48.4 31.2|BY 53.7 27.9|RU 61.5 105.3|TR 39.0 35.2|RS 44.0 21.0
HR 45.1 15.2|SI 46.2 14.8|IS 65.0 -19.0|CN 35.9 104.2|JP 36.2 138.3|KR 35.9 127.8
KP 40.3 127.5|TW 23.7 121.0|HK 22.4 114.1|IN 20.6 79.0|PK 30.4 69.3|BD 23.7 90.4
ID -0.8 113.9|MY 4.2 101.9|SG 1.35 103.8|TH 15.9 101.0|VN 14.1 108.3|PH 12.9 121.8
MM 21.9 96.0|KH 12.6 105.0|NP 28.4 84.1|LK 7.9 80.8|AU -25.3 133.8|NZ -40.9 174.9
IR 32.4 53.7|IQ 33.2 43.7|SY 34.8 39.0|SA 23.9 45.1|AE 23.4 53.8|QA 25.4 51.2|KW 29.3 47.5
IL 31.0 34.9|JO 30.6 36.2|LB 33.9 35.9|EG 26.8 30.8|NG 9.1 8.7|ZA -30.6 22.9|KE 0.0 37.9
MA 31.8 -7.1|DZ 28.0 1.7|ET 9.1 40.5|GH 7.9 -1.0|KZ 48.0 66.9|UZ 41.4 64.6|AF 33.9 67.7
"""
CENTROIDS: dict[str, tuple[float, float]] = {
    code: (float(lat), float(lon))
    for code, lat, lon in (item.split() for item in _CENTROIDS.replace("\n", "|").split("|")
                           if item.strip())
}

ISO_COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
ZW
""".split())

_POSTAL = {
    "US": r"\d{5}(-\d{4})?", "DE": r"\d{5}", "FR": r"\d{5}", "ES": r"\d{5}", "IT": r"\d{5}",
    "KR": r"\d{5}", "CN": r"\d{6}", "IN": r"\d{6}", "RU": r"\d{6}", "JP": r"\d{3}-?\d{4}",
    "BR": r"\d{5}-?\d{3}", "CA": r"[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d",
    "GB": r"[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}", "NL": r"\d{4} ?[A-Za-z]{2}",
    "AU": r"\d{4}", "CH": r"\d{4}", "AT": r"\d{4}", "BE": r"\d{4}", "DK": r"\d{4}",
    "NO": r"\d{4}", "PL": r"\d{2}-\d{3}", "SE": r"\d{3} ?\d{2}",
}
POSTAL = {code: re.compile(pattern, re.ASCII) for code, pattern in _POSTAL.items()}
GENERIC_POSTAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{1,9}", re.ASCII)
EARTH_KM = 6371.0088


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2
    ) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


class PrefixTable:
    """Longest-prefix match of IP addresses to country codes (from the rules file)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        networks = [(ipaddress.ip_network(p, strict=False), c.upper()) for p, c in prefixes.items()]
        self.networks = sorted(networks, key=lambda item: -item[0].prefixlen)

    def country(self, ip: object) -> str | None:
        """Return the country of ``ip`` or None when unknown or not an address."""
        if not self.networks or not isinstance(ip, str):
            return None
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        for network, code in self.networks:
            if address.version == network.version and address in network:
                return code
        return None
