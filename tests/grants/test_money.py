"""Money in minor units: parsing, formatting and conversion for currencies with 0, 2 and 3
decimal places."""

import decimal

import pytest

from organizer.errors import ValidationFailed
from organizer.services import money


@pytest.mark.parametrize(
    ("currency", "typed", "minor"),
    [
        ("EUR", "120", 12000),
        ("EUR", "120.5", 12050),
        ("EUR", "120,05", 12005),
        ("JPY", "1200", 1200),
        ("KWD", "12.345", 12345),
        ("KWD", "0.001", 1),
        ("EUR", "", 0),
    ],
)
def test_parse(currency, typed, minor):
    assert money.parse(typed, currency, field="amount") == minor


@pytest.mark.parametrize(
    ("currency", "typed", "message"),
    [
        ("EUR", "-5", "zero or more"),
        ("EUR", "ten", "Enter a number"),
        ("EUR", "1e3", "Enter a number"),
        ("EUR", "€10", "Enter a number"),
        ("JPY", "10.5", "no decimals"),
        ("EUR", "10.555", "2 decimal places"),
    ],
)
def test_parse_refuses_with_a_message(currency, typed, message):
    with pytest.raises(ValidationFailed) as caught:
        money.parse(typed, currency, field="amount")
    assert message in caught.value.errors["amount"]


def test_format_and_sum_zero_and_three_decimal_currencies(app):
    with app.test_request_context():
        yen = [money.parse(v, "JPY", field="a") for v in ("1200", "350", "1")]
        assert sum(yen) == 1551
        assert money.fmt(sum(yen), "JPY") == "¥1,551"
        dinar = [money.parse(v, "KWD", field="a") for v in ("1.250", "0.005", "10")]
        assert sum(dinar) == 11255
        assert money.fmt(sum(dinar), "KWD") == "KWD11.255"  # CLDR: code, no space, in en
        assert money.for_input(11255, "KWD") == "11.255"
        assert money.for_input(1551, "JPY") == "1551"
        assert money.fmt(123456, "EUR", locale="pt_PT").replace("\xa0", " ") == "1 234,56 €"


def test_convert_rounds_half_up_to_the_target_unit():
    # 1,000 JPY at 0.0061 EUR/JPY = 6.10 EUR; 12.345 KWD at 2.987654 EUR/KWD = 36.88 EUR.
    assert money.convert(1000, rate=decimal.Decimal("0.0061"), source="JPY", target="EUR") == 610
    rate = decimal.Decimal("2.987654")
    assert money.convert(12345, rate=rate, source="KWD", target="EUR") == 3688
    assert money.convert(3688, rate=decimal.Decimal("160.5"), source="EUR", target="JPY") == 5919
