"""Fees (DOMAIN.md §4): price bands, size tiers, weight bands, over 3 lb, storage, sources."""

from decimal import Decimal

import pytest

from analyses.engine import parse_config
from analyses.engine.fees import measure_package
from tests.analyses.engine.helpers import (
    AUTUMN,
    DEFAULTS,
    SPRING,
    dims,
    lb_from_grams,
    lb_from_oz,
    prices,
    run,
    snapshot,
)

CARD = DEFAULTS.rate_card
ONE_GRAM_LB = lb_from_grams(1)
SMALL_DIMS = dims("8", "5", "0.5")
LARGE_DIMS = dims("8", "5", "1")  # shortest > 0.75 in: large standard, dimensional weight 0.29 lb

# DOMAIN.md §4, typed again here so a slip in the JSON card cannot hide behind itself.
SMALL_TABLE = [
    (lb_from_oz(2), "2.43", "3.32", "3.58"),
    (lb_from_oz(4), "2.49", "3.42", "3.68"),
    (lb_from_oz(6), "2.56", "3.45", "3.71"),
    (lb_from_oz(8), "2.66", "3.54", "3.80"),
    (lb_from_oz(10), "2.77", "3.68", "3.94"),
    (lb_from_oz(12), "2.82", "3.78", "4.04"),
    (lb_from_oz(14), "2.92", "3.91", "4.17"),
    (lb_from_oz(16), "2.95", "3.96", "4.22"),
]
LARGE_TABLE = [
    (lb_from_oz(4), "2.91", "3.73", "3.99"),
    (lb_from_oz(8), "3.13", "3.95", "4.21"),
    (lb_from_oz(12), "3.38", "4.20", "4.46"),
    (lb_from_oz(16), "3.78", "4.60", "4.86"),
    (Decimal("1.25"), "4.22", "5.04", "5.30"),
    (Decimal("1.5"), "4.60", "5.42", "5.68"),
    (Decimal("1.75"), "4.75", "5.57", "5.83"),
    (Decimal("2"), "5.00", "5.82", "6.08"),
    (Decimal("2.25"), "5.10", "5.92", "6.18"),
    (Decimal("2.5"), "5.28", "6.10", "6.36"),
    (Decimal("2.75"), "5.44", "6.26", "6.52"),
    (Decimal("3"), "5.85", "6.67", "6.93"),
]
OVER_BASE = ("6.15", "6.97", "7.23")


def fba(tier, weight_lb, band):
    return CARD.fulfilment_fee(tier, weight_lb, band)


@pytest.mark.parametrize("price_band", [0, 1, 2])
@pytest.mark.parametrize("row", range(len(SMALL_TABLE)))
def test_small_standard_band_includes_its_limit_and_one_gram_more_is_the_next(row, price_band):
    limit, *fees = SMALL_TABLE[row]
    assert fba("small_standard", limit, price_band).base == Decimal(fees[price_band])
    if row + 1 < len(SMALL_TABLE):
        next_fees = SMALL_TABLE[row + 1][1:]
        over = fba("small_standard", limit + ONE_GRAM_LB, price_band)
        assert over.base == Decimal(next_fees[price_band])


@pytest.mark.parametrize("price_band", [0, 1, 2])
@pytest.mark.parametrize("row", range(len(LARGE_TABLE)))
def test_large_standard_band_includes_its_limit_and_one_gram_more_is_the_next(row, price_band):
    limit, *fees = LARGE_TABLE[row]
    assert fba("large_standard", limit, price_band).base == Decimal(fees[price_band])
    over = fba("large_standard", limit + ONE_GRAM_LB, price_band)
    if row + 1 < len(LARGE_TABLE):
        assert over.base == Decimal(LARGE_TABLE[row + 1][1:][price_band])
    else:
        assert over.base == Decimal(OVER_BASE[price_band]) + Decimal("0.08")


def test_the_lightest_band_starts_at_zero():
    assert fba("small_standard", Decimal("0.001"), 0).base == Decimal("2.43")
    assert fba("large_standard", Decimal("0.001"), 0).base == Decimal("2.91")


@pytest.mark.parametrize(
    ("weight_lb", "steps"),
    [
        (Decimal("3"), 0),
        (Decimal("3.0000001"), 1),
        (Decimal("3.25"), 1),
        (Decimal("3.2500001"), 2),
        (Decimal("3.5"), 2),
        (Decimal("4.9604"), 8),
        (Decimal("10"), 28),
    ],
)
def test_over_three_pounds_adds_eight_cents_per_started_four_ounces(weight_lb, steps):
    fee = fba("large_standard", weight_lb, 1)
    assert fee.over_steps == steps
    if steps:
        assert fee.base == Decimal("6.97") + Decimal("0.08") * steps
        assert fee.weight_band == "over 3 lb"
    else:
        assert fee.base == Decimal("6.67")
        assert fee.weight_band == "≤ 3 lb"


@pytest.mark.parametrize(
    ("price", "band", "base"),
    [
        ("9.99", "under_10", "2.66"),
        ("10.00", "10_to_50", "3.54"),
        ("50.00", "10_to_50", "3.54"),
        ("50.01", "over_50", "3.80"),
    ],
)
def test_price_band_edges(price, band, base):
    result = run(
        prices=prices(USED=(price, None)),
        weight_lb=lb_from_oz(8),
        dimensions_in=SMALL_DIMS,
    )
    fba_line = result.explanation()["fees"]["lines"]["fba"]
    assert fba_line["price_band"] == band
    assert fba_line["base"] == base
    assert result.fee_lines["fba"] == (Decimal(base) * Decimal("1.035")).quantize(Decimal("0.01"))


def package(weight_lb, lengths):
    return measure_package(snapshot(weight_lb=weight_lb, dimensions_in=lengths), DEFAULTS)


@pytest.mark.parametrize(
    ("lengths", "tier"),
    [
        (dims("15", "12", "0.75"), "small_standard"),
        (dims("15.01", "12", "0.75"), "large_standard"),
        (dims("15", "12.01", "0.75"), "large_standard"),
        (dims("15", "12", "0.76"), "large_standard"),
    ],
)
def test_size_tier_limits_are_inclusive_on_every_dimension(lengths, tier):
    assert package(lb_from_oz(8), lengths).size_tier == tier


def test_size_tier_at_exactly_sixteen_ounces_is_small_and_one_gram_more_is_large():
    assert package(lb_from_oz(16), SMALL_DIMS).size_tier == "small_standard"
    assert package(lb_from_oz(16) + ONE_GRAM_LB, SMALL_DIMS).size_tier == "large_standard"


def test_dimensions_are_read_longest_first_whatever_their_order():
    assert package(lb_from_oz(8), dims("0.5", "12", "15")).size_tier == "small_standard"
    assert package(lb_from_oz(8), dims("0.5", "12", "15")).dimensions_in == dims("15", "12", "0.5")


def test_small_standard_bills_the_unit_weight_even_when_dimensional_weight_is_higher():
    # 15 * 12 * 0.75 / 139 = 0.97 lb, heavier than the 2 oz unit.
    small = package(lb_from_oz(2), dims("15", "12", "0.75"))
    assert small.billable_weight_lb == lb_from_oz(2)


def test_large_standard_bills_dimensional_weight_when_it_is_higher():
    # 12 * 9 * 3 / 139 = 2.3309 lb.
    large = package(lb_from_oz(8), dims("12", "9", "3"))
    assert large.size_tier == "large_standard"
    assert large.billable_weight_lb == Decimal(324) / Decimal(139)
    result = run(
        prices=prices(USED=("20.00", None)), weight_lb=lb_from_oz(8), dimensions_in=dims(12, 9, 3)
    )
    assert result.explanation()["fees"]["lines"]["fba"]["weight_band"] == "≤ 2.5 lb"
    assert result.billable_weight_lb == Decimal("2.3309")


def test_large_standard_bills_the_unit_weight_when_it_is_higher():
    large = package(lb_from_grams(340), LARGE_DIMS)
    assert large.billable_weight_lb == lb_from_grams(340)


def test_missing_weight_and_dimensions_use_the_configured_defaults_and_say_so():
    result = run(weight_lb=None, dimensions_in=None)
    explanation = result.explanation()
    assert explanation["package"]["weight_defaulted"]
    assert explanation["package"]["dimensions_defaulted"]
    assert explanation["package"]["weight_lb"] == "1.0000"
    assert explanation["package"]["dimensions_in"] == ["9.00", "6.00", "1.00"]
    # 9 * 6 * 1 in: shortest 1 in > 0.75 → large; 54/139 = 0.39 lb < 1 lb → band ≤ 16 oz.
    assert result.size_tier == "large_standard"
    assert explanation["fees"]["lines"]["fba"]["weight_band"] == "≤ 16 oz"
    assert result.fee_lines["fba"] == Decimal("4.76")  # 4.60 * 1.035 = 4.761
    assert result.fee_lines["freight"] == Decimal("0.50")
    assert result.fee_lines["storage"] == Decimal("0.15")  # 2 * 54/1728 * 2.40


@pytest.mark.parametrize(
    ("weight_lb", "lengths"),
    [
        (Decimal(0), dims(9, 6, 1)),
        (Decimal(-1), dims(9, 6, 1)),
        (lb_from_oz(8), dims(9, 6, 0)),
        (lb_from_oz(8), (Decimal(9), Decimal(6))),
    ],
)
def test_non_positive_or_incomplete_measures_count_as_missing(weight_lb, lengths):
    measured = package(weight_lb, lengths)
    weight_missing = weight_lb <= 0
    assert measured.weight_defaulted is weight_missing
    assert measured.dimensions_defaulted is not weight_missing


def test_defaults_come_from_the_config():
    config = parse_config(
        {"fees": {"default_weight_lb": "0.5", "default_dimensions_in": [1, 10, "0.5"]}}
    )
    measured = measure_package(snapshot(weight_lb=None, dimensions_in=None), config)
    assert measured.weight_lb == Decimal("0.5")
    assert measured.dimensions_in == dims(10, 1, "0.5")
    assert measured.size_tier == "small_standard"


def test_storage_rate_follows_the_month_of_the_analysis_date():
    from datetime import date

    for month, rate in [(1, "0.78"), (9, "0.78"), (10, "2.40"), (12, "2.40")]:
        explanation = run(as_of=date(2026, month, 15)).explanation()
        assert explanation["fees"]["lines"]["storage"]["rate_per_cubic_foot_month"] == rate
    assert run(as_of=date(2026, 9, 30)).fee_lines["storage"] == Decimal("0.03")
    assert run(as_of=date(2026, 10, 1)).fee_lines["storage"] == Decimal("0.11")


def test_storage_months_multiply_the_line():
    config = parse_config({"fees": {"storage_months": 6}})
    # 6 * 0.021927 ft³ * 2.40 = 0.3157
    assert run(config=config).fee_lines["storage"] == Decimal("0.32")
    assert run(config=parse_config({"fees": {"storage_months": 0}})).fee_lines["storage"] == 0


def test_keepa_first_uses_keepas_pick_and_pack_fee_with_the_fuel_surcharge():
    config = parse_config({"fees": {"fba_fee_source": "keepa_first"}})
    result = run(config=config, fba_pick_pack_fee=Decimal("3.00"))
    # 3.00 * 1.035 = 3.105: half-up, not half-even.
    assert result.fee_lines["fba"] == Decimal("3.11")
    line = result.explanation()["fees"]["lines"]["fba"]
    assert line["source"] == "keepa"
    assert line["base"] == "3.00"
    assert line["weight_band"] is None


@pytest.mark.parametrize("keepa_fee", [None, Decimal(0), Decimal("-0.01")])
def test_keepa_first_falls_back_to_the_rate_card_without_a_positive_keepa_fee(keepa_fee):
    config = parse_config({"fees": {"fba_fee_source": "keepa_first"}})
    result = run(config=config, fba_pick_pack_fee=keepa_fee)
    assert result.fee_lines["fba"] == Decimal("4.35")
    assert result.explanation()["fees"]["lines"]["fba"]["source"] == "rate_card"


def test_rate_card_source_ignores_keepas_fee():
    result = run(fba_pick_pack_fee=Decimal("3.00"))
    assert result.fee_lines["fba"] == Decimal("4.35")


def test_every_line_is_rounded_half_up_before_the_sum():
    # 15 % * 10.30 = 1.545: half-up gives 1.55 where half-even would give 1.54.
    result = run(prices=prices(USED=("10.30", None)))
    assert result.fee_lines["referral"] == Decimal("1.55")
    assert result.fees == sum(result.fee_lines.values())


def test_fee_settings_change_their_lines():
    config = parse_config(
        {
            "fees": {
                "referral_pct": 8,
                "closing_fee": 0,
                "fuel_surcharge_pct": 0,
                "inbound_placement": "0",
                "inbound_freight_per_lb": "1.00",
                "prep_label": "0.55",
                "storage_rate_oct_dec": "0",
            }
        }
    )
    result = run(config=config, as_of=AUTUMN)
    assert result.fee_lines == {
        "referral": Decimal("1.20"),
        "closing": Decimal("0.00"),
        "fba": Decimal("4.20"),
        "placement": Decimal("0.00"),
        "freight": Decimal("0.75"),
        "prep": Decimal("0.55"),
        "storage": Decimal("0.00"),
    }
    assert run(config=config, as_of=SPRING).fee_lines["storage"] == Decimal("0.03")
