"""Business configuration (DOMAIN.md §9): defaults, partial merge, every error named by field."""

import copy
import json
from decimal import Decimal

import pytest

from analyses.engine import (
    DEFAULT_CONFIG,
    ConfigError,
    EngineConfig,
    ItemInput,
    analyze,
    available_rate_cards,
    parse_config,
    validate_config,
)
from tests.analyses.engine.helpers import AUTUMN, run, snapshot


def errors_of(data) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        validate_config(data)
    return caught.value.errors


def test_empty_config_is_the_defaults():
    assert validate_config({}) == DEFAULT_CONFIG
    assert validate_config({}) is not DEFAULT_CONFIG


def test_defaults_are_json_safe_and_a_fixed_point():
    assert json.loads(json.dumps(DEFAULT_CONFIG)) == DEFAULT_CONFIG
    assert validate_config(copy.deepcopy(DEFAULT_CONFIG)) == DEFAULT_CONFIG


def test_defaults_hold_every_number_of_the_domain():
    fees, thresholds = DEFAULT_CONFIG["fees"], DEFAULT_CONFIG["thresholds"]
    assert (fees["referral_pct"], fees["closing_fee"], fees["fuel_surcharge_pct"]) == (
        15,
        "1.80",
        3.5,
    )
    assert (fees["inbound_placement"], fees["inbound_freight_per_lb"], fees["prep_label"]) == (
        "0.30",
        "0.50",
        "0.20",
    )
    assert (fees["storage_months"], fees["storage_rate_jan_sep"], fees["storage_rate_oct_dec"]) == (
        2,
        "0.78",
        "2.40",
    )
    assert thresholds == {
        "min_roi_pct": 30,
        "min_profit": "3.00",
        "min_velocity": 20,
        "max_rank": 2_000_000,
        "max_offers": 30,
        "price_drop_pct": 30,
    }
    assert DEFAULT_CONFIG["velocity"]["saturation"] == 30


def test_partial_config_merges_into_the_defaults_and_normalises():
    effective = validate_config(
        {
            "thresholds": {"min_profit": 5, "min_roi_pct": "42.5"},
            "fees": {"closing_fee": 2.5, "default_dimensions_in": ["1", 12, 3.5]},
            "condition": "new",
        }
    )
    assert effective["thresholds"]["min_profit"] == "5.00"
    assert effective["thresholds"]["min_roi_pct"] == 42.5
    assert effective["thresholds"]["max_rank"] == 2_000_000
    assert effective["fees"]["closing_fee"] == "2.50"
    assert effective["fees"]["default_dimensions_in"] == ["12", "3.5", "1"]
    assert effective["fees"]["referral_pct"] == 15
    assert effective["condition"] == "new"
    assert effective["price"] == DEFAULT_CONFIG["price"]
    assert json.loads(json.dumps(effective)) == effective


def test_lists_replace_rather_than_merge():
    effective = validate_config({"velocity": {"rank_table": [[100, 1]]}})
    assert effective["velocity"]["rank_table"] == [[100, 1]]


def test_money_keeps_sub_cent_precision_up_to_four_places():
    effective = validate_config({"fees": {"inbound_freight_per_lb": "0.4567"}})
    assert effective["fees"]["inbound_freight_per_lb"] == "0.4567"
    assert errors_of({"fees": {"prep_label": "0.12345"}}) == {
        "fees.prep_label": "must have at most 4 decimal places"
    }


def test_unknown_keys_are_rejected_at_every_level():
    assert errors_of({"fees": {"referal_pct": 15}, "colour": "red"}) == {
        "fees.referal_pct": "unknown setting",
        "colour": "unknown setting",
    }


def test_every_error_is_collected():
    errors = errors_of(
        {
            "condition": "mint",
            "price": {"mode": "optimistic", "basis_used": ["USED", "EBAY"], "basis_new": []},
            "fees": {
                "referral_pct": 1001,
                "closing_fee": "-1",
                "fba_fee_source": "guess",
                "rate_card": "us-1999-01-01",
                "fuel_surcharge_pct": "lots",
                "inbound_placement": None,
                "storage_months": 1.5,
                "default_weight_lb": 0,
                "default_dimensions_in": [9, 6],
            },
            "thresholds": {
                "min_roi_pct": -1,
                "min_velocity": 101,
                "max_rank": 0,
                "max_offers": True,
                "price_drop_pct": [30],
            },
            "velocity": {"saturation": 0, "rank_table": [[100, 5], [50, 6], [200, -1], "x"]},
        }
    )
    assert errors == {
        "condition": "must be one of: used, new",
        "price.mode": "must be one of: conservative, current, avg90",
        "price.basis_used": "item 2 is not one of AMAZON, NEW, USED, NEW_FBA",
        "price.basis_new": "must be a non-empty list of price series (AMAZON, NEW, USED, NEW_FBA)",
        "fees.referral_pct": "must be between 0 and 1000",
        "fees.closing_fee": "must be 0 or more",
        "fees.fba_fee_source": "must be one of: rate_card, keepa_first",
        "fees.rate_card": "must be one of the rate cards: us-2026-01-15",
        "fees.fuel_surcharge_pct": "must be a number",
        "fees.inbound_placement": "must be an amount (a number or a numeric string)",
        "fees.storage_months": "must be a whole number",
        "fees.default_weight_lb": "must be greater than 0 and at most 1000",
        "fees.default_dimensions_in": "must be a list of three lengths in inches",
        "thresholds.min_roi_pct": "must be between 0 and 1000",
        "thresholds.min_velocity": "must be between 0 and 100",
        "thresholds.max_rank": "must be between 1 and 1000000000",
        "thresholds.max_offers": "must be a whole number",
        "thresholds.price_drop_pct": "must be a number",
        "velocity.saturation": "must be greater than 0 and at most 100000",
        "velocity.rank_table": (
            "row 2: ranks must increase from row to row; "
            "row 3: sales must be between 0 and 100000; "
            "row 4 must be [rank, sales per month]"
        ),
    }


def test_str_lists_each_error_with_its_field():
    with pytest.raises(ConfigError) as caught:
        validate_config({"thresholds": {"min_roi_pct": 5000, "max_offers": -1}})
    assert str(caught.value) == (
        "thresholds.min_roi_pct: must be between 0 and 1000; "
        "thresholds.max_offers: must be between 0 and 1000000"
    )
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (None, "__all__"),
        ([], "__all__"),
        ("fees", "__all__"),
        (42, "__all__"),
        ({"fees": None}, "fees"),
        ({"fees": ["referral_pct"]}, "fees"),
        ({"price": "conservative"}, "price"),
        ({"condition": {"used": True}}, "condition"),
        ({"fees": {"rate_card": ["us-2026-01-15"]}}, "fees.rate_card"),
        ({"fees": {"default_dimensions_in": [[1], {}, None]}}, "fees.default_dimensions_in"),
        ({"velocity": {"rank_table": [[{"a": 1}, [2]]]}}, "velocity.rank_table"),
        ({"velocity": {"rank_table": {"50000": 30}}}, "velocity.rank_table"),
        ({"thresholds": {"min_profit": "NaN"}}, "thresholds.min_profit"),
        ({"thresholds": {"min_profit": float("inf")}}, "thresholds.min_profit"),
        ({"thresholds": {"min_profit": "1e999999999"}}, "thresholds.min_profit"),
        ({"thresholds": {"min_roi_pct": "  "}}, "thresholds.min_roi_pct"),
        ({1: 2}, "1"),
        ({"fees": {None: 1}}, "fees.None"),
    ],
)
def test_garbage_gives_a_config_error_naming_the_field(data, path):
    assert path in errors_of(data)


def test_numbers_may_be_given_as_numeric_strings_and_integral_floats():
    effective = validate_config(
        {
            "thresholds": {"max_rank": "1500000", "max_offers": 25.0, "min_velocity": "12.5"},
            "fees": {"storage_months": "3", "fuel_surcharge_pct": "0"},
        }
    )
    assert effective["thresholds"]["max_rank"] == 1_500_000
    assert effective["thresholds"]["max_offers"] == 25
    assert effective["thresholds"]["min_velocity"] == 12.5
    assert effective["fees"]["storage_months"] == 3
    assert effective["fees"]["fuel_surcharge_pct"] == 0


def test_booleans_are_not_numbers():
    assert errors_of({"thresholds": {"min_roi_pct": True}}) == {
        "thresholds.min_roi_pct": "must be a number"
    }


def test_series_may_not_repeat():
    assert errors_of({"price": {"basis_used": ["USED", "USED"]}}) == {
        "price.basis_used": "a series is listed twice"
    }


def test_rate_card_must_exist():
    assert available_rate_cards() == ("us-2026-01-15",)
    assert validate_config({"fees": {"rate_card": "us-2026-01-15"}})["fees"]["rate_card"] == (
        "us-2026-01-15"
    )


def test_parse_config_builds_the_engine_view_once():
    config = parse_config({"fees": {"fuel_surcharge_pct": 5}, "thresholds": {"min_roi_pct": 50}})
    assert isinstance(config, EngineConfig)
    assert config.fuel_factor == Decimal("1.05")
    assert config.min_roi_factor == Decimal("1.5")
    assert config.referral_rate == Decimal("0.15")
    assert config.rate_card.id == "us-2026-01-15"
    assert config.effective["fees"]["fuel_surcharge_pct"] == 5
    assert parse_config().effective == DEFAULT_CONFIG
    with pytest.raises(ConfigError):
        parse_config({"fees": {"bogus": 1}})


def test_analyze_accepts_the_effective_dict_a_partial_dict_or_the_parsed_config():
    parsed = run()
    from_effective = analyze(snapshot(), _item(), validate_config({}), AUTUMN)
    from_partial = analyze(snapshot(), _item(), {}, AUTUMN)
    assert parsed == from_effective == from_partial
    assert parsed.explanation() == from_partial.explanation()
    with pytest.raises(ConfigError):
        analyze(snapshot(), _item(), {"fees": {"bogus": 1}}, AUTUMN)


def _item():
    return ItemInput(Decimal("2.00"))


def test_a_config_dict_passed_to_analyze_is_parsed_once():
    data = {"thresholds": {"min_roi_pct": 44}}
    first = analyze(snapshot(), _item(), data, AUTUMN)
    second = analyze(snapshot(), _item(), {"thresholds": {"min_roi_pct": 44}}, AUTUMN)
    assert first.trace.config is second.trace.config
    assert first.trace.config.min_roi_pct == 44
    other = analyze(snapshot(), _item(), {"thresholds": {"min_roi_pct": 45}}, AUTUMN)
    assert other.trace.config.min_roi_pct == 45
    # Not JSON (a Decimal): still accepted, validated every time.
    assert analyze(snapshot(), _item(), {"fees": {"closing_fee": Decimal("2")}}, AUTUMN).fee_lines[
        "closing"
    ] == Decimal("2.00")


def _as_text(value):
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    return str(value)


def test_a_form_posting_every_default_as_text_gets_the_defaults_back():
    assert validate_config(_as_text(DEFAULT_CONFIG)) == DEFAULT_CONFIG
