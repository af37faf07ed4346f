"""Money: integer minor units with an ISO 4217 code, parsed from and formatted for people.

The number of minor units comes from the currency (JPY has none, EUR two, KWD three), via
Babel's CLDR data. Nothing here uses floats: parsing goes through Decimal, conversion between
currencies rounds half up to the target's minor unit.
"""

from __future__ import annotations

import decimal
import re
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision
from flask_babel import get_locale
from flask_babel import gettext as _

from organizer.errors import ValidationFailed

_AMOUNT = re.compile(r"^\d{1,12}(?:[.,]\d+)?$")


@lru_cache(maxsize=64)
def exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (JPY 0, EUR 2, KWD 3)."""
    return get_currency_precision(currency)


def to_minor(value: decimal.Decimal, currency: str) -> int:
    """A major-unit Decimal as integer minor units, rounded half up."""
    scaled = value.scaleb(exponent(currency))
    return int(scaled.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))


def to_major(amount: int, currency: str) -> decimal.Decimal:
    return decimal.Decimal(amount).scaleb(-exponent(currency))


def parse(text: str, currency: str, *, field: str) -> int:
    """What a person typed ("120", "120.50", "120,5") as minor units. Refuses negative,
    non-numeric and over-precise amounts with a message for the field."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return 0
    if cleaned.startswith("-"):
        raise ValidationFailed({field: _("Enter an amount of zero or more.")})
    if not _AMOUNT.match(cleaned):
        raise ValidationFailed(
            {field: _("Enter a number, e.g. 120 or 120.50, without the currency sign.")}
        )
    value = decimal.Decimal(cleaned.replace(",", "."))
    places = exponent(currency)
    if -value.as_tuple().exponent > places:  # type: ignore[operator]
        if places == 0:
            message = _("%(currency)s has no decimals: enter a whole number.", currency=currency)
        else:
            message = _(
                "%(currency)s has %(places)s decimal places at most.",
                currency=currency,
                places=places,
            )
        raise ValidationFailed({field: message})
    return to_minor(value, currency)


def for_input(amount: int | None, currency: str) -> str:
    """Minor units as a form shows them for editing ("120.50", "1200" for JPY)."""
    if amount is None:
        return ""
    return f"{to_major(amount, currency):f}"


def fmt(amount: int | None, currency: str, locale: str | None = None) -> str:
    """Minor units for reading, in the reader's language: "€1,234.50", "¥1,200"."""
    if amount is None:
        return ""
    return format_currency(
        to_major(amount, currency), currency, locale=locale or str(get_locale() or "en")
    )


def convert(amount: int, *, rate: decimal.Decimal, source: str, target: str) -> int:
    """`amount` minor units of `source` in minor units of `target`, where one unit of source
    is worth `rate` units of target."""
    return to_minor(to_major(amount, source) * rate, target)
