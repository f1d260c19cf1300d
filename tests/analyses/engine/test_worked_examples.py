"""DOMAIN.md §11, to the cent, every intermediate line."""

import json
from decimal import Decimal

from tests.analyses.engine.helpers import (
    AUTUMN,
    SPRING,
    inches,
    lb_from_grams,
    prices,
    run,
    snapshot,
)


def example_a():
    return snapshot()


def example_b():
    return snapshot(
        prices=prices(USED=("62.50", "59.80")),
        rank_current=38_000,
        drops90=40,
        count_used=45,
        weight_lb=lb_from_grams(2250),
        dimensions_in=inches(254, 203, 48),
    )


def test_example_a_paperback_in_november():
    result = run(example_a(), cost="2.00", as_of=AUTUMN)

    assert result.expected_sale_price == Decimal("14.99")
    assert (result.price_series, result.price_mode) == ("USED", "conservative")
    assert result.size_tier == "large_standard"
    assert result.billable_weight_lb == Decimal("0.7496")
    assert result.fee_lines == {
        "referral": Decimal("2.25"),
        "closing": Decimal("1.80"),
        "fba": Decimal("4.35"),
        "placement": Decimal("0.30"),
        "freight": Decimal("0.37"),
        "prep": Decimal("0.20"),
        "storage": Decimal("0.11"),
    }
    assert list(result.fee_lines) == [
        "referral",
        "closing",
        "fba",
        "placement",
        "freight",
        "prep",
        "storage",
    ]
    assert result.fees == Decimal("9.38")
    assert result.profit == Decimal("3.61")
    assert result.roi_percent == Decimal("180.50")
    assert result.max_buy_price == Decimal("2.61")
    assert result.est_monthly_sales == Decimal("2.67")
    assert result.velocity_rule == "drops90"
    assert result.velocity_score == Decimal("37.84")
    assert result.rank_snapshot == 120_500
    assert result.offers_count == 17
    assert result.risk_flags == ()
    assert result.risk_level == "LOW"
    assert result.recommendation == "BUY"
    assert result.reasons == ()
    # 0.6 * 100 + 0.4 * 37.84
    assert result.balanced_score == Decimal("75.14")


def test_example_a_explanation_shows_the_inputs_of_every_line():
    explanation = run(example_a(), cost="2.00", as_of=AUTUMN).explanation()

    assert explanation["as_of"] == "2026-11-23"
    assert explanation["rate_card"] == "us-2026-01-15"
    assert explanation["sale_price"] == {
        "value": "14.99",
        "series": "USED",
        "mode": "conservative",
        "taken": "current",
        "current": "14.99",
        "avg90": "16.20",
        "note": None,
        "basis": ["USED", "NEW"],
    }
    package = explanation["package"]
    assert package["weight_lb"] == "0.7496"
    assert package["weight_oz"] == "11.99"
    assert package["dimensions_in"] == ["7.99", "5.24", "0.91"]
    assert package["dimensional_weight_lb"] == "0.2726"
    assert package["size_tier"] == "large_standard"
    assert not package["weight_defaulted"]
    assert not package["dimensions_defaulted"]
    fba = explanation["fees"]["lines"]["fba"]
    assert fba == {
        "amount": "4.35",
        "source": "rate_card",
        "base": "4.20",
        "fuel_surcharge_pct": 3.5,
        "price_band": "10_to_50",
        "size_tier": "large_standard",
        "weight_band": "≤ 12 oz",
        "billable_weight_lb": "0.7496",
        "over_steps": 0,
    }
    storage = explanation["fees"]["lines"]["storage"]
    assert storage["cubic_feet"] == "0.0219"
    assert storage["rate_per_cubic_foot_month"] == "2.40"
    assert storage["months"] == 2
    assert storage["season"] == "oct_dec"
    assert explanation["fees"]["lines"]["freight"]["per_lb"] == "0.50"
    assert explanation["fees"]["total"] == "9.38"
    assert explanation["economics"]["net"] == "5.61"
    assert explanation["economics"]["max_buy_candidates"] == {
        "net_minus_min_profit": "2.61",
        "net_over_one_plus_min_roi": "4.31",
    }
    assert explanation["velocity"]["rule"] == "drops90"
    assert explanation["velocity"]["input"] == 8
    assert explanation["velocity"]["est_monthly_sales"] == "2.67"
    assert explanation["thresholds"]["min_roi_pct"] == 30
    assert explanation["decision"] == {"recommendation": "BUY", "reasons": []}
    assert json.loads(json.dumps(explanation)) == explanation


def test_example_a_in_spring_pays_the_low_storage_rate():
    result = run(example_a(), cost="2.00", as_of=SPRING)

    assert result.fee_lines["storage"] == Decimal("0.03")
    assert result.fees == Decimal("9.30")
    assert result.profit == Decimal("3.69")
    assert result.explanation()["fees"]["lines"]["storage"]["season"] == "jan_sep"


def test_example_b_heavy_textbook():
    result = run(example_b(), cost="25.00", as_of=AUTUMN)

    assert result.expected_sale_price == Decimal("59.80")
    assert result.billable_weight_lb == Decimal("4.9604")
    assert result.size_tier == "large_standard"
    assert result.fee_lines == {
        "referral": Decimal("8.97"),
        "closing": Decimal("1.80"),
        "fba": Decimal("8.15"),
        "placement": Decimal("0.30"),
        "freight": Decimal("2.48"),
        "prep": Decimal("0.20"),
        "storage": Decimal("0.42"),
    }
    assert result.fees == Decimal("22.32")
    assert result.profit == Decimal("12.48")
    assert result.roi_percent == Decimal("49.92")
    assert result.max_buy_price == Decimal("28.83")
    assert result.est_monthly_sales == Decimal("13.33")
    assert result.velocity_score == Decimal("77.54")
    assert result.risk_flags == ("high_competition",)
    assert result.risk_level == "MEDIUM"
    assert result.recommendation == "BUY"
    explanation = result.explanation()
    assert explanation["sale_price"]["taken"] == "avg90"
    assert explanation["fees"]["lines"]["fba"]["base"] == "7.87"
    assert explanation["fees"]["lines"]["fba"]["over_steps"] == 8
    assert explanation["fees"]["lines"]["fba"]["price_band"] == "over_50"
    assert explanation["economics"]["max_buy_candidates"] == {
        "net_minus_min_profit": "34.48",
        "net_over_one_plus_min_roi": "28.83",
    }
