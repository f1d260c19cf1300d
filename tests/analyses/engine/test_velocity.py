"""Velocity (DOMAIN.md §6): drops90 → drops30 → rank table → unknown, and the log score."""

from decimal import Decimal

import pytest

from analyses.engine import parse_config
from tests.analyses.engine.helpers import DEFAULTS, run

RANK_ROWS = [
    (50_000, "30"),
    (125_000, "22"),
    (250_000, "15"),
    (500_000, "10"),
    (900_000, "6"),
    (1_400_000, "3"),
    (2_100_000, "1.5"),
    (3_000_000, "0.7"),
    (6_000_000, "0.25"),
]


def velocity(**snapshot):
    values = {"drops90": None, "drops30": None, "rank_current": None, "rank_avg90": None}
    values.update(snapshot)
    return run(**values)


def test_drops90_divided_by_three():
    result = velocity(drops90=8, drops30=50, rank_avg90=1_000)
    assert result.velocity_rule == "drops90"
    assert result.est_monthly_sales == Decimal("2.67")
    assert result.velocity_score == Decimal("37.84")  # from the exact 8/3, not 2.67


def test_zero_drops90_is_a_real_zero():
    result = velocity(drops90=0, drops30=50)
    assert (result.velocity_rule, result.est_monthly_sales) == ("drops90", Decimal("0.00"))
    assert result.velocity_score == Decimal("0.00")
    assert "slow_seller" in result.risk_flags


def test_drops30_when_drops90_is_unknown():
    result = velocity(drops30=5, rank_avg90=1_000)
    assert (result.velocity_rule, result.est_monthly_sales) == ("drops30", Decimal("5.00"))
    # 100 * ln 6 / ln 31 = 52.177
    assert result.velocity_score == Decimal("52.18")


def test_negative_drops_mean_unknown():
    assert velocity(drops90=-1, drops30=-1, rank_avg90=40_000).velocity_rule == "rank_table"


@pytest.mark.parametrize("row", range(len(RANK_ROWS)))
def test_rank_table_row_includes_its_limit_and_one_rank_more_is_the_next_row(row):
    limit, sales = RANK_ROWS[row]
    at_limit = velocity(rank_avg90=limit)
    assert at_limit.velocity_rule == "rank_table"
    assert at_limit.est_monthly_sales == Decimal(sales).quantize(Decimal("0.01"))
    beyond = velocity(rank_avg90=limit + 1)
    next_sales = RANK_ROWS[row + 1][1] if row + 1 < len(RANK_ROWS) else "0"
    assert beyond.est_monthly_sales == Decimal(next_sales).quantize(Decimal("0.01"))


def test_rank_table_prefers_the_average_rank_then_the_current_one():
    both = velocity(rank_avg90=40_000, rank_current=5_000_000)
    assert both.est_monthly_sales == Decimal("30.00")
    assert both.explanation()["velocity"]["rank_source"] == "avg90"
    current_only = velocity(rank_current=5_000_000)
    assert current_only.est_monthly_sales == Decimal("0.25")
    assert current_only.explanation()["velocity"]["rank_source"] == "current"


def test_rank_one_is_the_fastest_row():
    assert velocity(rank_avg90=1).est_monthly_sales == Decimal("30.00")


def test_unknown_without_drops_or_rank():
    result = velocity()
    assert result.velocity_rule == "unknown"
    assert result.est_monthly_sales is None
    assert result.velocity_score == Decimal("0.00")
    assert result.explanation()["velocity"]["input"] is None
    assert "no_sales_data" in result.risk_flags
    assert "slow_seller" not in result.risk_flags


@pytest.mark.parametrize(
    ("drops90", "score"),
    [(3, "20.18"), (40, "77.54"), (89, "99.69"), (90, "100.00"), (900, "100.00")],
)
def test_score_is_logarithmic_and_saturates_at_thirty_a_month(drops90, score):
    assert velocity(drops90=drops90).velocity_score == Decimal(score)


def test_saturation_is_a_setting():
    config = parse_config({"velocity": {"saturation": 10}})
    assert run(config=config, drops90=30).velocity_score == Decimal("100.00")
    assert run(config=config, drops90=15).velocity_score < Decimal("100.00")


def test_rank_table_is_a_setting():
    config = parse_config({"velocity": {"rank_table": [[10, 5]]}})
    kwargs = {"drops90": None, "drops30": None, "rank_current": None}
    assert run(config=config, rank_avg90=10, **kwargs).est_monthly_sales == Decimal("5.00")
    assert run(config=config, rank_avg90=11, **kwargs).est_monthly_sales == Decimal("0.00")


def test_scores_are_memoised_per_config_without_changing_them():
    first = velocity(drops90=41).velocity_score
    assert DEFAULTS.velocity_scores[Decimal(41) / 3] == first
    assert velocity(drops90=41).velocity_score == first
