"""Sale price (DOMAIN.md §3): basis walk per condition, price modes and their fallbacks."""

from decimal import Decimal

import pytest

from analyses.engine import parse_config
from analyses.engine.snapshot import SeriesPrice
from tests.analyses.engine.helpers import codes, prices, run

CURRENT = parse_config({"price": {"mode": "current"}})
AVG90 = parse_config({"price": {"mode": "avg90"}})


def sale(result):
    return result.expected_sale_price, result.price_series


def test_conservative_takes_the_lower_of_current_and_average():
    assert sale(run(prices=prices(USED=("14.99", "16.20")))) == (Decimal("14.99"), "USED")
    assert sale(run(prices=prices(USED=("62.50", "59.80")))) == (Decimal("59.80"), "USED")


def test_conservative_without_an_average_takes_the_current_price_and_says_so():
    result = run(prices=prices(USED=("14.99", None)))
    assert sale(result) == (Decimal("14.99"), "USED")
    explained = result.explanation()["sale_price"]
    assert explained["taken"] == "current"
    assert explained["note"] == "no 90-day average: current used"


def test_current_mode_ignores_the_average():
    result = run(config=CURRENT, prices=prices(USED=("62.50", "59.80")))
    assert sale(result) == (Decimal("62.50"), "USED")
    assert result.price_mode == "current"


def test_avg90_mode_takes_the_average():
    result = run(config=AVG90, prices=prices(USED=("14.99", "16.20")))
    assert sale(result) == (Decimal("16.20"), "USED")
    assert result.explanation()["sale_price"]["taken"] == "avg90"


def test_avg90_mode_without_an_average_falls_back_to_the_current_price_and_records_it():
    result = run(config=AVG90, prices=prices(USED=("14.99", None)))
    assert sale(result) == (Decimal("14.99"), "USED")
    explained = result.explanation()["sale_price"]
    assert (explained["mode"], explained["taken"]) == ("avg90", "current")
    assert explained["note"] == "no 90-day average: current used"


def test_used_falls_back_to_new_when_used_has_no_current_price():
    result = run(prices=prices(USED=(None, "9.00"), NEW=("20.00", "22.00")))
    assert sale(result) == (Decimal("20.00"), "NEW")


def test_used_never_reads_amazon_or_new_fba_by_default():
    result = run(prices=prices(AMAZON=("20.00", None), NEW_FBA=("21.00", None)))
    assert result.expected_sale_price is None
    assert codes(result)[0] == "no_price"


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        (
            {"NEW_FBA": ("30.00", None), "NEW": ("25.00", None), "AMAZON": ("20.00", None)},
            "NEW_FBA",
        ),
        ({"NEW_FBA": (None, "30.00"), "NEW": ("25.00", None), "AMAZON": ("20.00", None)}, "NEW"),
        ({"NEW": (None, None), "AMAZON": ("20.00", None), "USED": ("5.00", None)}, "AMAZON"),
    ],
)
def test_new_condition_walks_new_fba_then_new_then_amazon(series, expected):
    result = run(condition="new", prices=prices(**series))
    assert result.price_series == expected
    assert result.condition == "new"


def test_the_configured_condition_applies_when_the_item_has_none():
    config = parse_config({"condition": "new"})
    result = run(config=config, prices=prices(NEW=("25.00", None), USED=("5.00", None)))
    assert (result.condition, result.price_series) == ("new", "NEW")
    assert run(config=config, condition="used").price_series == "USED"


def test_the_basis_is_configurable():
    config = parse_config({"price": {"basis_used": ["NEW", "USED"]}})
    result = run(config=config, prices=prices(USED=("10.00", None), NEW=("20.00", None)))
    assert result.price_series == "NEW"


def test_no_current_price_anywhere_means_no_economics_and_skip():
    result = run(prices=prices(USED=(None, "12.00")))
    assert result.expected_sale_price is None
    assert result.price_series is None
    assert result.fee_lines == {}
    assert (result.fees, result.profit, result.roi_percent) == (None, None, None)
    assert result.max_buy_price is None
    assert result.balanced_score is None
    assert result.recommendation == "SKIP"
    assert result.reasons[0].code == "no_price"
    assert result.reasons[0].message == "No sale price: none of USED, NEW has a current price"
    explanation = result.explanation()
    assert explanation["fees"] is None
    assert explanation["economics"] is None
    assert explanation["sale_price"]["value"] is None
    # What does not need a price is still worked out.
    assert result.velocity_score == Decimal("37.84")
    assert result.size_tier == "large_standard"


def test_non_positive_prices_count_as_missing():
    snap_prices = {"USED": SeriesPrice(Decimal(0), Decimal("5")), "NEW": SeriesPrice(Decimal("20"))}
    assert run(prices=snap_prices).price_series == "NEW"
    snap_prices = {"USED": SeriesPrice(Decimal("14.99"), Decimal(-1))}
    assert run(prices=snap_prices).expected_sale_price == Decimal("14.99")
