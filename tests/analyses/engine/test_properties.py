"""Properties of the engine over generated snapshots (hypothesis, derandomised for CI)."""

import json
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analyses.engine import ConfigError, ItemInput, analyze, parse_config, validate_config
from analyses.engine.decision import HARD_CHECKS, SOFT_CHECKS
from analyses.engine.snapshot import MarketSnapshot, SeriesPrice
from tests.analyses.engine.helpers import GRAMS_PER_POUND, inches

ENGINE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)
CENT = Decimal("0.01")
CONFIGS = [
    parse_config(),
    parse_config({"fees": {"fba_fee_source": "keepa_first"}, "price": {"mode": "avg90"}}),
    parse_config({"price": {"mode": "current"}, "thresholds": {"min_roi_pct": 0}}),
    parse_config({"thresholds": {"min_roi_pct": 12.3456, "min_profit": "3.0001"}}),
    parse_config({"thresholds": {"min_roi_pct": 1000, "min_profit": 0}}),
    parse_config({"fees": {"fuel_surcharge_pct": 0, "storage_months": 7, "referral_pct": 8.25}}),
]


def _fields(snapshot):
    return {name: getattr(snapshot, name) for name in snapshot.__dataclass_fields__}


cents = st.integers(min_value=1, max_value=40_000).map(lambda c: Decimal(c) / 100)
optional_cents = st.none() | cents
series_price = st.builds(SeriesPrice, optional_cents, optional_cents)
price_map = st.dictionaries(st.sampled_from(["AMAZON", "NEW", "USED", "NEW_FBA"]), series_price)
drops = st.none() | st.just(-1) | st.integers(min_value=0, max_value=3_000)
ranks = st.none() | st.integers(min_value=1, max_value=8_000_000)
counts = st.none() | st.integers(min_value=0, max_value=120)
weights = st.none() | st.integers(min_value=1, max_value=25_000).map(
    lambda grams: Decimal(grams) / GRAMS_PER_POUND
)
dimensions = st.none() | st.tuples(*[st.integers(min_value=1, max_value=700)] * 3).map(
    lambda mm: inches(*mm)
)
snapshots = st.builds(
    MarketSnapshot,
    asin=st.just("0000000000"),
    prices=price_map,
    rank_current=ranks,
    rank_avg90=ranks,
    drops30=drops,
    drops90=drops,
    count_new=counts,
    count_used=counts,
    amazon_on_listing=st.booleans(),
    weight_lb=weights,
    dimensions_in=dimensions,
    fba_pick_pack_fee=optional_cents,
)
sale_cents = st.integers(500, 40_000).map(lambda c: Decimal(c) / 100)
priced = st.builds(SeriesPrice, sale_cents, st.none() | sale_cents)
priced_snapshots = st.builds(
    lambda snapshot, used, new_fba: MarketSnapshot(
        **{**_fields(snapshot), "prices": {**snapshot.prices, "USED": used, "NEW_FBA": new_fba}}
    ),
    snapshots,
    priced,
    priced,
)
costs = st.integers(min_value=0, max_value=30_000).map(lambda c: Decimal(c) / 100)
conditions = st.sampled_from([None, "used", "new"])
configs = st.sampled_from(CONFIGS)
dates = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))


def run(snapshot, cost, condition, config, as_of):
    return analyze(snapshot, ItemInput(cost, condition), config, as_of)


def failed_hard_money_checks(result):
    return {r.code for r in result.reasons} & {"profit_below_min", "roi_below_min"}


@ENGINE
@given(snapshots, costs, conditions, configs, dates)
def test_profit_is_price_minus_fees_minus_cost(snapshot, cost, condition, config, as_of):
    result = run(snapshot, cost, condition, config, as_of)
    if result.expected_sale_price is None:
        assert result.profit is None and result.fees is None and result.balanced_score is None
        return
    assert result.fees == sum(result.fee_lines.values())
    assert all(line.as_tuple().exponent == -2 for line in result.fee_lines.values())
    assert result.profit == result.expected_sale_price - result.fees - cost
    assert Decimal("-9999.99") <= result.roi_percent <= Decimal("9999.99")
    assert result.max_buy_price >= 0


@ENGINE
@given(priced_snapshots, conditions, configs, dates)
def test_buying_at_the_max_buy_price_meets_both_thresholds_and_a_cent_more_does_not(
    snapshot, condition, config, as_of
):
    probe = run(snapshot, Decimal(0), condition, config, as_of)
    assume(probe.max_buy_price is not None and probe.max_buy_price > 0)
    at_max = run(snapshot, probe.max_buy_price, condition, config, as_of)
    assert not failed_hard_money_checks(at_max)
    over = run(snapshot, probe.max_buy_price + CENT, condition, config, as_of)
    assert failed_hard_money_checks(over)


@ENGINE
@given(snapshots, st.integers(min_value=0, max_value=3_000), st.integers(1, 500), configs)
def test_velocity_never_decreases_when_drops90_increases(snapshot, drops90, more, config):
    fewer = run(MarketSnapshot(**{**_fields(snapshot), "drops90": drops90}), 0, None, config, _D)
    faster = run(
        MarketSnapshot(**{**_fields(snapshot), "drops90": drops90 + more}), 0, None, config, _D
    )
    assert faster.velocity_score >= fewer.velocity_score
    assert 0 <= fewer.velocity_score <= 100


@ENGINE
@given(priced_snapshots, costs, st.integers(min_value=1, max_value=10_000), conditions, configs)
def test_roi_never_rises_when_cost_rises(snapshot, cost, more_cents, condition, config):
    cheaper = run(snapshot, cost, condition, config, _D)
    assume(cheaper.expected_sale_price is not None)
    # With a negative net, -|net|/cost climbs towards -100 % as cost grows: no monotony there.
    assume(cheaper.expected_sale_price >= cheaper.fees)
    dearer = run(snapshot, cost + Decimal(more_cents) / 100, condition, config, _D)
    assert dearer.roi_percent <= cheaper.roi_percent


@ENGINE
@given(snapshots, costs, conditions, configs, dates)
def test_results_are_deterministic_and_explainable(snapshot, cost, condition, config, as_of):
    first = run(snapshot, cost, condition, config, as_of)
    again = run(snapshot, cost, condition, parse_config(config.effective), as_of)
    assert first == again
    explanation = first.explanation()
    assert explanation == again.explanation()
    assert json.loads(json.dumps(explanation)) == explanation
    # The result is consistent with its own reasons and flags.
    reason_codes = [reason.code for reason in first.reasons]
    hard = [code for code in reason_codes if code in HARD_CHECKS]
    soft = [code for code in reason_codes if code in SOFT_CHECKS]
    assert reason_codes == hard + soft
    expected = "SKIP" if hard else "REVIEW" if soft else "BUY"
    assert first.recommendation == expected
    levels = {0: "LOW", 1: "MEDIUM"}
    assert first.risk_level == levels.get(len(first.risk_flags), "HIGH")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["USED", "new", "1.5", "-3", "us-2026-01-15", "avg90", "NaN"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
keys = {
    "condition": None,
    "price": ["basis_used", "basis_new", "mode"],
    "fees": ["referral_pct", "closing_fee", "storage_months", "default_dimensions_in"],
    "thresholds": ["min_roi_pct", "min_profit", "max_rank", "min_velocity"],
    "velocity": ["saturation", "rank_table"],
}
near_valid = st.dictionaries(
    st.sampled_from([*keys, "bogus"]),
    json_values
    | st.dictionaries(
        st.sampled_from([name for names in keys.values() if names for name in names]),
        json_values,
    ),
)


@ENGINE
@given(json_values | near_valid)
def test_any_json_gives_an_effective_config_or_a_config_error(data):
    try:
        effective = validate_config(data)
    except ConfigError as exc:
        assert exc.errors
        assert all(isinstance(message, str) and message for message in exc.errors.values())
        return
    assert validate_config(effective) == effective
    assert json.loads(json.dumps(effective)) == effective
    parse_config(effective)


_D = date(2026, 11, 23)


def _amount(low, high, places=4):
    scale = 10**places
    number = st.integers(low * scale, high * scale).map(lambda n: Decimal(n) / scale)
    return number.map(str) | number.map(lambda d: float(d) if d % 1 else int(d))


def _optional(**fields):
    return st.fixed_dictionaries({}, optional=fields)


valid_partials = _optional(
    condition=st.sampled_from(["used", "new"]),
    price=_optional(
        mode=st.sampled_from(["conservative", "current", "avg90"]),
        basis_used=st.lists(
            st.sampled_from(["AMAZON", "NEW", "USED", "NEW_FBA"]),
            min_size=1,
            max_size=4,
            unique=True,
        ),
    ),
    fees=_optional(
        referral_pct=_amount(0, 1000),
        closing_fee=_amount(0, 100),
        fuel_surcharge_pct=_amount(0, 50),
        fba_fee_source=st.sampled_from(["rate_card", "keepa_first"]),
        storage_months=st.integers(0, 60),
        default_weight_lb=_amount(1, 50),
        default_dimensions_in=st.lists(_amount(1, 40, 2), min_size=3, max_size=3),
    ),
    thresholds=_optional(
        min_roi_pct=_amount(0, 1000),
        min_profit=_amount(0, 1000),
        min_velocity=_amount(0, 100, 2),
        max_rank=st.integers(1, 10**9),
        max_offers=st.integers(0, 10**6),
        price_drop_pct=_amount(0, 100),
    ),
    velocity=_optional(
        saturation=_amount(1, 1000),
        rank_table=st.lists(st.integers(1, 10**8), min_size=1, max_size=6, unique=True).flatmap(
            lambda ranks: st.tuples(*[_amount(0, 100, 2) for _ in ranks]).map(
                lambda sales: [[rank, s] for rank, s in zip(sorted(ranks), sales, strict=True)]
            )
        ),
    ),
)


@ENGINE
@given(valid_partials, priced_snapshots, costs, dates)
def test_valid_partial_configs_are_accepted_normalised_once_and_usable(data, snapshot, cost, as_of):
    effective = validate_config(data)
    assert validate_config(effective) == effective
    assert json.loads(json.dumps(effective)) == effective
    result = analyze(snapshot, ItemInput(cost), effective, as_of)
    assert result.recommendation in ("BUY", "REVIEW", "SKIP")
    assert json.dumps(result.explanation())
