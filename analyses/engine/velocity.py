"""Velocity (DOMAIN.md §6): estimated sales per month and a 0-100 score on a log scale."""

from bisect import bisect_left
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from analyses.engine.config import EngineConfig
from analyses.engine.snapshot import MarketSnapshot

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_ONE = Decimal(1)
_THREE = Decimal(3)
_HUNDRED = Decimal(100)
_FULL_SCORE = Decimal("100.00")
_NO_SCORE = Decimal("0.00")
_SCORE_CACHE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Velocity:
    """m (exact and rounded), the rule that gave it and its input, and the score."""

    rule: str  # "drops90", "drops30", "rank_table" or "unknown"
    input: int | None  # the drops count or the rank the rule read
    rank_source: str | None  # "avg90" or "current" for the rank table
    monthly_sales: Decimal | None  # exact m
    est_monthly_sales: Decimal | None  # m, half-up to 2 dp
    score: Decimal


def estimate_velocity(snapshot: MarketSnapshot, config: EngineConfig) -> Velocity:
    """m from drops90 ÷ 3, else drops30, else the rank table, else unknown (score 0)."""
    drops90 = snapshot.drops90
    if drops90 is not None and drops90 >= 0:
        return _velocity(config, "drops90", drops90, None, Decimal(drops90) / _THREE)
    drops30 = snapshot.drops30
    if drops30 is not None and drops30 >= 0:
        return _velocity(config, "drops30", drops30, None, Decimal(drops30))
    rank, source = snapshot.rank_avg90, "avg90"
    if rank is None or rank <= 0:
        rank, source = snapshot.rank_current, "current"
    if rank is not None and rank > 0:
        index = bisect_left(config.rank_limits, rank)  # first row whose rank is >= ours
        sales = config.rank_sales[index] if index < len(config.rank_sales) else _ZERO
        return _velocity(config, "rank_table", rank, source, sales)
    return Velocity("unknown", None, None, None, None, _NO_SCORE)


def velocity_score(config: EngineConfig, monthly_sales: Decimal) -> Decimal:
    """100 * min(1, ln(1 + m) ÷ ln(1 + saturation)), half-up to 2 dp; memoised per m."""
    cache = config.velocity_scores
    score = cache.get(monthly_sales)
    if score is None:
        if monthly_sales >= config.saturation:
            score = _FULL_SCORE
        else:
            ratio = (_ONE + monthly_sales).ln() / config.ln_saturation
            score = (_HUNDRED * ratio).quantize(_CENT, ROUND_HALF_UP)
        if len(cache) >= _SCORE_CACHE_LIMIT:
            cache.clear()
        cache[monthly_sales] = score
    return score


def _velocity(
    config: EngineConfig, rule: str, value: int, source: str | None, monthly_sales: Decimal
) -> Velocity:
    return Velocity(
        rule,
        value,
        source,
        monthly_sales,
        monthly_sales.quantize(_CENT, ROUND_HALF_UP),
        velocity_score(config, monthly_sales),
    )
