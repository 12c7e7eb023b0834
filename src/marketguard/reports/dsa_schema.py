"""The DSA Transparency Database's submission rules (API v2), as a validator.

Mirrors how the database's statement API validates a statement of reasons (its
``StatementStoreRequest`` rules and the API v2 documentation, in force since
1 July 2025): required fields, enumeration keys, ``Y-m-d`` dates and their
bounds, conditional "other" fields, length limits and the ``puid`` pattern.
With ``strict=True`` (the default) it also reports what the API would silently
drop — unknown keys, and conditional fields sent where they do not apply — so a
typo in our exporter cannot go unnoticed. Sources are listed in docs/notices.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

DECISION_VISIBILITIES = frozenset({
    "DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
})
DECISION_MONETARIES = frozenset({
    "DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER",
})
DECISION_PROVISIONS = frozenset({
    "DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION", "DECISION_PROVISION_TOTAL_TERMINATION",
})
DECISION_ACCOUNTS = frozenset({"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"})
ACCOUNT_TYPES = frozenset({"ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"})
DECISION_GROUNDS = frozenset({
    "DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT",
})
CONTENT_TYPES = frozenset({
    "CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
})
CATEGORIES = frozenset("STATEMENT_CATEGORY_" + c for c in (
    "ANIMAL_WELFARE CONSUMER_INFORMATION CYBER_VIOLENCE CYBER_VIOLENCE_AGAINST_WOMEN "
    "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS ILLEGAL_OR_HARMFUL_SPEECH "
    "INTELLECTUAL_PROPERTY_INFRINGEMENTS NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS "
    "NOT_SPECIFIED_NOTICE OTHER_VIOLATION_TC PROTECTION_OF_MINORS RISK_FOR_PUBLIC_SECURITY "
    "SCAMS_AND_FRAUD SELF_HARM UNSAFE_AND_PROHIBITED_PRODUCTS VIOLENCE"
).split())
KEYWORDS = frozenset("KEYWORD_" + k for k in (
    "ANIMAL_HARM UNLAWFUL_SALE_ANIMALS HIDDEN_ADVERTISEMENT INSUFFICIENT_INFORMATION_ON_TRADERS "
    "MISLEADING_INFO_CONSUMER_RIGHTS MISLEADING_INFO_GOODS_SERVICES NONCOMPLIANCE_PRICING "
    "CYBER_BULLYING_INTIMIDATION CYBER_HARASSMENT CYBER_INCITEMENT CYBER_STALKING "
    "NON_CONSENSUAL_IMAGE_SHARING NON_CONSENSUAL_MATERIAL_DEEPFAKE BULLYING_AGAINST_GIRLS "
    "CYBER_HARASSMENT_AGAINST_WOMEN CYBER_STALKING_AGAINST_WOMEN FEMALE_GENDERED_DISINFORMATION "
    "INCITEMENT_AGAINST_WOMEN NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN "
    "NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN BIOMETRIC_DATA_BREACH "
    "MISSING_PROCESSING_GROUND RIGHT_TO_BE_FORGOTTEN DATA_FALSIFICATION DEFAMATION "
    "DISCRIMINATION HATE_SPEECH COPYRIGHT_INFRINGEMENT DESIGN_INFRINGEMENT "
    "GEOGRAPHIC_INDICATIONS_INFRINGEMENT PATENT_INFRINGEMENT TRADE_SECRET_INFRINGEMENT "
    "TRADEMARK_INFRINGEMENT MISINFORMATION_DISINFORMATION VIOLATION_EU_LAW "
    "VIOLATION_NATIONAL_LAW STALKING ADULT_SEXUAL_MATERIAL AGE_SPECIFIC_RESTRICTIONS_MINORS "
    "CHILD_SEXUAL_ABUSE_MATERIAL CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE "
    "GROOMING_SEXUAL_ENTICEMENT_MINORS UNSAFE_CHALLENGES ILLEGAL_ORGANIZATIONS "
    "RISK_ENVIRONMENTAL_DAMAGE RISK_PUBLIC_HEALTH TERRORIST_CONTENT INAUTHENTIC_ACCOUNTS "
    "INAUTHENTIC_LISTINGS INAUTHENTIC_USER_REVIEWS IMPERSONATION_ACCOUNT_HIJACKING PHISHING "
    "PYRAMID_SCHEMES CONTENT_PROMOTING_EATING_DISORDERS SELF_MUTILATION SUICIDE "
    "AGE_SPECIFIC_RESTRICTIONS GEOGRAPHICAL_REQUIREMENTS GOODS_SERVICES_NOT_PERMITTED "
    "LANGUAGE_REQUIREMENTS NUDITY PROHIBITED_PRODUCTS UNSAFE_PRODUCTS COORDINATED_HARM "
    "HUMAN_EXPLOITATION HUMAN_TRAFFICKING INCITEMENT_VIOLENCE_HATRED TRAFFICKING_WOMEN_GIRLS "
    "OTHER"
).split())
SOURCE_TYPES = frozenset({
    "SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
})
AUTOMATED_DETECTIONS = frozenset({"Yes", "No"})
AUTOMATED_DECISIONS = frozenset({
    "AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED",
})
YES_NO = frozenset({"Yes", "No"})
EEA_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK"
    .split()
)
# ISO 639-1 codes, upper case, as ``content_language`` takes them.
LANGUAGES = frozenset((
    "AA AB AE AF AK AM AN AR AS AV AY AZ BA BE BG BI BM BN BO BR BS CA CE CH CO CR CS CU CV CY "
    "DA DE DV DZ EE EL EN EO ES ET EU FA FF FI FJ FO FR FY GA GD GL GN GU GV HA HE HI HO HR HT "
    "HU HY HZ IA ID IE IG II IK IO IS IT IU JA JV KA KG KI KJ KK KL KM KN KO KR KS KU KV KW KY "
    "LA LB LG LI LN LO LT LU LV MG MH MI MK ML MN MR MS MT MY NA NB ND NE NG NL NN NO NR NV NY "
    "OC OJ OM OR OS PA PI PL PS PT QU RM RN RO RU RW SA SC SD SE SG SI SK SL SM SN SO SQ SR SS "
    "ST SU SV SW TA TE TG TH TI TK TL TN TO TR TS TT TW TY UG UK UR UZ VE VI VO WA WO XH YI YO "
    "ZA ZH ZU"
).split())
PUID = re.compile(r"^[a-zA-Z0-9\-_]+\Z")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
CONTENT_ID_KEYS = frozenset({"EAN-13"})

FIELDS = frozenset({
    "decision_visibility", "decision_visibility_other", "decision_monetary",
    "decision_monetary_other", "decision_provision", "decision_account", "account_type",
    "category_specification", "category_specification_other", "decision_ground",
    "decision_ground_reference_url", "illegal_content_legal_ground",
    "illegal_content_explanation", "incompatible_content_ground",
    "incompatible_content_explanation", "incompatible_content_illegal", "content_type",
    "content_type_other", "category", "category_addition", "territorial_scope",
    "content_language", "content_date", "application_date", "end_date_account_restriction",
    "end_date_monetary_restriction", "end_date_service_restriction",
    "end_date_visibility_restriction", "decision_facts", "source_type", "source_identity",
    "automated_detection", "automated_decision", "puid", "content_id",
})
MAX_LENGTHS = {
    "decision_visibility_other": 500, "decision_monetary_other": 500,
    "category_specification_other": 500, "decision_ground_reference_url": 500,
    "illegal_content_legal_ground": 500, "illegal_content_explanation": 2000,
    "incompatible_content_ground": 500, "incompatible_content_explanation": 2000,
    "content_type_other": 500, "decision_facts": 5000, "source_identity": 500, "puid": 500,
}


def _present(value: Any) -> bool:
    """Laravel's ``required``: not null, not a blank string, not an empty array."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return True


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _ean13(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{13}", value):
        return False
    digits = [int(c) for c in value]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12])) % 10) % 10
    return check == digits[12]


class _Errors:
    def __init__(self, strict: bool) -> None:
        self.items: list[str] = []
        self.strict = strict

    def add(self, field: str, reason: str) -> None:
        self.items.append(f"{field}: {reason}")


def _one_of(errors: _Errors, s: Mapping[str, Any], field: str, allowed: frozenset[str],
            *, required: bool = False) -> None:
    value = s.get(field)
    if not _present(value):
        if required:
            errors.add(field, "is required")
        return
    if not isinstance(value, str) or value not in allowed:
        errors.add(field, f"{value!r} is not an allowed value")


def _array_of(errors: _Errors, s: Mapping[str, Any], field: str, allowed: frozenset[str],
              *, required: bool = False) -> list[Any]:
    value = s.get(field)
    if not _present(value):
        if required:
            errors.add(field, "is required (a non-empty array)")
        return []
    if not isinstance(value, list):
        errors.add(field, "must be an array")
        return []
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            errors.add(field, f"{item!r} is not an allowed value")
    return value


def _dates(errors: _Errors, s: Mapping[str, Any]) -> None:
    bounds = {"content_date": date(2000, 1, 1), "application_date": date(2020, 1, 1)}
    parsed: dict[str, date] = {}
    for field, earliest in bounds.items():
        value = s.get(field)
        if not _present(value):
            errors.add(field, "is required")
            continue
        found = _date(value)
        if found is None:
            errors.add(field, "does not match the format YYYY-MM-DD")
        elif not earliest <= found <= date(2038, 1, 1):
            errors.add(field, f"must be between {earliest} and 2038-01-01")
        else:
            parsed[field] = found
    for kind in ("account", "monetary", "service", "visibility"):
        field = f"end_date_{kind}_restriction"
        value = s.get(field)
        if value is None:
            continue
        found = _date(value)
        if found is None:
            errors.add(field, "does not match the format YYYY-MM-DD")
        elif found > date(2038, 1, 1):
            errors.add(field, "must be on or before 2038-01-01")
        elif "application_date" in parsed and found < parsed["application_date"]:
            errors.add(field, "must be on or after the application date")


def validate(s: Mapping[str, Any], *, strict: bool = True) -> list[str]:
    """Return every reason the database would refuse this statement (empty: valid)."""
    errors = _Errors(strict)
    for key in sorted(set(s) - FIELDS) if strict else ():
        errors.add(key, "is not a field of the schema")
    for field, limit in MAX_LENGTHS.items():
        value = s.get(field)
        if value is not None and not isinstance(value, str):
            errors.add(field, "must be a string")
        elif isinstance(value, str) and len(value) > limit:
            errors.add(field, f"may not be greater than {limit} characters")
    restrictions = ("decision_visibility", "decision_monetary", "decision_provision",
                    "decision_account")
    if not any(_present(s.get(f)) for f in restrictions):
        errors.add("decision_visibility", "is required when none of decision_monetary, "
                   "decision_provision, decision_account is present")
    visibility = _array_of(errors, s, "decision_visibility", DECISION_VISIBILITIES)
    _conditional(errors, s, "decision_visibility_other",
                 "DECISION_VISIBILITY_OTHER" in visibility)
    _one_of(errors, s, "decision_monetary", DECISION_MONETARIES)
    _conditional(errors, s, "decision_monetary_other",
                 s.get("decision_monetary") == "DECISION_MONETARY_OTHER")
    _one_of(errors, s, "decision_provision", DECISION_PROVISIONS)
    _one_of(errors, s, "decision_account", DECISION_ACCOUNTS)
    _one_of(errors, s, "account_type", ACCOUNT_TYPES)
    _array_of(errors, s, "category_specification", KEYWORDS)
    _one_of(errors, s, "decision_ground", DECISION_GROUNDS, required=True)
    url = s.get("decision_ground_reference_url")
    if _present(url) and (not isinstance(url, str)
                          or urlsplit(url).scheme not in ("http", "https")
                          or not urlsplit(url).netloc):
        errors.add("decision_ground_reference_url", "must be a valid URL")
    illegal = s.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT"
    incompatible = s.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    for field in ("illegal_content_legal_ground", "illegal_content_explanation"):
        _conditional(errors, s, field, illegal)
    for field in ("incompatible_content_ground", "incompatible_content_explanation"):
        _conditional(errors, s, field, incompatible)
    if incompatible:
        _one_of(errors, s, "incompatible_content_illegal", YES_NO)
    elif strict and s.get("incompatible_content_illegal") is not None:
        errors.add("incompatible_content_illegal", "only applies to incompatible content")
    types = _array_of(errors, s, "content_type", CONTENT_TYPES, required=True)
    _conditional(errors, s, "content_type_other", "CONTENT_TYPE_OTHER" in types)
    _one_of(errors, s, "category", CATEGORIES, required=True)
    _array_of(errors, s, "category_addition", CATEGORIES)
    _array_of(errors, s, "territorial_scope", EEA_COUNTRIES, required=True)
    _one_of(errors, s, "content_language", LANGUAGES)
    _dates(errors, s)
    if not _present(s.get("decision_facts")):
        errors.add("decision_facts", "is required")
    _one_of(errors, s, "source_type", SOURCE_TYPES, required=True)
    _one_of(errors, s, "automated_detection", AUTOMATED_DETECTIONS, required=True)
    _one_of(errors, s, "automated_decision", AUTOMATED_DECISIONS, required=True)
    puid = s.get("puid")
    if not _present(puid):
        errors.add("puid", "is required")
    elif not isinstance(puid, str) or not PUID.match(puid):
        errors.add("puid", "may contain only a-z, A-Z, 0-9, '-' and '_'")
    _content_id(errors, s.get("content_id"))
    return errors.items


def _conditional(errors: _Errors, s: Mapping[str, Any], field: str, applies: bool) -> None:
    """A field required when ``applies`` and excluded (must be absent) otherwise."""
    if applies and not _present(s.get(field)):
        errors.add(field, "is required here")
    elif not applies and errors.strict and _present(s.get(field)):
        errors.add(field, "does not apply here and would be discarded")


def _content_id(errors: _Errors, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        errors.add("content_id", "must be an object of identifier type to value")
        return
    for key, item in value.items():
        if key not in CONTENT_ID_KEYS:
            errors.add("content_id", f"{key!r} is not an accepted identifier type (EAN-13)")
        elif not _ean13(item):
            errors.add(f"content_id.{key}", "must be a valid EAN-13 code")
