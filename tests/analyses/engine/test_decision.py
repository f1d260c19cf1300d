"""Profit, ROI, maximum buy price, risk flags, decision and reasons (DOMAIN.md §5, §7, §8, §10)."""

from decimal import Decimal

import pytest

from analyses.engine import ItemInput, Reason, parse_config
from tests.analyses.engine.helpers import codes, prices, run

CENT = Decimal("0.01")


def test_cost_zero_gives_the_roi_ceiling():
    result = run(cost="0")
    assert result.roi_percent == Decimal("9999.99")
    assert result.profit == Decimal("5.61")
    assert result.max_buy_price == Decimal("2.61")
    assert result.balanced_score == Decimal("75.14")  # ROI capped at 100 in the blend


def test_roi_is_clamped_to_the_column_range():
    assert run(cost="0.01").roi_percent == Decimal("9999.99")
    result = run(cost="0.01", prices=prices(USED=("2.00", None)))
    assert result.roi_percent == Decimal("-9999.99")


def test_fees_above_the_price_give_negative_profit_and_no_buy_price():
    result = run(cost="1.00", prices=prices(USED=("3.00", None)))
    assert result.fees > result.expected_sale_price
    assert result.profit == Decimal("3.00") - result.fees - Decimal("1.00")
    assert result.profit < 0
    assert result.max_buy_price == Decimal("0.00")
    assert result.recommendation == "SKIP"
    assert codes(result)[:2] == ["profit_below_min", "roi_below_min"]
    assert result.balanced_score == (Decimal("0.4") * result.velocity_score).quantize(CENT)


def test_max_buy_price_is_never_below_zero_when_net_is_below_the_minimum_profit():
    # net = 11.70 - 8.89 = 2.81 < 3.00 minimum profit
    result = run(prices=prices(USED=("11.70", None)))
    assert result.explanation()["economics"]["net"] == "2.81"
    assert result.explanation()["economics"]["max_buy_candidates"]["net_minus_min_profit"] == (
        "-0.19"
    )
    assert result.max_buy_price == Decimal("0.00")


def test_max_buy_price_is_rounded_down():
    # net 5.61 → 5.61 / 1.3 = 4.3153…; with min profit 0 the ROI bound decides: 4.31, not 4.32.
    config = parse_config({"thresholds": {"min_profit": 0}})
    assert run(config=config).max_buy_price == Decimal("4.31")


def test_buying_at_the_max_buy_price_passes_and_a_cent_more_fails():
    result = run(cost="2.61")
    assert result.profit == Decimal("3.00")
    assert result.recommendation == "BUY"
    more = run(cost="2.62")
    assert codes(more) == ["profit_below_min"]
    assert more.reasons[0].message == "Profit $2.99 is below your minimum of $3.00"


def test_roi_below_minimum_with_its_sentence():
    result = run(cost="4.80", prices=prices(USED=("20.00", None)))
    # P 20.00, fees 3.00+1.80+4.35+0.30+0.37+0.20+0.11 = 10.13, profit 5.07, ROI 105.63 %
    assert result.recommendation == "BUY"
    expensive = run(cost="8.00", prices=prices(USED=("20.00", None)))
    assert expensive.profit == Decimal("1.87")
    assert expensive.roi_percent == Decimal("23.38")
    assert expensive.reasons == (
        Reason("profit_below_min", "Profit $1.87 is below your minimum of $3.00"),
        Reason("roi_below_min", "ROI 23.38% is below your minimum of 30%"),
    )


def test_roi_check_uses_the_exact_ratio_and_never_reads_as_a_contradiction():
    # Find a price where buying one cent above the ROI-bound maximum rounds ROI up to 30.00 %.
    config = parse_config({"thresholds": {"min_profit": 0}})
    for cents in range(15_000, 40_000):
        price = Decimal(cents) / 100
        result = run(config=config, prices=prices(USED=(str(price), None)))
        over = run(
            cost=str(result.max_buy_price + CENT), config=config, prices=result_prices(price)
        )
        if over.roi_percent == Decimal("30.00"):
            break
    else:
        pytest.fail("no price found where the rounded ROI lands on the minimum")
    assert codes(over) == ["roi_below_min"]
    message = over.reasons[0].message
    shown = Decimal(message.split()[1].rstrip("%"))
    assert shown < 30
    assert message.endswith("is below your minimum of 30%")
    at_max = run(cost=str(result.max_buy_price), config=config, prices=result_prices(price))
    assert "roi_below_min" not in codes(at_max)


def result_prices(price):
    return prices(USED=(str(price), None))


def test_amazon_on_the_listing_of_a_new_book_is_a_skip():
    result = run(condition="new", prices=prices(NEW=("40.00", None)), amazon_on_listing=True)
    assert result.recommendation == "SKIP"
    assert Reason("amazon_on_listing_new", "Amazon sells this book new") in result.reasons
    assert "amazon_on_listing" in result.risk_flags


def test_amazons_price_alone_marks_amazon_on_the_listing():
    result = run(condition="new", prices=prices(NEW=("40.00", None), AMAZON=("41.00", None)))
    assert "amazon_on_listing_new" in codes(result)


def test_amazon_on_a_used_listing_is_only_a_risk_flag():
    result = run(amazon_on_listing=True)
    assert result.risk_flags == ("amazon_on_listing",)
    assert result.risk_level == "MEDIUM"
    assert result.recommendation == "BUY"


def test_offers_count_follows_the_condition():
    assert run(count_used=17, count_new=99).offers_count == 17
    new = run(condition="new", prices=prices(NEW=("40.00", None)), count_used=17, count_new=31)
    assert new.offers_count == 31
    assert new.risk_flags == ("high_competition",)


def test_high_competition_is_strictly_more_than_the_maximum():
    assert run(count_used=30).risk_flags == ()
    assert run(count_used=31).risk_flags == ("high_competition",)
    assert run(count_used=None).offers_count is None


def test_price_falling_compares_current_with_seventy_percent_of_the_average():
    # 70 % of 20.00 is 14.00: equal is not falling, a cent below is.
    assert run(prices=prices(USED=("14.00", "20.00"))).risk_flags == ()
    falling = run(prices=prices(USED=("13.99", "20.00")))
    assert falling.risk_flags == ("price_falling",)
    assert falling.explanation()["risk"]["price_falling_below"] == "14"
    assert run(prices=prices(USED=("13.99", None))).risk_flags == ()


def test_price_falling_reads_the_chosen_series():
    snap_prices = prices(USED=(None, "40.00"), NEW=("20.00", "21.00"))
    assert "price_falling" not in run(prices=snap_prices).risk_flags


def test_slow_seller_is_strictly_fewer_than_one_sale_a_month():
    assert "slow_seller" not in run(drops90=3).risk_flags
    assert "slow_seller" in run(drops90=2).risk_flags


def test_risk_levels_and_the_high_risk_reason():
    result = run(amazon_on_listing=True, drops90=2)
    assert result.risk_flags == ("amazon_on_listing", "slow_seller")
    assert result.risk_level == "HIGH"
    assert result.recommendation == "REVIEW"
    assert result.reasons[-1] == Reason(
        "risk_high", "Risk is HIGH: Amazon on the listing, slow seller"
    )


def test_every_flag_in_contract_order():
    result = run(
        amazon_on_listing=True,
        count_used=45,
        prices=prices(USED=("10.00", "20.00")),
        drops90=None,
        drops30=None,
        rank_current=None,
    )
    assert result.risk_flags == (
        "amazon_on_listing",
        "high_competition",
        "price_falling",
        "no_sales_data",
    )
    assert result.reasons[-1].message == (
        "Risk is HIGH: Amazon on the listing, high competition (45 offers), price falling, "
        "no sales data"
    )


def test_velocity_below_minimum_is_a_review():
    result = run(drops90=2)  # m 0.67 → 14.88
    assert result.velocity_score == Decimal("14.88")
    assert result.recommendation == "REVIEW"
    assert result.reasons == (
        Reason("velocity_below_min", "Velocity 14.88 is below your minimum of 20"),
    )


def test_velocity_minimum_compares_the_shown_score():
    config = parse_config({"thresholds": {"min_velocity": "37.84"}})
    assert run(config=config).recommendation == "BUY"
    config = parse_config({"thresholds": {"min_velocity": 37.85}})
    assert run(config=config).reasons[0].message == (
        "Velocity 37.84 is below your minimum of 37.85"
    )


def test_rank_unknown_and_rank_above_maximum():
    unknown = run(rank_current=None)
    assert unknown.reasons == (Reason("rank_unknown", "No sales rank: demand is unknown"),)
    assert unknown.recommendation == "REVIEW"
    above = run(rank_current=2_500_000)
    assert above.reasons == (
        Reason("rank_above_max", "Sales rank 2,500,000 is above your maximum of 2,000,000"),
    )
    assert run(rank_current=2_000_000).recommendation == "BUY"


def test_the_average_rank_stands_in_for_a_missing_current_rank():
    result = run(rank_current=None, rank_avg90=2_500_000)
    assert codes(result) == ["rank_above_max"]
    assert result.rank_snapshot is None
    assert result.explanation()["rank"] == {"value": 2_500_000, "source": "avg90"}


def test_hard_reasons_come_first_then_soft_in_contract_order():
    result = run(
        cost="9.00",
        condition="new",
        prices=prices(NEW=("15.00", None)),
        amazon_on_listing=True,
        drops90=1,
        rank_current=3_000_000,
    )
    assert codes(result) == [
        "profit_below_min",
        "roi_below_min",
        "amazon_on_listing_new",
        "velocity_below_min",
        "rank_above_max",
        "risk_high",
    ]
    assert result.recommendation == "SKIP"


def test_no_price_still_reports_the_other_failed_checks():
    result = run(prices={}, rank_current=None, drops90=None, drops30=None)
    assert codes(result) == ["no_price", "velocity_below_min", "rank_unknown"]
    assert result.recommendation == "SKIP"


def test_thresholds_are_settings():
    config = parse_config({"thresholds": {"min_roi_pct": 200, "min_profit": "4", "max_rank": 1}})
    result = run(config=config)
    assert codes(result) == ["profit_below_min", "roi_below_min", "rank_above_max"]
    assert result.reasons[0].message == "Profit $3.61 is below your minimum of $4.00"
    assert result.reasons[1].message == "ROI 180.50% is below your minimum of 200%"
    assert result.max_buy_price == Decimal("1.61")


def test_fractional_thresholds_are_shown_as_typed():
    config = parse_config({"thresholds": {"min_roi_pct": 190.5, "min_profit": "3.625"}})
    result = run(config=config)
    assert [reason.message for reason in result.reasons] == [
        "Profit $3.61 is below your minimum of $3.625",
        "ROI 180.50% is below your minimum of 190.5%",
    ]


def test_balanced_score_blends_capped_roi_and_velocity():
    result = run(cost="8.00", prices=prices(USED=("20.00", None)))
    # 0.6 * 23.38 + 0.4 * 37.84 = 14.028 + 15.136 = 29.164
    assert result.balanced_score == Decimal("29.16")


def test_reasons_serialise_for_the_analysis_row():
    result = run(rank_current=None)
    assert result.reason_dicts() == [
        {"code": "rank_unknown", "message": "No sales rank: demand is unknown"}
    ]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"cost": 2.0}, TypeError),
        ({"cost": Decimal("-0.01")}, ValueError),
        ({"cost": Decimal("1.005")}, ValueError),
        ({"cost": Decimal("NaN")}, ValueError),
        ({"cost": Decimal("1e-999999999")}, ValueError),
        ({"cost": Decimal("1e40")}, ValueError),
        ({"cost": "abc"}, ValueError),
        ({"cost": Decimal(1), "condition": "mint"}, ValueError),
        ({"cost": Decimal(1), "quantity": 0}, ValueError),
        ({"cost": Decimal(1), "quantity": True}, TypeError),
    ],
)
def test_item_input_rejects_bad_values(kwargs, error):
    with pytest.raises(error):
        ItemInput(**kwargs)


def test_item_input_accepts_whole_cents_as_text_or_integers():
    assert ItemInput("2.50").cost == Decimal("2.50")
    assert ItemInput(3).cost == Decimal(3)
    assert ItemInput(Decimal("2.500")).cost == Decimal("2.500")
    assert ItemInput(Decimal(1), "").condition is None  # a blank cell: the config decides
