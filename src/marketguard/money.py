"""Money: integer minor units plus an ISO 4217 code, never floats."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# Active ISO 4217 codes and their minor-unit exponents (ISO 4217 list, 2024).
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN "
        "BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
        "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR "
        "KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN "
        "MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD "
        "SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD "
        "TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWL".split(),
        2,
    ),
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}


def check_currency(code: str) -> str:
    """Return ``code`` if it is an active ISO 4217 code, else raise ``ValueError``."""
    if code not in MINOR_UNITS:
        raise ValueError(f"unknown currency {code!r}: use an ISO 4217 code such as EUR or USD")
    return code


class Money(BaseModel):
    """``{"amount": <integer minor units>, "currency": "<ISO 4217>"}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: int
    currency: str

    @field_validator("amount", mode="before")
    @classmethod
    def _integer_amount(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(
                "amount must be an integer number of minor units (cents), not "
                f"{type(value).__name__}"
            )
        if value < 0:
            raise ValueError("amount must not be negative")
        return value

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        return check_currency(value)
