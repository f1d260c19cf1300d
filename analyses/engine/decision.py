"""Decision (DOMAIN.md §5, §8, §10): profit, ROI, maximum buy price, checks, reasons, scores."""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from analyses.engine.config import EngineConfig
from analyses.engine.risk import Risk

HARD_CHECKS = ("no_price", "profit_below_min", "roi_below_min", "amazon_on_listing_new")
SOFT_CHECKS = ("velocity_below_min", "rank_unknown", "rank_above_max", "risk_high")
ROI_LIMIT = Decimal("9999.99")  # the column is NUMERIC(6,2)
# Balanced view (§10): how much ROI (capped at 100 %) and velocity weigh in the blend.
BALANCED_ROI_WEIGHT = Decimal("0.6")
BALANCED_VELOCITY_WEIGHT = Decimal("0.4")

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_FLOOR_STEPS = tuple(Decimal(1).scaleb(-places) for places in range(3, 13))
_FLAG_LABELS = {
    "amazon_on_listing": "Amazon on the listing",
    "high_competition": "high competition ({offers} offers)",
    "price_falling": "price falling",
    "slow_seller": "slow seller",
    "no_sales_data": "no sales data",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A failed check: a stable code and a sentence with the numbers."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def roi_percent(profit: Decimal, cost: Decimal) -> Decimal:
    """profit ÷ cost * 100, half-up to 2 dp, clamped to ±9999.99; cost 0 gives 9999.99."""
    if not cost:
        return ROI_LIMIT
    ratio = profit * _HUNDRED / cost
    # Clamp before rounding so an absurd ratio never reaches quantize's precision limit.
    if ratio > ROI_LIMIT:
        return ROI_LIMIT
    if ratio < -ROI_LIMIT:
        return -ROI_LIMIT
    return ratio.quantize(_CENT, ROUND_HALF_UP)


def max_buy_candidates(net: Decimal, config: EngineConfig) -> tuple[Decimal, Decimal, Decimal]:
    """(net - min profit, net ÷ (1 + min ROI), the maximum buy price), each rounded down."""
    by_profit = (net - config.min_profit).quantize(_CENT, ROUND_FLOOR)
    # 28 digits resolve the quotient far finer than its distance to any cent: flooring is exact.
    by_roi = (net / config.min_roi_factor).quantize(_CENT, ROUND_FLOOR)
    if net <= _ZERO:
        return by_profit, by_roi, _ZERO.quantize(_CENT)
    return by_profit, by_roi, max(min(by_profit, by_roi), _ZERO.quantize(_CENT))


def balanced_score(roi: Decimal, velocity: Decimal) -> Decimal:
    """0.6 * min(max(ROI, 0), 100) + 0.4 * velocity, half-up to 2 dp."""
    capped = min(max(roi, _ZERO), _HUNDRED)
    blend = BALANCED_ROI_WEIGHT * capped + BALANCED_VELOCITY_WEIGHT * velocity
    return blend.quantize(_CENT, ROUND_HALF_UP)


def decide(
    *,
    condition: str,
    basis: tuple[str, ...],
    cost: Decimal,
    profit: Decimal | None,
    roi: Decimal | None,
    velocity: Decimal,
    rank: int | None,
    risk: Risk,
    config: EngineConfig,
) -> tuple[str, tuple[Reason, ...]]:
    """Hard checks (any fails: SKIP), then soft ones (any fails: REVIEW), else BUY."""
    hard: list[Reason] = []
    if profit is None:
        hard.append(
            Reason("no_price", f"No sale price: none of {', '.join(basis)} has a current price")
        )
    else:
        if profit < config.min_profit:
            hard.append(
                Reason(
                    "profit_below_min",
                    f"Profit {money_text(profit)} is below your minimum of "
                    f"{money_text(config.min_profit)}",
                )
            )
        # The exact ratio, not the rounded ROI: the maximum buy price is defined on it.
        if cost and profit * _HUNDRED < config.min_roi_pct * cost:
            hard.append(
                Reason(
                    "roi_below_min",
                    f"ROI {_roi_shown(profit, cost, roi, config.min_roi_pct)}% is below your "
                    f"minimum of {plain_number(config.min_roi_pct)}%",
                )
            )
    if condition == "new" and risk.amazon_on_listing:
        hard.append(Reason("amazon_on_listing_new", "Amazon sells this book new"))

    soft: list[Reason] = []
    if velocity < config.min_velocity:
        soft.append(
            Reason(
                "velocity_below_min",
                f"Velocity {velocity} is below your minimum of {plain_number(config.min_velocity)}",
            )
        )
    if rank is None:
        soft.append(Reason("rank_unknown", "No sales rank: demand is unknown"))
    elif rank > config.max_rank:
        soft.append(
            Reason(
                "rank_above_max",
                f"Sales rank {rank:,} is above your maximum of {config.max_rank:,}",
            )
        )
    if risk.level == "HIGH":
        labels = ", ".join(
            _FLAG_LABELS[flag].format(offers=risk.offers_count) for flag in risk.flags
        )
        soft.append(Reason("risk_high", f"Risk is HIGH: {labels}"))

    recommendation = "SKIP" if hard else "REVIEW" if soft else "BUY"
    return recommendation, (*hard, *soft)


def money_text(amount: Decimal) -> str:
    """$1,234.50 / −$1.20 (a typographic minus, as on the rest of the page); more decimals only
    when the amount has them."""
    sign = "\u2212" if amount < _ZERO else ""
    amount = abs(amount).normalize()
    if amount.as_tuple().exponent > -2:
        amount = amount.quantize(_CENT)
    return f"{sign}${amount:,f}"


def plain_number(number: Decimal) -> str:
    """30, 27.5, 0.25: a setting as a person typed it."""
    return format(number.normalize(), "f")


def _roi_shown(profit: Decimal, cost: Decimal, roi: Decimal | None, minimum: Decimal) -> str:
    # The 2-dp ROI can round up onto the minimum ("30.00% is below 30%"); then show the
    # exact ratio rounded down with as many decimals as it takes to read as below.
    if roi is not None and roi < minimum:
        return format(roi, "f")
    exact = profit * _HUNDRED / cost
    for step in _FLOOR_STEPS:
        shown = exact.quantize(step, ROUND_FLOOR)
        if shown < minimum:
            return format(shown, "f")
    return f"just under {plain_number(minimum)}"
